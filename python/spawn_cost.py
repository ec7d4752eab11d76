"""What starting one unit of concurrency costs in this Python, and whether a stuck one can be
stopped: the Python column of the report's spawn chart and of the course's claims.

    python3 python/spawn_cost.py           # a table
    python3 python/spawn_cost.py --json    # what `greetbench sweep` stores

Each kind is started and waited for (``start()`` + ``join()``, or a task awaited) many times;
the median, the fastest and the slowest are reported. The kinds are a thread, an asyncio
task, and a ``multiprocessing.Process`` under each start method this platform offers: fork
(a copy of this process), spawn (a fresh interpreter: fork + exec, what greetbench's Rust
"process" is), forkserver (forked from a small server process). Which one this Python uses by
default is recorded too: Linux's default was fork up to 3.13 and is forkserver from 3.14.

The kill probe greets a host that accepts and never answers: a thread stuck there can only
wait for its own timeout, while a process stuck there is killed and reaped.

Only what every kind needs is imported at the top: a spawned or forkserver child imports this
file again before it runs anything, and that import is part of what its start costs.
"""

import multiprocessing
import platform
import socket
import statistics
import sys
import threading
import time

#: Repeats per kind: many for the cheap ones, few for a fresh interpreter (~50 ms each).
REPEATS = {"thread": 200, "asyncio-task": 1000, "fork": 20, "forkserver": 10, "process": 5}

#: How long the probe's stuck thread waits for its reply, seconds.
THREAD_TIMEOUT = 1.0


def nothing():
    """What every started process and thread runs: nothing, to time the start alone."""


def timed(start_and_wait, repeats):
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        start_and_wait()
        samples.append(time.perf_counter_ns() - t0)
    return samples


def thread():
    t = threading.Thread(target=nothing)
    t.start()
    t.join()


def process_with(context):
    def start_and_wait():
        p = context.Process(target=nothing)
        p.start()
        p.join()

    return start_and_wait


def task_samples(repeats):
    import asyncio  # here, not at the top: see the module's docstring

    async def empty():
        pass

    async def measure():
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            await asyncio.get_running_loop().create_task(empty())
            samples.append(time.perf_counter_ns() - t0)
        return samples

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(measure())
    finally:
        loop.close()


def spawn_costs():
    kinds = [
        ("thread", "threading.Thread: start() + join()", lambda n: timed(thread, n)),
        ("asyncio-task", "asyncio: create_task() + await", task_samples),
    ]
    methods = multiprocessing.get_all_start_methods()
    for method, kind, what in [
        ("fork", "fork", "multiprocessing.Process, start method fork: start() + join()"),
        ("forkserver", "forkserver", "multiprocessing.Process, start method forkserver"),
        ("spawn", "process", "multiprocessing.Process, start method spawn (a fresh interpreter)"),
    ]:
        if method in methods:
            context = multiprocessing.get_context(method)
            kinds.append((kind, what, lambda n, c=context: timed(process_with(c), n)))
    out = []
    for kind, what, measure in kinds:
        measure(1)  # warm up: imports, a forkserver's own start
        samples = measure(REPEATS[kind])
        out.append(
            {
                "kind": kind,
                "what": what,
                "median_ns": statistics.median(samples),
                "min_ns": min(samples),
                "max_ns": max(samples),
                "repeats": len(samples),
            }
        )
    return out


def stuck_greet(addr, timeout):
    """A greet to a host that never answers: it ends only when its timeout fires."""
    try:
        with socket.create_connection(addr, timeout=timeout) as sock:
            sock.sendall(b"Hello, world")
            sock.recv(256)
    except OSError:
        pass


def kill_probe():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        addr = silent.getsockname()
        silent.settimeout(10.0)
        # The thread: nothing can stop it from outside; we can only wait for it.
        t0 = time.monotonic()
        stuck = threading.Thread(target=stuck_greet, args=(addr, THREAD_TIMEOUT))
        stuck.start()
        held = silent.accept()[0]
        stuck.join()
        thread_ended_after_s = time.monotonic() - t0
        held.close()
        # The process: it would wait 60 s for its reply; kill it once it is waiting.
        process = multiprocessing.Process(target=stuck_greet, args=(addr, 60.0))
        process.start()
        held = silent.accept()[0]
        time.sleep(0.1)  # let the greeting arrive: then the process is stuck reading
        t0 = time.monotonic()
        process.kill()
        process.join(10.0)
        process_kill_ms = (time.monotonic() - t0) * 1e3
        held.close()
    return {
        "thread_timeout_s": THREAD_TIMEOUT,
        "thread_ended_after_s": thread_ended_after_s,
        "process_kill_ms": process_kill_ms,
        "process_killed": process.exitcode is not None and process.exitcode != 0,
    }


def uvloop_version():
    try:
        import uvloop
    except ImportError:
        return None
    return getattr(uvloop, "__version__", "installed")


def main(argv):
    report = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "default_start_method": multiprocessing.get_start_method(),
        "uvloop": uvloop_version(),
        "spawn": spawn_costs(),
        "kill": kill_probe(),
    }
    if "--json" in argv:
        import json

        print(json.dumps(report))
        return
    print(f"{report['python']}, default start method {report['default_start_method']}")
    for s in report["spawn"]:
        print(
            f"{s['kind']:<13} {s['median_ns'] / 1e3:>10.1f} us  "
            f"({s['min_ns'] / 1e3:.1f} - {s['max_ns'] / 1e3:.1f}, {s['repeats']} runs)  {s['what']}"
        )
    k = report["kill"]
    print(
        f"kill probe: a stuck thread ended after {k['thread_ended_after_s']:.3f} s (its own "
        f"{k['thread_timeout_s']:.1f} s timeout); a stuck process was killed and reaped in "
        f"{k['process_kill_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

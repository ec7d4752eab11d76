"""greetbench's Python models, run by the harness over stdin and stdout.

    python3 python/greetbench_py.py MODEL [--workers K] [--calibrate]
    python3 python/greetbench_py.py crunch WORK SEED [SEED ...]

The first form is what ``crates/model-python`` starts: one interpreter per started model,
speaking greet-core's wire style, one JSON object per line:

    -> {"Ready": {"pid": ..., "interpreter": {...}, "start_method": ..., "workers": [...],
                  "seconds_per_round": ...}}     (interpreter: see ``describe_interpreter``)
    <- {"Plan": {...}}            a greet_core::Plan: run every job of it (with "arrivals",
                                  an open-loop run: each job no earlier than it is due)
    -> {"Done": {...}}            a greet_core::Outcome, once per job, as each job ends
                                  (with "open_loop" stamps in an open-loop run)
    -> {"Finished": {"threads": N, "gil_enabled": G}}   the batch is over (N: the most threads
                                  seen alive; G: whether the GIL is on now)
    ... more plans, until the harness closes stdin; then the model is closed and we exit.

The second prints ``crunch(WORK, SEED)`` for each seed, one per line: the cross-language
check that Python's kernel gives Rust's checksums.

stdout belongs to the protocol. A stray ``print`` (in a model, a worker, a library) would
corrupt it, so the protocol writes to a private copy of the original stdout and file
descriptor 1 is pointed at stderr before any model starts.
"""

import json
import os
import platform
import sys
import sysconfig
import threading
import time

from greet import Plan, crunch, seconds_per_round
from models import asyncio_gather, processes, sequential, thread_pool, threads

#: The models by the names greetbench registers them under. ``py-asyncio-uvloop`` and
#: ``py-interpreters`` import what they need (uvloop, subinterpreters) only when asked for, so
#: that the others run on any Python 3.9 or newer.
MODELS = {
    "py-sequential": sequential,
    "py-threads": threads,
    "py-thread-pool": thread_pool,
    "py-processes": processes,
    "py-interpreters": None,
    "py-asyncio": asyncio_gather,
    "py-asyncio-uvloop": None,
}


def gil_enabled():
    """Whether the GIL is on now: ``sys._is_gil_enabled()`` (3.13+), else always. A
    free-threaded build turns it back on for ``PYTHON_GIL=1`` or an extension that needs it."""
    return getattr(sys, "_is_gil_enabled", lambda: True)()


def describe_interpreter():
    """This interpreter, as ``greet_core::interpreter::Interpreter`` reads it."""
    return {
        "path": sys.executable,
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil_enabled(),
    }


class Emitter:
    """Writes each outcome as one line, from any thread, and notes the most threads seen.

    Lines are flushed at most every ``FLUSH_EVERY`` seconds (and at the end of the batch), not
    one write per outcome: a thousand outcomes that end together cost one system call, and the
    harness still hears from us at least once per job that ends.
    """

    FLUSH_EVERY = 0.05

    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()
        self.peak_threads = threading.active_count()
        self.flushed = time.monotonic()

    def __call__(self, outcome):
        line = json.dumps({"Done": outcome}, separators=(",", ":")) + "\n"
        with self.lock:
            self.peak_threads = max(self.peak_threads, threading.active_count())
            self.out.write(line)
            now = time.monotonic()
            if now - self.flushed >= self.FLUSH_EVERY:
                self.out.flush()
                self.flushed = now


def take_stdout():
    """A private stream on the original stdout, with file descriptor 1 sent to stderr."""
    sys.stdout.flush()
    fd = os.dup(1)  # not inheritable (PEP 446): spawned workers never see it
    os.dup2(2, 1)
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def say(out, message):
    out.write(json.dumps(message, separators=(",", ":")) + "\n")
    out.flush()


def load(name):
    if name not in MODELS:
        sys.exit(f"unknown model {name!r}: use one of {', '.join(MODELS)}")
    if name == "py-asyncio-uvloop":
        try:
            from models import asyncio_uvloop
        except ImportError:
            sys.exit(
                "uvloop is not installed for this python3: "
                "python3 -m pip install -r python/requirements.txt"
            )
        return asyncio_uvloop
    if name == "py-interpreters":
        try:
            from models import interpreters
        except ImportError:
            sys.exit("no subinterpreters here: needs Python >= 3.13 (concurrent.interpreters)")
        return interpreters
    return MODELS[name]


def serve(name, workers, calibrate):
    out = take_stdout()
    runner = load(name).start(workers)
    say(
        out,
        {
            "Ready": {
                "pid": os.getpid(),
                # Said after the model started, its imports done: what it runs under.
                "interpreter": describe_interpreter(),
                "start_method": getattr(runner, "start_method", None),
                "workers": runner.pids() if hasattr(runner, "pids") else [],
                "seconds_per_round": seconds_per_round() if calibrate else None,
            }
        },
    )
    # Bounded: the loop ends when the harness closes our stdin.
    for line in sys.stdin:
        plan = Plan(json.loads(line)["Plan"])
        emit = Emitter(out)
        runner.run(plan, emit)
        say(out, {"Finished": {"threads": emit.peak_threads, "gil_enabled": gil_enabled()}})
    runner.close()


def main(argv):
    if len(argv) >= 3 and argv[0] == "crunch":
        work = int(argv[1])
        for seed in argv[2:]:
            print(crunch(work, int(seed)))
        return
    if not argv:
        sys.exit("usage: greetbench_py.py MODEL [--workers K] [--calibrate]")
    workers = os.cpu_count() or 1
    if "--workers" in argv:
        workers = int(argv[argv.index("--workers") + 1])
    serve(argv[0], workers, "--calibrate" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])

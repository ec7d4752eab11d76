"""py-processes: K ``multiprocessing`` workers, each on a two-way message channel.

The course's "multi-processing program with a message queue", and its answer to the GIL:
each worker is a separate interpreter with a GIL of its own, so K workers crunch on K cores.
The price is start-up (one process per worker, by this Python's default start method: fork,
spawn or forkserver) and pickling every job and result through a pipe.

Each worker has its own ``Pipe`` (a duplex channel: jobs in, outcomes out) rather than one
shared ``multiprocessing.Queue``: a worker killed while it holds a shared queue's lock can
wedge every other worker, and Python's documentation warns against killing a process that
uses a queue. With a channel each, the parent always knows which worker holds which job, so
what a thread cannot offer, a process can: a worker that hangs past its job's budget is
**killed**, its job counted as ``WorkerHung``, and the run goes on with the workers left.
This is greetbench's Rust processes model, line for line.
"""

import collections
import multiprocessing
import os
import time
from multiprocessing.connection import wait

from greet import JobError, failed, run_job

#: Test-only: make a worker misbehave at its n-th job, as ``hang:N`` or ``exit:N``.
FAULT_ENV = "GREETBENCH_PY_FAULT"

#: How many jobs a worker holds at once: the one it runs and the next, so that it does not sit
#: idle for a pipe round trip after each job. It still *runs* one at a time: at most K greets
#: are in flight.
DEPTH = 2

#: How long the workers may take to start and say they are ready, seconds.
START_TIMEOUT = 10.0


def serve(conn):
    """A worker's loop: receive a plan or a job, answer each job with its outcome."""
    kind, _, at = os.environ.get(FAULT_ENV, "").partition(":")
    fault_at = int(at) if at.isdigit() else 0
    conn.send(("ready", os.getpid()))
    plan, jobs_done = None, 0
    while True:
        try:
            message, value = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed our channel: we are done
        if message == "plan":
            plan = value
            continue
        jobs_done += 1
        if jobs_done == fault_at:
            if kind == "exit":
                os._exit(3)
            if kind == "hang":
                time.sleep(3600)  # long enough to be noticed, bounded all the same
        conn.send(("done", run_job(plan, value)))


class Worker:
    """One worker process, its end of the channel, and the jobs it holds (oldest first)."""

    def __init__(self, context):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.held = collections.deque()
        self.since = time.monotonic()  # when its oldest held job started, as far as we know
        self.alive = True

    def send(self, message):
        try:
            self.conn.send(message)
            return True
        except (OSError, ValueError):
            self.alive = False
            return False

    def kill(self):
        """Kills the worker if it still runs, and reaps it."""
        self.alive = False
        self.conn.close()
        self.process.kill()
        self.process.join(2.0)


class Processes:
    """K worker processes, started once and reused for every batch."""

    def __init__(self, workers):
        # The default context: whatever start method this Python uses on this platform (fork on
        # Linux up to 3.13, forkserver from 3.14). It is recorded with every run.
        context = multiprocessing.get_context()
        self.start_method = context.get_start_method()
        self.workers = [Worker(context) for _ in range(workers)]
        deadline = time.monotonic() + START_TIMEOUT
        waiting = {w.conn: w for w in self.workers}
        while waiting:
            ready = wait(list(waiting), max(0.0, deadline - time.monotonic()))
            if not ready:
                raise RuntimeError(f"workers did not start within {START_TIMEOUT:.0f} s")
            for conn in ready:
                try:
                    conn.recv()
                except (EOFError, OSError):
                    raise RuntimeError("a worker exited during start-up") from None
                del waiting[conn]

    def pids(self):
        return [w.process.pid for w in self.workers]

    def run(self, plan, emit):
        budget = plan.job_budget()
        # The jobs that are due and not yet sent to a worker: every job at once in a batch;
        # in an open-loop run, ``arrive`` adds each one at its due time.
        pending = collections.deque()
        arrived = arrive(plan, 0, pending)
        for w in self.live():
            w.send(("plan", plan))
        self.dispatch(pending)
        done = 0
        while done < plan.count:
            # A worker found dead by a failed send still holds its jobs: count them.
            for w in self.workers:
                if not w.alive and w.held:
                    done += self.lost(w, emit, "its channel broke")
            live = self.live()
            if not live:
                # Nobody is left to run the rest: what dead workers held and what was never
                # sent end as counted errors.
                left = self.drain_all() + list(pending) + list(range(arrived, plan.count))
                for i in left:
                    emit(failed(i, JobError("WorkerDied", "no worker process left")))
                return
            # Wait for the next answer, but never past the earliest job's budget, nor (in an
            # open-loop run) past the moment the next job is due.
            busy = [w.since + budget for w in live if w.held]
            timeout = max(0.0, min(busy) - time.monotonic()) if busy else budget
            if arrived < plan.count:
                timeout = min(timeout, plan.until_due(arrived))
            ready = wait([w.conn for w in live], timeout)
            for w in [w for w in live if w.conn in ready]:
                try:
                    _, result = w.conn.recv()
                except (EOFError, OSError):
                    done += self.lost(w, emit, f"exited ({w.process.exitcode})")
                    continue
                # Only an answer to a job this worker still holds counts.
                if result["index"] in w.held:
                    w.held.remove(result["index"])
                    w.since = time.monotonic()
                    emit(result)
                    done += 1
            if not ready:
                done += self.kill_hung(budget, emit)
            # Jobs that have come due join the queue, and go to a worker with room: one that
            # is idle starts at once; otherwise a job waits, in ``pending`` or in a worker's
            # pipe (``DEPTH``). Its ``open_loop`` start is when a worker began it.
            arrived = arrive(plan, arrived, pending)
            self.dispatch(pending)

    def live(self):
        return [w for w in self.workers if w.alive]

    def dispatch(self, pending):
        """Hands out jobs: one to every idle worker first, so that N <= K jobs run on N
        workers at once, then a second to each while jobs remain (see ``DEPTH``)."""
        for depth in range(1, DEPTH + 1):
            for w in self.live():
                if len(w.held) >= depth or not pending:
                    continue
                i = pending.popleft()
                if not w.send(("job", i)):
                    pending.appendleft(i)
                    continue
                if not w.held:
                    w.since = time.monotonic()
                w.held.append(i)

    def lost(self, w, emit, why):
        """A worker that died: reap it and count the jobs it held."""
        w.kill()
        for i in w.held:
            emit(failed(i, JobError("WorkerDied", why)))
        n = len(w.held)
        w.held.clear()
        return n

    def kill_hung(self, budget, emit):
        """Kills every worker past its job's budget: its job counts as hung, the one waiting
        behind it is lost with it. A thread could not be stopped like this."""
        now, n = time.monotonic(), 0
        for w in self.live():
            if w.held and w.since + budget <= now:
                w.kill()
                emit(failed(w.held.popleft(), JobError("WorkerHung")))
                n += 1 + self.lost(w, emit, "killed with a hung worker")
        return n

    def drain_all(self):
        held = [i for w in self.workers for i in w.held]
        for w in self.workers:
            w.held.clear()
        return held

    def close(self):
        # Closing a worker's channel tells it to exit; give it a moment, then kill and reap.
        for w in self.workers:
            w.conn.close()
        deadline = time.monotonic() + 2.0
        for w in self.workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.exitcode is None:
                w.process.kill()
                w.process.join(2.0)


def arrive(plan, arrived, pending):
    """Appends to ``pending`` every job from ``arrived`` on that is due by now (all of them in
    a batch), in order; returns how many jobs have arrived."""
    while arrived < plan.count and plan.until_due(arrived) <= 0:
        pending.append(arrived)
        arrived += 1
    return arrived


def start(workers):
    return Processes(workers)

"""py-thread-pool: K worker threads fed by a ``queue.Queue``, results on a second queue.

The course's "multi-threaded program with a message queue". At most K greets wait at once,
so N greets take about ceil(N/K) x L; the GIL still runs one crunch at a time. Under an
open-loop rate above K/L, jobs wait ever longer in the queue: the pool's knee.
"""

import queue
import threading
import time

from greet import JobError, failed, run_job


class ThreadPool:
    """K threads that take ``(plan, index)`` jobs from one queue and put outcomes on another."""

    def __init__(self, workers):
        self.jobs = queue.Queue()
        self.results = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, daemon=True, name=f"worker-{k}")
            for k in range(workers)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self):
        # A worker runs one job at a time, until it is handed None.
        for plan, index in iter(self.jobs.get, None):
            self.results.put(run_job(plan, index))

    def run(self, plan, emit):
        pending = set(range(plan.count))
        queued = 0  # jobs put on the queue so far, in the order they are due
        # A thread cannot be killed: if no result comes within a job's budget, the jobs still
        # out are written off (as timeouts) rather than waited for forever.
        budget = plan.job_budget()
        heard = time.monotonic()  # when a job was last queued or a result last came
        while pending:
            # Queue every job that is due: all of them at once in a batch, each at its due
            # time in an open-loop run. A free worker takes it at once; while all K are busy
            # it waits in the queue, and that wait is the pool's queueing.
            while queued < plan.count and plan.until_due(queued) <= 0:
                self.jobs.put((plan, queued))
                queued += 1
                heard = time.monotonic()
            # Wait for a result, but wake when the next job is due to queue it.
            silent_until = heard + budget
            wait = silent_until - time.monotonic()
            if queued < plan.count:
                wait = min(wait, plan.until_due(queued))
            try:
                result = self.results.get(timeout=max(0.0, wait))
            except queue.Empty:
                if time.monotonic() < silent_until:
                    continue  # not silent: a job is due
                for i in sorted(pending):
                    emit(failed(i, JobError("Timeout")))
                return
            heard = time.monotonic()
            pending.discard(result["index"])
            emit(result)

    def close(self):
        for _ in self.threads:
            self.jobs.put(None)
        deadline = time.monotonic() + 2.0
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def start(workers):
    return ThreadPool(workers)

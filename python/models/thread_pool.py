"""py-thread-pool: K worker threads fed by a ``queue.Queue``, results on a second queue.

The course's "multi-threaded program with a message queue". At most K greets wait at once,
so N greets take about ceil(N/K) x L; the GIL still runs one crunch at a time.
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
        for i in range(plan.count):
            self.jobs.put((plan, i))
        pending = set(range(plan.count))
        # A thread cannot be killed: if no result comes within a job's budget, the jobs still
        # out are written off (as timeouts) rather than waited for forever.
        budget = plan.job_budget()
        while pending:
            try:
                result = self.results.get(timeout=budget)
            except queue.Empty:
                for i in sorted(pending):
                    emit(failed(i, JobError("Timeout")))
                return
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

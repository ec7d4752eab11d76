"""py-threads: one ``threading.Thread`` per greet.

Every greet waits on a thread of its own, so N greets take about one latency. But the GIL
lets only one thread run Python code at a time: a crunch gets no speedup from more threads,
which is the course's reason for ``multiprocessing``. Each thread costs an OS thread (a stack,
a kernel task), so thousands of them cost memory that asyncio's tasks do not.
"""

import threading

from greet import JobError, failed, run_job


class Threads:
    """A thread per job, started for each batch and joined at its end."""

    def run(self, plan, emit):
        def work(i):
            emit(run_job(plan, i))

        threads = []
        for i in range(plan.count):
            # Open loop: this thread, the dispatcher, sleeps until job i is due and only then
            # starts its thread (never a thread per job started early, sleeping in it). A
            # batch never waits: every thread starts at once.
            plan.wait_due(i)
            thread = threading.Thread(target=work, args=(i,), daemon=True)
            try:
                thread.start()
            except RuntimeError as exc:  # "can't start new thread": an OS limit, counted
                emit(failed(i, JobError("ThreadLimit", str(exc))))
                continue
            threads.append(thread)
        # Bounded: every job gives up after its own timeout, and the harness kills an
        # interpreter that stops answering.
        for thread in threads:
            thread.join()

    def close(self):
        pass


def start(workers):
    return Threads()

"""py-interpreters: K subinterpreters in one process, a GIL each, fed by a queue.

PEP 684 (3.12) gave each interpreter in a process a GIL of its own, and PEP 734 (3.14) a
standard way to use them: ``concurrent.interpreters``. Each interpreter has its own modules
and objects, so nothing is shared but what crosses a cross-interpreter queue (pickled, as
between processes), and K of them crunch on K cores, like ``py-processes``, in one process:
no fork, no pipes, one address space.

This is ``py-thread-pool`` with each worker thread running inside an interpreter of its own:
K threads each enter one interpreter and loop there, taking job indexes from one queue and
putting outcomes on another. The interpreters are created, and import ``greet``, once at
start-up; each batch hands them the plan. Like a thread, a job in an interpreter cannot be
stopped, only written off.

On 3.14 the module is ``concurrent.interpreters``; 3.13 shipped the same module as a preview
inside its test package (``test.support.interpreters``), which greetbench uses when that
package is installed. 3.12's ``_xxsubinterpreters`` has no queue worth the name: not used.
"""

import json
import os
import threading
import time

from greet import JobError, failed

try:
    from concurrent import interpreters  # 3.14
except ImportError:  # 3.13's preview, where the test package is installed
    from test.support import interpreters

#: What each interpreter runs once: make ``greet`` importable, and define its worker loop.
SETUP = """
import sys
sys.path.insert(0, python_dir)
import json
from greet import Plan, run_job

def work(plan_text):
    plan = Plan(json.loads(plan_text))
    # One job at a time, until handed None: the end of the batch.
    while (index := jobs.get()) is not None:
        results.put(run_job(plan, index))
"""

#: How long the dispatcher sleeps between looks at the result queue, s (its ``get`` with a
#: timeout takes whole seconds only).
POLL = 0.002


class Interpreters:
    """K interpreters, a thread to enter each one per batch, and the two queues."""

    def __init__(self, workers):
        self.jobs = interpreters.create_queue()
        self.results = interpreters.create_queue()
        self.interps = [interpreters.create() for _ in range(workers)]
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        for interp in self.interps:
            # The queues' own module first, so that the interpreter can receive them.
            interp.exec(f"import {interpreters.__name__} as i\ni.create_queue")
            interp.prepare_main(jobs=self.jobs, results=self.results, python_dir=here)
            interp.exec(SETUP)

    def run(self, plan, emit):
        text = json.dumps(plan.value)
        threads = []
        for interp in self.interps:
            thread = threading.Thread(target=enter, args=(interp, text), daemon=True)
            thread.start()
            threads.append(thread)
        try:
            self.dispatch(plan, emit)
        finally:
            # Each interpreter leaves its loop at the None after the last job, so the queue is
            # empty for the next batch.
            for _ in threads:
                self.jobs.put(None)
            deadline = time.monotonic() + 2.0
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))

    def dispatch(self, plan, emit):
        pending = set(range(plan.count))
        queued = 0
        budget = plan.job_budget()
        heard = time.monotonic()
        while pending:
            # Queue every job that is due: all of them at once in a batch, each at its due
            # time in an open-loop run. A free interpreter takes it; while all K are busy it
            # waits in the queue.
            while queued < plan.count and plan.until_due(queued) <= 0:
                self.jobs.put(queued)
                queued += 1
                heard = time.monotonic()
            try:
                result = self.results.get_nowait()
            except interpreters.QueueEmpty:
                if time.monotonic() >= heard + budget:
                    # Nothing within a job's budget: the jobs still out are written off.
                    for i in sorted(pending):
                        emit(failed(i, JobError("Timeout")))
                    return
                time.sleep(POLL)
                continue
            heard = time.monotonic()
            pending.discard(result["index"])
            emit(result)

    def close(self):
        for interp in self.interps:
            try:
                interp.close()
            except interpreters.InterpreterError:
                pass  # still running a job written off: the process's exit ends it


def enter(interp, plan_text):
    """A worker thread: enters ``interp`` and runs its loop there for one batch."""
    interp.prepare_main(plan_text=plan_text)
    interp.exec("work(plan_text)")


def start(workers):
    return Interpreters(workers)

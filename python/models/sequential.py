"""py-sequential: the course's ``greet()``, one host after another.

Nothing overlaps: greet 2 starts when greet 1's reply has arrived, so N greets take about
N x L. It is the baseline every other model is measured against. Under an open-loop rate
above 1/L its jobs start ever later: one server, an unbounded queue.
"""

from greet import run_job


class Sequential:
    """One job after another, on the interpreter's one thread."""

    def run(self, plan, emit):
        for i in range(plan.count):
            # Open loop: sleep until job i is due. If the job before ran past that, job i
            # starts at once, late: it queued behind it. A batch never waits.
            plan.wait_due(i)
            emit(run_job(plan, i))

    def close(self):
        pass


def start(workers):
    return Sequential()

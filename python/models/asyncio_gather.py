"""py-asyncio: ``asyncio.gather`` over ``open_connection``, on one event loop.

As the course writes it: one coroutine per greet, all gathered on one loop. A waiting greet
is a suspended coroutine, not a thread, so N greets take about one latency on a single OS
thread, and thousands of them cost little memory. But one thread is one thread: a crunch
runs on the loop and nothing else moves meanwhile, so asyncio gives no CPU speedup.
"""

import asyncio

from greet_aio import run_job_async, sleep_until_due


class Asyncio:
    """One event loop, built at start and reused for every batch."""

    def __init__(self, loop):
        self.loop = loop

    def run(self, plan, emit):
        async def job(i):
            emit(await run_job_async(plan, i))

        async def batch():
            tasks = []
            for i in range(plan.count):
                # Open loop: this coroutine, the dispatcher, sleeps on the loop's own timer
                # until job i is due, and only then creates its task; while it sleeps, the
                # loop runs the tasks already created. In a batch it never sleeps: every
                # task is created at once, as gather over the coroutines would.
                await sleep_until_due(plan, i)
                tasks.append(asyncio.create_task(job(i)))
            await asyncio.gather(*tasks)

        self.loop.run_until_complete(batch())

    def close(self):
        self.loop.close()


def start(workers):
    return Asyncio(asyncio.new_event_loop())

"""The greet job on asyncio: the same steps as ``greet.run_job``, with asyncio's streams.

Like greet-core's ``run_job_async``: the definition of a job (what it sends, how long it may
wait, that the reply names the host aimed at, how a mixed job seeds its crunch) is
``greet``'s; only the socket and the waiting are asyncio's. The crunch of a mixed job runs
inline, on the event loop's one thread, as a CPU-bound coroutine does in the course: while it
runs, no other task (and no reply) makes progress.
"""

import asyncio
import time

from greet import (
    GREETING,
    MAX_REPLY,
    JobError,
    as_error,
    crunch,
    crunch_seed,
    mixed_seed,
    outcome,
    parse_reply,
)


async def within(timeout, coro):
    """Awaits ``coro``, giving up after ``timeout`` seconds with ``asyncio.TimeoutError``.

    ``asyncio.timeout`` (3.11+) cancels the coroutine in place; ``wait_for``, all 3.9 and 3.10
    offer, wraps it in a task of its own, which costs a second task per greet.
    """
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(timeout):
            return await coro
    return await asyncio.wait_for(coro, timeout)


async def greet_async(target, timeout):
    """One greet on the event loop: connect, send, await the reply line, close.

    ``readuntil`` waits for the newline (not one ``read``: TCP may split the line), and the
    stream's ``limit`` keeps a misbehaving host from making us buffer more than
    ``MAX_REPLY`` bytes. The whole greet, connection included, has its timeout.
    """

    async def exchange():
        host, port = target.addr
        reader, writer = await asyncio.open_connection(host, port, limit=MAX_REPLY)
        try:
            writer.write(GREETING)
            await writer.drain()
            return await reader.readuntil(b"\n")
        finally:
            writer.close()

    try:
        line = await within(timeout, exchange())
    except asyncio.TimeoutError:
        raise JobError("Timeout") from None
    except asyncio.IncompleteReadError:
        raise JobError("Closed") from None
    except asyncio.LimitOverrunError:
        raise JobError("BadReply", f"no newline within {MAX_REPLY} bytes") from None
    return target.check(parse_reply(line))


async def sleep_until_due(plan, index):
    """Sleeps on the event loop's own timer until job ``index`` is due (at once in a batch):
    ``Plan.wait_due`` for a coroutine, which must never block the loop with ``time.sleep``.

    A loop's timer may wake a little early (uvloop counts whole milliseconds from a clock it
    reads once per turn of the loop), so it looks again: a few ever-shorter naps at most.
    """
    for _ in range(5):
        wait = plan.until_due(index)
        if wait <= 0:
            return
        await asyncio.sleep(wait)


async def run_job_async(plan, index):
    """Runs job ``index`` of ``plan`` as a coroutine; the crunch, if any, runs inline. In an
    open-loop run it stamps ``open_loop`` and honours the deadline as ``greet.run_job`` does.
    """
    cut = plan.cut(index)
    if cut is not None:
        return cut
    began_us = plan.now_us()
    return plan.stamped(await run_one_async(plan, index), began_us)


async def run_one_async(plan, index):
    """The job itself, as a coroutine: crunch, greet, or both, ending as one outcome."""
    started = time.perf_counter_ns()
    try:
        if plan.workload == "crunch":
            return outcome(index, started, checksum=crunch(plan.work, crunch_seed(index)))
        host = await greet_async(plan.target(index), plan.timeout)
        if plan.workload == "greet":
            return outcome(index, started, reply=host)
        checksum = crunch(plan.work, mixed_seed(host, index))
        return outcome(index, started, reply=host, checksum=checksum)
    except Exception as exc:  # every job ends as an outcome: see greet.as_error
        return outcome(index, started, error=as_error(exc))

"""``asyncio.gather`` over one coroutine per greet, on one event loop: the floor client
of the asyncio models. The loop is made at import, before the batch is timed, as the model makes its
loop at start."""

import asyncio

LOOP = asyncio.new_event_loop()


async def greet(addr, timeout):
    async def exchange():
        reader, writer = await asyncio.open_connection(*addr)
        try:
            writer.write(b"Hello, world")
            await writer.drain()
            return await reader.readuntil(b"\n")
        finally:
            writer.close()

    try:
        if hasattr(asyncio, "timeout"):  # 3.11+: no task of its own, as the model's
            async with asyncio.timeout(timeout):
                await exchange()
        else:
            await asyncio.wait_for(exchange(), timeout)
        return True
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return False


def run(targets, workers, timeout):
    async def batch():
        return await asyncio.gather(*(greet(addr, timeout) for addr in targets))

    return sum(LOOP.run_until_complete(batch()))

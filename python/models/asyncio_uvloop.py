"""py-asyncio-uvloop: the py-asyncio model, unchanged, on uvloop's event loop (libuv).

Only the loop differs, which is the point: the same ``gather`` on a faster loop. uvloop is a
third-party package (``pip install uvloop``); without it this model is "not installed".
"""

import uvloop

from models.asyncio_gather import Asyncio


def start(workers):
    return Asyncio(uvloop.new_event_loop())

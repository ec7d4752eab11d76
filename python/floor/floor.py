"""greetbench's Python floor clients: for each way of waiting, the shortest client that greets
the hosts that way, with none of greetbench's harness (no outcomes, no stamps, no plan).

    python3 python/floor/floor.py KIND --count N --workers K --timeout S HOST:PORT...

KIND is ``py-one-at-a-time``, ``py-thread-per-greet``, ``py-pool-of-k`` or ``py-gather``
(greet-core's ``FloorKind`` names); each is one short module here. Greet ``i`` goes to the ``i % len(hosts)``-th address, as the models' do.
The client times its own batch (the interpreter's start excluded, as the harness excludes a
model's) and prints one JSON line: ``{"wall_s": ..., "ok": ..., "count": ...}``, ``ok``
counting the greets that got a reply line. ``greetbench compare --floor`` runs it beside the
Python model of its kind; it is measured, never registered as a model.

Standard library only; Python 3.9 or newer.
"""

import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

GREETING = b"Hello, world"


def greet(addr, timeout):
    """One greet: connect, send, read until the reply's newline. True when the line came."""
    try:
        with socket.create_connection(addr, timeout=timeout) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(GREETING)
            reply = b""
            while b"\n" not in reply and len(reply) < 64:
                chunk = sock.recv(64)
                if not chunk:
                    return False
                reply += chunk
            return b"\n" in reply
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("hosts", nargs="+")
    args = parser.parse_args()
    addrs = []
    for text in args.hosts:
        host, _, port = text.rpartition(":")
        addrs.append((host, int(port)))
    modules = {
        "py-one-at-a-time": "sequential",
        "py-thread-per-greet": "threads",
        "py-pool-of-k": "thread_pool",
        "py-gather": "asyncio_gather",
    }
    if args.kind not in modules or args.count < 1 or args.workers < 1:
        parser.error(f"KIND is one of {', '.join(modules)}; --count and --workers at least 1")
    client = __import__(modules[args.kind])
    targets = [addrs[i % len(addrs)] for i in range(args.count)]
    started = time.perf_counter()
    ok = client.run(targets, args.workers, args.timeout)
    wall_s = time.perf_counter() - started
    print(json.dumps({"wall_s": wall_s, "ok": ok, "count": args.count}))


if __name__ == "__main__":
    main()

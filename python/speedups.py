"""Crunch speedups per interpreter, from ``greetbench compare --json`` files.

    greetbench compare --lang python --python A,B --workload crunch --count 8 --workers 2 \
        --json > crunch-1.json        # repeat into crunch-2.json, ... on a quiet machine
    python3 python/speedups.py crunch-*.json

For each interpreter (as its records say it ran: ``3.13``, ``3.13t``, ``3.13t, GIL on``): the
median wall time of py-sequential over the files, each pool's speedup over it (median against
median), and the spread of the runs, so that a speedup is read beside its noise. First it says
whether every record's checksum is the same (the same work was done everywhere). Standard
library only.
"""

import json
import statistics
import sys


def label(interpreter):
    """How a record's interpreter reads: version, ``t`` for a free-threaded build, and the GIL
    switched back on if it was."""
    text = interpreter["version"] + ("t" if interpreter["free_threaded"] else "")
    if interpreter["free_threaded"] and interpreter["gil_enabled"]:
        text += ", GIL on"
    return text


def main(paths):
    walls, checksums = {}, set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for record in json.load(f):
                key = (label(record["interpreter"]), record["model"])
                walls.setdefault(key, []).append(record["wall_s"])
                checksums.add(record["checksum"])
    print("checksums equal:", len(checksums) == 1)
    for python in sorted({p for p, _ in walls}):
        seq = walls.get((python, "py-sequential"))
        if not seq:
            continue
        base = statistics.median(seq)
        print(f"{python:14} py-sequential    {base:.3f} s (runs {min(seq):.3f} to {max(seq):.3f}, n={len(seq)})")
        for model in ("py-threads", "py-thread-pool", "py-processes", "py-interpreters"):
            runs = walls.get((python, model))
            if runs:
                print(
                    f"{python:14} {model:16} x{base / statistics.median(runs):.2f} "
                    f"(runs {min(runs):.3f} to {max(runs):.3f} s, n={len(runs)})"
                )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python3 python/speedups.py COMPARE.json [...]")
    main(sys.argv[1:])

"""One greet after another: the floor of ``py-sequential``."""

from floor import greet


def run(targets, workers, timeout):
    return sum(greet(addr, timeout) for addr in targets)

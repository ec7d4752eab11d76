"""One greet after another: the floor client of the one-at-a-time Python model."""

from floor import greet


def run(targets, workers, timeout):
    return sum(greet(addr, timeout) for addr in targets)

"""K threads, each taking the next greet off one shared iterator until none is left: the
floor client of the Python pool of K."""

import threading

from floor import greet


def run(targets, workers, timeout):
    todo = iter(targets)  # next() on a list iterator is atomic under the GIL
    replies = []

    def work():
        for addr in todo:
            replies.append(greet(addr, timeout))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(replies)

"""One ``threading.Thread`` per greet, all started and then joined: the floor client
of the thread-per-greet Python model."""

import threading

from floor import greet


def run(targets, workers, timeout):
    replies = []

    def work(addr):
        replies.append(greet(addr, timeout))  # list.append is atomic under the GIL

    threads = [threading.Thread(target=work, args=(addr,)) for addr in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(replies)

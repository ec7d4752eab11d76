"""The course's concurrency models in Python, one module each.

Each module differs from its siblings only in the concurrency: the job itself is ``greet``'s
(``greet_aio``'s for asyncio). A module offers ``start(workers)``, which builds what the
model needs (threads, processes, an event loop) and returns a runner with ``run(plan, emit)``
(run every job of ``plan``, calling ``emit(outcome)`` exactly once per job, from any thread)
and ``close()``. In an open-loop run (``plan.arrivals``), ``run`` hands job ``i`` over no
earlier than it is due: ``plan.wait_due(i)`` in a blocking dispatcher, ``greet_aio``'s
``sleep_until_due`` in a coroutine; never every job started early, each sleeping. Building
is separate from running so that, as in Rust, start-up is measured apart from the batch.
"""

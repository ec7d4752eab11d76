"""The greet job in Python, defined once for every Python model: greetbench's greet-core.

Every model under ``models/`` runs its jobs with :func:`run_job` (or ``greet_aio.run_job_async``
for asyncio), so two models differ only in their concurrency, exactly as the Rust crates do.
What a job returns is an *outcome*: the JSON that ``greet_core::Outcome`` reads (``index``,
``pid``, ``latency_us``, ``reply``, ``checksum``, ``error``), with ``error`` one of the
variants of ``greet_core::GreetError``. That is the contract of ARCHITECTURE.md's "The run
request and the run record": the same accounting (every job ends as exactly one outcome, ok
or a counted error) and the same ``crunch`` kernel, so the checksums equal Rust's.

Standard library only; Python 3.9 or newer.
"""

import errno
import functools
import os
import socket
import time

#: The 12 bytes the course sends, without a newline.
GREETING = b"Hello, world"

#: The longest reply line a client accepts, newline included (``greet_core::protocol``).
MAX_REPLY = 256

#: A reply names its host: ``Hello, world! from host 3\n``.
REPLY_PREFIX = "Hello, world! from host "

#: 64-bit wrapping arithmetic: Python integers never overflow, so mask after each step.
MASK = 0xFFFF_FFFF_FFFF_FFFF

#: splitmix64's increment, the golden ratio in 64 bits.
GOLDEN = 0x9E37_79B9_7F4A_7C15


class JobError(Exception):
    """A job that did not complete, as a variant of ``greet_core::GreetError``.

    ``variant`` is the Rust variant's name (``"Timeout"``, ``"BadReply"``, ...); ``detail`` its
    payload, if it has one (a string, or ``{"expected": 1, "got": 2}`` for ``WrongHost``).
    """

    def __init__(self, variant, detail=None):
        super().__init__(variant if detail is None else f"{variant}: {detail}")
        self.variant = variant
        self.detail = detail

    def to_json(self):
        """The error as serde writes a ``GreetError``: a bare name, or ``{name: payload}``."""
        return self.variant if self.detail is None else {self.variant: self.detail}


# --- The CPU kernel -----------------------------------------------------------------------


def crunch(work, seed):
    """``work`` rounds of splitmix64's finaliser: greet-core's ``crunch``, bit for bit.

    Each round depends on the one before, so nothing can skip or vectorise it. The same
    ``(work, seed)`` gives the same checksum in Rust and in Python.

    The constants are made afresh by each call, so each thread works on integer objects of its
    own. On a free-threaded build (3.13t) an object shared by two threads, such as a constant
    of this function's code or a module global, has its reference count updated atomically by
    both, on every use: two threads crunching with shared constants ran at 0.95x one thread's
    speed here, and at 1.81x with constants of their own. With the GIL it makes no difference.
    """
    mask = int("FFFF_FFFF_FFFF_FFFF", 16)
    golden = int("9E37_79B9_7F4A_7C15", 16)
    mul1 = int("BF58_476D_1CE4_E5B9", 16)
    mul2 = int("94D0_49BB_1331_11EB", 16)
    x = (seed ^ golden) & mask
    for _ in range(work):
        x = (x + golden) & mask
        x = ((x ^ (x >> 30)) * mul1) & mask
        x = ((x ^ (x >> 27)) * mul2) & mask
        x ^= x >> 31
    return x


def crunch_seed(index):
    """The seed of crunch job ``index`` (``greet_core::workload::crunch_seed``)."""
    return index & MASK


def mixed_seed(host, index):
    """The seed of mixed job ``index`` whose reply came from ``host`` (``Reply::seed``)."""
    return ((host << 32) ^ index) & MASK


@functools.lru_cache(maxsize=None)
def seconds_per_round(rounds=5_000, tries=3):
    """How long one crunch round takes here: the best of ``tries`` timings of ``rounds``,
    measured once per process (a few milliseconds) and remembered."""
    best = min(_timed(rounds, seed) for seed in range(tries))
    return best / rounds


def _timed(rounds, seed):
    t0 = time.perf_counter()
    crunch(rounds, seed)
    return time.perf_counter() - t0


# --- The plan -----------------------------------------------------------------------------


class Target:
    """One host to greet: where it listens, and the host number its reply must name."""

    __slots__ = ("addr", "host")

    def __init__(self, addr, host):
        self.addr = addr
        self.host = host

    @classmethod
    def from_json(cls, value):
        text = value["addr"]
        ip, _, port = text.rpartition(":")
        return cls((ip.strip("[]"), int(port)), value.get("host"))

    def check(self, host):
        """A reply must come from the host the job aimed at (when that host is known)."""
        if self.host is not None and self.host != host:
            raise JobError("WrongHost", {"expected": self.host, "got": host})
        return host


def unix_to_monotonic(unix_s):
    """A UNIX time, in seconds, as a reading of ``time.monotonic``.

    The harness states instants in UNIX time, the clock every process of the machine shares.
    The wall clock can be stepped, though (NTP), so our waits and stamps read
    ``time.monotonic``, which never jumps. One reading of both clocks converts an instant.
    """
    return time.monotonic() + (unix_s - time.time())


class Arrivals:
    """When each job of an open-loop run is due: ``greet_core::Arrivals``, read from its JSON.

    Job ``i`` is due at ``epoch + offsets_us[i]``. A model's dispatcher (the loop that starts
    threads, feeds a queue or creates tasks) hands job ``i`` over no earlier than that, and the
    job stamps when it really started and ended (``open_loop``), in µs after the epoch.
    """

    __slots__ = ("offsets_us", "epoch_mono")

    def __init__(self, value):
        self.offsets_us = [int(o) for o in value["offsets_us"]]
        # The epoch on time.monotonic, converted once for the whole run. time.monotonic is
        # CLOCK_MONOTONIC, one clock for the machine, so the processes model's workers read
        # this same value in their own interpreters.
        self.epoch_mono = unix_to_monotonic(int(value["epoch_us"]) / 1e6)

    def due(self, index):
        """When job ``index`` is due, on ``time.monotonic``."""
        return self.epoch_mono + self.offsets_us[index] / 1e6

    def now_us(self):
        """Now, in µs after the epoch (0 before it): the clock of an outcome's ``open_loop``."""
        return max(0, int((time.monotonic() - self.epoch_mono) * 1e6))


class Plan:
    """Everything a model needs to run one batch: ``greet_core::Plan``, read from its JSON."""

    __slots__ = (
        "workload",
        "count",
        "targets",
        "work",
        "workers",
        "timeout",
        "arrivals",
        "deadline",
        "value",
    )

    def __init__(self, value):
        # The plan as the harness sent it, for a model that passes it on whole (to another
        # interpreter).
        self.value = value
        self.workload = value["workload"]
        self.count = int(value["count"])
        self.targets = [Target.from_json(t) for t in value["targets"]]
        self.work = int(value["work"])
        self.workers = int(value["workers"])
        timeout = value["timeout"]
        self.timeout = timeout["secs"] + timeout["nanos"] / 1e9
        # An open-loop run's schedule; None for a batch, where every job is due at once.
        arrivals = value.get("arrivals")
        self.arrivals = None if arrivals is None else Arrivals(arrivals)
        # The run's deadline (serde writes a SystemTime as seconds and nanoseconds since the
        # UNIX epoch), on time.monotonic. Only an open-loop run reads it: see ``cut``.
        deadline = value.get("deadline")
        self.deadline = None
        if deadline is not None:
            unix_s = deadline["secs_since_epoch"] + deadline["nanos_since_epoch"] / 1e9
            self.deadline = unix_to_monotonic(unix_s)

    def target(self, index):
        """The host job ``index`` greets: round-robin over the targets."""
        return self.targets[index % len(self.targets)]

    def until_due(self, index):
        """Seconds until job ``index`` may be handed over (``Plan::until_due``): 0 in a batch,
        and once it is due. Never past the run's deadline: a job due after it will not start,
        and is counted as soon as a worker takes it (see ``cut``)."""
        if self.arrivals is None:
            return 0.0
        at = self.arrivals.due(index)
        if self.deadline is not None:
            at = min(at, self.deadline)
        return max(0.0, at - time.monotonic())

    def wait_due(self, index):
        """Blocks the calling thread until job ``index`` is due; returns at once in a batch."""
        wait = self.until_due(index)
        if wait > 0:
            time.sleep(wait)

    def now_us(self):
        """Now, in µs after an open-loop run's epoch; None in a batch."""
        return None if self.arrivals is None else self.arrivals.now_us()

    def cut(self, index):
        """The outcome of open-loop job ``index`` if the run's deadline passed before it could
        start (``Deadline``: it never ran, so no ``open_loop``), else None. Always None in a
        batch, which leaves its deadline to the harness, as before open-loop runs existed."""
        if self.arrivals is None or self.deadline is None:
            return None
        if time.monotonic() < self.deadline:
            return None
        cut = failed(index, JobError("Deadline"))
        cut["attempts"] = 0  # it never greeted, as greet_core's Outcome::failed says
        return cut

    def stamped(self, result, started_us):
        """``result`` with its ``open_loop`` (start and end, µs after the epoch) in an
        open-loop run, ``started_us`` being ``now_us()`` when the job began; unchanged in a
        batch."""
        if started_us is not None:
            result["open_loop"] = {"started_us": started_us, "done_us": self.now_us()}
        return result

    def job_budget(self):
        """How long one job may take before it counts as hung: twice the greet timeout, ten
        times its expected crunch, and a second of slack (as the Rust processes model)."""
        crunch_s = self.work * seconds_per_round() if self.workload != "greet" else 0.0
        return 2 * self.timeout + 10 * crunch_s + 1.0


# --- The greet ----------------------------------------------------------------------------


def parse_reply(line):
    """The host a reply line names, or a ``BadReply``."""
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise JobError("BadReply", "not UTF-8") from None
    if text.startswith("ERR"):
        raise JobError("BadReply", f"host refused the greeting:{text[3:]}")
    number = text[len(REPLY_PREFIX):] if text.startswith(REPLY_PREFIX) else ""
    if not (number.isascii() and number.isdigit() and int(number) <= 0xFFFF_FFFF):
        raise JobError("BadReply", f"unexpected reply {text!r}")
    return int(number)


def greet(target, timeout):
    """One greet: connect, send ``Hello, world``, **wait** for the reply line, close.

    The course's client reads the reply with a single ``sock.recv(1024)``. That is a bug
    which loopback hides: TCP is a byte stream, not a message stream, so one ``recv`` may
    return half a reply (the rest arriving in a second segment), and the course would take
    the half for the whole. This reads until the newline, as greet-core's ``ReplyReader``
    does, never buffers more than ``MAX_REPLY`` bytes, and gives up ``timeout`` seconds after
    it started, connection included.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection(target.addr, timeout=timeout) as sock:
        # Greets are tiny: send at once rather than waiting to batch (Nagle).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(GREETING)
        reply = b""
        while b"\n" not in reply:
            if len(reply) >= MAX_REPLY:
                raise JobError("BadReply", f"no newline within {MAX_REPLY} bytes")
            left = deadline - time.monotonic()
            if left <= 0:
                raise JobError("Timeout")
            sock.settimeout(left)
            chunk = sock.recv(MAX_REPLY - len(reply))
            if not chunk:
                raise JobError("Closed")
            reply += chunk
    return target.check(parse_reply(reply[: reply.index(b"\n") + 1]))


# --- A job, and how it ends ---------------------------------------------------------------


def as_error(exc):
    """The ``GreetError`` variant of an exception raised by a job.

    Anything that is not a network or OS error is a bug in the job, counted as ``Panicked``,
    as every Rust model counts a panicking job: one bad job never takes the batch down.
    """
    if isinstance(exc, JobError):
        return exc
    if isinstance(exc, ConnectionRefusedError):
        return JobError("Refused")
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return JobError("Reset")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return JobError("Timeout")
    if isinstance(exc, OSError):
        if exc.errno == errno.EADDRNOTAVAIL:
            return JobError("EphemeralPorts")
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            return JobError("OpenFiles")
        return JobError("Io", str(exc))
    return JobError("Panicked", f"{type(exc).__name__}: {exc}")


def outcome(index, started, reply=None, checksum=0, error=None):
    """One job's outcome, as ``greet_core::Outcome`` reads it. ``started`` is a
    ``time.perf_counter_ns()`` reading taken when the job began."""
    latency_us = max(0, (time.perf_counter_ns() - started) // 1000)
    return {
        "index": index,
        "pid": os.getpid(),
        "latency_us": latency_us,
        "reply": None if reply is None else {"host": reply},
        "checksum": checksum,
        "error": None if error is None else error.to_json(),
    }


def failed(index, error):
    """A job that never ran (its thread could not start, its worker died first)."""
    return outcome(index, time.perf_counter_ns(), error=error)


def run_job(plan, index):
    """Runs job ``index`` of ``plan`` on the calling thread, blocking until it ends.

    In an open-loop run the outcome also says when the job began and ended (``open_loop``),
    and a job that begins past the run's deadline does not run: it is counted as cut off.
    """
    cut = plan.cut(index)
    if cut is not None:
        return cut
    began_us = plan.now_us()
    return plan.stamped(run_one(plan, index), began_us)


def run_one(plan, index):
    """The job itself: crunch, greet, or both, ending as one outcome."""
    started = time.perf_counter_ns()
    try:
        if plan.workload == "crunch":
            return outcome(index, started, checksum=crunch(plan.work, crunch_seed(index)))
        host = greet(plan.target(index), plan.timeout)
        if plan.workload == "greet":
            return outcome(index, started, reply=host)
        checksum = crunch(plan.work, mixed_seed(host, index))
        return outcome(index, started, reply=host, checksum=checksum)
    except Exception as exc:  # every job ends as an outcome: see as_error
        return outcome(index, started, error=as_error(exc))

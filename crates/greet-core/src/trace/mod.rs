//! When each step of a job happened, and on which OS thread: the raw material of the timeline
//! that shows *how* a model waits (`greetbench run --trace`, the report's "What waiting looks
//! like").
//!
//! Recording is cheap enough to stay on in every run, so that a traced run is the same run as
//! an untraced one:
//! - a [`Stamp`] is a clock read (µs since the UNIX epoch) and the thread's id, written into
//!   the job's own [`Outcome`](crate::Outcome); no lock, no allocation, nothing shared is
//!   written per job;
//! - the clock is a per-process anchor read once (`Instant` and `SystemTime` together) plus
//!   the monotonic `Instant` elapsed since it. `Instant` alone is process-local, so a worker
//!   process could not be compared with its parent; anchored to the wall clock, stamps from
//!   every process on the machine line up;
//! - the thread id is asked of the kernel once per thread (`gettid`, through greet-os, a
//!   `thread_local`): one system call, where reading `/proc/thread-self` cost a path walk
//!   through procfs and an allocation on every new thread, which a thread-per-greet model
//!   pays once per greet.
//!
//! `GREETBENCH_TRACE=off` ([`ENV`]) turns recording off, only to measure what it costs.
//!
//! Who stamps what:
//! - the blocking job runner [`crate::run_job`] stamps the job's start and end, and around the
//!   crunch; the blocking client marks when it has connected and when the greeting has gone
//!   ([`mark_connected`], [`mark_sent`]) in a per-thread cell the runner reads back;
//! - the async runner [`crate::run_job_async`] cannot see inside a runtime's greet, so it
//!   watches the polls of the greet future instead ([`observe`], [`Polls`]): the poll that
//!   connected and sent the greeting, then the wait, then the poll that read the reply. Each
//!   stamp names the thread that *polled*. A crunch future that completes in one poll ran on
//!   that thread; one that needed more was moved elsewhere (a blocking pool), and its thread
//!   is recorded as unknown.
//!
//! A run's [`Trace`] (in the record, when the request asks for it) turns the stamps into
//! spans per phase, as offsets from the moment the batch began.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// `GREETBENCH_TRACE=off` turns stamping off in this process and its workers: the way to
/// measure what recording costs. Anything else, or unset, leaves it on.
pub const ENV: &str = "GREETBENCH_TRACE";

/// The per-process clock: a wall-clock anchor and the monotonic instant it was read at.
struct Clock {
    at: Instant,
    unix_us: u64,
    on: bool,
}

static CLOCK: OnceLock<Clock> = OnceLock::new();

fn clock() -> &'static Clock {
    CLOCK.get_or_init(|| {
        let at = Instant::now();
        let unix_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        Clock {
            at,
            // 0 means "no stamp", so the anchor is never 0.
            unix_us: unix_us.max(1),
            on: std::env::var(ENV).map_or(true, |v| v.trim() != "off"),
        }
    })
}

/// Now, in µs since the UNIX epoch, on a clock that every process of this machine shares and
/// that never goes backwards within a process.
pub fn now_us() -> u64 {
    let c = clock();
    let since = u64::try_from(c.at.elapsed().as_micros()).unwrap_or(u64::MAX);
    c.unix_us.saturating_add(since)
}

/// Whether stamping is on in this process (see [`ENV`]).
pub fn enabled() -> bool {
    clock().on
}

thread_local! {
    static TID: u32 = greet_os::process::thread_id();
    static MARKS: Cell<[Stamp; 2]> = const { Cell::new([Stamp::NONE; 2]) };
}

/// The calling thread's kernel id (its `tid`, as `ps -L` and Perfetto show it): one `gettid`
/// per thread, then a thread-local read.
pub fn tid() -> u32 {
    TID.with(|t| *t)
}

/// This process's id, asked of the kernel once: every [`Outcome`] names the process that ran
/// it, and a `getpid` per job is a system call per job. (Nothing here forks without exec, so
/// the id cannot change under a running process.)
pub fn pid() -> u32 {
    static PID: OnceLock<u32> = OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// One moment of a job: when, and on which thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// µs since the UNIX epoch ([`now_us`]); 0 when it did not happen or was not recorded.
    pub us: u64,
    /// The OS thread that was running the job then; 0 when the job ran this step on a thread
    /// it cannot see (a crunch moved to a runtime's blocking pool).
    pub tid: u32,
}

impl Stamp {
    /// No stamp.
    pub const NONE: Stamp = Stamp { us: 0, tid: 0 };

    /// Now, on this thread; [`Stamp::NONE`] when stamping is off.
    pub fn now() -> Stamp {
        if !enabled() {
            return Stamp::NONE;
        }
        Stamp {
            us: now_us(),
            tid: tid(),
        }
    }

    /// Whether there is no stamp.
    pub fn is_none(&self) -> bool {
        self.us == 0
    }

    /// The same moment, on a thread the job could not see.
    fn elsewhere(self) -> Stamp {
        Stamp { tid: 0, ..self }
    }
}

/// Records, for the blocking client, that the job running on this thread has connected.
pub fn mark_connected() {
    MARKS.with(|m| m.set([Stamp::now(), Stamp::NONE]));
}

/// Records, for the blocking client, that the job running on this thread has sent its
/// greeting and starts waiting for the reply.
pub fn mark_sent() {
    MARKS.with(|m| {
        let [connected, _] = m.get();
        m.set([connected, Stamp::now()]);
    });
}

/// Every step of one job. Carried in its [`Outcome`], so it crosses a worker's pipe with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamps {
    /// The job began on its thread or task: taken off the queue, or first polled.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub picked: Stamp,
    /// Its connection was open.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub connected: Stamp,
    /// Its greeting was sent: from here it waits.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub sent: Stamp,
    /// Its greet ended: the reply was read, or the greet gave up.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub greeted: Stamp,
    /// Its crunch began.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub crunch_start: Stamp,
    /// Its crunch ended.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub crunch_end: Stamp,
    /// The job ended.
    #[serde(default, skip_serializing_if = "Stamp::is_none")]
    pub done: Stamp,
}

impl Stamps {
    /// A job starts on this thread now. Clears the thread's client marks, which belong to
    /// whatever job ran here before.
    pub fn begin() -> Stamps {
        MARKS.with(|m| m.set([Stamp::NONE; 2]));
        Stamps {
            picked: Stamp::now(),
            ..Stamps::default()
        }
    }

    /// The blocking greet has just returned: reads the client's marks from this thread.
    pub fn greet_returned(&mut self) {
        let [connected, sent] = MARKS.with(Cell::get);
        self.connected = connected;
        self.sent = sent;
        self.greeted = Stamp::now();
    }

    /// The async greet has ended, after the polls in `polls`. The last poll read the reply;
    /// the one before it connected (when the connection needed a wait of its own) and sent
    /// the greeting, after which the greet waited. A greet over in one poll (refused at once)
    /// has only its end.
    pub fn greet_polled(&mut self, polls: &Polls) {
        if polls.count == 0 {
            return;
        }
        self.greeted = polls.last.1;
        if polls.count >= 2 {
            self.sent = polls.prev.1;
            self.connected = if polls.count >= 3 {
                polls.prev.0
            } else {
                polls.prev.1
            };
        }
    }

    /// Runs a crunch here, stamping its start and end.
    pub fn crunch<T>(&mut self, f: impl FnOnce() -> T) -> T {
        self.crunch_start = Stamp::now();
        let out = f();
        self.crunch_end = Stamp::now();
        out
    }

    /// The async crunch has ended, after the polls in `polls`. Done in one poll, it ran on
    /// the polling thread; needing more, it ran elsewhere and this task only waited for it.
    pub fn crunch_polled(&mut self, polls: &Polls) {
        if polls.count == 0 {
            return;
        }
        let (start, end) = (polls.first.0, polls.last.1);
        (self.crunch_start, self.crunch_end) = if polls.count == 1 {
            (start, end)
        } else {
            (start.elsewhere(), end.elsewhere())
        };
    }

    /// The job ends now.
    pub fn finish(mut self) -> Stamps {
        self.done = Stamp::now();
        self
    }

    /// Whether nothing was stamped (recording off, or the job never ran).
    pub fn is_empty(&self) -> bool {
        self.picked.is_none() && self.done.is_none()
    }
}

/// How a future was polled: how often, and the first, the next-to-last and the last poll,
/// each as (start, end). Filled in by [`observe`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polls {
    /// How many times it was polled.
    pub count: u32,
    /// The first poll.
    pub first: (Stamp, Stamp),
    /// The poll before the last one.
    pub prev: (Stamp, Stamp),
    /// The last poll.
    pub last: (Stamp, Stamp),
}

impl Polls {
    fn record(&mut self, poll: (Stamp, Stamp)) {
        if self.count == 0 {
            self.first = poll;
        }
        self.prev = self.last;
        self.last = poll;
        self.count = self.count.saturating_add(1);
    }
}

/// Awaits `future`, stamping the start and end of each of its polls into `polls`: two clock
/// reads per poll, on whichever thread polls it.
///
/// A struct that holds `future` in place rather than an `async fn`: an `async fn` keeps its
/// argument for its whole life and would hold a second, pinned copy beside it, so a waiting
/// greet would carry its greet future twice.
pub fn observe<F: Future>(future: F, polls: &mut Polls) -> Observe<'_, F> {
    Observe { future, polls }
}

pin_project_lite::pin_project! {
    /// A future whose polls are stamped: what [`observe`] returns.
    #[must_use = "a future does nothing unless awaited"]
    pub struct Observe<'a, F> {
        #[pin]
        future: F,
        polls: &'a mut Polls,
    }
}

impl<F: Future> Future for Observe<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let start = Stamp::now();
        let poll = this.future.poll(cx);
        this.polls.record((start, Stamp::now()));
        poll
    }
}

mod timeline;

pub use timeline::{JobTrace, Lane, Phase, Span, Trace};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{ErrorKind, GreetError, Outcome};
    use crate::plan::Plan;
    use crate::plan::Target;
    use crate::protocol::Reply;
    use crate::workload::Workload;
    use std::time::Duration;

    fn stamp(us: u64, tid: u32) -> Stamp {
        Stamp { us, tid }
    }

    fn plan(workload: Workload) -> Plan {
        let t = Target {
            addr: "127.0.0.1:9".parse().unwrap(),
            host: Some(4),
        };
        Plan::new(workload, 2, vec![t])
    }

    #[test]
    fn stamps_are_taken_on_this_thread_and_go_forwards() {
        let a = Stamp::now();
        let b = Stamp::now();
        assert!(!a.is_none() && b.us >= a.us);
        assert_eq!(a.tid, tid());
        let other = std::thread::spawn(tid).join().unwrap();
        assert_ne!(other, tid(), "each thread has its own id");
        // The clock is the wall clock's: within a few seconds of SystemTime's.
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!(a.us.abs_diff(wall.as_micros() as u64) < 5_000_000);
    }

    #[test]
    fn the_blocking_clients_marks_belong_to_the_job_on_this_thread() {
        mark_sent(); // left over from something that was not a job
        let mut s = Stamps::begin();
        mark_connected();
        mark_sent();
        s.greet_returned();
        assert!(!s.connected.is_none() && s.sent.us >= s.connected.us);
        let mut next = Stamps::begin();
        next.greet_returned();
        assert!(next.connected.is_none() && next.sent.is_none(), "{next:?}");
    }

    #[test]
    fn polls_place_connect_send_and_wait() {
        let mut p = Polls::default();
        for (i, tid) in [(1u64, 7u32), (3, 8), (9, 7)] {
            p.record((stamp(i * 10, tid), stamp(i * 10 + 1, tid)));
        }
        let mut s = Stamps::default();
        s.greet_polled(&p);
        assert_eq!(s.connected, stamp(30, 8));
        assert_eq!(s.sent, stamp(31, 8));
        assert_eq!(s.greeted, stamp(91, 7));
        // A crunch that needed a second poll ran elsewhere.
        s.crunch_polled(&p);
        assert_eq!((s.crunch_start.tid, s.crunch_end.tid), (0, 0));
        let mut one = Polls::default();
        one.record((stamp(5, 3), stamp(6, 3)));
        s.crunch_polled(&one);
        assert_eq!((s.crunch_start, s.crunch_end), (stamp(5, 3), stamp(6, 3)));
    }

    #[test]
    fn a_trace_has_one_span_per_phase_and_counts_overlaps() {
        let t0 = 1_000;
        let job = |i: usize, base: u64, tid: u32| {
            let mut o = Outcome::new(i, Duration::ZERO, Ok((Some(Reply { host: 4 }), 1)));
            o.stamps = Stamps {
                picked: stamp(t0 + base, tid),
                connected: stamp(t0 + base + 10, tid),
                sent: stamp(t0 + base + 11, tid),
                greeted: stamp(t0 + base + 100, tid),
                crunch_start: stamp(t0 + base + 100, 0),
                crunch_end: stamp(t0 + base + 150, 0),
                done: stamp(t0 + base + 150, tid),
            };
            o
        };
        let outcomes = [job(1, 50, 9), job(0, 0, 9)];
        let trace = Trace::new(t0, &plan(Workload::Mixed), &outcomes);
        assert_eq!(trace.jobs[0].index, 0);
        let phases: Vec<Phase> = trace.jobs[0].spans.iter().map(|s| s.phase).collect();
        assert_eq!(phases, Phase::ALL);
        assert_eq!(trace.jobs[1].spans[2].start_us, 61);
        assert_eq!(trace.jobs[1].host, Some(4));
        // Waits 11..100 and 61..150 overlap; crunches 100..150 and 150..200 only touch.
        assert_eq!(trace.peak(Phase::Waiting), 2);
        assert_eq!(trace.peak(Phase::Crunching), 1);
        let lanes = trace.lanes();
        assert_eq!(lanes.len(), 2, "the thread, and the unseen crunch thread");
        assert_eq!(lanes[1].tid, None);
        assert_eq!(trace.end_us(), 200);
        let back: Trace = serde_json::from_str(&serde_json::to_string(&trace).unwrap()).unwrap();
        assert_eq!(back, trace);
    }

    #[test]
    fn a_failed_greet_ends_its_phase_where_it_failed() {
        let t0 = 1_000;
        let mut o = Outcome::new(0, Duration::ZERO, Err(GreetError::Refused));
        o.stamps = Stamps {
            picked: stamp(t0, 5),
            greeted: stamp(t0 + 20, 5),
            done: stamp(t0 + 20, 5),
            ..Stamps::default()
        };
        let never = Outcome::failed(1, GreetError::WorkerHung);
        let trace = Trace::new(t0, &plan(Workload::Greet), &[o, never]);
        let spans = &trace.jobs[0].spans;
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].phase, spans[0].end_us), (Phase::Connecting, 20));
        assert_eq!(trace.jobs[0].error, Some(ErrorKind::Refused));
        assert!(trace.jobs[1].spans.is_empty() && trace.jobs[1].picked_us.is_none());
        assert_eq!(
            trace.jobs[1].host,
            Some(4),
            "the host it was meant to greet"
        );
    }
}

//! A run's timeline ([`Trace`]): the stamps of every job turned into spans per phase, as
//! offsets from the moment the batch began, with the thread and process each ran on.

use super::Stamp;
use crate::outcome::{ErrorKind, Outcome};
use crate::plan::Plan;

/// The phases a job's time is drawn in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// From the job's start until its connection is open.
    Connecting,
    /// Writing the greeting.
    Sending,
    /// From the greeting sent until the reply is read: the waiting.
    Waiting,
    /// The CPU work.
    Crunching,
}

impl Phase {
    /// Every phase, in a job's order.
    pub const ALL: [Phase; 4] = [
        Phase::Connecting,
        Phase::Sending,
        Phase::Waiting,
        Phase::Crunching,
    ];

    /// The lower-case name used in JSON, traces and legends.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Sending => "sending",
            Phase::Waiting => "waiting",
            Phase::Crunching => "crunching",
        }
    }
}

/// One phase of one job, as offsets from the batch's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// Which phase.
    pub phase: Phase,
    /// When it began, µs after the batch began.
    pub start_us: u64,
    /// When it ended, µs after the batch began.
    pub end_us: u64,
    /// The OS thread it ran on (for a wait: the thread that sent and then waited, or the
    /// task's thread when it suspended); `None` when the job handed it to a thread it cannot
    /// see (a crunch on a runtime's blocking pool).
    #[serde(default)]
    pub tid: Option<u32>,
}

/// One job's timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobTrace {
    /// The job's index.
    pub index: usize,
    /// The process that ran it.
    pub pid: u32,
    /// The host it greeted (for greet and mixed jobs).
    #[serde(default)]
    pub host: Option<u32>,
    /// How it failed, if it did.
    #[serde(default)]
    pub error: Option<ErrorKind>,
    /// When its thread or task took it up, µs after the batch began (every job is queued
    /// when the batch begins); `None` if it never ran or was not recorded.
    #[serde(default)]
    pub picked_us: Option<u64>,
    /// When it ended, µs after the batch began.
    #[serde(default)]
    pub done_us: Option<u64>,
    /// The thread that took it up.
    #[serde(default)]
    pub tid: Option<u32>,
    /// Its phases, in order.
    #[serde(default)]
    pub spans: Vec<Span>,
}

/// Where a span ran: a process and one of its threads (`None`: a thread the job could not
/// see). Timelines draw one lane per `Lane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lane {
    /// The process.
    pub pid: u32,
    /// The thread.
    pub tid: Option<u32>,
}

/// Every job of one run on one timeline: what a run record carries when its request asked
/// for `trace`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    /// When the batch began, µs since the UNIX epoch (the clock of [`now_us`]). Every job was
    /// queued then, and every `_us` offset of `jobs` counts from here.
    pub t0_unix_us: u64,
    /// The process that ran the batch (the client); jobs with another pid ran in workers.
    pub pid: u32,
    /// One per job, by index.
    pub jobs: Vec<JobTrace>,
}

impl Trace {
    /// The trace of a batch of `plan` that began at `t0_unix_us` (from [`now_us`]).
    pub fn new(t0_unix_us: u64, plan: &Plan, outcomes: &[Outcome]) -> Trace {
        let at = |s: Stamp| (!s.is_none()).then(|| s.us.saturating_sub(t0_unix_us));
        let mut jobs: Vec<JobTrace> = outcomes
            .iter()
            .map(|o| {
                let s = &o.stamps;
                let mut spans = Vec::new();
                let mut span = |phase, from: Stamp, to: Stamp| {
                    if let (Some(start_us), Some(end_us)) = (at(from), at(to)) {
                        spans.push(Span {
                            phase,
                            start_us,
                            end_us: end_us.max(start_us),
                            tid: (from.tid != 0).then_some(from.tid),
                        });
                    }
                };
                // A greet that failed ends the phase it failed in at `greeted`.
                let or_end = |s: Stamp, end: Stamp| if s.is_none() { end } else { s };
                if !s.greeted.is_none() {
                    let connected = or_end(s.connected, s.greeted);
                    span(Phase::Connecting, s.picked, connected);
                    if !s.connected.is_none() {
                        span(Phase::Sending, s.connected, or_end(s.sent, s.greeted));
                    }
                    if !s.sent.is_none() {
                        span(Phase::Waiting, s.sent, s.greeted);
                    }
                }
                span(Phase::Crunching, s.crunch_start, s.crunch_end);
                let host = o.reply.map(|r| r.host).or_else(|| {
                    plan.workload
                        .greets()
                        .then(|| plan.target(o.index).host)
                        .flatten()
                });
                JobTrace {
                    index: o.index,
                    pid: o.pid,
                    host,
                    error: o.error.as_ref().map(|e| e.kind()),
                    picked_us: at(s.picked),
                    done_us: at(s.done),
                    tid: (!s.picked.is_none()).then_some(s.picked.tid),
                    spans,
                }
            })
            .collect();
        jobs.sort_by_key(|j| j.index);
        Trace {
            t0_unix_us,
            pid: std::process::id(),
            jobs,
        }
    }

    /// Every span with its job, in job order.
    pub fn spans(&self) -> impl Iterator<Item = (&JobTrace, &Span)> {
        self.jobs
            .iter()
            .flat_map(|j| j.spans.iter().map(move |s| (j, s)))
    }

    /// Every lane some span ran on, in the order they were first used.
    pub fn lanes(&self) -> Vec<Lane> {
        let mut first: std::collections::BTreeMap<Lane, u64> = std::collections::BTreeMap::new();
        for (j, s) in self.spans() {
            let lane = Lane {
                pid: j.pid,
                tid: s.tid,
            };
            let t = first.entry(lane).or_insert(s.start_us);
            *t = (*t).min(s.start_us);
        }
        let mut order: Vec<(u64, Lane)> = first.into_iter().map(|(l, t)| (t, l)).collect();
        order.sort();
        order.into_iter().map(|(_, l)| l).collect()
    }

    /// The most spans of `phase` in progress at one instant (spans that only touch do not
    /// overlap): how many greets waited at once, say.
    pub fn peak(&self, phase: Phase) -> usize {
        // Ends sort before starts at the same instant, so touching spans do not count twice.
        let mut edges: Vec<(u64, i32)> = self
            .spans()
            .filter(|(_, s)| s.phase == phase && s.end_us > s.start_us)
            .flat_map(|(_, s)| [(s.start_us, 1), (s.end_us, -1)])
            .collect();
        edges.sort();
        let (mut now, mut peak) = (0i32, 0i32);
        for (_, d) in edges {
            now += d;
            peak = peak.max(now);
        }
        usize::try_from(peak).unwrap_or(0)
    }

    /// The end of the last job, µs after the batch began.
    pub fn end_us(&self) -> u64 {
        let spans = self.spans().map(|(_, s)| s.end_us);
        let done = self.jobs.iter().filter_map(|j| j.done_us);
        spans.chain(done).max().unwrap_or(0)
    }
}

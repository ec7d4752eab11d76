//! The kill probe's stored results: what five experiments saw when something stuck on a host
//! that never replies was stopped from outside, or could not be.
//!
//! The course claims "a thread cannot be killed, but a process can". Each experiment here
//! *tries* one way of stopping a unit of concurrency and records what happened as facts
//! (booleans, how a wait ended) and speeds (ms), so the claim's verdict is computed from
//! observations that could have come out otherwise:
//!
//! 1. [`DetachedThread`]: a blocked thread whose `JoinHandle` is dropped (std has no kill).
//! 2. [`SocketShutdown`]: the cooperative way out, `shutdown` on a clone of its socket.
//! 3. [`AbortedTask`]: an async task cancelled with `JoinHandle::abort`.
//! 4. [`KilledProcess`]: a worker process sent SIGKILL.
//! 5. [`SignalledThread`]: a fatal signal sent to one thread of a process.
//!
//! The probe itself lives in `greetbench::sweep::kill`; this crate only stores and reads the
//! results, so the format lives here.

use serde::{Deserialize, Deserializer, Serialize};

/// How a blocked wait for a reply ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// A reply arrived (a silent host never sends one).
    Reply,
    /// The wait's own timeout fired.
    Timeout,
    /// The read saw end of stream: the connection was closed before any reply.
    Closed,
    /// The connection was reset.
    Reset,
    /// Any other error, in its own words.
    Error(String),
}

impl Ended {
    /// The words used in sentences.
    pub fn describe(&self) -> String {
        match self {
            Ended::Reply => "a reply".into(),
            Ended::Timeout => "a timeout error".into(),
            Ended::Closed => "end of stream and no reply".into(),
            Ended::Reset => "a connection reset".into(),
            Ended::Error(e) => format!("the error \"{e}\""),
        }
    }
}

/// One experiment's observations, or why it could not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Experiment<T> {
    /// It ran; this is what it saw.
    Ran(T),
    /// It could not run, and why (e.g. no `/proc`, a child that would not start).
    NotRun(String),
}

impl<T> Experiment<T> {
    /// The observations, if the experiment ran.
    pub fn ran(&self) -> Option<&T> {
        match self {
            Experiment::Ran(t) => Some(t),
            Experiment::NotRun(_) => None,
        }
    }
}

/// The whole probe: one entry per experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KillProbe {
    /// (1) A blocked thread we give up on.
    pub detached_thread: Experiment<DetachedThread>,
    /// (2) A blocked thread whose socket another thread shuts down.
    pub socket_shutdown: Experiment<SocketShutdown>,
    /// (3) An async task aborted while it waits.
    pub aborted_task: Experiment<AbortedTask>,
    /// (4) A worker process sent SIGKILL while it waits.
    pub killed_process: Experiment<KilledProcess>,
    /// (5) A fatal signal sent to one thread of a process.
    pub signalled_thread: Experiment<SignalledThread>,
    /// What one look at the hosts' sockets (`/proc/net/tcp`) took, ms: the resolution of every
    /// "the host saw the close within" figure, which are sampled.
    pub host_look_ms: Option<f64>,
}

/// (1) A thread blocked reading from the silent host. std offers no way to kill it: we drop
/// its `JoinHandle` (detach it), then sample whether it is still blocked until it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetachedThread {
    /// The thread's own greet timeout, ms.
    pub timeout_ms: f64,
    /// When we gave up (dropped its `JoinHandle`), ms after its greet began.
    pub gave_up_at_ms: f64,
    /// Samples taken after giving up, until the thread reported its end.
    pub samples: u32,
    /// Samples that found it still blocked: its OS thread still sat in a receive system call
    /// on the socket of its greet, and the host still had that connection open.
    pub blocked_samples: u32,
    /// The last sample that found it blocked, ms after giving up.
    pub last_blocked_ms: Option<f64>,
    /// When it reported its end, ms after its greet began; `None` if it had not by the
    /// probe's deadline.
    pub ended_at_ms: Option<f64>,
    /// How its greet ended.
    pub ended_with: Option<Ended>,
    /// Whether its OS thread was gone from `/proc/self/task` after it ended.
    pub thread_exited: bool,
    /// Whether the host saw its connection close after it ended.
    pub host_saw_close: bool,
}

impl DetachedThread {
    /// What the claim predicts: still blocked after we gave up, and ended only by its own
    /// timeout (with a timeout error, and not before 90% of it had passed). The end is
    /// timed by the thread itself, so this does not depend on how often we sampled.
    pub fn as_claimed(&self) -> bool {
        self.blocked_samples > 0
            && self.ended_with == Some(Ended::Timeout)
            && self
                .ended_at_ms
                .is_some_and(|at| at >= 0.9 * self.timeout_ms)
    }
}

/// (2) The cooperative way out: another thread shuts down a clone of the blocked thread's
/// socket, and the blocked read returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketShutdown {
    /// Whether, just before the shutdown, the thread was blocked in a receive call with its
    /// connection open at the host.
    pub blocked_before: bool,
    /// How the blocked read ended; `None` if it had not returned by the deadline.
    pub ended_with: Option<Ended>,
    /// From the `shutdown(Shutdown::Both)` call to the read's return, ms.
    pub returned_after_ms: Option<f64>,
    /// Whether the host saw the connection close.
    pub host_saw_close: bool,
}

impl SocketShutdown {
    /// What the course teaches: the read returns, with no reply.
    pub fn as_claimed(&self) -> bool {
        self.blocked_before && self.ended_with == Some(Ended::Closed)
    }
}

/// (3) An async task waiting on the silent host, cancelled with `JoinHandle::abort`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbortedTask {
    /// The runtime the task ran on.
    pub runtime: String,
    /// Whether, just before the abort, the task was still waiting with its connection open at
    /// the host.
    pub pending_before: bool,
    /// Whether the task's future was dropped (a guard inside it ran its `Drop`).
    pub future_dropped: bool,
    /// From `abort()` to the guard's drop, ms.
    pub dropped_after_ms: Option<f64>,
    /// Whether its `JoinHandle` then reported it cancelled.
    pub join_cancelled: bool,
    /// Whether the host saw the connection close.
    pub host_saw_close: bool,
    /// From `abort()` to the host's end of the connection seen closed, ms (sampled).
    pub close_seen_after_ms: Option<f64>,
}

impl AbortedTask {
    /// What the course teaches: abort drops the future, which closes the connection.
    pub fn as_claimed(&self) -> bool {
        self.pending_before && self.future_dropped && self.join_cancelled && self.host_saw_close
    }
}

/// (4) A worker process blocked on the silent host, sent SIGKILL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KilledProcess {
    /// Its process id.
    pub pid: u32,
    /// Whether, just before the kill, it was alive with its greet's connection open at the
    /// host.
    pub blocked_before: bool,
    /// The signal that ended it, from its exit status.
    pub signal: Option<i32>,
    /// Its exit code, had it exited by itself.
    pub exit_code: Option<i32>,
    /// From `kill()` to its exit status being collected (reaped), ms.
    pub reaped_after_ms: Option<f64>,
    /// Whether `/proc/<pid>` was gone once it was reaped.
    pub proc_entry_gone: bool,
    /// Whether the host saw its connection close.
    pub host_saw_close: bool,
    /// From `kill()` to the host's end of the connection seen closed, ms (sampled).
    pub close_seen_after_ms: Option<f64>,
}

impl KilledProcess {
    /// What the claim predicts: killed by signal 9, reaped, and its connection closed.
    pub fn as_claimed(&self) -> bool {
        self.blocked_before && self.signal == Some(9) && self.proc_entry_gone && self.host_saw_close
    }
}

/// (5) A fatal signal sent to one thread (not the main one) of a process with several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalledThread {
    /// The process id (also its main thread's id).
    pub pid: u32,
    /// Its threads just before the signal.
    pub threads_before: u32,
    /// The thread signalled (`tgkill`); never the main thread.
    pub target_tid: u32,
    /// The signal sent.
    pub sent_signal: i32,
    /// The signal that ended the process, from its exit status.
    pub signal: Option<i32>,
    /// Its exit code, had it exited by itself.
    pub exit_code: Option<i32>,
    /// From the signal to the process being reaped, ms.
    pub ended_after_ms: Option<f64>,
    /// Whether `/proc/<pid>` (every thread, the main one included) was gone once reaped.
    pub proc_entry_gone: bool,
}

impl SignalledThread {
    /// What the claim predicts: no thread dies alone; the whole process ends with the signal.
    pub fn as_claimed(&self) -> bool {
        self.target_tid != self.pid
            && self.threads_before >= 2
            && self.signal == Some(self.sent_signal)
            && self.proc_entry_gone
    }
}

impl KillProbe {
    /// One line per experiment, numbered: what was tried, what happened, and whether that is
    /// what the course says (the sweep prints these).
    pub fn sentences(&self) -> Vec<String> {
        self.rows()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let verdict = match r.as_claimed {
                    Some(true) => "as the course says",
                    Some(false) => "not as the course says",
                    None => "not run",
                };
                format!("({}) {}: {} ({verdict}).", i + 1, r.tried, r.figure)
            })
            .collect()
    }

    /// How precise the "host saw the close within" figures are, in a sentence, if known.
    pub fn resolution(&self) -> Option<String> {
        self.host_look_ms.map(|ms| {
            format!(
                "The host's side is sampled: one look at its sockets (/proc/net/tcp) took {ms_t} here.", ms_t = crate::format::time_ns(ms * 1e6))
        })
    }

    /// One table row per experiment, in order.
    pub fn rows(&self) -> Vec<Row> {
        vec![
            row(
                "a blocked thread: drop its JoinHandle (std has no kill)",
                &self.detached_thread,
                DetachedThread::as_claimed,
                DetachedThread::figure,
            ),
            row(
                "a blocked thread: shutdown(Both) on a clone of its socket",
                &self.socket_shutdown,
                SocketShutdown::as_claimed,
                SocketShutdown::figure,
            ),
            row(
                "a waiting tokio task: JoinHandle::abort()",
                &self.aborted_task,
                AbortedTask::as_claimed,
                AbortedTask::figure,
            ),
            row(
                "a blocked worker process: SIGKILL",
                &self.killed_process,
                KilledProcess::as_claimed,
                KilledProcess::figure,
            ),
            row(
                "one thread of a process: a fatal signal (tgkill)",
                &self.signalled_thread,
                SignalledThread::as_claimed,
                SignalledThread::figure,
            ),
        ]
    }
}

/// One experiment as a line of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What was stuck, and what was tried on it.
    pub tried: &'static str,
    /// Whether it came out as the course says it would; `None` if it did not run.
    pub as_claimed: Option<bool>,
    /// What happened and how fast, in a few words (or why it did not run).
    pub figure: String,
}

fn row<T>(
    tried: &'static str,
    e: &Experiment<T>,
    as_claimed: fn(&T) -> bool,
    figure: fn(&T) -> String,
) -> Row {
    match e {
        Experiment::Ran(t) => Row {
            tried,
            as_claimed: Some(as_claimed(t)),
            figure: figure(t),
        },
        Experiment::NotRun(why) => Row {
            tried,
            as_claimed: None,
            figure: format!("did not run: {why}"),
        },
    }
}

impl DetachedThread {
    fn figure(&self) -> String {
        let blocked = self.last_blocked_ms.map_or_else(
            || "never seen blocked after giving up".to_string(),
            |ms| {
                format!(
                    "still blocked {ms_t} after giving up",
                    ms_t = crate::format::time_ns(ms * 1e6)
                )
            },
        );
        match (&self.ended_with, self.ended_at_ms) {
            (Some(e), Some(at)) => format!(
                "{blocked}; ended at {at_t} with {}",
                e.describe(),
                at_t = crate::format::time_ns(at * 1e6)
            ),
            _ => format!("{blocked}; had not ended"),
        }
    }
}

impl SocketShutdown {
    fn figure(&self) -> String {
        match (&self.ended_with, self.returned_after_ms) {
            (Some(e), Some(ms)) => {
                format!(
                    "the read returned {ms_t} later with {}",
                    e.describe(),
                    ms_t = crate::format::time_ns(ms * 1e6)
                )
            }
            _ => "the read had not returned".into(),
        }
    }
}

impl AbortedTask {
    fn figure(&self) -> String {
        match self.dropped_after_ms {
            Some(ms) if self.future_dropped => format!(
                "its future was dropped {ms_t} later",
                ms_t = crate::format::time_ns(ms * 1e6)
            ),
            _ => "its future was not dropped".into(),
        }
    }
}

impl KilledProcess {
    fn figure(&self) -> String {
        match (self.reaped_after_ms, self.signal) {
            (Some(ms), Some(sig)) => format!(
                "reaped {ms_t} later, killed by signal {sig}",
                ms_t = crate::format::time_ns(ms * 1e6)
            ),
            (Some(ms), None) => format!(
                "reaped {ms_t} later, not killed by a signal",
                ms_t = crate::format::time_ns(ms * 1e6)
            ),
            (None, _) => "not reaped".into(),
        }
    }
}

impl SignalledThread {
    fn figure(&self) -> String {
        match (self.ended_after_ms, self.signal) {
            (Some(ms), Some(sig)) => {
                format!(
                    "the whole process was reaped {ms_t} later, killed by signal {sig}",
                    ms_t = crate::format::time_ns(ms * 1e6)
                )
            }
            (Some(ms), None) => format!(
                "the process exited by itself {ms_t} later",
                ms_t = crate::format::time_ns(ms * 1e6)
            ),
            (None, _) => "the process did not end".into(),
        }
    }
}

/// Reads a stored `kill` entry; one in an older layout (the first probe's, which observed
/// nothing) reads as absent, so an old sweep file still loads and the claim says "not
/// measured" instead of the whole sweep being skipped.
pub fn deserialize_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<KillProbe>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Results;
    use crate::section::claims;
    use crate::verdict::Verdict;
    use crate::view::{Column, View};

    fn fixture() -> Results {
        serde_json::from_str(include_str!("../tests/fixtures/results.json")).expect("fixture")
    }

    fn claim(r: &Results) -> claims::Checked {
        let rust = Column {
            lang: greet_core::Lang::Rust,
            interpreter: None,
        };
        claims::check(&View::new(r), &rust, 6)
    }

    fn probe(r: &mut Results) -> &mut KillProbe {
        r.sweep
            .as_mut()
            .and_then(|s| s.kill.as_mut())
            .expect("probe")
    }

    fn ran<T>(e: &mut Experiment<T>) -> &mut T {
        match e {
            Experiment::Ran(t) => t,
            Experiment::NotRun(why) => panic!("the fixture's experiment did not run: {why}"),
        }
    }

    #[test]
    fn the_fixture_holds_and_cites_the_experiments_it_rests_on() {
        let r = fixture();
        assert!(claims::CLAIMS[6].starts_with("A thread cannot"));
        let c = claim(&r);
        assert_eq!(c.verdict, Verdict::Holds, "{}", c.evidence);
        // It cites the probe's first, fourth and fifth experiments, numbered as shown.
        let rows = probe(&mut r.clone()).rows();
        for (n, i) in [(1, 0), (2, 3), (3, 4)] {
            let cited = format!("({n}) {}", rows[i].tried);
            assert!(c.evidence.contains(&cited), "{cited}: {}", c.evidence);
        }
        assert!(!c.evidence.contains("(4)"), "{}", c.evidence);
        assert!(c.evidence.contains("signal 9"), "{}", c.evidence);
    }

    #[test]
    fn a_thread_that_ended_early_breaks_the_claim() {
        let mut r = fixture();
        let before = claim(&r).evidence;
        let t = ran(&mut probe(&mut r).detached_thread);
        t.ended_with = Some(Ended::Closed);
        t.ended_at_ms = Some(t.gave_up_at_ms + 1.0);
        t.last_blocked_ms = None;
        t.blocked_samples = 0;
        let c = claim(&r);
        assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);
        assert_ne!(c.evidence, before);
        assert!(c.evidence.contains("end of stream"), "{}", c.evidence);
    }

    #[test]
    fn a_process_that_was_not_reaped_breaks_the_claim() {
        let mut r = fixture();
        let p = ran(&mut probe(&mut r).killed_process);
        p.signal = None;
        p.exit_code = None;
        p.reaped_after_ms = None;
        p.proc_entry_gone = false;
        let c = claim(&r);
        assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);
        assert!(c.evidence.contains("not reaped"), "{}", c.evidence);
    }

    #[test]
    fn a_thread_that_died_alone_breaks_the_claim() {
        let mut r = fixture();
        let s = ran(&mut probe(&mut r).signalled_thread);
        s.signal = None;
        s.exit_code = None;
        s.ended_after_ms = None;
        s.proc_entry_gone = false;
        assert_eq!(claim(&r).verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn an_abort_that_dropped_nothing_reads_differently() {
        let mut r = fixture();
        let before = probe(&mut r).rows()[2].clone();
        let a = ran(&mut probe(&mut r).aborted_task);
        a.future_dropped = false;
        a.dropped_after_ms = None;
        let after = probe(&mut r).rows()[2].clone();
        assert_eq!(before.as_claimed, Some(true));
        assert_eq!(after.as_claimed, Some(false));
        assert!(
            after.figure.contains("its future was not dropped"),
            "{after:?}"
        );
    }

    #[test]
    fn a_core_experiment_that_did_not_run_is_not_measured() {
        let mut r = fixture();
        probe(&mut r).killed_process = Experiment::NotRun("no child".into());
        let c = claim(&r);
        assert_eq!(c.verdict, Verdict::NotMeasured);
        assert!(
            c.evidence.contains("did not run: no child"),
            "{}",
            c.evidence
        );
    }

    #[test]
    fn an_old_kill_entry_reads_as_absent() {
        let old = r#"{"thread_timeout_s":1.0,"thread_ended_after_s":1.0,"process_kill_ms":1.5,"process_killed":true}"#;
        let mut d = serde_json::Deserializer::from_str(old);
        assert_eq!(deserialize_or_none(&mut d).unwrap(), None);
    }
}

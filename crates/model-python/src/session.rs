//! A started interpreter running one model: the [`Runner`] of every Python model.
//!
//! The interpreter runs in a process group of its own, and the whole group dies with the
//! session, so nothing it forks outlives the run. Whatever it does, a batch ends by the plan's
//! deadline, and every job ends as exactly one outcome ([`Tally`]):
//! - a job it reports is passed on as reported;
//! - a job it reports twice is a protocol error, counted against that job;
//! - a job it never reports is a counted error: `deadline` when the deadline cut the batch,
//!   `worker` (hung, died, or a protocol error) otherwise;
//! - what it did report stands.
//!
//! Only a reported job is progress: a chatty interpreter that reports nothing new is silent
//! as far as the hung-interpreter budget goes, and no message moves the deadline.

use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use greet_core::interpreter::Interpreter;
use greet_core::{Batch, GreetError, ModelError, Outcome, Plan, Runner};

use crate::protocol::{FromPython, Line, Ready, ToPython, spawn_reader, spawn_tail};
use crate::{Kind, Python, last_line, os};

/// How long the interpreter may take to start its model and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the interpreter gets to close its model and exit once the harness is done.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// A started interpreter running one model.
pub struct Session {
    kind: Kind,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<String>>,
    ready: Ready,
    /// The processes the harness samples: the interpreter and the workers it named that are
    /// its own descendants.
    helpers: Vec<u32>,
    alive: bool,
}

impl Session {
    /// Starts `cmd` (the interpreter on its model) and waits, at most [`START_TIMEOUT`], for
    /// it to say it is ready. The reason it did not is one line.
    pub fn start(mut cmd: Command, kind: Kind) -> Result<Session, String> {
        let mut child = os::own_group(&mut cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the interpreter: {e}"))?;
        let (tx, lines) = mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipes = (child.stdout.take(), child.stderr.take());
        let started = match pipes {
            (Some(out), Some(err)) => {
                spawn_reader(out, tx).and_then(|()| spawn_tail(err, stderr.clone()))
            }
            _ => Err(std::io::Error::other("no pipes")),
        };
        if let Err(e) = started {
            os::kill_group(&mut child);
            return Err(format!("cannot read the interpreter: {e}"));
        }
        let root = child.id();
        let mut session = Session {
            kind,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            ready: Ready {
                pid: root,
                interpreter: Interpreter {
                    path: Default::default(),
                    implementation: String::new(),
                    version: String::new(),
                    free_threaded: false,
                    gil_enabled: true,
                },
                start_method: None,
                workers: Vec::new(),
                seconds_per_round: None,
            },
            helpers: vec![root],
            alive: true,
        };
        match session.wait_ready() {
            Ok(ready) => {
                session.helpers = own_pids(&ready, root);
                session.ready = ready;
                Ok(session)
            }
            Err(why) => {
                session.end();
                Err(why)
            }
        }
    }

    fn wait_ready(&mut self) -> Result<Ready, String> {
        let deadline = Instant::now() + START_TIMEOUT;
        // Bounded: by START_TIMEOUT, whatever the interpreter writes.
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Line::Msg(FromPython::Ready(ready))) => return Ok(ready),
                Ok(Line::Msg(_)) => {}
                Ok(Line::Garbage(text)) => {
                    return Err(format!("the interpreter wrote {text:?} instead of ready"));
                }
                Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    self.end();
                    return Err(self.why_it_ended("exited during start-up"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "the interpreter hung: not ready within {} s",
                        START_TIMEOUT.as_secs()
                    ));
                }
            }
        }
    }

    /// The interpreter's last words on stderr, or `fallback`.
    fn why_it_ended(&self, fallback: &str) -> String {
        let tail = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        last_line(&tail).unwrap_or(fallback).to_owned()
    }

    /// Kills the interpreter's whole process group (if it still runs) and reaps it.
    fn end(&mut self) {
        if !self.alive {
            // Once reaped, its pid (and so its group's id) may already be another's.
            return;
        }
        self.alive = false;
        self.stdin.take();
        os::kill_group(&mut self.child);
    }

    /// How long the interpreter may go without reporting a job during a batch of `plan`:
    /// twice the greet timeout, ten times the crunches one unit of its concurrency may have
    /// to run before any job ends (the GIL runs N crunching threads' jobs side by side), plus
    /// slack.
    fn idle_budget(&self, plan: &Plan) -> Duration {
        let cpu = Python::new(self.kind).cpu_concurrency(plan, &self.ready.interpreter);
        let crunches = plan.count.div_ceil(cpu.max(1)) as u32;
        let job = self.crunch_time(plan.work).unwrap_or_default();
        plan.timeout * 2 + (job * crunches) * 10 + Duration::from_secs(5)
    }

    fn send(&mut self, plan: &Plan) -> bool {
        self.stdin
            .as_mut()
            .is_some_and(|s| greet_os::lines::write(s, &ToPython::Plan(plan)).is_ok())
    }

    /// Reads the batch's messages until it is finished, the interpreter fails, it goes
    /// silent past its budget, or the deadline passes; what is missing then, and why.
    fn collect(&mut self, plan: &Plan, tally: &mut Tally) -> Option<GreetError> {
        let idle = self.idle_budget(plan);
        // In an open-loop run the interpreter may rightly stay silent while it waits for jobs
        // to come due: its budget runs from when the last one is.
        let last = plan.count.saturating_sub(1);
        let quiet = || Instant::now() + idle + plan.until_due(last).unwrap_or_default();
        let deadline = plan.time_left().map(|left| Instant::now() + left);
        let mut quiet_until = quiet();
        // Bounded: by the deadline, and by the idle budget, which only a new job restarts.
        loop {
            let wake = deadline.map_or(quiet_until, |d| d.min(quiet_until));
            match self
                .lines
                .recv_timeout(wake.saturating_duration_since(Instant::now()))
            {
                Ok(Line::Msg(FromPython::Done(outcome))) => {
                    if tally.add(outcome) {
                        quiet_until = quiet();
                    }
                }
                Ok(Line::Msg(FromPython::Finished(f))) => {
                    // The GIL, once switched on, stays on for what the batch ran.
                    self.ready.interpreter.gil_enabled |= f.gil_enabled.unwrap_or(false);
                    return tally.unreported("the interpreter finished without reporting it");
                }
                Ok(Line::Msg(FromPython::Ready(_))) => {}
                Ok(Line::Garbage(text)) => {
                    self.end();
                    let why = format!("the interpreter wrote {text:?}, which is not a message");
                    return Some(GreetError::Protocol(why));
                }
                Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    self.end();
                    let why = self.why_it_ended("the interpreter exited");
                    return Some(GreetError::WorkerDied(why));
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Past the deadline, or silent past any job's budget (hung): either way
                    // it is killed, as a process can be, with everything it started.
                    self.end();
                    let cut = deadline.is_some_and(|d| Instant::now() >= d);
                    return Some(if cut {
                        GreetError::Deadline
                    } else {
                        GreetError::WorkerHung
                    });
                }
            }
        }
    }
}

/// The pids the harness may sample: the interpreter it started, plus each pid the interpreter
/// named that is its own descendant. Any other (pid 1, a stranger's process) is refused.
fn own_pids(ready: &Ready, root: u32) -> Vec<u32> {
    let named = std::iter::once(ready.pid).chain(ready.workers.iter().copied());
    let mut pids = vec![root];
    for pid in named {
        if !pids.contains(&pid) && os::is_descendant(pid, root) {
            pids.push(pid);
        }
    }
    pids
}

/// Every job's outcome as the interpreter reports them, checked against the plan.
pub struct Tally {
    outcomes: Vec<Option<Outcome>>,
    /// Reports of jobs that do not exist, for the message of the jobs left unreported.
    strays: Vec<usize>,
}

impl Tally {
    /// A batch of `count` jobs, none reported yet.
    pub fn new(count: usize) -> Tally {
        Tally {
            outcomes: vec![None; count],
            strays: Vec::new(),
        }
    }

    /// Takes one report; whether it reported a job for the first time (progress). A second
    /// report of a job turns its outcome into a protocol error; a report of a job that does
    /// not exist is noted, and told with the jobs left unreported.
    pub fn add(&mut self, outcome: Outcome) -> bool {
        let index = outcome.index;
        match self.outcomes.get_mut(index) {
            None => {
                self.strays.push(index);
                false
            }
            Some(slot @ None) => {
                *slot = Some(outcome);
                true
            }
            Some(slot) => {
                let why = "the interpreter reported this job twice".to_owned();
                *slot = Some(Outcome::failed(index, GreetError::Protocol(why)));
                false
            }
        }
    }

    /// The protocol error of the jobs left unreported (`None` if every job was), saying
    /// `why`, and the jobs the interpreter made up, if it did.
    fn unreported(&self, why: &str) -> Option<GreetError> {
        if self.outcomes.iter().all(Option::is_some) {
            return None;
        }
        Some(GreetError::Protocol(match self.strays.first() {
            Some(i) => format!("{why} (it reported job {i}, which does not exist)"),
            None => why.to_owned(),
        }))
    }

    /// Every job's outcome, in order: a job not reported ends with `missing`.
    pub fn finish(self, missing: Option<GreetError>) -> Vec<Outcome> {
        let missing = missing.unwrap_or_else(|| GreetError::Protocol("never reported".into()));
        self.outcomes
            .into_iter()
            .enumerate()
            .map(|(i, o)| o.unwrap_or_else(|| Outcome::failed(i, missing.clone())))
            .collect()
    }
}

impl Runner for Session {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let mut tally = Tally::new(plan.count);
        let missing = if !self.alive {
            Some(GreetError::WorkerDied("the interpreter is gone".into()))
        } else if !self.send(plan) {
            self.end();
            Some(GreetError::WorkerDied(
                self.why_it_ended("closed its stdin"),
            ))
        } else {
            self.collect(plan, &mut tally)
        };
        Ok(Batch {
            outcomes: tally.finish(missing),
        })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        // Peak PSS, as the Rust worker processes report theirs: the pages the interpreter and
        // its workers share count once, in the same measure as the harness's baseline.
        self.helper_pids()
            .into_iter()
            .map(greet_core::wire::peak_rss_kib_of)
            .sum()
    }

    fn executor_threads(&self) -> Option<usize> {
        // asyncio's event loop runs every task on the interpreter's one thread.
        self.kind.is_async().then_some(1)
    }

    fn helper_pids(&self) -> Vec<u32> {
        if self.alive {
            self.helpers.clone()
        } else {
            Vec::new()
        }
    }

    fn start_method(&self) -> Option<String> {
        self.ready.start_method.clone()
    }

    fn interpreter(&self) -> Option<Interpreter> {
        Some(self.ready.interpreter.clone())
    }

    fn crunch_time(&self, work: u32) -> Option<Duration> {
        let per_round = self.ready.seconds_per_round?;
        Duration::try_from_secs_f64(per_round * f64::from(work)).ok()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing stdin tells the interpreter to close its model (joining its workers, so
        // their CPU time reaches ours) and exit; give it a moment. Then its whole group goes,
        // so that nothing it forked outlives the run.
        if self.alive {
            self.stdin.take();
            let _ = os::wait_timeout(&mut self.child, CLOSE_TIMEOUT);
            os::kill_group(&mut self.child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(index: usize) -> Outcome {
        let mut o = Outcome::failed(index, GreetError::Timeout);
        o.error = None;
        o
    }

    #[test]
    fn duplicates_and_made_up_jobs_are_protocol_errors_and_the_rest_stands() {
        let mut tally = Tally::new(4);
        assert!(tally.add(ok(0)));
        assert!(tally.add(ok(1)));
        assert!(!tally.add(ok(1)), "a second report is no progress");
        assert!(!tally.add(ok(9)), "job 9 of 4 does not exist");
        let missing = tally.unreported("finished");
        let outcomes = tally.finish(missing);
        assert_eq!(
            outcomes.len(),
            4,
            "one outcome per job, whatever was reported"
        );
        assert!(outcomes[0].error.is_none(), "what was reported stands");
        assert!(matches!(&outcomes[1].error, Some(GreetError::Protocol(w)) if w.contains("twice")));
        for o in &outcomes[2..] {
            let Some(GreetError::Protocol(why)) = &o.error else {
                panic!("{o:?}")
            };
            assert!(why.contains("job 9"), "{why}");
        }
        assert!(outcomes.iter().enumerate().all(|(i, o)| o.index == i));
    }

    #[test]
    fn a_batch_cut_by_the_deadline_counts_what_is_missing_as_deadline() {
        let mut tally = Tally::new(3);
        tally.add(ok(2));
        let outcomes = tally.finish(Some(GreetError::Deadline));
        let cut = outcomes
            .iter()
            .filter(|o| o.error == Some(GreetError::Deadline));
        assert_eq!(cut.count(), 2);
        assert!(outcomes[2].error.is_none());
    }
}

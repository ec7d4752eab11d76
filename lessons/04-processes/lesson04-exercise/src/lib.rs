//! Lesson 04, exercise: worker processes fed through a two-way message queue over pipes, one
//! log file per worker, and a hung worker killed, which a thread cannot be. Read
//! `../README.md`, fill in the three `todo!()`s of the parent side, then run
//! `cargo lesson check 04`.
#![allow(
    unused_imports,
    reason = "the imports are the tools the solution needs; the stubs do not use them yet"
)]
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use greet_core::wire::{decode, encode};
use greet_core::{GreetError, Reply, Target};

/// Parent to worker: one job, sent as one JSON line on the worker's stdin.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Job {
    /// Greet `target`, giving up after `timeout_ms`.
    Greet {
        /// The job's position in the caller's list.
        index: usize,
        /// The host to greet.
        target: Target,
        /// The greet's own timeout, in milliseconds.
        timeout_ms: u64,
    },
    /// A fixture: sleep `secs` (at most 600) before answering, the way a worker stuck on a
    /// dead host or in a deadlock would.
    Hang {
        /// The job's position in the caller's list.
        index: usize,
        /// How long to sleep.
        secs: u64,
    },
}

impl Job {
    /// The job's position in the caller's list.
    pub fn index(&self) -> usize {
        match self {
            Job::Greet { index, .. } | Job::Hang { index, .. } => *index,
        }
    }
}

/// Worker to parent: one result, sent as one JSON line on the worker's stdout.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Done {
    /// Which job this answers.
    pub index: usize,
    /// The worker process that ran it; 0 if no worker was left to run it.
    pub pid: u32,
    /// The job's outcome.
    pub result: Result<Reply, GreetError>,
}

// ---------------------------------------------------------------------------------------------
// The worker side (given): the `lesson04-*-worker` executables call `worker_main`.
// ---------------------------------------------------------------------------------------------

/// The worker process: read a job per line from stdin, run it, answer with a line on stdout,
/// until stdin closes. It logs to stderr, which the parent points at the worker's log file.
pub fn worker_main() -> ExitCode {
    let pid = std::process::id();
    eprintln!("worker {pid}: started");
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let job: Job = match decode(&line) {
            Ok(job) => job,
            Err(e) => {
                eprintln!("worker {pid}: {e}; exiting");
                return ExitCode::FAILURE;
            }
        };
        let result = match &job {
            Job::Greet {
                index,
                target,
                timeout_ms,
            } => {
                eprintln!("worker {pid}: job {index}: greeting {}", target.addr);
                greet_one(target, Duration::from_millis(*timeout_ms))
            }
            Job::Hang { index, secs } => {
                eprintln!("worker {pid}: job {index}: hanging for {secs} s");
                thread::sleep(Duration::from_secs((*secs).min(600)));
                Err(GreetError::Timeout)
            }
        };
        match &result {
            Ok(reply) => eprintln!("worker {pid}: job {}: ok, host {}", job.index(), reply.host),
            Err(e) => eprintln!("worker {pid}: job {}: error: {e}", job.index()),
        }
        let done = Done {
            index: job.index(),
            pid,
            result,
        };
        if out.write_all(encode(&done).as_bytes()).is_err() || out.flush().is_err() {
            break; // the parent has gone
        }
    }
    eprintln!("worker {pid}: stdin closed, exiting");
    ExitCode::SUCCESS
}

/// Greets one host and checks that the reply names the host we aimed at (as in lesson 01).
pub use greet_core::client::greet_target as greet_one;

// ---------------------------------------------------------------------------------------------
// The parent side: the exercise.
// ---------------------------------------------------------------------------------------------

/// One running worker process, as the parent sees it.
#[derive(Debug)]
pub struct Worker {
    /// The process.
    pub child: Child,
    /// Its stdin: jobs go in here. `None` once closed.
    pub stdin: Option<ChildStdin>,
    /// Its stdout, one line per message, read on a thread of its own (see [`lines_of`]).
    pub replies: Receiver<String>,
}

/// Given: turns a pipe into a channel of lines, read on a thread of its own. A blocking `read`
/// on a pipe cannot time out; `replies.recv_timeout(t)` can, and that is what lets the parent
/// notice a worker that stopped answering.
pub fn lines_of(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
        // Dropping `tx` here disconnects the channel: the worker's stdout has closed.
    });
    rx
}

/// Starts the worker executable `exe` with its stdin and stdout piped to us and its stderr
/// written to the file `log`.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    // TODO: start `exe` with its stdin and stdout piped to us and its stderr going into a new
    // file at `log`, and hand its stdout to `lines_of`.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!("spawn_worker({}, {})", exe.display(), log.display())
}

impl Worker {
    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `job` and waits up to `timeout` for the answer. A worker that does not answer in
    /// time is killed: `Err(GreetError::WorkerHung)`. A worker that has exited:
    /// `Err(GreetError::WorkerDied)`.
    pub fn ask(&mut self, job: &Job, timeout: Duration) -> Result<Done, GreetError> {
        // TODO: send `job` as one line, then wait at most `timeout` for the answer line. No
        // answer in time means the worker is hung: it must be gone, leaving no zombie, by the
        // time `ask` returns `GreetError::WorkerHung`. A worker that has exited answers
        // nothing: `GreetError::WorkerDied`.
        todo!("Worker::ask(job {}, {timeout:?})", job.index())
    }

    /// Given: closes the worker's stdin, which tells it to exit, and waits for it (at most two
    /// seconds, then it is killed).
    pub fn finish(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(2);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        // Dropping `self` kills and reaps it if it is still running.
    }
}

impl Drop for Worker {
    /// Given: a worker never outlives its `Worker`, whatever happened.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Runs `jobs` on `workers` worker processes (at least one) started from `exe`, each logging to
/// `log_dir/worker-K.log`. Each job may take `job_timeout`; a worker that takes longer is
/// killed and its job reported as [`GreetError::WorkerHung`]. Returns one [`Done`] per job, in
/// the order they finished; fails only if a worker cannot be started.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    // TODO: lesson 03's pool, where each pool thread drives one worker process (worker K logs
    // to `worker-K.log` in `log_dir`). A worker that fails a job is gone: the other workers
    // take the rest of the queue. No job is ever lost: one `Done` per job, even for jobs that
    // no worker was left to run.
    todo!(
        "run_pool({}, {workers} workers, logs in {}, {} jobs, {job_timeout:?} each)",
        exe.display(),
        log_dir.display(),
        jobs.len()
    )
}

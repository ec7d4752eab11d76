//! Lesson 04, reference solution: worker processes fed through a two-way message queue over
//! pipes, one log file per worker, and a hung worker killed, which a thread cannot be. The
//! lesson itself is the README below; `cargo lesson check 04` runs the checks.
#![doc = include_str!("../../README.md")]
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
    let log = File::create(log)?;
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // The worker's log file: whatever it writes to stderr lands there, and the worker
        // need not know where that is.
        .stderr(log)
        .spawn()?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout was piped");
    Ok(Worker {
        child,
        stdin,
        replies: lines_of(stdout),
    })
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
        // One message is one line: the newline is where the worker's read stops.
        let sent = match self.stdin.as_mut() {
            Some(stdin) => stdin
                .write_all(encode(job).as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if let Err(e) = sent {
            return Err(GreetError::WorkerDied(format!("cannot send it a job: {e}")));
        }
        match self.replies.recv_timeout(timeout) {
            Ok(line) => decode::<Done>(&line).map_err(|e| GreetError::BadReply(e.to_string())),
            Err(RecvTimeoutError::Timeout) => {
                // It is stuck. A thread could only be asked to stop; a process can be killed.
                // Then wait for it, so that it leaves no zombie behind.
                let _ = self.child.kill();
                let _ = self.child.wait();
                Err(GreetError::WorkerHung)
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self
                    .child
                    .wait()
                    .map_or("unknown".into(), |s| s.to_string());
                Err(GreetError::WorkerDied(status))
            }
        }
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
    // Start every worker first, each with its own log file.
    let mut pool = Vec::new();
    for k in 0..workers.max(1) {
        pool.push(spawn_worker(exe, &log_dir.join(format!("worker-{k}.log")))?);
    }
    // The same two queues as lesson 03: jobs in, results out.
    let (jobs_tx, jobs_rx) = unbounded::<&Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    for job in jobs {
        let _ = jobs_tx.send(job);
    }
    drop(jobs_tx);
    thread::scope(|s| {
        // One parent thread per worker process: it feeds its worker one job at a time.
        for mut worker in pool {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for job in jobs_rx {
                    let pid = worker.pid();
                    match worker.ask(job, job_timeout) {
                        Ok(done) => {
                            let _ = done_tx.send(done);
                        }
                        Err(e) => {
                            // This worker is gone (killed or dead): report the job, and leave
                            // the rest of the queue to the workers that are left.
                            let _ = done_tx.send(Done {
                                index: job.index(),
                                pid,
                                result: Err(e),
                            });
                            return;
                        }
                    }
                }
                worker.finish();
            });
        }
    });
    drop(done_tx);
    let mut done: Vec<Done> = done_rx.iter().collect();
    // Jobs left in the queue when every worker had died: counted errors, not lost jobs.
    let answered: BTreeSet<usize> = done.iter().map(|d| d.index).collect();
    for job in jobs.iter().filter(|j| !answered.contains(&j.index())) {
        done.push(Done {
            index: job.index(),
            pid: 0,
            result: Err(GreetError::WorkerDied("no worker process left".into())),
        });
    }
    Ok(done)
}

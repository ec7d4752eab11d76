//! The reference solution's parent side (`Worker`, `spawn_worker`, `run_pool`), shared by the
//! mistakes. The places a wrong one differs are parameters: what `ask` does to a worker that
//! does not answer in time ([`OnHang`]; the right thing is [`kill_and_wait`]), how it waits for
//! the answer ([`Look`]; the right way is [`recv_in_time`]), and each job's timeout
//! ([`run_queue`]'s `timeout`, the same for every job in the reference).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use greet_core::GreetError;
use greet_core::wire::{decode, encode};
use lesson04_solution::{Done, Job, lines_of};

/// What `ask` does to a worker that did not answer in time, before it reports it hung.
pub type OnHang = fn(&mut Child);

/// The right thing: kill it, then wait for it, so that it leaves no zombie.
pub fn kill_and_wait(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// How `ask` waits up to its timeout for the answer line.
pub type Look = fn(&Receiver<String>, Duration) -> Result<String, RecvTimeoutError>;

/// The right way: wait on the channel, and return the moment a line arrives.
pub fn recv_in_time(
    replies: &Receiver<String>,
    timeout: Duration,
) -> Result<String, RecvTimeoutError> {
    replies.recv_timeout(timeout)
}

/// One running worker process, as the parent sees it.
#[derive(Debug)]
pub struct Worker {
    /// The process.
    pub child: Child,
    /// Its stdin: jobs go in here. `None` once closed.
    pub stdin: Option<ChildStdin>,
    /// Its stdout, one line per message.
    pub replies: Receiver<String>,
    on_hang: OnHang,
    look: Look,
}

/// Starts `exe` with piped stdin and stdout and its stderr in the file `log`; `on_hang` is
/// what its `ask` does to it when it does not answer in time.
pub fn spawn_worker(exe: &Path, log: &Path, on_hang: OnHang) -> std::io::Result<Worker> {
    spawn_worker_looking(exe, log, on_hang, recv_in_time)
}

/// [`spawn_worker`], whose `ask` waits for the answer with `look`.
pub fn spawn_worker_looking(
    exe: &Path,
    log: &Path,
    on_hang: OnHang,
    look: Look,
) -> std::io::Result<Worker> {
    let log = File::create(log)?;
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout was piped");
    Ok(Worker {
        child,
        stdin,
        replies: lines_of(stdout),
        on_hang,
        look,
    })
}

impl Worker {
    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `job` and waits up to `timeout` for the answer; a worker that does not answer
    /// goes to `on_hang`, then is reported hung.
    pub fn ask(&mut self, job: &Job, timeout: Duration) -> Result<Done, GreetError> {
        let sent = match self.stdin.as_mut() {
            Some(stdin) => stdin
                .write_all(encode(job).as_bytes())
                .and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if let Err(e) = sent {
            return Err(GreetError::WorkerDied(format!("cannot send it a job: {e}")));
        }
        match (self.look)(&self.replies, timeout) {
            Ok(line) => decode::<Done>(&line).map_err(|e| GreetError::BadReply(e.to_string())),
            Err(RecvTimeoutError::Timeout) => {
                (self.on_hang)(&mut self.child);
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

    /// Closes the worker's stdin and waits for it (at most two seconds, then it is killed).
    pub fn finish(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(2);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Worker {
    /// As given in the exercise: a worker never outlives its `Worker`.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Starts `workers` (at least one) workers with `spawn`, worker K logging to
/// `log_dir/worker-K.log`, as the reference `run_pool` does first.
pub fn start(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    spawn: fn(&Path, &Path) -> std::io::Result<Worker>,
) -> std::io::Result<Vec<Worker>> {
    (0..workers.max(1))
        .map(|k| spawn(exe, &log_dir.join(format!("worker-{k}.log"))))
        .collect()
}

/// The rest of the reference `run_pool`: one queue of jobs shared by one thread per worker,
/// each job asked with the timeout `timeout()` gives as it is sent (the job timeout, in the
/// reference). It returns the jobs that were answered, and leaves the jobs nobody answered to
/// the caller (the reference adds them with [`add_unanswered`]).
pub fn run_queue(
    pool: Vec<Worker>,
    jobs: &[Job],
    timeout: &(dyn Fn() -> Duration + Sync),
) -> Vec<Done> {
    let (jobs_tx, jobs_rx) = unbounded::<&Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    for job in jobs {
        let _ = jobs_tx.send(job);
    }
    drop(jobs_tx);
    thread::scope(|s| {
        for mut worker in pool {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for job in jobs_rx {
                    let pid = worker.pid();
                    match worker.ask(job, timeout()) {
                        Ok(done) => {
                            let _ = done_tx.send(done);
                        }
                        Err(e) => {
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
    done_rx.iter().collect()
}

/// Adds a `WorkerDied` `Done` with pid 0 for every job that did not come back.
pub fn add_unanswered(done: &mut Vec<Done>, jobs: &[Job]) {
    let answered: BTreeSet<usize> = done.iter().map(|d| d.index).collect();
    for job in jobs.iter().filter(|j| !answered.contains(&j.index())) {
        done.push(Done {
            index: job.index(),
            pid: 0,
            result: Err(GreetError::WorkerDied("no worker process left".into())),
        });
    }
}

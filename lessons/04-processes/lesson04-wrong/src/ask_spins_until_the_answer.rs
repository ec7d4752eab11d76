//! Known-wrong solution `ask_spins_until_the_answer`: `ask` asks the channel for the answer
//! with `try_recv`, again and again, until a line arrives or the timeout is up. It returns the
//! moment the answer is there, and a worker that never answers is killed and reaped in time;
//! but the parent's thread burns a core for as long as the worker takes.
//!
//! Caught by: `ask_waits_for_the_answer_without_using_the_cpu`.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// The mistake: a busy wait on the channel instead of a blocking one.
fn spin_until_the_answer(
    replies: &Receiver<String>,
    timeout: Duration,
) -> Result<String, RecvTimeoutError> {
    let started = Instant::now();
    loop {
        match replies.try_recv() {
            Ok(line) => return Ok(line),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if started.elapsed() >= timeout => {
                return Err(RecvTimeoutError::Timeout);
            }
            Err(TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
}

/// Starts a worker whose `ask` spins while it waits.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker_looking(exe, log, common::kill_and_wait, spin_until_the_answer)
}

/// The reference pool, with those workers.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let pool = common::start(exe, workers, log_dir, spawn_worker)?;
    let mut done = common::run_queue(pool, jobs, &|| job_timeout);
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

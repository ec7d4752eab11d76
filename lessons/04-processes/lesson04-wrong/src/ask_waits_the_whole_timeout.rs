//! Known-wrong solution `ask_waits_the_whole_timeout`: `ask` sleeps for its whole timeout and
//! only then looks for the answer. Every answer is found, and a worker that did not answer is
//! killed and reaped as it should be; but every job now costs the full timeout, however fast
//! its answer came, and results come back in the order their timeouts end.
//!
//! Caught by: `results_come_back_in_the_order_jobs_finish`.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// The mistake: wait out the timeout, then look.
fn sleep_then_look(
    replies: &Receiver<String>,
    timeout: Duration,
) -> Result<String, RecvTimeoutError> {
    std::thread::sleep(timeout);
    replies.try_recv().map_err(|e| match e {
        TryRecvError::Empty => RecvTimeoutError::Timeout,
        TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
    })
}

/// Starts a worker whose `ask` always waits its whole timeout.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker_looking(exe, log, common::kill_and_wait, sleep_then_look)
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

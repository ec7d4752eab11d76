//! Known-wrong solution `constant_job_timeout`: `run_pool` asks every job with a timeout of its
//! own, 10 s, instead of `job_timeout`. Each job still has its own timeout, a worker that
//! sleeps two minutes is still killed, and every job comes back; but a caller's 1 s means
//! nothing, and a job that takes 2 s is never called hung.
//!
//! Caught by: `the_job_timeout_given_is_the_one_used`.

use std::path::Path;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// The reference pool, with a job timeout of its own choosing.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    _job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let pool = common::start(exe, workers, log_dir, spawn_worker)?;
    // The mistake: a constant where the argument belongs.
    let mut done = common::run_queue(pool, jobs, &|| Duration::from_secs(10));
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

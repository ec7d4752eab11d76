//! Known-wrong solution `shared_log`: every worker's stderr goes to the same file,
//! `workers.log`. Each worker opens it afresh, so they write over each other, and nobody can
//! tell which worker logged what.
//!
//! Caught by: `each_worker_logs_its_jobs_to_its_own_file`.

use std::path::Path;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// The reference pool, with one log file for all its workers.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let log = log_dir.join("workers.log");
    let mut pool = Vec::new();
    for _ in 0..workers.max(1) {
        // The mistake: the same file for every worker.
        pool.push(spawn_worker(exe, &log)?);
    }
    let mut done = common::run_queue(pool, jobs, &|| job_timeout);
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

//! Known-wrong solution `lost_jobs`: when every worker has died, the jobs still in the queue
//! are simply not reported. Every `Done` that comes back is right, but some jobs have none:
//! `ok + errors` is less than the number of jobs.
//!
//! Caught by: `jobs_left_when_every_worker_is_gone_are_counted_errors`.

use std::path::Path;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// The reference pool, minus accounting for the jobs nobody answered.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let pool = common::start(exe, workers, log_dir, spawn_worker)?;
    // The mistake: the jobs nobody answered are not added (no `common::add_unanswered`).
    Ok(common::run_queue(pool, jobs, &|| job_timeout))
}

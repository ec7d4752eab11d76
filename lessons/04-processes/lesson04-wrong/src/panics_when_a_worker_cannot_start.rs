//! Known-wrong solution `panics_when_a_worker_cannot_start`: `run_pool` starts its workers with
//! `.expect(..)`, so a worker executable that cannot start takes the caller down with a panic,
//! where the docs promise an `Err` the caller can report.
//!
//! Caught by: `run_pool_fails_only_when_a_worker_cannot_start`.

use std::path::Path;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// The reference pool, except that a worker that does not start is a panic.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    // The mistake: `expect` where `?` belongs.
    let pool = (0..workers.max(1))
        .map(|k| {
            spawn_worker(exe, &log_dir.join(format!("worker-{k}.log"))).expect("the worker starts")
        })
        .collect();
    let mut done = common::run_queue(pool, jobs, &|| job_timeout);
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

//! Known-wrong solution `one_deadline_for_the_batch`: `run_pool` works out one deadline, the job
//! timeout from the start of the batch, and every `ask` waits only for what is left of it. Any
//! batch that ends within one job timeout passes; in a longer one, healthy workers are killed as
//! "hung" once the shared deadline has passed, whatever their current job is doing.
//!
//! Caught by: `each_job_has_its_own_timeout`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// The reference pool, with every job's timeout cut from one deadline.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let pool = common::start(exe, workers, log_dir, spawn_worker)?;
    // The mistake: one deadline for the whole batch, shared by every job.
    let deadline = Instant::now() + job_timeout;
    let left = || deadline.saturating_duration_since(Instant::now());
    let mut done = common::run_queue(pool, jobs, &left);
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

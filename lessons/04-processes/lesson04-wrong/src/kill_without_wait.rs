//! Known-wrong solution `kill_without_wait`: `ask`'s timeout arm kills the hung worker but
//! never waits for it, so the dead process stays in the process table as a zombie (its
//! `/proc/PID` is still there) until something reaps it. Here the given `Drop` does, later,
//! which hides the mistake from any check that looks after `run_pool` returns.
//!
//! Caught by: `ask_kills_a_hung_worker_and_reaps_it_before_returning`.

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// The mistake: killed, and not waited for.
fn kill_only(child: &mut Child) {
    let _ = child.kill();
}

/// Starts a worker whose `ask` kills it when it hangs, and leaves a zombie.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, kill_only)
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

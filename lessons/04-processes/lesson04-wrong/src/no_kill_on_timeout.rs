//! Known-wrong solution `no_kill_on_timeout`: `ask`'s timeout arm reports the worker hung and
//! leaves it running. The run still completes, and after `run_pool` returns the worker is gone,
//! because the given `Drop` kills and reaps it when its pool thread lets go of it: a check that
//! looks only then cannot tell. But `ask` itself killed nothing.
//!
//! Caught by: `ask_kills_a_hung_worker_and_reaps_it_before_returning`.

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// The mistake: nothing happens to a worker that does not answer.
fn leave_it_running(_child: &mut Child) {}

/// Starts a worker whose `ask` leaves it running when it hangs.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, leave_it_running)
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

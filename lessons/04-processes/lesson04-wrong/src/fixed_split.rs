//! Known-wrong solution `fixed_split`: no shared job queue. The jobs are dealt out in advance,
//! round-robin, one fixed share per worker process. It still runs on every worker and logs and
//! accounts for every job; but when a worker hangs and is killed, the rest of its share has
//! nowhere to go and comes back as `WorkerDied`, while the other worker sits idle.
//!
//! Caught by: `a_hung_job_is_an_error_and_the_other_worker_runs_the_rest`.

use std::path::Path;
use std::thread;
use std::time::Duration;

use crossbeam_channel::unbounded;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution.
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// Deals job `i` to worker `i % workers`; each worker runs its own share in order.
pub fn run_pool(
    exe: &Path,
    workers: usize,
    log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let pool = common::start(exe, workers, log_dir, spawn_worker)?;
    let n = pool.len();
    let (done_tx, done_rx) = unbounded::<Done>();
    thread::scope(|s| {
        for (k, mut worker) in pool.into_iter().enumerate() {
            let done_tx = done_tx.clone();
            s.spawn(move || {
                // The mistake: this worker's jobs are fixed before any of them runs.
                for job in jobs.iter().skip(k).step_by(n) {
                    let pid = worker.pid();
                    match worker.ask(job, job_timeout) {
                        Ok(done) => {
                            let _ = done_tx.send(done);
                        }
                        Err(e) => {
                            let _ = done_tx.send(Done {
                                index: job.index(),
                                pid,
                                result: Err(e),
                            });
                            return; // this worker is gone, and so is the rest of its share
                        }
                    }
                }
                worker.finish();
            });
        }
    });
    drop(done_tx);
    let mut done: Vec<Done> = done_rx.iter().collect();
    common::add_unanswered(&mut done, jobs);
    Ok(done)
}

//! Known-wrong solution `threads_not_processes`: no worker process at all. The pool's threads
//! run the jobs themselves, in the parent, each job on a thread of its own that the pool waits
//! for with a timeout. It greets concurrently and times out a hung job, but a thread cannot be
//! killed, only abandoned; and every result names the parent's own pid.
//!
//! Caught by: `jobs_run_in_other_processes_one_per_worker`.

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crossbeam_channel::unbounded;
use greet_core::GreetError;

use crate::common;
pub use crate::common::Worker;
pub use lesson04_solution::{Done, Job, greet_one, lines_of, worker_main};

/// A worker as in the reference solution (`run_pool` below never starts one).
pub fn spawn_worker(exe: &Path, log: &Path) -> std::io::Result<Worker> {
    common::spawn_worker(exe, log, common::kill_and_wait)
}

/// Lesson 03's pool, running each job in this process.
pub fn run_pool(
    _exe: &Path,
    workers: usize,
    _log_dir: &Path,
    jobs: &[Job],
    job_timeout: Duration,
) -> std::io::Result<Vec<Done>> {
    let (jobs_tx, jobs_rx) = unbounded::<&Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    for job in jobs {
        let _ = jobs_tx.send(job);
    }
    drop(jobs_tx);
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for job in jobs_rx {
                    let _ = done_tx.send(run_here(job.clone(), job_timeout));
                }
            });
        }
    });
    drop(done_tx);
    Ok(done_rx.iter().collect())
}

/// The mistake: the job runs on a thread of this process, which is abandoned if it hangs.
fn run_here(job: Job, timeout: Duration) -> Done {
    let index = job.index();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let result = match job {
            Job::Greet {
                target, timeout_ms, ..
            } => greet_one(&target, Duration::from_millis(timeout_ms)),
            Job::Hang { secs, .. } => {
                thread::sleep(Duration::from_secs(secs.min(600)));
                Err(GreetError::Timeout)
            }
        };
        let _ = tx.send(result);
    });
    Done {
        index,
        pid: std::process::id(),
        result: rx
            .recv_timeout(timeout)
            .unwrap_or(Err(GreetError::WorkerHung)),
    }
}

//! Known-wrong solution `thread_per_job`: a job queue and `workers` workers, but each worker
//! starts a new thread for every job it takes and goes straight back to the queue. The workers
//! empty the queue at once and every greet waits at the same time: the pool bounds nothing. It
//! reports the pool worker's id, so the distinct-workers check may still pass.
//!
//! Caught by: `peak_in_flight_equals_the_pool_size`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::unbounded;
use greet_core::Target;
pub use lesson03_solution::{Done, Job, greet_one};

/// A queue-fed pool whose workers hand every job to a thread of its own.
pub fn pool_greet(targets: &[Target], workers: usize, timeout: Duration) -> Vec<Done> {
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                let me = thread::current().id();
                for job in jobs_rx {
                    let done_tx = done_tx.clone();
                    // The mistake: the worker does not wait for its job before taking the next.
                    s.spawn(move || {
                        let result = greet_one(&job.target, timeout);
                        let _ = done_tx.send(Done {
                            index: job.index,
                            worker: me,
                            result,
                        });
                    });
                }
            });
        }
        drop(done_tx);
        for (index, target) in targets.iter().enumerate() {
            let _ = jobs_tx.send(Job {
                index,
                target: target.clone(),
            });
        }
        drop(jobs_tx);
        done_rx.iter().collect()
    })
}

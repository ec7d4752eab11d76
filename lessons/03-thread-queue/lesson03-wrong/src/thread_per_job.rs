//! Known-wrong solution `thread_per_job`: `workers` workers on the job queue, but each worker
//! starts a new thread for every job it takes and goes straight back to the queue. The workers
//! empty the queue at once and every greet waits at the same time: the pool bounds nothing. It
//! reports the pool worker's id, so the distinct-workers check may still pass.
//!
//! Caught by: `peak_in_flight_equals_the_pool_size`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A queue-fed pool whose workers hand every job to a thread of its own.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                for job in jobs {
                    let done = done.clone();
                    // The mistake: the worker does not wait for its job before taking the next.
                    s.spawn(move || {
                        let result = greet_one(&job.target, timeout);
                        let _ = done.send(Done {
                            index: job.index,
                            worker: me,
                            result,
                        });
                    });
                }
            });
        }
    });
}

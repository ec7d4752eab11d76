//! Known-wrong solution `zero_workers_do_nothing`: `run_pool` starts exactly `workers` threads,
//! so `workers = 0` starts none: the jobs sit in the queue, the results queue closes at once,
//! and the caller gets no result and no error. The docs say "at least one".
//!
//! Caught by: `zero_workers_means_one_worker`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// The reference pool, without its `.max(1)`.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    thread::scope(|s| {
        // The mistake: 0..0 starts no worker.
        for _ in 0..workers {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                for job in jobs {
                    let result = greet_one(&job.target, timeout);
                    let _ = done.send(Done {
                        index: job.index,
                        worker: me,
                        result,
                    });
                }
            });
        }
    });
}

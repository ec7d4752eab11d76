//! Known-wrong solution `detached_workers`: the workers are started with `thread::spawn` and
//! never joined, so `run_pool` returns while they still work. Through `pool_greet`, which
//! collects until every result sender is gone, nothing shows; but a caller that takes
//! `run_pool`'s return to mean "done" finds results missing, and the workers outlive the call.
//!
//! Caught by: `run_pool_returns_once_its_workers_are_done`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A pool whose workers are let go.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    for _ in 0..workers.max(1) {
        let (jobs, done) = (jobs.clone(), done.clone());
        // The mistake: the handle is dropped, so nobody waits for this worker.
        thread::spawn(move || {
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
}

//! Known-wrong solution `spinning_workers`: the workers poll the job queue with `try_recv` in a
//! loop instead of blocking on it. Every job is done, by the right workers, as soon as it
//! arrives, so every check that looks at results passes; but a worker with nothing to do burns
//! a core asking "anything yet?" until the queue closes.
//!
//! Caught by: `idle_workers_wait_on_the_open_queue`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A pool whose idle workers spin.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                loop {
                    // The mistake: an empty queue is asked again at once.
                    let job = match jobs.try_recv() {
                        Ok(job) => job,
                        Err(TryRecvError::Empty) => continue,
                        Err(TryRecvError::Disconnected) => break,
                    };
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

//! Known-wrong solution `workers_quit_when_the_queue_is_idle`: each worker waits for its next
//! job with `recv_timeout(timeout)` and stops when none comes in time, as if an empty queue
//! meant the end of the work. A batch queued at once never leaves the queue empty, so every
//! result comes back; but the queue is still open, and a job sent after a quiet spell finds
//! no worker left to take it.
//!
//! Caught by: `idle_workers_wait_on_the_open_queue`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A pool whose workers give up on a quiet queue.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                // The mistake: a timeout on the queue ends the worker, though the queue is
                // still open and more jobs may come.
                while let Ok(job) = jobs.recv_timeout(timeout) {
                    let result = greet_one(&job.target, timeout);
                    if done
                        .send(Done {
                            index: job.index,
                            worker: me,
                            result,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
}

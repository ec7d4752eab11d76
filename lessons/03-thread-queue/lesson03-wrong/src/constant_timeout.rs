//! Known-wrong solution `constant_timeout`: the workers greet with a timeout of 5 s, whatever
//! `run_pool` was given. Every check whose hosts answer in time passes; but a caller that
//! allows 300 ms per greet waits 5 s on a slow host.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// The reference pool, with a timeout of its own.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, _timeout: Duration) {
    // The mistake: a constant where the argument belongs.
    let timeout = Duration::from_secs(5);
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                for job in jobs {
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

//! Lesson 03, reference solution: a pool of worker threads fed by a message queue, with the
//! results coming back on a second queue. The lesson itself is the README below; `cargo lesson
//! check 03` runs the checks.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::thread::{self, ThreadId};
use std::time::Duration;

use crossbeam_channel::unbounded;
use greet_core::{GreetError, Reply, Target};

/// One job on the job queue: greet `target`; `index` says which job it was.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's position in the caller's list.
    pub index: usize,
    /// The host to greet.
    pub target: Target,
}

/// One result on the results queue.
#[derive(Debug, Clone)]
pub struct Done {
    /// Which job this answers.
    pub index: usize,
    /// The worker thread that ran it.
    pub worker: ThreadId,
    /// The job's outcome.
    pub result: Result<Reply, GreetError>,
}

/// Greets one host and checks that the reply names the host we aimed at (as in lesson 01).
pub use greet_core::client::greet_target as greet_one;

/// Greets every target using a pool of `workers` threads (at least one) that take jobs from a
/// queue and put their results on a second queue. Returns one [`Done`] per target, in the order
/// they finished.
pub fn pool_greet(targets: &[Target], workers: usize, timeout: Duration) -> Vec<Done> {
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    thread::scope(|s| {
        // Start the workers. Each one owns a handle on both queues: it takes a job, runs it,
        // sends the result, and takes the next, until the job queue is closed and empty.
        for _ in 0..workers.max(1) {
            let (jobs_rx, done_tx) = (jobs_rx.clone(), done_tx.clone());
            s.spawn(move || {
                let me = thread::current().id();
                for job in jobs_rx {
                    let result = greet_one(&job.target, timeout);
                    let done = Done {
                        index: job.index,
                        worker: me,
                        result,
                    };
                    if done_tx.send(done).is_err() {
                        break; // nobody is collecting any more
                    }
                }
            });
        }
        // Drop our own copy of the results sender: the results queue then closes when the last
        // worker exits, which is what ends the collecting loop below.
        drop(done_tx);
        // Fill the job queue, then close it: the workers stop once it is empty.
        for (index, target) in targets.iter().enumerate() {
            let job = Job {
                index,
                target: target.clone(),
            };
            if jobs_tx.send(job).is_err() {
                break;
            }
        }
        drop(jobs_tx);
        // Collect until every worker has hung up. Every greet has a timeout, so this ends.
        done_rx.iter().collect()
    })
}

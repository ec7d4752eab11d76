//! Lesson 03, reference solution: a pool of worker threads fed by a message queue, with the
//! results coming back on a second queue. The lesson itself is the README below; `cargo lesson
//! check 03` runs the checks.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::thread::{self, ThreadId};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
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

/// The pool: `workers` threads (at least one) that each take the next [`Job`] from `jobs`,
/// greet its target, and send one [`Done`] on `done`, until `jobs` is closed and empty. A
/// worker with nothing to do waits on the queue without using the CPU. Returns once every
/// worker has finished, so every `Done` has been sent by then.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    // A scope: it returns only when every worker started in it has finished.
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            // Each worker owns a handle on both queues.
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                // `for` on a receiver blocks while the queue is empty (the thread sleeps until a
                // job arrives) and ends once it is closed and empty.
                for job in jobs {
                    let result = greet_one(&job.target, timeout);
                    let done_msg = Done {
                        index: job.index,
                        worker: me,
                        result,
                    };
                    if done.send(done_msg).is_err() {
                        break; // nobody is collecting any more
                    }
                }
            });
        }
    });
}

/// Given: the caller's side of the diagram. Starts [`run_pool`] on a thread of its own, puts
/// one [`Job`] per target on the job queue, closes it, and collects the results until the pool
/// has hung up. Returns one [`Done`] per target, in the order they finished.
pub fn pool_greet(targets: &[Target], workers: usize, timeout: Duration) -> Vec<Done> {
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    thread::scope(|s| {
        // The pool owns the receiving end of the jobs and the sending end of the results.
        s.spawn(move || run_pool(jobs_rx, done_tx, workers, timeout));
        for (index, target) in targets.iter().enumerate() {
            let job = Job {
                index,
                target: target.clone(),
            };
            if jobs_tx.send(job).is_err() {
                break; // the pool has gone
            }
        }
        // No more jobs: closing the queue is what lets the workers' loops end. Forget this and
        // the pool waits for ever, and so does the scope.
        drop(jobs_tx);
        // Collect until every sender of results is gone: the pool's, when it returns, and its
        // workers'. (This side kept none; a kept one would make this wait for ever.)
        done_rx.iter().collect()
    })
}

//! Known-wrong solution `no_queue`: the workers do not take their jobs from the queue, nor send
//! their results on one. `run_pool` gathers the whole batch first, then the workers take the
//! next index from a shared counter and push their results into a `Vec` behind a `Mutex`,
//! which is sent on at the end. Every pool check that sees only the batch passes: the load is
//! balanced, K greets wait at once. But nothing moves until the batch is closed, and no result
//! comes back until the last one is done.
//!
//! Caught by: `results_come_back_while_the_queue_is_still_open`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A shared counter and a locked Vec in place of the two queues.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    // The mistake: the batch is gathered whole before any work starts...
    let all: Vec<Job> = jobs.iter().collect();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|| {
                let me = thread::current().id();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = all.get(i) else { break };
                    let result = greet_one(&job.target, timeout);
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(Done {
                            index: job.index,
                            worker: me,
                            result,
                        });
                }
            });
        }
    });
    // ...and handed back only once it is all done.
    for d in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        let _ = done.send(d);
    }
}

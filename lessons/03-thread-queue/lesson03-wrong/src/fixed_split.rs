//! Known-wrong solution `fixed_split`: no job queue at all. The targets are dealt out in
//! advance, round-robin, one fixed share per worker thread. It has `workers` threads, at most
//! `workers` greets in flight and as many distinct worker ids, so the pool-size checks pass; but
//! a worker held up by a slow job cannot leave its other jobs to a free worker, which is what the
//! shared queue is for.
//!
//! Caught by: `a_held_job_leaves_the_rest_of_the_queue_to_the_other_workers`.

use std::thread;
use std::time::Duration;

use greet_core::Target;
pub use lesson03_solution::{Done, Job, greet_one};

/// Deals target `i` to worker `i % workers`; each worker greets its share in order.
pub fn pool_greet(targets: &[Target], workers: usize, timeout: Duration) -> Vec<Done> {
    let workers = workers.max(1);
    thread::scope(|s| {
        let shares: Vec<_> = (0..workers)
            .map(|k| {
                s.spawn(move || {
                    let me = thread::current().id();
                    // The mistake: this worker's jobs are fixed before any of them runs.
                    targets
                        .iter()
                        .enumerate()
                        .skip(k)
                        .step_by(workers)
                        .map(|(index, target)| Done {
                            index,
                            worker: me,
                            result: greet_one(target, timeout),
                        })
                        .collect::<Vec<Done>>()
                })
            })
            .collect();
        shares
            .into_iter()
            .flat_map(|share| share.join().unwrap_or_default())
            .collect()
    })
}

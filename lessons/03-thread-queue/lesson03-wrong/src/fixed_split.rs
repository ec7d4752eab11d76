//! Known-wrong solution `fixed_split`: no shared queue between the workers. `run_pool` takes
//! every job off the queue first, then deals them out round-robin, one fixed share per worker
//! thread. It has `workers` threads, at most `workers` greets in flight and as many distinct
//! worker ids, so the pool-size checks pass; but a worker held up by a slow job cannot leave its
//! other jobs to a free worker, which is what the shared queue is for.
//!
//! Caught by: `a_held_job_leaves_the_rest_of_the_queue_to_the_other_workers`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// Deals job `i` to worker `i % workers`; each worker greets its share in order.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    let workers = workers.max(1);
    // The mistake: each worker's jobs are fixed before any of them runs.
    let all: Vec<Job> = jobs.iter().collect();
    let all = &all;
    thread::scope(|s| {
        for k in 0..workers {
            let done = done.clone();
            s.spawn(move || {
                let me = thread::current().id();
                for job in all.iter().skip(k).step_by(workers) {
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

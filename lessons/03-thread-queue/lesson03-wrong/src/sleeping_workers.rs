//! Known-wrong solution `sleeping_workers`: the workers poll the job queue with `try_recv`, and
//! sleep half a second whenever it is empty. They burn no CPU to speak of, and every job gets
//! done; but an idle worker wakes twice a second to ask again, and a job that arrives while
//! they all sleep waits for the next wake-up.
//!
//! Caught by: `idle_workers_wait_on_the_open_queue`.

use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
pub use lesson03_solution::{Done, Job, greet_one};

crate::given_pool_greet!();

/// A pool whose idle workers sleep and poll.
pub fn run_pool(jobs: Receiver<Job>, done: Sender<Done>, workers: usize, timeout: Duration) {
    thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let (jobs, done) = (jobs.clone(), done.clone());
            s.spawn(move || {
                let me = thread::current().id();
                loop {
                    let job = match jobs.try_recv() {
                        Ok(job) => job,
                        // The mistake: sleep and ask again, instead of waiting on the queue.
                        Err(TryRecvError::Empty) => {
                            thread::sleep(Duration::from_millis(500));
                            continue;
                        }
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

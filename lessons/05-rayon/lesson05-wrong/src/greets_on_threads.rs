//! Known-wrong solution `greets_on_threads`: `greet_all_on_pool` starts a scoped thread per
//! target instead of using the pool. Every greet succeeds, in order; but nothing caps them at
//! the pool's size, which is the behaviour of blocking I/O on rayon the lesson is about.
//!
//! Caught by: `greets_in_flight_are_capped_by_the_pool_size`.

use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson05_solution::{
    Crunched, Job, combine, crunch_parallel, crunch_sequential, greet_checked, job,
};

/// A thread per target, whatever the pool.
pub fn greet_all_on_pool(
    pool: &rayon::ThreadPool,
    targets: &[Target],
    timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    // The mistake: the pool is never used.
    let _ = pool;
    thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || greet_checked(t, timeout)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(GreetError::Io("greet thread panicked".into())))
            })
            .collect()
    })
}

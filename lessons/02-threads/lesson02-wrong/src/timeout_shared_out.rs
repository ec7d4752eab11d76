//! Known-wrong solution `timeout_shared_out`: `greet_all_threads` treats the caller's timeout as
//! a budget for the whole batch and gives each thread its share, `timeout / targets.len()`. With
//! two hosts that answer after 1 s and 4 s to spare, each share (2 s) is still long enough; but
//! the greets wait at the same time, so each may wait the whole timeout, and with 8 such hosts
//! and 3 s each share (375 ms) runs out before its answer.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson02_solution::{SharedCounter, add_with_atomic, add_with_mutex, greet_one};

/// A thread per target, all at once, each with a share of the timeout.
pub fn greet_all_threads(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: the threads wait side by side, yet each gets only a slice of the wait.
    let share = timeout / u32::try_from(targets.len().max(1)).unwrap_or(u32::MAX);
    thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || greet_one(t, share)))
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

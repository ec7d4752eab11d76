//! Known-wrong solution `join_right_after_spawn`: `greet_all_threads` starts a thread per
//! target but joins each one before starting the next. There is a thread per greet, and the
//! results are in order; but only one greet waits at a time: sequential again.
//!
//! Caught by: `all_greets_wait_at_the_same_time`.

use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson02_solution::{SharedCounter, add_with_atomic, add_with_mutex, greet_one};

/// A thread per target, one after another.
pub fn greet_all_threads(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    thread::scope(|s| {
        targets
            .iter()
            // The mistake: `join` right after `spawn` waits for this greet before the next.
            .map(|t| {
                s.spawn(move || greet_one(t, timeout))
                    .join()
                    .unwrap_or_else(|_| Err(GreetError::Io("greet thread panicked".into())))
            })
            .collect()
    })
}

//! Known-wrong solution `constant_timeout`: `greet_all_threads` is right in every way but one:
//! each thread greets with a timeout of 5 s (lesson 01's example value) instead of the one it
//! was given. The rendezvous check still passes, since its greets are answered at once; but a
//! caller that allows 300 ms waits 5 s per greet.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson02_solution::{SharedCounter, add_with_atomic, add_with_mutex, greet_one};

/// A thread per target, all at once, each with a timeout of its own choosing.
pub fn greet_all_threads(targets: &[Target], _timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: a constant where the argument belongs.
    let timeout = Duration::from_secs(5);
    thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || greet_one(t, timeout)))
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

//! Known-wrong solution `concurrent`: `greet_all` greets every target at once, one thread each,
//! and returns the results in order. The results are all right; but this lesson is the
//! sequential greet, one reply before the next greet, which is what the N × L prediction is
//! about.
//!
//! Caught by: `one_greet_in_flight_at_a_time`.

use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets every target at the same time.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
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

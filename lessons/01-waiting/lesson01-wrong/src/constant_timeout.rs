//! Known-wrong solution `constant_timeout`: `greet_all` passes every greet a timeout of its own
//! choosing, 2 s, instead of the one it was given. 2 s is shorter than the silent host's 3 s,
//! so that check still sees a timeout; but the caller's timeout is ignored: a caller that
//! allows 300 ms waits 2 s, and one that allows 4 s gives up after 2.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets in order, each greet allowed 2 s whatever the caller said.
pub fn greet_all(targets: &[Target], _timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: a constant where the argument belongs.
    let timeout = Duration::from_secs(2);
    targets.iter().map(|t| greet_one(t, timeout)).collect()
}

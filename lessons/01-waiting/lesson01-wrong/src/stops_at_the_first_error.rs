//! Known-wrong solution `stops_at_the_first_error`: `greet_all` ends the run at the first
//! failed greet. Every greet before it is right, but the hosts after a refused one are never
//! greeted, and their results are missing.
//!
//! Caught by: `refused_target_is_counted_not_fatal`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets in order, until one fails.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    let mut results = Vec::new();
    for t in targets {
        let result = greet_one(t, timeout);
        let failed = result.is_err();
        results.push(result);
        // The mistake: one failure ends the run.
        if failed {
            break;
        }
    }
    results
}

//! Known-wrong solution `retries_a_failed_greet`: `greet_all` greets each target again when
//! the first greet fails. A refused or silent host is still one error among the results, and
//! the results are in order; but a host that never answers now costs two timeouts and two
//! connections, where the lesson says it costs one.
//!
//! Caught by: `a_silent_host_costs_one_connection_and_nothing_is_left_waiting`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets in order, and once more after a failure.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    targets
        .iter()
        // The mistake: a second greet hides nothing and doubles what a dead host costs.
        .map(|t| greet_one(t, timeout).or_else(|_| greet_one(t, timeout)))
        .collect()
}

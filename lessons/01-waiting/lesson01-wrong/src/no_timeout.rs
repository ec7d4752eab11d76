//! Known-wrong solution `no_timeout`: `greet_all` ignores the timeout it is given and lets
//! each greet wait an hour. Against hosts that answer, nothing shows; a host that accepts and
//! never answers holds the whole run until it hangs up itself.
//!
//! Caught by: `a_silent_host_times_out_and_the_run_goes_on`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets in order, each greet allowed an hour.
pub fn greet_all(targets: &[Target], _timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: the caller's timeout is not passed on.
    let patient = Duration::from_secs(3600);
    targets.iter().map(|t| greet_one(t, patient)).collect()
}

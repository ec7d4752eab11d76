//! Known-wrong solution `trusts_any_reply`: `greet_all` greets each target's address with the
//! plain `greet_core::client::greet`, which does not know which host the target expects, so a
//! reply from another host counts as a success.
//!
//! Caught by: `wrong_host_is_an_error`.

use std::time::Duration;

use greet_core::client::greet;
use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets every target's address in order, whoever answers.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: `target.host`, the host the job aims at, is never compared with the reply.
    targets.iter().map(|t| greet(t.addr, timeout)).collect()
}

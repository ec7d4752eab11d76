//! Lesson 01, reference solution: greet every host one after another, and predict how long
//! that takes. The lesson itself is the README below; `cargo lesson check 01` runs the checks.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};

/// How a batch of greets ended: every greet is counted exactly once, as ok or as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Greets that got the right reply.
    pub ok: usize,
    /// Greets that failed (refused, timed out, wrong host, ...).
    pub errors: usize,
}

/// Greets one host and checks that the reply names the host we aimed at.
///
/// Given: this is the one greet the lesson's function repeats. A reply from the wrong host is
/// an error, not a success.
pub use greet_core::client::greet_target as greet_one;

/// How long `count` greets take, one after another, when each host takes `latency` to answer.
pub fn predict_sequential(count: usize, latency: Duration) -> Duration {
    // Each greet waits the full latency before the next can start: nothing overlaps.
    latency.saturating_mul(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Greets every target in order, one at a time, and returns one result per target, in the
/// targets' order. A failed greet is a result too: it must not stop the others.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // One greet at a time: `greet_one` blocks this thread until the reply (or the timeout)
    // arrives, and only then does the loop move on. That wait is the whole lesson.
    targets.iter().map(|t| greet_one(t, timeout)).collect()
}

/// Counts the successes and the failures in `results`.
pub fn tally(results: &[Result<Reply, GreetError>]) -> Tally {
    let ok = results.iter().filter(|r| r.is_ok()).count();
    Tally {
        ok,
        errors: results.len() - ok,
    }
}

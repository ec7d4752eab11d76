//! Lesson 01, exercise: greet every host one after another, and predict how long that takes.
//! Read `../README.md`, fill in the three `todo!()`s below, then run `cargo lesson check 01`.
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
    // TODO: each greet waits the full latency before the next one starts. How long do `count`
    // of them take? (`Duration` can be multiplied by a `u32`: see `Duration::saturating_mul`.)
    // (The `todo!` names the parameters only so that the stub compiles without warnings: once
    // you replace it, the compiler warns about any parameter your code ignores.)
    todo!("predict_sequential({count}, {latency:?})")
}

/// Greets every target in order, one at a time, and returns one result per target, in the
/// targets' order. A failed greet is a result too: it must not stop the others.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // TODO: call `greet_one` for each target, in order, and collect the results. Keep the
    // errors: a refused host is one `Err` in the output, not the end of the run.
    todo!("greet_all({} targets, {timeout:?})", targets.len())
}

/// Counts the successes and the failures in `results`.
pub fn tally(results: &[Result<Reply, GreetError>]) -> Tally {
    // TODO: count the `Ok`s and the `Err`s. Every result is exactly one of the two.
    todo!("tally({} results)", results.len())
}

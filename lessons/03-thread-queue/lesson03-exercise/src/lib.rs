//! Lesson 03, exercise: a pool of worker threads fed by a message queue, with the results
//! coming back on a second queue. Read `../README.md`, fill in the `todo!()` below, then run
//! `cargo lesson check 03`.
// The stub does not use its parameters and imports yet; that is what you will change.
#![allow(unused_variables, unused_imports)]
#![forbid(unsafe_code)]

use std::thread::{self, ThreadId};
use std::time::Duration;

use crossbeam_channel::unbounded;
use greet_core::{GreetError, Reply, Target};

/// One job on the job queue: greet `target`; `index` says which job it was.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's position in the caller's list.
    pub index: usize,
    /// The host to greet.
    pub target: Target,
}

/// One result on the results queue.
#[derive(Debug, Clone)]
pub struct Done {
    /// Which job this answers.
    pub index: usize,
    /// The worker thread that ran it.
    pub worker: ThreadId,
    /// The job's outcome.
    pub result: Result<Reply, GreetError>,
}

/// Greets one host and checks that the reply names the host we aimed at (as in lesson 01).
pub use greet_core::client::greet_target as greet_one;

/// Greets every target using a pool of `workers` threads (at least one) that take jobs from a
/// queue and put their results on a second queue. Returns one [`Done`] per target, in the order
/// they finished.
pub fn pool_greet(targets: &[Target], workers: usize, timeout: Duration) -> Vec<Done> {
    // TODO: the README's diagram, in code: `workers` threads (at least one) that take `Job`s
    // from one queue and put `Done`s on another, and a caller that fills the first queue and
    // empties the second. The README's squares example has the same shape.
    todo!("pool_greet")
}

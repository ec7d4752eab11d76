//! Known-wrong solution `timeout_by_a_detached_thread`: `greet_all` runs each greet on a thread
//! of its own with a long timeout of its own, and waits for its result on a channel for the
//! caller's timeout. Every result arrives in time, in order; but a greet that timed out is not
//! over: its thread is left behind, still waiting on the host (and holding its connection)
//! long after `greet_all` has returned.
//!
//! Caught by: `a_silent_host_costs_one_connection_and_nothing_is_left_waiting`.

use std::sync::mpsc;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson01_solution::{Tally, greet_one, predict_sequential, tally};

/// Greets in order, each greet on a detached thread that the caller stops waiting for.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    targets
        .iter()
        .map(|t| {
            let (tx, rx) = mpsc::channel();
            let t = t.clone();
            // The mistake: nobody joins this thread, and it keeps waiting a minute.
            std::thread::spawn(move || {
                let _ = tx.send(greet_one(&t, Duration::from_secs(60)));
            });
            rx.recv_timeout(timeout).unwrap_or(Err(GreetError::Timeout))
        })
        .collect()
}

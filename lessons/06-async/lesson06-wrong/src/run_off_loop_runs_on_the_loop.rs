//! Known-wrong solution `run_off_loop_runs_on_the_loop`: `run_off_loop` is an `async fn` that
//! simply calls `f`. Being async does not move anything off the loop: `f` runs on the event
//! loop's thread, and no other task gets a turn until it returns.
//!
//! Caught by: `crunch_off_loop_lets_other_tasks_run`.

use std::time::Duration;

use greet_core::workload::crunch;
use greet_core::{GreetError, Target};
pub use lesson06_solution::{crunch_inline, greet, greet_all};

/// The mistake: `f` runs right here, on the loop.
pub async fn run_off_loop<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    f()
}

/// As in the reference solution, through the `run_off_loop` above.
pub async fn crunch_off_loop(work: u32, seed: u64) -> u64 {
    run_off_loop(move || crunch(work, seed)).await
}

/// As in the reference solution, through the `crunch_off_loop` above.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    let reply = greet(target, timeout).await?;
    Ok(crunch_off_loop(work, reply.seed(index)).await)
}

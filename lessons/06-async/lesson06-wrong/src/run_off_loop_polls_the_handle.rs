//! Known-wrong solution `run_off_loop_polls_the_handle`: `run_off_loop` hands `f` to
//! `spawn_blocking`, then asks the handle whether it has finished, yielding to the other tasks
//! between two questions, and only awaits it once it has. `f` runs off the loop, and the other
//! tasks get their turns; but while nothing else wants the loop, it spins on `yield_now`,
//! burning a core for as long as `f` takes, where a loop that awaits the handle sleeps.
//!
//! Caught by: `the_loop_sleeps_while_run_off_loop_waits`.

use std::time::Duration;

use greet_core::workload::crunch;
use greet_core::{GreetError, Target};
pub use lesson06_solution::{crunch_inline, greet, greet_all};

/// Off the loop, but the loop keeps asking.
pub async fn run_off_loop<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = tokio::task::spawn_blocking(f);
    // The mistake: a busy wait. The handle itself wakes this task when `f` is done.
    while !handle.is_finished() {
        tokio::task::yield_now().await;
    }
    match handle.await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
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

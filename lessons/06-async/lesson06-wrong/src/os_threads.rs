//! Known-wrong solution `os_threads`: no event loop at all. `greet_all` starts one OS thread
//! per target, each running a blocking greet. Every greet waits at the same time, so the
//! rendezvous is reached and the results are right; but that is lesson 02, with a thread per
//! greet, not many greets waiting on one thread.
//!
//! Caught by: `all_greets_wait_at_once_on_one_thread`.

use std::thread;
use std::time::Duration;

use greet_core::client::greet_target;
use greet_core::{GreetError, Reply, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, mixed, run_off_loop};

/// One scoped thread per target, each blocked in its own greet.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || greet_target(t, timeout)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(GreetError::Io("greet thread panicked".into())))
            })
            .collect()
    })
}

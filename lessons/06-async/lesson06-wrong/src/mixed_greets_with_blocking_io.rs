//! Known-wrong solution `mixed_greets_with_blocking_io`: `mixed` greets with lesson 01's
//! blocking `greet_target` (std's socket) inside the async fn, then crunches off the loop as it
//! should. Alone, it works and the checksum is right; but the blocking read holds the loop's
//! thread for the whole wait, so no other task on the loop runs until the reply is in: mixed
//! jobs on one loop greet one after another.
//!
//! Caught by: `mixed_greets_wait_together_on_the_loop`.

use std::time::Duration;

use greet_core::client::greet_target;
use greet_core::{GreetError, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, greet_all, run_off_loop};

/// The reference `mixed`, greeting with a blocking socket.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    // The mistake: std's blocking I/O inside an async fn.
    let reply = greet_target(&target, timeout)?;
    Ok(crunch_off_loop(work, reply.seed(index)).await)
}

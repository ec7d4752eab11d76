//! Known-wrong solution `mixed_crunches_inline`: `mixed` greets with the async `greet`, then
//! crunches right there, on the event loop, with the reply's seed. The checksum is right, and
//! `crunch_off_loop` itself is right too; but while this job crunches, no other task on the
//! loop runs: a reply that arrives meanwhile waits unread until the crunch is over.
//!
//! Caught by: `mixed_leaves_the_loop_free_while_it_crunches`.

use std::time::Duration;

use greet_core::workload::crunch;
use greet_core::{GreetError, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, greet_all, run_off_loop};

/// The reference `mixed`, crunching on the loop.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    let reply = greet(target, timeout).await?;
    // The mistake: a long computation with no `.await` in it, on the loop's own thread.
    Ok(crunch(work, reply.seed(index)))
}

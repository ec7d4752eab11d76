//! Known-wrong solution `seed_ignores_the_reply`: `mixed` greets, then crunches with a seed made
//! from the job's index alone, as if the reply did not matter. The crunch runs off the loop as
//! it should, but its checksum is not the mixed job's: the seed must come from the reply
//! (`reply.seed(index)`), which is what ties the two halves of the job together.
//!
//! Caught by: `mixed_crunches_with_the_replys_seed`.

use std::time::Duration;

use greet_core::{GreetError, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, greet_all, run_off_loop};

/// The reference `mixed`, with the wrong seed.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    let _reply = greet(target, timeout).await?;
    // The mistake: the reply plays no part in the seed.
    Ok(crunch_off_loop(work, index as u64).await)
}

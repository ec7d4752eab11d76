//! Known-wrong solution `constant_timeout`: `greet_all_on_pool` greets with a timeout of 5 s,
//! whatever it was given. Every result is right, in order, and at most the pool's size of them
//! wait at once; but a caller that allows 300 ms waits 5 s on a slow host.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson05_solution::{
    Crunched, Job, combine, crunch_parallel, crunch_sequential, greet_checked, job,
};
use rayon::prelude::*;

/// The reference greets, with a timeout of their own.
pub fn greet_all_on_pool(
    pool: &rayon::ThreadPool,
    targets: &[Target],
    _timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    // The mistake: a constant where the argument belongs.
    let timeout = Duration::from_secs(5);
    pool.install(|| {
        targets
            .par_iter()
            .with_max_len(1)
            .map(|t| greet_checked(t, timeout))
            .collect()
    })
}

//! Known-wrong solution `greet_all_ignores_the_timeout`: `greet_all` is the reference, except
//! that each task greets with a timeout of 5 s instead of the one it was given. Every other
//! check greets hosts that answer well within both, so only a caller's short timeout shows it.
//!
//! Caught by: `the_timeout_given_is_the_one_used`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, mixed, run_off_loop};

/// The reference `greet_all`, with a timeout of its own.
pub fn greet_all(targets: &[Target], _timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: a constant where the argument belongs.
    let timeout = Duration::from_secs(5);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime starts");
    rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (i, t) in targets.iter().enumerate() {
            let t = t.clone();
            set.spawn(async move { (i, greet(t, timeout).await) });
        }
        let mut results: Vec<Result<Reply, GreetError>> =
            vec![Err(GreetError::Io("not run".into())); targets.len()];
        while let Some(done) = set.join_next().await {
            match done {
                Ok((i, r)) => results[i] = r,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        results
    })
}

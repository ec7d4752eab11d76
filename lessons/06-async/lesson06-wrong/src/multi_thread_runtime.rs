//! Known-wrong solution `multi_thread_runtime`: the tasks and the `JoinSet` are right, but on
//! tokio's multi-threaded runtime, whose worker threads poll the greets. Every greet waits at
//! once and the results are right; but the greets are spread over a pool of threads, which is
//! not the single event loop (asyncio's analogue) the lesson is about.
//!
//! Caught by: `all_greets_wait_at_once_on_one_thread`.

use std::time::Duration;

use greet_core::{GreetError, Reply, Target};
pub use lesson06_solution::{crunch_inline, crunch_off_loop, greet, mixed, run_off_loop};

/// The reference `greet_all`, on the wrong runtime.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // The mistake: `new_multi_thread` starts worker threads of its own.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a multi-threaded runtime starts");
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

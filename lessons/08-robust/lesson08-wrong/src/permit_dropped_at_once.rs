//! Known-wrong solution `permit_dropped_at_once`: `greet_limited` acquires a permit with
//! `let _ = ...`, which drops it on the spot. Every task gets through the semaphore at once,
//! and nothing limits the sessions any more.
//!
//! Caught by: `at_most_k_sessions_to_one_host`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use greet_core::{GreetError, Reply};
pub use lesson08_solution::{Backoff, Greeting, Session, client, fetch, first_greeting, retry};
use tokio::sync::Semaphore;

/// The reference `greet_limited`, with the permit let go at once.
pub async fn greet_limited(
    addr: SocketAddr,
    count: usize,
    sessions: usize,
    timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    let permits = Arc::new(Semaphore::new(sessions.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let permits = permits.clone();
        tasks.spawn(async move {
            // The mistake: `_` is not a binding; the permit is dropped right here.
            let _ = permits.acquire_owned().await.expect("never closed");
            let mut session = Session::new(addr, timeout);
            (i, session.greet().await)
        });
    }
    let mut results = vec![Err(GreetError::Io("not run".into())); count];
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, r)) => results[i] = r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results
}

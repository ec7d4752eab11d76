//! Known-wrong solution `sessions_in_waves`: `greet_limited` cuts the tasks into groups of
//! `sessions` and runs each group to its end before starting the next. Never more than
//! `sessions` are open at once, and all of them are at the start, so the rendezvous and the
//! peak checks pass; but one slow session holds up its whole group, and a new session starts
//! only when the slowest of the group ends, not as soon as any one does. Lesson 07 rejects the
//! same waves for requests.
//!
//! Caught by: `a_new_session_starts_whenever_one_ends`.

use std::net::SocketAddr;
use std::time::Duration;

use greet_core::{GreetError, Reply};
pub use lesson08_solution::{Backoff, Greeting, Session, client, fetch, first_greeting, retry};

/// The tasks in groups of `sessions`, group after group.
pub async fn greet_limited(
    addr: SocketAddr,
    count: usize,
    sessions: usize,
    timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    let ids: Vec<usize> = (0..count).collect();
    let mut results = vec![Err(GreetError::Io("not run".into())); count];
    // The mistake: a group ends when its slowest session does.
    for group in ids.chunks(sessions.max(1)) {
        let mut tasks = tokio::task::JoinSet::new();
        for &i in group {
            tasks.spawn(async move { (i, Session::new(addr, timeout).greet().await) });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((i, r)) => results[i] = r,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
    }
    results
}

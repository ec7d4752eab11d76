//! Known-wrong solution `retries_without_waiting`: `retry` calls again at once after each
//! failure, as many times as there are delays, but never sleeps them. It returns the right
//! result; it hammers the struggling host in a tight loop, which is what backoff prevents.
//!
//! Caught by: `retry_waits_the_backoff_between_attempts`.

use std::future::Future;

pub use lesson08_solution::{
    Backoff, Greeting, Session, client, fetch, first_greeting, greet_limited,
};

/// Retries with no wait between attempts.
pub async fn retry<T, E, F, Fut>(backoff: &Backoff, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut result = op().await;
    // The mistake: the delays only count the retries; nobody sleeps them.
    for _ in backoff.delays() {
        if result.is_ok() {
            break;
        }
        result = op().await;
    }
    result
}

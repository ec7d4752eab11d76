//! Known-wrong solution `backoff_without_cap`: `Backoff::delays` grows by the factor each time
//! and never looks at `max_delay`. The first delays are right; past the cap they keep growing.
//!
//! Caught by: `delays_grow_by_the_factor_up_to_the_cap`.

use std::future::Future;
use std::time::Duration;

pub use lesson08_solution::{Greeting, Session, client, fetch, first_greeting, greet_limited};

/// The exercise's `Backoff`, with its own `delays`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry.
    pub first: Duration,
    /// Each wait is this many times the one before.
    pub factor: u32,
    /// No wait should be longer than this.
    pub max_delay: Duration,
    /// How many retries after the first attempt.
    pub retries: u32,
}

impl Backoff {
    /// The waits, uncapped.
    pub fn delays(&self) -> Vec<Duration> {
        let mut delay = self.first;
        let mut out = Vec::new();
        for _ in 0..self.retries {
            out.push(delay);
            // The mistake: no `.min(self.max_delay)`.
            delay = delay.saturating_mul(self.factor);
        }
        out
    }
}

/// The reference `retry`, with this `Backoff`.
pub async fn retry<T, E, F, Fut>(backoff: &Backoff, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut result = op().await;
    for delay in backoff.delays() {
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(delay).await;
        result = op().await;
    }
    result
}

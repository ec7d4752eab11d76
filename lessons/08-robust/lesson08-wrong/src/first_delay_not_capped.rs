//! Known-wrong solution `first_delay_not_capped`: `Backoff::delays` caps each delay it works
//! out, but starts from `first` as it is. Whenever `first` is within the cap every delay is
//! right; a `first` longer than `max_delay` is waited in full, once, although no wait may be
//! longer than the cap.
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
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// How many retries after the first attempt.
    pub retries: u32,
}

impl Backoff {
    /// The waits, capped from the second on.
    pub fn delays(&self) -> Vec<Duration> {
        // The mistake: `first` itself is not held to the cap.
        let mut delay = self.first;
        let mut out = Vec::new();
        for _ in 0..self.retries {
            out.push(delay);
            delay = delay.saturating_mul(self.factor).min(self.max_delay);
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

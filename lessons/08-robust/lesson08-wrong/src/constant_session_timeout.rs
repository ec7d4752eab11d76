//! Known-wrong solution `constant_session_timeout`: `Session::greet_once` gives up after 2 s,
//! whatever timeout the session was made with. A host that never answers still times out, and
//! the connection is still dropped after it; but a session made with 300 ms waits 2 s, and one
//! made with a minute gives up after 2.
//!
//! Caught by: `the_sessions_timeout_is_the_one_used`. The compiler sees it too: the field
//! `timeout` is never read (the exercise's stub keeps that warning on, for this reason).
#![expect(
    dead_code,
    reason = "the mistake leaves the session's timeout unread, and rustc says so"
)]

use std::time::Duration;

use greet_core::{GreetError, Reply};
pub use lesson08_solution::{
    Backoff, Greeting, client, fetch, first_greeting, greet_limited, retry,
};

crate::given_session!();

impl Session {
    /// One greet with a timeout of its own.
    pub async fn greet_once(&mut self) -> Result<Reply, GreetError> {
        // The mistake: a constant where `self.timeout` belongs.
        let result = tokio::time::timeout(Duration::from_secs(2), self.exchange())
            .await
            .unwrap_or(Err(GreetError::Timeout));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// As in the reference solution.
    pub async fn greet(&mut self) -> Result<Reply, GreetError> {
        let had_connection = self.conn.is_some();
        match self.greet_once().await {
            Err(GreetError::Closed | GreetError::Reset) if had_connection => {
                self.greet_once().await
            }
            other => other,
        }
    }
}

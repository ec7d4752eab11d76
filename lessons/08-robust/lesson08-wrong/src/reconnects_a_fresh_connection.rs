//! Known-wrong solution `reconnects_a_fresh_connection`: `Session::greet` greets once more after
//! any closed or reset connection, without noting whether the connection was already open
//! before this greet. After a host restart that is right; but a connection opened just now
//! and closed by the host is not a stale one: the host refused this greet, and greeting again
//! on a second connection hides that.
//!
//! Caught by: `a_fresh_connection_that_closes_is_not_retried`.

use greet_core::{GreetError, Reply};
pub use lesson08_solution::{
    Backoff, Greeting, client, fetch, first_greeting, greet_limited, retry,
};

crate::given_session!();

impl Session {
    /// As in the reference solution.
    pub async fn greet_once(&mut self) -> Result<Reply, GreetError> {
        let result = tokio::time::timeout(self.timeout, self.exchange())
            .await
            .unwrap_or(Err(GreetError::Timeout));
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// Greets, and after a closed or reset connection, greets once more.
    pub async fn greet(&mut self) -> Result<Reply, GreetError> {
        match self.greet_once().await {
            // The mistake: no `if had_connection`, so a fresh connection is retried too.
            Err(GreetError::Closed | GreetError::Reset) => self.greet_once().await,
            other => other,
        }
    }
}

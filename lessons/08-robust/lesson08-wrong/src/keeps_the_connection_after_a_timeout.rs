//! Known-wrong solution `keeps_the_connection_after_a_timeout`: `Session::greet_once` times out
//! as it should, but keeps the connection. The reply to the greet that timed out may still
//! arrive on it, and the next greet would read it as its own answer.
//!
//! Caught by: `a_silent_host_times_out_and_the_connection_is_dropped`.

use greet_core::{GreetError, Reply};
pub use lesson08_solution::{
    Backoff, Greeting, client, fetch, first_greeting, greet_limited, retry,
};

crate::given_session!();

impl Session {
    /// A greet with a timeout that keeps the connection whatever happened.
    pub async fn greet_once(&mut self) -> Result<Reply, GreetError> {
        // The mistake: no `self.conn = None` after a failure.
        tokio::time::timeout(self.timeout, self.exchange())
            .await
            .unwrap_or(Err(GreetError::Timeout))
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

//! Known-wrong solution `reconnects_after_a_timeout`: `Session::greet` reconnects and greets
//! again after *any* failure of a connection that was open, a timeout included. Against a
//! restarted host that is right; against a host that is merely slow or silent it doubles the
//! wait and hides the outage behind a second connection.
//!
//! Caught by: `a_silent_host_times_out_and_the_connection_is_dropped`.

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

    /// Greets, and on any error, greets once more.
    pub async fn greet(&mut self) -> Result<Reply, GreetError> {
        match self.greet_once().await {
            // The mistake: a timeout is taken for a lost connection.
            Err(_) => self.greet_once().await,
            ok => ok,
        }
    }
}

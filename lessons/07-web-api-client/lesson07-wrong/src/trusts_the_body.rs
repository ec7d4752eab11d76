//! Known-wrong solution `trusts_the_body`: `fetch_greeting` checks the status and parses the
//! body, but never compares the host the greeting names with the id it asked for. The real API
//! always answers with the right host, so only a reply from the wrong host shows it.
//!
//! Caught by: `replies_that_are_not_the_greeting_asked_for_are_errors`.

use futures_util::stream::{self, StreamExt};
pub use lesson07_solution::{FetchError, Greeting, Tally, client, greeting_url, tally};

/// The reference `fetch_greeting`, minus the host check.
pub async fn fetch_greeting(
    client: &reqwest::Client,
    base: &str,
    id: u32,
) -> Result<Greeting, FetchError> {
    let http = |e: reqwest::Error| FetchError::Http(e.to_string());
    let reply = client
        .get(greeting_url(base, id))
        .send()
        .await
        .map_err(http)?;
    if reply.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(reply.status().as_u16()));
    }
    // The mistake: whatever host the body names, it is taken as host `id`'s greeting.
    reply.json().await.map_err(http)
}

/// The reference `fetch_all`, with the `fetch_greeting` above.
pub async fn fetch_all(
    client: &reqwest::Client,
    base: &str,
    ids: &[u32],
    limit: usize,
) -> Vec<(u32, Result<Greeting, FetchError>)> {
    stream::iter(ids.iter().copied())
        .map(|id| async move { (id, fetch_greeting(client, base, id).await) })
        .buffer_unordered(limit.max(1))
        .collect()
        .await
}

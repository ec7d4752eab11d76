//! Known-wrong solution `a_client_per_request`: `fetch_greeting` ignores the client it is given
//! and sends each request with `reqwest::get`, the one-liner from reqwest's docs, which builds a
//! client for that one request. Every greeting comes back right; but each request pays a new
//! connection, and none of the given client's settings apply: not its timeout, not its
//! `no_proxy`.
//!
//! Caught by: `every_request_goes_through_the_given_client`.

use futures_util::stream::{self, StreamExt};
pub use lesson07_solution::{FetchError, Greeting, Tally, client, greeting_url, tally};

/// The reference `fetch_greeting`, on a client of its own.
pub async fn fetch_greeting(
    client: &reqwest::Client,
    base: &str,
    id: u32,
) -> Result<Greeting, FetchError> {
    let _ = client;
    let http = |e: reqwest::Error| FetchError::Http(e.to_string());
    // The mistake: a new client for every request.
    let reply = reqwest::get(greeting_url(base, id)).await.map_err(http)?;
    if reply.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(reply.status().as_u16()));
    }
    let greeting: Greeting = reply.json().await.map_err(http)?;
    if greeting.host != id {
        return Err(FetchError::WrongHost {
            expected: id,
            got: greeting.host,
        });
    }
    Ok(greeting)
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

//! Known-wrong solution `only_404_is_a_status_error`: `fetch_greeting` treats a 404 as
//! `FetchError::Status(404)`, and reads any other reply as a greeting. A 503's body is then
//! "not a greeting" (`FetchError::Http`), and the status that says what went wrong is lost.
//!
//! Caught by: `replies_that_are_not_the_greeting_asked_for_are_errors`.

use futures_util::stream::{self, StreamExt};
pub use lesson07_solution::{FetchError, Greeting, Tally, client, greeting_url, tally};

/// The reference `fetch_greeting`, checking for one status only.
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
    // The mistake: 404 is the only status it expects to go wrong.
    if reply.status() == reqwest::StatusCode::NOT_FOUND {
        return Err(FetchError::Status(404));
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

//! Known-wrong solution `unbounded`: every request starts at once, whatever `limit` says. The
//! greetings come back right, and the rendezvous is reached; but the API sees every request in
//! flight at the same time, which is the fan-out a limit exists to prevent.
//!
//! Caught by: `requests_overlap_up_to_the_limit_and_no_further`.

use futures_util::future::join_all;
pub use lesson07_solution::{
    FetchError, Greeting, Tally, client, fetch_greeting, greeting_url, tally,
};

/// Fetches every id at once.
pub async fn fetch_all(
    client: &reqwest::Client,
    base: &str,
    ids: &[u32],
    limit: usize,
) -> Vec<(u32, Result<Greeting, FetchError>)> {
    // The mistake: `limit` plays no part.
    let _ = limit;
    join_all(
        ids.iter()
            .map(|&id| async move { (id, fetch_greeting(client, base, id).await) }),
    )
    .await
}

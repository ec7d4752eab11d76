//! Known-wrong solution `waves`: the ids are cut into batches of `limit`, and each batch is
//! awaited as a whole before the next one starts. Never more than `limit` requests wait at
//! once, and all of them do at the start, so the rendezvous and the peak checks pass; but one
//! slow request holds up its whole batch, and the next request starts only when the slowest
//! of the batch is done, not as soon as any one finishes.
//!
//! Caught by: `a_new_request_starts_whenever_one_finishes`.

use futures_util::future::join_all;
pub use lesson07_solution::{
    FetchError, Greeting, Tally, client, fetch_greeting, greeting_url, tally,
};

/// Fetches the ids `limit` at a time, batch after batch.
pub async fn fetch_all(
    client: &reqwest::Client,
    base: &str,
    ids: &[u32],
    limit: usize,
) -> Vec<(u32, Result<Greeting, FetchError>)> {
    let mut results = Vec::with_capacity(ids.len());
    // The mistake: a batch ends when its slowest request does.
    for batch in ids.chunks(limit.max(1)) {
        let fetches = batch
            .iter()
            .map(|&id| async move { (id, fetch_greeting(client, base, id).await) });
        results.extend(join_all(fetches).await);
    }
    results
}

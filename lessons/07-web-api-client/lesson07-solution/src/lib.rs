//! Lesson 07, reference solution: an async client for the local JSON API that fetches many
//! greetings with at most `limit` requests in flight.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
pub use greet_api::Greeting;

/// Why one fetch failed. Every failure is one of these, counted, never a panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The API answered with this HTTP status instead of 200 (404: no such host).
    Status(u16),
    /// The reply named another host than the one asked for.
    WrongHost {
        /// The id in the URL.
        expected: u32,
        /// The host the body named.
        got: u32,
    },
    /// No usable reply: refused, timed out, reset, or a body that is not a greeting.
    Http(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status(code) => write!(f, "the API answered HTTP {code}"),
            FetchError::WrongHost { expected, got } => {
                write!(f, "asked host {expected}, got a greeting from host {got}")
            }
            FetchError::Http(e) => write!(f, "request failed: {e}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// How a batch of fetches ended: every fetch is counted once, as ok or as an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Fetches that returned the right greeting.
    pub ok: usize,
    /// Fetches that failed.
    pub errors: usize,
}

/// Given: an HTTP client for the local API. It never uses a proxy (the API is on loopback)
/// and gives up on any request after `timeout`.
///
/// Make one client and share it: it keeps a pool of open connections, so later requests to
/// the same API reuse them instead of connecting again. `Client` is cheap to clone (an `Arc`
/// inside).
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a plain-HTTP client with no TLS always builds")
}

/// Given: the URL of host `id`'s greeting under `base` (`http://127.0.0.1:PORT`).
pub fn greeting_url(base: &str, id: u32) -> String {
    format!("{base}/hosts/{id}/greeting")
}

/// Given: counts the successes and the failures.
pub fn tally(results: &[(u32, Result<Greeting, FetchError>)]) -> Tally {
    let ok = results.iter().filter(|(_, r)| r.is_ok()).count();
    Tally {
        ok,
        errors: results.len() - ok,
    }
}

/// Fetches host `id`'s greeting: `GET {base}/hosts/{id}/greeting`.
pub async fn fetch_greeting(
    client: &reqwest::Client,
    base: &str,
    id: u32,
) -> Result<Greeting, FetchError> {
    let http = |e: reqwest::Error| FetchError::Http(e.to_string());
    // `.await` on `send()` waits for the status line and headers; the body comes later.
    let reply = client
        .get(greeting_url(base, id))
        .send()
        .await
        .map_err(http)?;
    if reply.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(reply.status().as_u16()));
    }
    // Read the body and parse it as JSON, into the same type the server serialised.
    let greeting: Greeting = reply.json().await.map_err(http)?;
    if greeting.host != id {
        return Err(FetchError::WrongHost {
            expected: id,
            got: greeting.host,
        });
    }
    Ok(greeting)
}

/// Fetches every id's greeting with at most `limit` requests in flight (0 counts as 1), and
/// returns one `(id, result)` per id, in the order they finish.
pub async fn fetch_all(
    client: &reqwest::Client,
    base: &str,
    ids: &[u32],
    limit: usize,
) -> Vec<(u32, Result<Greeting, FetchError>)> {
    // `buffer_unordered(0)` would never start anything: treat 0 as 1.
    let limit = limit.max(1);
    // A stream of not-yet-started requests. `buffer_unordered` polls up to `limit` of them at
    // once and starts the next one each time one finishes: bounded concurrency, on this one
    // task, with no spawning.
    stream::iter(ids.iter().copied())
        .map(|id| async move { (id, fetch_greeting(client, base, id).await) })
        .buffer_unordered(limit)
        .collect()
        .await
}

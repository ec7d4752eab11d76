//! Lesson 07, exercise: an async client for the local JSON API that fetches many greetings
//! with at most `limit` requests in flight. Read `../README.md`, fill in the two `todo!()`s
//! below, then run `cargo lesson check 07`.
#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

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
    // TODO: one GET of `greeting_url(base, id)` with `client`. Each way it can go wrong is one
    // of the `FetchError`s above, never a panic: the request fails, the status is not 200, the
    // body is not a greeting, or the greeting is another host's.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!("fetch_greeting({client:?}, {base}, host {id})")
}

/// Fetches every id's greeting with at most `limit` requests in flight (0 counts as 1), and
/// returns one `(id, result)` per id, in the order they finish.
pub async fn fetch_all(
    client: &reqwest::Client,
    base: &str,
    ids: &[u32],
    limit: usize,
) -> Vec<(u32, Result<Greeting, FetchError>)> {
    // TODO: `fetch_greeting` for every id, with up to `limit` requests waiting at once and
    // never more, and a new one starting as soon as one finishes. The README shows two ways.
    todo!(
        "fetch_all({client:?}, {base}, {} ids, limit {limit})",
        ids.len()
    )
}

//! The routes: `GET /hosts/{id}/greeting`, `GET /hosts`, `GET /stats`, and the JSON bodies
//! they answer with ([`Greeting`], [`ApiErrorBody`]). Every error, axum's own included, has
//! the same JSON body.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use greet_core::protocol::reply_line;
use greet_server::fixture::Rendezvous;

use crate::{Config, InFlight, Stats};

/// The body of a successful `GET /hosts/{id}/greeting`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Greeting {
    /// The host that answered: the `id` of the URL.
    pub host: u32,
    /// `Hello, world! from host {id}`, the TCP server's reply line without its newline.
    pub greeting: String,
}

impl Greeting {
    /// The greeting host `host` sends.
    pub fn of(host: u32) -> Greeting {
        Greeting {
            host,
            greeting: reply_line(host).trim_end().to_owned(),
        }
    }
}

/// The body of every error reply (404, 503).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiErrorBody {
    /// What went wrong, in one line.
    pub error: String,
}

struct Shared {
    config: Config,
    stats: Arc<Stats>,
    /// The rendezvous fixture (open from the start without one).
    gate: Rendezvous,
    /// Greetings each host has received so far, for the flaky fixture (empty when not flaky).
    seen: Vec<AtomicU64>,
}

/// The routes, with their shared state.
pub(crate) fn router(config: Config, stats: Arc<Stats>) -> Router {
    let seen = if config.flaky > 0 {
        (0..config.hosts).map(|_| AtomicU64::new(0)).collect()
    } else {
        Vec::new()
    };
    let shared = Arc::new(Shared {
        gate: Rendezvous::new(config.rendezvous),
        config,
        stats,
        seen,
    });
    Router::new()
        .route("/hosts/{id}/greeting", get(greeting))
        .route("/hosts", get(hosts))
        .route("/stats", get(stats_handler))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such path: try GET /hosts/{id}/greeting".into(),
            )
        })
        // A known path with another method: the same JSON error body as every other error,
        // where axum's own 405 has an empty one.
        .method_not_allowed_fallback(|method: Method| async move {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method {} is not allowed: use GET", shown(method.as_str())),
            )
        })
        .with_state(shared)
}

/// An error reply with its JSON body.
pub(crate) fn error(status: StatusCode, message: String) -> Response {
    (status, axum::Json(ApiErrorBody { error: message })).into_response()
}

/// `GET /hosts/{id}/greeting`.
async fn greeting(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let cfg = &shared.config;
    let stats = &shared.stats;
    stats.requests.fetch_add(1, Ordering::SeqCst);
    // The id is taken as text and parsed here, so that a bad id is a 404 with a JSON body
    // like any unknown host, not axum's plain-text 400. Only the plain decimal form names a
    // host: `+1` and `01` are not `1`, so one host has one URL.
    let host = match parse_id(&id) {
        Some(h) if (h as usize) < cfg.hosts => h,
        _ => {
            stats.not_found.fetch_add(1, Ordering::SeqCst);
            return error(
                StatusCode::NOT_FOUND,
                format!(
                    "no host {}: hosts are 0..{}, written as plain numbers like 3",
                    shown(&id),
                    cfg.hosts
                ),
            );
        }
    };
    if let Some(seen) = shared.seen.get(host as usize)
        && seen.fetch_add(1, Ordering::SeqCst) < u64::from(cfg.flaky)
    {
        stats.unavailable.fetch_add(1, Ordering::SeqCst);
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("host {host} is busy (flaky fixture): try again"),
        );
    }

    // The greeting is now in flight. If the client goes away from here on, hyper drops this
    // future and the guard counts it as cancelled.
    let (guard, now) = InFlight::enter(stats);
    let opened = shared.gate.arrive(now, cfg.gate_timeout).await;
    if !opened {
        guard.finish();
        stats.unavailable.fetch_add(1, Ordering::SeqCst);
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the rendezvous of {} requests at once never came: send them concurrently",
                cfg.rendezvous.unwrap_or(0)
            ),
        );
    }
    if !cfg.latency.is_zero() {
        // An async timer: the waiting greeting holds no thread.
        tokio::time::sleep(cfg.latency).await;
    }
    // Count it served before the client can see the reply, and leave the in-flight count
    // before replying, as the TCP server does.
    stats.served.fetch_add(1, Ordering::SeqCst);
    guard.finish();
    axum::Json(Greeting::of(host)).into_response()
}

/// A host id in its one plain decimal form: digits only, no sign, no leading zero.
fn parse_id(id: &str) -> Option<u32> {
    let plain = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    plain.then(|| id.parse().ok()).flatten()
}

/// Text from a request, as an error message shows it: at most 32 characters, so that a
/// 10 KB id is not sent back whole.
fn shown(text: &str) -> String {
    const MAX: usize = 32;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

/// `GET /hosts`: how many hosts there are.
async fn hosts(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(serde_json::json!({ "hosts": shared.config.hosts })).into_response()
}

/// `GET /stats`: the counters, for clients in another process.
async fn stats_handler(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.stats.snapshot()).into_response()
}

//! The greet hosts as a local JSON API over HTTP, for lesson 07 (an async web-API client) and
//! lesson 08 (timeouts, retries, limits, cancellation).
//!
//! The TCP greet server (`greet-server`) speaks a 12-byte protocol; most programs a learner
//! will write talk to HTTP APIs instead. This crate serves the same hosts as JSON, on loopback:
//!
//! | request | reply |
//! |---|---|
//! | `GET /hosts/{id}/greeting` | `200 {"host": 3, "greeting": "Hello, world! from host 3"}`, after the latency |
//! | an unknown host, e.g. `GET /hosts/99/greeting` | `404 {"error": "no host 99: hosts are 0..8, ..."}` (ids are plain decimals: `+1` and `01` are 404s too, and a long id is cut short) |
//! | any other method, e.g. `POST /hosts/1/greeting` | `405 {"error": "method POST is not allowed: use GET"}` |
//! | a [flaky](Config::flaky) host's first requests | `503 {"error": "host 3 is busy (flaky fixture): try again"}` |
//! | `GET /hosts` | `200 {"hosts": 8}` |
//! | `GET /stats` | `200` the [`StatsSnapshot`] |
//!
//! Tests and lessons run it in-process on port 0 with [`ApiServer::start`]; the CLI runs it
//! as `greetbench serve-api --hosts 8 --latency 50ms`. Like `greet_server::run`, [`run`] takes
//! a bound listener and a shutdown future.
//!
//! # Layout
//! - `config`: [`Config`] (hosts, latency, timeouts, the cap, and the test fixtures:
//!   rendezvous, flaky hosts), [`ApiError`].
//! - `stats`: [`Stats`], the counters tests read: requests, served, not found, in flight and
//!   its peak, cancelled requests, open connections.
//! - `routes`: the handlers and their JSON bodies, [`Greeting`] and [`ApiErrorBody`].
//! - `connection`: the listener held to the cap and the stream that watches every head; the
//!   cap and its eviction are `greet_server::limit`, shared with the TCP server.
//! - `fixture`: [`ApiServer`], the API on a background thread.
//! - here: [`bind`], [`run`], and the connection loop: hyper's HTTP/1 under axum's router,
//!   one task a connection.
//!
//! # Not locked out, bounded memory
//! A client that opens a connection and sends nothing, or a request head a byte at a time,
//! holds a file descriptor and a buffer. So every connection is watched below HTTP, in the
//! stream the server reads ([`Config::header_read_timeout`], [`Config::idle_timeout`]): a head
//! must arrive whole within the header timeout and hold at most [`MAX_HEAD`] bytes (past it, a
//! 431 with the JSON body of every error, however many headers make it up), and a
//! connection waiting for its next request is closed after the idle timeout. At most
//! [`Config::max_connections`] are open at once (never more than the open-files limit allows);
//! when full, the connection that has waited longest for a request makes room for the new
//! one, and a request being answered is never closed. Memory is then bounded by the cap times
//! one connection's buffers (hyper's 8 KiB to read and 8 KiB to write, about 20 KiB in all).
//! Once a storm of connections has passed, the heap is handed back to the OS, so resident
//! memory comes back near where it was (the allocator would keep it otherwise).
//!
//! # Example
//! ```
//! use greet_api::{ApiServer, Config};
//! use std::io::{Read, Write};
//!
//! let server = ApiServer::start(Config { hosts: 4, ..Config::default() }).unwrap();
//! // Any HTTP client will do; here, by hand over a std TcpStream.
//! let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
//! s.write_all(b"GET /hosts/3/greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut reply = String::new();
//! s.read_to_string(&mut reply).unwrap();
//! assert!(reply.starts_with("HTTP/1.1 200"));
//! assert!(reply.ends_with(r#"{"host":3,"greeting":"Hello, world! from host 3"}"#));
//! assert_eq!(server.stats().served, 1);
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use greet_server::limit::Limit;
use tokio::net::TcpListener;

mod config;
mod connection;
mod fixture;
mod routes;
mod stats;

pub use config::{ApiError, Config, FD_RESERVE, MAX_HEAD, MAX_HOSTS};
pub use fixture::ApiServer;
pub use routes::{ApiErrorBody, Greeting};
pub use stats::{Stats, StatsSnapshot};

use connection::{Counted, Guard};
use stats::InFlight;

/// Binds the API's listener.
pub async fn bind(config: &Config) -> Result<TcpListener, ApiError> {
    let listener = bind_std(config)?;
    TcpListener::from_std(listener).map_err(ApiError::Runtime)
}

/// Binds with the standard library, so that [`ApiServer::start`] works from any thread,
/// inside an async runtime or not (a nested `block_on` would panic).
pub(crate) fn bind_std(config: &Config) -> Result<std::net::TcpListener, ApiError> {
    config.validate()?;
    let bind_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::AddrInUse => ApiError::PortInUse(config.bind),
        _ => ApiError::Bind {
            addr: config.bind,
            source: e,
        },
    };
    let listener = std::net::TcpListener::bind(config.bind).map_err(bind_error)?;
    // tokio needs the socket non-blocking.
    listener.set_nonblocking(true).map_err(bind_error)?;
    Ok(listener)
}

/// Serves the API on `listener` until `shutdown` completes.
///
/// Shutdown is immediate, not graceful: a greeting still waiting its latency is dropped, so
/// tests never wait for a slow host to finish.
pub async fn run(
    listener: TcpListener,
    config: Config,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()>,
) {
    let cap = config.effective_max_connections(greet_core::limits::open_files_limit());
    let evictions = stats.clone();
    let guard = Arc::new(Guard {
        limit: Limit::new(cap, config.evict_after, move || {
            evictions.evicted.fetch_add(1, Ordering::SeqCst);
        }),
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
        stats: stats.clone(),
    });
    let trim_stats = stats.clone();
    let app = routes::router(config, stats);
    let listener = Counted {
        inner: listener,
        guard,
    };
    // Every connection's task ends when this sender is dropped, at shutdown.
    let (stop, stopped) = tokio::sync::watch::channel(());
    tokio::select! {
        () = serve(listener, app, stopped) => {}
        () = trim_after_storms(trim_stats) => {}
        () = shutdown => {}
    }
    drop(stop);
}

/// Connections accepted since the heap was last trimmed that make a storm.
pub const STORM: u64 = 1_024;

/// Hands the heap back to the OS once a storm has passed: at least [`STORM`] connections
/// accepted since the last time, no more open now than an eighth of the most seen open
/// since, and as many as a second ago (the storm's connections have finished closing). Each
/// connection's buffers (about 20 KiB) are freed when it closes, but the allocator keeps
/// them (see `greet_os::memory`): without this, resident memory stays at the storm's peak.
/// Looks once a second; runs until the server stops.
async fn trim_after_storms(stats: Arc<Stats>) {
    let (mut accepted_then, mut most_open, mut open_before) = (0, 0, 0);
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let now = stats.snapshot();
        let open = now.open_connections;
        most_open = most_open.max(open);
        let passed = now.connections - accepted_then >= STORM
            && open * 8 <= most_open
            && open == open_before;
        open_before = open;
        if passed {
            // Milliseconds for hundreds of MB: off the threads that answer requests.
            let _ = tokio::task::spawn_blocking(greet_os::memory::trim).await;
            stats.trims.fetch_add(1, Ordering::SeqCst);
            (accepted_then, most_open) = (now.connections, open);
        }
    }
}

/// The most header lines a request head of [`MAX_HEAD`] bytes can hold (each at least
/// `a:` and its line end). hyper answers a head with more headers than it has room for with
/// a 431 of its own, empty-bodied; sized this way it never does, and the only limit on a
/// head is [`MAX_HEAD`], whose 431 has the JSON body of every other error.
const MAX_HEADERS: usize = MAX_HEAD / 4;

/// Accepts connections for ever, each served on its own task by hyper's HTTP/1 with the
/// routes: axum's router, shared by every connection (`axum::serve` would clone it whole for
/// each one). A connection's task ends with the connection, or once `stopped`'s sender is
/// dropped; nothing of it is kept after (a finished task that nobody joins is freed).
async fn serve(
    mut listener: Counted,
    app: axum::Router,
    stopped: tokio::sync::watch::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // The header timeout is the stream's own (`Config::header_read_timeout`).
    http.max_headers(MAX_HEADERS).header_read_timeout(None);
    loop {
        let stream = listener.accept().await;
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

/// `http://ADDR`, the base URL of an API listening on `addr`.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// A one-line description of a configuration, for logs.
pub fn describe(config: &Config) -> String {
    format!(
        "{} host(s), latency {}",
        config.hosts,
        greet_core::duration::human(config.latency)
    )
}

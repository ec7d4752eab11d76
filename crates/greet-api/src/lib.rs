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
//! - [`Config`]: hosts, latency, and the test fixtures (rendezvous, flaky hosts).
//! - [`Stats`]: the counters tests read: requests, served, not found, in flight and its peak,
//!   cancelled requests, open connections.
//! - [`Greeting`], [`ApiErrorBody`]: the JSON bodies.
//! - [`bind`], [`run`]: the async server. [`ApiServer`]: the same on a background thread.
//!
//! # Not locked out, bounded memory
//! A client that opens a connection and sends nothing, or a request head a byte at a time,
//! holds a file descriptor and a buffer. So every connection is watched below HTTP, in the
//! stream the server reads ([`Config::header_read_timeout`], [`Config::idle_timeout`]): a head
//! must arrive whole within the header timeout and hold at most [`MAX_HEAD`] bytes, and a
//! connection waiting for its next request is closed after the idle timeout. At most
//! [`Config::max_connections`] are open at once (never more than the open-files limit allows);
//! when full, the connection that has waited longest for a request makes room for the new
//! one, and a request being answered is never closed. Memory is then bounded by the cap times
//! one small head buffer.
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

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use greet_core::protocol::reply_line;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, Sleep};

/// The most hosts one API serves.
pub const MAX_HOSTS: usize = 1_000_000;

/// The API's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// How many hosts: ids `0..hosts` exist, every other id is a 404.
    pub hosts: usize,
    /// How long a greeting takes before the reply.
    pub latency: Duration,
    /// Hold every greeting until this many are in flight at the same time; after that the
    /// gate stays open. A fixture that proves concurrency by structure: a client that never
    /// has this many requests open at once gets a 503 after [`Config::gate_timeout`] instead
    /// of its greetings.
    pub rendezvous: Option<usize>,
    /// How long a greeting waits for the rendezvous before giving up with a 503.
    pub gate_timeout: Duration,
    /// Each host answers its first `flaky` greetings with `503 Service Unavailable`, then
    /// normally: a fixture for retries.
    pub flaky: u32,
    /// Where to listen (port 0: any free port).
    pub bind: SocketAddr,
    /// A request head (request line and headers) must arrive whole within this long of its
    /// first byte, or the connection is closed.
    pub header_read_timeout: Duration,
    /// A connection waiting for its next request (its first one included) is closed after
    /// this long.
    pub idle_timeout: Duration,
    /// The most connections open at once, and never more than the open-files limit less a
    /// reserve. When full, the connection that has waited longest for a request (at least
    /// [`Config::evict_after`]) is closed to make room.
    pub max_connections: usize,
    /// How long a connection must have waited for a request before it can be evicted: a real
    /// client sends its request right after connecting.
    pub evict_after: Duration,
}

/// The most bytes a request head may have. The API's requests are a request line and a few
/// headers; a head that grows past this is closed, so no connection buffers more.
pub const MAX_HEAD: usize = 16 * 1024;

/// File descriptors kept free below the open-files limit for everything but connections.
pub const FD_RESERVE: usize = 32;

impl Default for Config {
    fn default() -> Self {
        Config {
            hosts: 1,
            latency: Duration::ZERO,
            rendezvous: None,
            gate_timeout: Duration::from_secs(10),
            flaky: 0,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 4096,
            evict_after: Duration::from_secs(1),
        }
    }
}

impl Config {
    fn validate(&self) -> Result<(), ApiError> {
        if self.hosts == 0 || self.hosts > MAX_HOSTS {
            return Err(ApiError::Config(format!(
                "--hosts must be between 1 and {MAX_HOSTS}"
            )));
        }
        if self.rendezvous == Some(0) {
            return Err(ApiError::Config(
                "a rendezvous needs at least 1 request".into(),
            ));
        }
        if self.max_connections == 0 {
            return Err(ApiError::Config(
                "--max-connections must be at least 1".into(),
            ));
        }
        if self.header_read_timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err(ApiError::Config(
                "the header and idle timeouts must be greater than 0".into(),
            ));
        }
        Ok(())
    }

    /// The connection cap in force: `max_connections`, but never more than the open-files
    /// limit (`open_files`) less [`FD_RESERVE`]. At least 1.
    pub fn effective_max_connections(&self, open_files: Option<u64>) -> usize {
        let by_fds = open_files.map_or(usize::MAX, |n| {
            usize::try_from(n)
                .unwrap_or(usize::MAX)
                .saturating_sub(FD_RESERVE)
        });
        self.max_connections.min(by_fds).max(1)
    }
}

/// Why the API could not start.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The configuration is out of range.
    #[error("{0}")]
    Config(String),
    /// Another program holds the port.
    #[error("port {0} is already in use: choose another --port, or stop the program using it")]
    PortInUse(SocketAddr),
    /// Any other bind error.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime or its thread could not start.
    #[error("cannot start the API runtime: {0}")]
    Runtime(std::io::Error),
}

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

/// Counters shared by every request. Read them with [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    served: AtomicU64,
    not_found: AtomicU64,
    unavailable: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    cancelled: AtomicU64,
    connections: AtomicU64,
    open_connections: AtomicU64,
    timed_out: AtomicU64,
    evicted: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    /// Greeting requests received (`/hosts/{id}/greeting`, any id).
    pub requests: u64,
    /// Greetings answered with 200.
    pub served: u64,
    /// Requests for a host that does not exist (404).
    pub not_found: u64,
    /// Requests answered 503: a flaky host's first requests, or a rendezvous that never came.
    pub unavailable: u64,
    /// Greetings received and not yet answered, now.
    pub in_flight: u64,
    /// The most greetings ever received and not yet answered at the same time.
    pub peak_in_flight: u64,
    /// Greetings whose client went away before the reply: the server noticed the closed
    /// connection and dropped the request.
    pub cancelled: u64,
    /// TCP connections accepted so far.
    pub connections: u64,
    /// TCP connections open now.
    pub open_connections: u64,
    /// Connections closed because a request head was too slow or too long, or the
    /// connection idled too long.
    #[serde(default)]
    pub timed_out: u64,
    /// Connections closed while waiting for a request, to make room for a new one.
    #[serde(default)]
    pub evicted: u64,
}

impl Stats {
    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        StatsSnapshot {
            requests: get(&self.requests),
            served: get(&self.served),
            not_found: get(&self.not_found),
            unavailable: get(&self.unavailable),
            in_flight: get(&self.in_flight),
            peak_in_flight: get(&self.peak_in_flight),
            cancelled: get(&self.cancelled),
            connections: get(&self.connections),
            open_connections: get(&self.open_connections),
            timed_out: get(&self.timed_out),
            evicted: get(&self.evicted),
        }
    }

    /// Sets the peak back to the current in-flight count, between two measurements.
    pub fn reset_peak(&self) {
        self.peak_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// One greeting in flight. Dropped without [`InFlight::finish`], it counts as cancelled:
/// that happens when the client closes its connection and hyper drops the handler.
struct InFlight<'a> {
    stats: &'a Stats,
    finished: bool,
}

impl<'a> InFlight<'a> {
    /// Enters; returns the guard and how many greetings are in flight now, this one included.
    fn enter(stats: &'a Stats) -> (InFlight<'a>, u64) {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        (
            InFlight {
                stats,
                finished: false,
            },
            now,
        )
    }

    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.finished {
            self.stats.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

struct Shared {
    config: Config,
    stats: Arc<Stats>,
    /// `true` once the rendezvous has been reached (always `true` without one).
    gate: watch::Sender<bool>,
    /// Greetings each host has received so far, for the flaky fixture (empty when not flaky).
    seen: Vec<AtomicU64>,
}

/// Binds the API's listener.
pub async fn bind(config: &Config) -> Result<TcpListener, ApiError> {
    let listener = bind_std(config)?;
    TcpListener::from_std(listener).map_err(ApiError::Runtime)
}

/// Binds with the standard library, so that [`ApiServer::start`] works from any thread,
/// inside an async runtime or not (a nested `block_on` would panic).
fn bind_std(config: &Config) -> Result<std::net::TcpListener, ApiError> {
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

/// The routes, with their shared state.
fn router(config: Config, stats: Arc<Stats>) -> Router {
    let seen = if config.flaky > 0 {
        (0..config.hosts).map(|_| AtomicU64::new(0)).collect()
    } else {
        Vec::new()
    };
    let shared = Arc::new(Shared {
        gate: watch::channel(config.rendezvous.is_none()).0,
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
    let guard = Arc::new(Guard {
        limit: Arc::new(Semaphore::new(cap.min(Semaphore::MAX_PERMITS))),
        waiting: Mutex::new(Waiting::default()),
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
        evict_after: config.evict_after,
        stats: stats.clone(),
    });
    let app = router(config, stats.clone());
    let listener = Counted {
        inner: listener,
        stats,
        guard,
    };
    tokio::select! {
        _ = axum::serve(listener, app).into_future() => {}
        () = shutdown => {}
    }
}

fn error(status: StatusCode, message: String) -> Response {
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
    if cfg.rendezvous.is_some_and(|k| now >= k as u64) {
        shared.gate.send_replace(true);
    }
    let mut gate = shared.gate.subscribe();
    let opened = tokio::time::timeout(cfg.gate_timeout, gate.wait_for(|open| *open))
        .await
        .is_ok_and(|r| r.is_ok());
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

/// The TCP listener, counting connections as they open and close, and holding them to the
/// connection cap.
struct Counted {
    inner: TcpListener,
    stats: Arc<Stats>,
    guard: Arc<Guard>,
}

/// What every connection shares: the cap, and the connections waiting for a request, oldest
/// first (each wait takes a ticket from a counter that only grows).
struct Guard {
    limit: Arc<Semaphore>,
    waiting: Mutex<Waiting>,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    evict_after: Duration,
    stats: Arc<Stats>,
}

/// The connections waiting for a request, by ticket: the smallest waited longest.
#[derive(Default)]
struct Waiting {
    next: u64,
    since: BTreeMap<u64, (Instant, Arc<Watch>)>,
}

impl Guard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection starts waiting for a request: returns its ticket.
    fn wait_start(&self, watch: &Arc<Watch>) -> u64 {
        let mut w = self.lock();
        let ticket = w.next;
        w.next += 1;
        w.since.insert(ticket, (Instant::now(), watch.clone()));
        ticket
    }

    fn wait_end(&self, ticket: u64) {
        self.lock().since.remove(&ticket);
    }

    /// Closes the connection that has waited longest for a request, if it has waited at
    /// least `min_wait`.
    fn evict_oldest(&self, min_wait: Duration) {
        let oldest = {
            let mut w = self.lock();
            match w.since.first_key_value() {
                Some((_, (since, _))) if since.elapsed() >= min_wait => w.since.pop_first(),
                _ => None,
            }
        };
        if let Some((_, (_, watch))) = oldest {
            watch.evicted.store(true, Ordering::SeqCst);
            let waker = watch.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(w) = waker {
                w.wake();
            }
            self.stats.evicted.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A connection permit. At the cap, evicts the connection idle longest and waits for the
    /// permit that frees (looking again every 100 ms, as idle connections age).
    async fn permit(&self) -> OwnedSemaphorePermit {
        loop {
            if let Ok(p) = self.limit.clone().try_acquire_owned() {
                return p;
            }
            self.evict_oldest(self.evict_after);
            let wait = self
                .evict_after
                .clamp(Duration::from_millis(10), Duration::from_millis(100));
            if let Ok(Ok(p)) = tokio::time::timeout(wait, self.limit.clone().acquire_owned()).await
            {
                return p;
            }
        }
    }
}

/// How a connection is told it was evicted.
#[derive(Default)]
struct Watch {
    evicted: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl axum::serve::Listener for Counted {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let permit = self.guard.permit().await;
                    let _ = stream.set_nodelay(true);
                    self.stats.connections.fetch_add(1, Ordering::SeqCst);
                    self.stats.open_connections.fetch_add(1, Ordering::SeqCst);
                    return (CountedStream::new(stream, self.guard.clone(), permit), addr);
                }
                // Out of file descriptors, or a connection that died in the queue: make room
                // if it is the former, back off a little rather than spinning, then keep
                // serving.
                Err(e) => {
                    if matches!(e.raw_os_error(), Some(23 | 24)) {
                        self.guard.evict_oldest(Duration::ZERO);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Where a connection is in its request cycle, as seen from the bytes that pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of a request: the idle timeout runs.
    Idle,
    /// Part of a request head has come: the header timeout runs, and the head's size is
    /// counted.
    Head,
    /// The head is complete and the request is being answered: no timeout, never evicted.
    Busy,
}

/// A connection that counts itself closed when hyper drops it, and enforces the header and
/// idle timeouts and the head's size on the bytes hyper reads.
struct CountedStream {
    stream: TcpStream,
    guard: Arc<Guard>,
    _permit: OwnedSemaphorePermit,
    watch: Arc<Watch>,
    phase: Phase,
    /// The ticket of the current wait for a request (Idle or Head), if any.
    ticket: Option<u64>,
    /// Bytes of the current head, and the last three of them (to find `\r\n\r\n` across
    /// reads).
    head_bytes: usize,
    tail: [u8; 3],
    /// When the current phase's timeout fires.
    timer: Pin<Box<Sleep>>,
}

impl CountedStream {
    fn new(stream: TcpStream, guard: Arc<Guard>, permit: OwnedSemaphorePermit) -> CountedStream {
        let watch = Arc::new(Watch::default());
        let ticket = Some(guard.wait_start(&watch));
        let timer = Box::pin(tokio::time::sleep(guard.idle_timeout));
        CountedStream {
            stream,
            guard,
            _permit: permit,
            watch,
            phase: Phase::Idle,
            ticket,
            head_bytes: 0,
            tail: [0; 3],
            timer,
        }
    }

    fn enter(&mut self, phase: Phase) {
        match phase {
            Phase::Idle => {
                self.timer
                    .as_mut()
                    .reset(Instant::now() + self.guard.idle_timeout);
                if self.ticket.is_none() {
                    self.ticket = Some(self.guard.wait_start(&self.watch));
                }
            }
            Phase::Head => {
                self.timer
                    .as_mut()
                    .reset(Instant::now() + self.guard.header_read_timeout);
                self.head_bytes = 0;
                self.tail = [0; 3];
            }
            Phase::Busy => {
                if let Some(t) = self.ticket.take() {
                    self.guard.wait_end(t);
                }
            }
        }
        self.phase = phase;
    }

    /// Follows the request head through `bytes`; an error once it is too long.
    fn watch_head(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.phase == Phase::Busy || bytes.is_empty() {
            return Ok(());
        }
        if self.phase == Phase::Idle {
            self.enter(Phase::Head);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let end = self.tail == *b"\r\n\r" && b == b'\n';
            self.tail = [self.tail[1], self.tail[2], b];
            if end {
                self.head_bytes += i + 1;
                self.enter(Phase::Busy);
                return Ok(());
            }
        }
        self.head_bytes += bytes.len();
        if self.head_bytes > MAX_HEAD {
            self.answer(
                "431 Request Header Fields Too Large",
                &format!("the request head is over {MAX_HEAD} bytes"),
            );
            return Err(self.closed("request head too long"));
        }
        Ok(())
    }

    /// Answers an unfinished request before closing its connection, with the same JSON
    /// error body as every other error. Best effort: a reply the socket cannot take at once
    /// is dropped, since the connection closes anyway.
    fn answer(&self, status: &str, message: &str) {
        let body = serde_json::to_string(&ApiErrorBody {
            error: message.to_owned(),
        })
        .unwrap_or_default();
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = self.stream.try_write(reply.as_bytes());
    }

    fn closed(&self, why: &'static str) -> std::io::Error {
        self.guard.stats.timed_out.fetch_add(1, Ordering::SeqCst);
        std::io::Error::new(std::io::ErrorKind::TimedOut, why)
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.guard.wait_end(t);
        }
        self.guard
            .stats
            .open_connections
            .fetch_sub(1, Ordering::SeqCst);
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.watch.evicted.load(Ordering::SeqCst) {
            // Evicted while waiting for a request: end the connection like a client that
            // closed it.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.watch_head(&buf.filled()[before..])?;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.phase == Phase::Busy {
                    return Poll::Pending;
                }
                // Waiting for a request or the rest of its head: wake at the deadline, or
                // when evicted.
                *this.watch.waker.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(cx.waker().clone());
                if this.watch.evicted.load(Ordering::SeqCst) {
                    return Poll::Ready(Ok(()));
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) if this.phase == Phase::Head => {
                        this.answer(
                            "408 Request Timeout",
                            "the request head did not arrive in time",
                        );
                        Poll::Ready(Err(this.closed("request head not complete in time")))
                    }
                    Poll::Ready(()) => Poll::Ready(Err(this.closed("idle too long"))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        // The reply has started: the connection now waits for its next request.
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) && this.phase == Phase::Busy {
            this.enter(Phase::Idle);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The API running on its own thread and runtime. Dropping it shuts the API down.
#[derive(Debug)]
pub struct ApiServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ApiServer {
    /// Binds `config.bind` (port 0 by default) and serves on a background thread.
    pub fn start(config: Config) -> Result<ApiServer, ApiError> {
        let listener = bind_std(&config)?;
        let addr = listener.local_addr().map_err(ApiError::Runtime)?;
        // One thread is plenty: every wait in a handler is an async timer.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ApiError::Runtime)?;
        let stats = Arc::new(Stats::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("greet-api".into())
            .spawn(move || {
                rt.block_on(async {
                    // Registering the socket with tokio needs the runtime, so it happens here.
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    run(listener, config, thread_stats, async {
                        let _ = stopped.await;
                    })
                    .await;
                });
            })
            .map_err(ApiError::Runtime)?;
        Ok(ApiServer {
            addr,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        base_url(self.addr)
    }

    /// The URL of host `id`'s greeting.
    pub fn greeting_url(&self, id: u32) -> String {
        format!("{}/hosts/{id}/greeting", self.base_url())
    }

    /// The counters now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Sets the peak in-flight count back to the current one.
    pub fn reset_peak(&self) {
        self.stats.reset_peak();
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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

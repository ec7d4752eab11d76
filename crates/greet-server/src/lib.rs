//! The greet server: H "hosts", each a listening TCP socket, that answer `Hello, world`
//! after a latency.
//!
//! Tests and lessons run it in-process on port 0 with [`Server::start`]; the CLI runs it as
//! `greetbench serve`, and the measuring harness runs that in a child process so that the
//! client's CPU time and memory are its own.
//!
//! Like mini-redis's `server::run(listener, shutdown)`, [`run`] takes bound listeners and a
//! shutdown future, so callers choose the addresses (port 0 in tests) and the way to stop.
//!
//! # Layout
//! - `config`: [`Config`] (hosts, latency, jitter, server-side CPU work, connection cap,
//!   injected faults), [`Bind`], [`ServerError`].
//! - `stats`: [`Stats`], the counters that tests and the CLI read: greetings, served, errors,
//!   in-flight and peak, faults injected, connections evicted.
//! - [`limit`]: the connection cap and its eviction, shared with the HTTP greet API.
//! - `host`: binding the hosts ([`HostSocket`]) and each one's accept loop, `down` outages
//!   included.
//! - `connection`: one connection, greet after greet.
//! - [`fixture`]: [`Server`] (the server on a background thread), [`Behavior`] and the
//!   rendezvous gate; the background thread and the gate are shared with the greet API.
//! - here: [`bind`], [`run`], and the host lines the CLI prints.
//!
//! # Faults on purpose
//! With [`Config::faults`] (`greetbench serve --fault reset=20%,stall=5%`), a host breaks
//! some greets the way a real network does: a reset, a stall, a close, a slow or sliced
//! reply, an extra delay, or the whole host down for a while. Each greet's fate is drawn from
//! the seed ([`greet_core::fault`]), so a run can be repeated, and each fault is counted.
//!
//! # Not locked out
//! The server never lets idle connections take its last file descriptors: it serves at most
//! `max_connections` at once, and never more than the open-files limit less a reserve
//! ([`FD_RESERVE`] plus one per host). When full, it closes the connection that has waited
//! longest for a greeting (idle, or dribbling one out byte by byte) to make room for the new
//! one. A greet being answered is never closed. So 20,000 idle connections can no longer keep
//! a real client out: each new client costs the oldest idler its connection.
//!
//! # Waiting without holding threads
//! Every wait in here (the latency, the jitter, the rendezvous) is an async timer or channel,
//! so 10,000 waiting greets cost 10,000 small tasks, not 10,000 threads.
//!
//! # Example
//! ```
//! use greet_server::{Config, Server};
//! use greet_core::client::greet;
//! use std::time::Duration;
//!
//! let server = Server::start(Config { hosts: 2, ..Config::default() }).unwrap();
//! let reply = greet(server.addrs()[1], Duration::from_secs(5)).unwrap();
//! assert_eq!(reply.host, 1);
//! assert_eq!(server.stats().served, 1);
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use greet_core::{Target, duration};

mod config;
mod connection;
pub mod fixture;
mod host;
pub mod limit;
mod stats;

pub use config::{Bind, Config, FD_RESERVE, MAX_HOSTS, ServerError, effective_max_connections};
pub use fixture::{Behavior, Server};
pub use greet_core::limits::open_files_limit;
pub use host::HostSocket;
pub use stats::{FaultCounts, Gauge, Stats, StatsSnapshot};

/// Binds one socket per host, in host order: listening, or (for a host whose `down` fault
/// has it down now) bound and refusing every connection until it comes up.
pub async fn bind(config: &Config) -> Result<Vec<HostSocket>, ServerError> {
    host::bind_now(config)
}

/// Serves every host (host `i` is `listeners[i]`) until `shutdown` completes.
pub async fn run(
    listeners: Vec<HostSocket>,
    config: Config,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()>,
) {
    let shared = Shared::new(config, stats);
    let mut hosts = tokio::task::JoinSet::new();
    let first = shared.config.first_host;
    for (i, listener) in listeners.into_iter().enumerate() {
        hosts.spawn(host::serve((first + i) as u32, listener, shared.clone()));
    }
    shutdown.await;
    // Dropping the JoinSet aborts every accept loop; open connections are aborted when the
    // runtime shuts down.
    hosts.shutdown().await;
}

/// What every host and connection of one server shares.
struct Shared {
    config: Config,
    stats: Arc<Stats>,
    /// The connection cap, and the connections waiting for a greeting (the ones a full
    /// server evicts).
    limit: limit::Limit,
    /// The rendezvous fixture (open from the start without one).
    gate: fixture::Rendezvous,
    /// Greetings each host has read, the `n` of its faults' draw.
    greets_per_host: Vec<AtomicU64>,
}

impl Shared {
    fn new(config: Config, stats: Arc<Stats>) -> Arc<Shared> {
        let cap = effective_max_connections(&config, open_files_limit());
        let evictions = stats.clone();
        Arc::new(Shared {
            // The cap on connections open at once: a connection takes a permit when accepted
            // and gives it back when it closes; past the cap, the longest idle one is evicted.
            limit: limit::Limit::new(cap, config.evict_after, move || {
                evictions.evicted.fetch_add(1, Ordering::SeqCst);
            }),
            gate: fixture::Rendezvous::new(config.rendezvous),
            greets_per_host: (0..config.hosts).map(|_| AtomicU64::new(0)).collect(),
            stats,
            config,
        })
    }
}

/// Host `i` at `addrs[i]` as a [`Target`] that expects host number `i`.
pub fn targets(addrs: &[SocketAddr]) -> Vec<Target> {
    addrs
        .iter()
        .enumerate()
        .map(|(i, &addr)| Target {
            addr,
            host: Some(i as u32),
        })
        .collect()
}

/// The line `greetbench serve` prints per host, which the harness parses back.
pub fn listening_line(host: usize, addr: SocketAddr) -> String {
    format!("host {host} listening on {addr}")
}

/// Parses a [`listening_line`].
pub fn parse_listening_line(line: &str) -> Option<(usize, SocketAddr)> {
    let rest = line.strip_prefix("host ")?;
    let (host, addr) = rest.split_once(" listening on ")?;
    Some((host.parse().ok()?, addr.trim().parse().ok()?))
}

/// A one-line description of a configuration, for logs.
pub fn describe(config: &Config) -> String {
    format!(
        "{} host(s), latency {}, jitter {}, work {}",
        config.hosts,
        duration::human(config.latency),
        duration::human(config.jitter),
        config.work
    )
}

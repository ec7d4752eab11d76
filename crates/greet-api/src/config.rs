//! The API's knobs ([`Config`]) and why it could not start ([`ApiError`]).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

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
    pub(crate) fn validate(&self) -> Result<(), ApiError> {
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
        greet_server::limit::cap(self.max_connections, open_files, FD_RESERVE)
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

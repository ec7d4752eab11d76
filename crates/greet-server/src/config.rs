//! The server's knobs ([`Config`]), where its hosts listen ([`Bind`]), and why it could not
//! start ([`ServerError`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use greet_core::fault::Faults;

use crate::fixture::Behavior;

/// Where the hosts listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// Every host on `ip`, host `i` on port `port + i` (port 0: any free ports).
    Ports {
        /// The address all hosts share.
        ip: IpAddr,
        /// The first host's port, or 0.
        port: u16,
    },
    /// Host `i` on its own loopback address 127.0.0.(1+i), all on `port` (0: any free port
    /// each). A client has about 28k ephemeral ports per destination address, so spreading
    /// hosts over addresses lets large runs go past that.
    SpreadLoopback {
        /// The port every host uses, or 0.
        port: u16,
    },
}

/// The server's knobs.
#[derive(Debug, Clone)]
pub struct Config {
    /// How many hosts (listening sockets).
    pub hosts: usize,
    /// The number of this server's first host: its hosts are `first_host..first_host + hosts`,
    /// each answering with its own number and listening where that host would (its port or
    /// its address). 0 for a server that holds every host; a server spread over several
    /// processes (`greetbench serve --processes P`) gives each process one block of hosts.
    pub first_host: usize,
    /// Where they listen.
    pub bind: Bind,
    /// How long a host waits before replying.
    pub latency: Duration,
    /// A random extra wait in `0..=jitter`, per reply.
    pub jitter: Duration,
    /// CPU work (crunch size) the host does per reply, on its own runtime; 0 for none.
    pub work: u32,
    /// The most connections open at once, across all hosts. At the cap, a new connection
    /// closes the one that has waited longest for a greeting; if every open connection is
    /// being answered, it waits for one to finish (each host holds at most one accepted
    /// connection beyond the cap, the rest stay in the accept queue). Never more than the
    /// open-files limit less a reserve: see [`effective_max_connections`].
    pub max_connections: usize,
    /// Hold every reply until this many greets are waiting at the same time; after that the
    /// gate stays open. A fixture that proves concurrency by structure: a model that cannot
    /// keep this many greets waiting at once times out instead of passing.
    pub rendezvous: Option<usize>,
    /// Normal, silent or resetting hosts.
    pub behavior: Behavior,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Faults to inject on purpose; none by default.
    pub faults: Faults,
    /// At the connection cap, a connection that has waited this long for a greeting may be
    /// closed to make room. Younger ones are spared: a real client sends its greeting right
    /// after connecting, and must not lose its connection to the next client's. It also sets
    /// how fast a full server turns over connections that say nothing: at most one cap's worth
    /// per `evict_after`, so a greet queued behind many idle connections waits about
    /// (idle connections ahead of it ÷ cap) × `evict_after`.
    pub evict_after: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hosts: 1,
            first_host: 0,
            bind: Bind::Ports {
                ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                port: 0,
            },
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            work: 0,
            max_connections: 20_000,
            rendezvous: None,
            behavior: Behavior::Greet,
            idle_timeout: Duration::from_secs(60),
            faults: Faults::default(),
            // A loopback greeting arrives within a millisecond of the connect; 100 ms spares
            // any real client and turns idle ones over ten times a second.
            evict_after: Duration::from_millis(100),
        }
    }
}

/// The most hosts one server runs.
pub const MAX_HOSTS: usize = 4096;

/// File descriptors kept free for everything but connections (standard streams, the
/// runtime's poller and wakers, the signal handler), on top of one per host's listener.
pub const FD_RESERVE: usize = 16;

/// The connection cap in force for `config`: its `max_connections`, but never more than the
/// open-files limit (`open_files`, the soft `RLIMIT_NOFILE`) less [`FD_RESERVE`] and one
/// descriptor per host, so that a full server still has descriptors to accept with and to
/// close an idle connection by. At least 1.
pub fn effective_max_connections(config: &Config, open_files: Option<u64>) -> usize {
    crate::limit::cap(
        config.max_connections,
        open_files,
        FD_RESERVE + config.hosts,
    )
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is out of range.
    #[error("{0}")]
    Config(String),
    /// Another program holds the port.
    #[error("port {0} is already in use: choose another --port, or stop the program using it")]
    PortInUse(SocketAddr),
    /// The address is not on this machine.
    #[error(
        "cannot bind {0}: the address is not available here (distinct loopback addresses need Linux)"
    )]
    AddrNotAvailable(SocketAddr),
    /// Any other bind error.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime could not start.
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
}

impl Config {
    /// Checks that the configuration is in range (hosts, their ports, the caps, the faults);
    /// [`crate::bind`] checks it too, so a caller only needs this to refuse it earlier.
    pub fn validate(&self) -> Result<(), ServerError> {
        if self.hosts == 0 || self.hosts > MAX_HOSTS {
            return Err(ServerError::Config(format!(
                "--hosts must be between 1 and {MAX_HOSTS}"
            )));
        }
        if self.first_host + self.hosts > MAX_HOSTS {
            return Err(ServerError::Config(format!(
                "hosts {} to {} pass the last host number, {}",
                self.first_host,
                self.first_host + self.hosts - 1,
                MAX_HOSTS - 1
            )));
        }
        if let Bind::Ports { port, .. } = self.bind
            && port > 0
        {
            // Host i listens on port + i: the last host, of all the servers' blocks, must fit.
            let hosts = self.first_host + self.hosts;
            let last = usize::from(port) + hosts - 1;
            if last > usize::from(u16::MAX) {
                return Err(ServerError::Config(format!(
                    "--port {port} with --hosts {hosts} needs ports up to {last}; use --port {} or lower",
                    usize::from(u16::MAX) + 1 - hosts
                )));
            }
        }
        if self.max_connections == 0 {
            return Err(ServerError::Config(
                "--max-connections must be at least 1".into(),
            ));
        }
        if self.rendezvous == Some(0) {
            return Err(ServerError::Config(
                "a rendezvous needs at least 1 greet".into(),
            ));
        }
        self.faults
            .validate()
            .map_err(|e| ServerError::Config(e.to_string()))?;
        Ok(())
    }

    /// The address this server's `i`-th host (host number `first_host + i`) binds.
    pub(crate) fn addr(&self, i: usize) -> Result<SocketAddr, ServerError> {
        let i = self.first_host + i;
        match self.bind {
            Bind::Ports { ip, port: 0 } => Ok(SocketAddr::new(ip, 0)),
            Bind::Ports { ip, port } => u16::try_from(usize::from(port) + i)
                .map(|p| SocketAddr::new(ip, p))
                .map_err(|_| {
                    ServerError::Config(format!(
                        "--port {port} with host {i} needs port {}; use a lower --port",
                        usize::from(port) + i
                    ))
                }),
            Bind::SpreadLoopback { port } => {
                let ip = Ipv4Addr::from(u32::from(Ipv4Addr::LOCALHOST) + i as u32);
                Ok(SocketAddr::new(IpAddr::V4(ip), port))
            }
        }
    }
}

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
//! - [`Config`]: hosts, latency, jitter, server-side CPU work, connection cap, injected
//!   faults, and the test fixtures ([`Behavior`], rendezvous).
//! - [`Stats`]: counters that tests and the CLI read: greetings, served, errors, in-flight and
//!   peak, faults injected, connections evicted.
//! - [`bind`], [`run`]: the async server. [`Server`]: the same on a background thread.
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

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use greet_core::fault::{self, FaultKind, Faults};
use greet_core::protocol::{ERROR_LINE, GREETING, reply_line};
use greet_core::record::ServerCounts;
use greet_core::workload::crunch;
use greet_core::{Target, duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};

/// How a host treats a greeting. Anything but [`Behavior::Greet`] is a fixture for tests
/// and lessons of the error paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// Reply after the latency. The normal host.
    #[default]
    Greet,
    /// Read the greeting and never reply (until the idle timeout closes the connection).
    Silent,
    /// Read the greeting and reset the connection (TCP RST).
    Reset,
}

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
    let by_fds = open_files.map_or(usize::MAX, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .saturating_sub(FD_RESERVE + config.hosts)
    });
    config.max_connections.min(by_fds).max(1)
}

pub use greet_core::limits::open_files_limit;

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

/// Counters shared by every connection. Read them with [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    served: AtomicU64,
    errors: AtomicU64,
    connections: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    greetings: AtomicU64,
    faults: [AtomicU64; FaultKind::ALL.len()],
    evicted: AtomicU64,
}

/// A copy of the counters at one moment. A server spread over several processes answers
/// with their sum ([`StatsSnapshot::plus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    /// Greets answered.
    pub served: u64,
    /// Connections that sent something other than greetings.
    pub errors: u64,
    /// Connections accepted so far.
    pub connections: u64,
    /// Greets received and not yet answered, now.
    pub in_flight: u64,
    /// The most greets ever received and not yet answered at the same time.
    pub peak_in_flight: u64,
    /// Greetings read in full (served, broken on purpose, or lost with their connection).
    pub greetings: u64,
    /// Faults injected, by kind.
    pub faults: FaultCounts,
    /// Connections closed while waiting for a greeting, to make room for a new one.
    pub evicted: u64,
}

/// Faults injected, one counter per [`FaultKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct FaultCounts {
    /// Resets instead of replies.
    pub reset: u64,
    /// Greetings never answered.
    pub stall: u64,
    /// Closes without a reply.
    pub close: u64,
    /// Replies trickled out.
    pub slow: u64,
    /// Replies cut into segments.
    pub slice: u64,
    /// Replies delayed.
    pub delay: u64,
    /// Outages of a host (each one refuses connections for a while).
    pub down: u64,
}

impl FaultCounts {
    /// The count of `kind`.
    pub fn get(&self, kind: FaultKind) -> u64 {
        match kind {
            FaultKind::Reset => self.reset,
            FaultKind::Stall => self.stall,
            FaultKind::Close => self.close,
            FaultKind::Slow => self.slow,
            FaultKind::Slice => self.slice,
            FaultKind::Delay => self.delay,
            FaultKind::Down => self.down,
        }
    }

    /// Every fault injected.
    pub fn total(&self) -> u64 {
        FaultKind::ALL.iter().map(|k| self.get(*k)).sum()
    }
}

impl StatsSnapshot {
    /// The counters of two servers that hold different hosts, added: every count is a sum.
    /// `in_flight` read at the same moment is the greets both hold at once; `peak_in_flight`
    /// is the sum of each one's peak, which is what they held at once only if their peaks
    /// coincided (an upper bound otherwise; to see the peak of the whole, sample `in_flight`).
    pub fn plus(self, o: StatsSnapshot) -> StatsSnapshot {
        let f = |k: FaultKind| self.faults.get(k) + o.faults.get(k);
        StatsSnapshot {
            served: self.served + o.served,
            errors: self.errors + o.errors,
            connections: self.connections + o.connections,
            in_flight: self.in_flight + o.in_flight,
            peak_in_flight: self.peak_in_flight + o.peak_in_flight,
            greetings: self.greetings + o.greetings,
            faults: FaultCounts {
                reset: f(FaultKind::Reset),
                stall: f(FaultKind::Stall),
                close: f(FaultKind::Close),
                slow: f(FaultKind::Slow),
                slice: f(FaultKind::Slice),
                delay: f(FaultKind::Delay),
                down: f(FaultKind::Down),
            },
            evicted: self.evicted + o.evicted,
        }
    }

    /// The counters a run record keeps ([`ServerCounts`]).
    pub fn counts(&self) -> ServerCounts {
        ServerCounts {
            greetings: self.greetings,
            served: self.served,
            errors: self.errors,
            connections: self.connections,
            faults: FaultKind::ALL
                .iter()
                .map(|k| (*k, self.faults.get(*k)))
                .filter(|(_, n)| *n > 0)
                .collect::<BTreeMap<_, _>>(),
            evicted: self.evicted,
        }
    }
}

impl Stats {
    /// Reads every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            served: self.served.load(Ordering::SeqCst),
            errors: self.errors.load(Ordering::SeqCst),
            connections: self.connections.load(Ordering::SeqCst),
            in_flight: self.in_flight.load(Ordering::SeqCst),
            peak_in_flight: self.peak_in_flight.load(Ordering::SeqCst),
            greetings: self.greetings.load(Ordering::SeqCst),
            faults: FaultCounts {
                reset: self.fault(FaultKind::Reset),
                stall: self.fault(FaultKind::Stall),
                close: self.fault(FaultKind::Close),
                slow: self.fault(FaultKind::Slow),
                slice: self.fault(FaultKind::Slice),
                delay: self.fault(FaultKind::Delay),
                down: self.fault(FaultKind::Down),
            },
            evicted: self.evicted.load(Ordering::SeqCst),
        }
    }

    fn fault(&self, kind: FaultKind) -> u64 {
        self.faults[kind as usize].load(Ordering::SeqCst)
    }

    fn count_fault(&self, kind: FaultKind) {
        self.faults[kind as usize].fetch_add(1, Ordering::SeqCst);
    }

    /// Sets the peak back to the current in-flight count, between two measurements.
    pub fn reset_peak(&self) {
        self.peak_in_flight
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    fn enter(&self) -> u64 {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        now
    }

    fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Config {
    fn validate(&self) -> Result<(), ServerError> {
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
    fn addr(&self, i: usize) -> Result<SocketAddr, ServerError> {
        let i = self.first_host + i;
        match self.bind {
            Bind::Ports { ip, port: 0 } => Ok(SocketAddr::new(ip, 0)),
            Bind::Ports { ip, port } => u16::try_from(usize::from(port) + i)
                .map(|p| SocketAddr::new(ip, p))
                .map_err(|_| {
                    ServerError::Config(format!("--port {port} + {i} hosts passes 65535"))
                }),
            Bind::SpreadLoopback { port } => {
                let ip = Ipv4Addr::from(u32::from(Ipv4Addr::LOCALHOST) + i as u32);
                Ok(SocketAddr::new(IpAddr::V4(ip), port))
            }
        }
    }
}

/// Binds one listener per host, in host order.
pub async fn bind(config: &Config) -> Result<Vec<TcpListener>, ServerError> {
    bind_now(config)
}

/// The accept queue per host. Large runs open thousands of connections at once; a short queue
/// would drop SYNs and make clients wait a whole retransmission timeout (1 s).
const BACKLOG: u32 = 4096;

/// Binds synchronously. Needs a runtime *context* (`Runtime::enter`) but no `block_on`, so
/// [`Server::start`] works even when called from inside another runtime.
fn bind_now(config: &Config) -> Result<Vec<TcpListener>, ServerError> {
    config.validate()?;
    let mut listeners = Vec::with_capacity(config.hosts);
    for i in 0..config.hosts {
        let addr = config.addr(i)?;
        let map = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::AddrInUse => ServerError::PortInUse(addr),
            std::io::ErrorKind::AddrNotAvailable => ServerError::AddrNotAvailable(addr),
            _ => ServerError::Bind { addr, source: e },
        };
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        };
        let socket = socket.map_err(map)?;
        // Restarting a server on the same port must not wait for TIME_WAIT to clear.
        socket.set_reuseaddr(true).map_err(map)?;
        socket.bind(addr).map_err(map)?;
        listeners.push(socket.listen(BACKLOG).map_err(map)?);
    }
    Ok(listeners)
}

/// Serves every listener (host `i` is `listeners[i]`) until `shutdown` completes.
pub async fn run(
    listeners: Vec<TcpListener>,
    config: Config,
    stats: Arc<Stats>,
    shutdown: impl Future<Output = ()>,
) {
    let cap = effective_max_connections(&config, open_files_limit());
    let shared = Arc::new(Shared {
        // The cap on connections open at once: a connection takes a permit when accepted
        // and gives it back when it closes; past the cap, the longest idle one is evicted.
        limit: Arc::new(Semaphore::new(cap.min(Semaphore::MAX_PERMITS))),
        gate: watch::channel(config.rendezvous.is_none()).0,
        idle: Mutex::new(Idle::default()),
        greets_per_host: (0..config.hosts).map(|_| AtomicU64::new(0)).collect(),
        started: tokio::time::Instant::now(),
        stats,
        config,
    });
    let mut hosts = tokio::task::JoinSet::new();
    let first = shared.config.first_host;
    for (i, listener) in listeners.into_iter().enumerate() {
        hosts.spawn(accept_loop((first + i) as u32, listener, shared.clone()));
    }
    shutdown.await;
    // Dropping the JoinSet aborts every accept loop; open connections are aborted when the
    // runtime shuts down.
    hosts.shutdown().await;
}

struct Shared {
    config: Config,
    stats: Arc<Stats>,
    limit: Arc<Semaphore>,
    /// `true` once the rendezvous has been reached (always `true` without one).
    gate: watch::Sender<bool>,
    /// The connections waiting for a greeting, oldest first: the ones a full server evicts.
    idle: Mutex<Idle>,
    /// Greetings each host has read, the `n` of its faults' draw.
    greets_per_host: Vec<AtomicU64>,
    /// When the server started: the origin of the `down` fault's cycles.
    started: tokio::time::Instant,
}

/// The connections waiting for their next greeting. Each wait takes a ticket from a counter
/// that only grows, so the smallest ticket is the connection that has waited longest.
#[derive(Default)]
struct Idle {
    next: u64,
    waiting: BTreeMap<u64, (tokio::time::Instant, Arc<Notify>)>,
}

impl Shared {
    /// A connection starts waiting for a greeting; `evict` wakes it if it is evicted.
    fn wait_start(&self, evict: &Arc<Notify>) -> u64 {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = idle.next;
        idle.next += 1;
        idle.waiting
            .insert(ticket, (tokio::time::Instant::now(), evict.clone()));
        ticket
    }

    /// The connection has its greeting (or is closing). `false` if it was evicted meanwhile.
    fn wait_end(&self, ticket: u64) -> bool {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.waiting.remove(&ticket).is_some()
    }

    /// Closes the connection that has waited longest for a greeting, if it has waited at
    /// least `min_wait`.
    fn evict_oldest(&self, min_wait: Duration) -> bool {
        let oldest = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            match idle.waiting.first_key_value() {
                Some((_, (since, _))) if since.elapsed() >= min_wait => idle.waiting.pop_first(),
                _ => None,
            }
        };
        match oldest {
            Some((_, (_, evict))) => {
                evict.notify_one();
                self.stats.evicted.fetch_add(1, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }

    /// Takes a connection permit. At the cap, evicts the connection idle longest (once it
    /// has idled [`Config::evict_after`]) and waits for the permit that frees, or for any
    /// connection to close. `None` once shut down.
    async fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let look_again = self
            .config
            .evict_after
            .clamp(Duration::from_millis(10), Duration::from_millis(100));
        loop {
            if let Ok(p) = self.limit.clone().try_acquire_owned() {
                return Some(p);
            }
            self.evict_oldest(self.config.evict_after);
            match tokio::time::timeout(look_again, self.limit.clone().acquire_owned()).await {
                Ok(p) => return p.ok(),
                // Still full: an idle connection may have grown old enough by now.
                Err(_) => continue,
            }
        }
    }
}

async fn accept_loop(host: u32, listener: TcpListener, shared: Arc<Shared>) {
    let mut listener = Some(listener);
    let addr = listener.as_ref().and_then(|l| l.local_addr().ok());
    let period = shared.config.faults.down_period;
    let outage = shared.config.faults.outage(host);
    // When this host's current or next outage starts, if it has any. The cycle is a phase:
    // the outage that began one period before `offset` may still be on when the server
    // starts, so a host down P % of every cycle is down P % of any run, however short.
    let mut next_down = outage.map(|(offset, _)| {
        let at = shared.started + offset;
        at.checked_sub(period).unwrap_or(shared.started)
    });
    // Down the whole cycle: never listen at all (re-listening between two outages would let a
    // connection into the backlog, only to be reset when the next outage closes it).
    if outage.is_some_and(|(_, down)| down >= period) {
        shared.stats.count_fault(FaultKind::Down);
        drop(listener);
        return;
    }
    loop {
        // A host with a `down` fault closes its listener for a while once per cycle: clients
        // are refused, as by a host that crashed and restarts.
        if let (Some((_, down)), Some(at), Some(addr)) = (outage, next_down, addr)
            && tokio::time::Instant::now() >= at
        {
            next_down = Some(at + period);
            if tokio::time::Instant::now() < at + down {
                shared.stats.count_fault(FaultKind::Down);
                drop(listener.take());
                tokio::time::sleep_until(at + down).await;
                listener = listen_again(addr).await;
            }
            continue;
        }
        let Some(l) = listener.as_ref() else { return };
        let accepted = match next_down {
            Some(at) => tokio::select! {
                a = l.accept() => a,
                () = tokio::time::sleep_until(at) => continue,
            },
            None => l.accept().await,
        };
        match accepted {
            Ok((stream, _)) => {
                // Take a connection permit *after* accepting: a host waiting for its next
                // client must not hold one, or idle hosts would eat the cap. Past the cap,
                // the connection idle longest makes room; each host holds at most this one
                // accepted connection until a permit frees.
                let Some(permit) = shared.permit().await else {
                    return;
                };
                shared.stats.connections.fetch_add(1, Ordering::SeqCst);
                let shared = shared.clone();
                tokio::spawn(async move {
                    serve_connection(host, stream, &shared).await;
                    drop(permit);
                });
            }
            // Out of file descriptors (another part of the process took them): make room by
            // evicting an idle connection. Or a connection that died in the queue. Either way
            // back off a little rather than spinning, then keep serving.
            Err(e) => {
                if matches!(e.raw_os_error(), Some(23 | 24)) {
                    shared.evict_oldest(Duration::ZERO);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Listens on `addr` again after an outage. Bounded: gives up after 5 s of failures (another
/// program took the port), and the host stays down.
async fn listen_again(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..500 {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        };
        let listener = socket.and_then(|s| {
            s.set_reuseaddr(true)?;
            s.bind(addr)?;
            s.listen(BACKLOG)
        });
        if let Ok(l) = listener {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// How a connection's wait for its next greeting ended.
enum Wait {
    Greeting,
    Closed,
    Broken,
    Evicted,
}

/// Waits for the next greeting, at most the idle timeout, giving way if evicted.
async fn next_greeting(
    stream: &mut BufReader<TcpStream>,
    msg: &mut [u8],
    shared: &Shared,
    evict: &Arc<Notify>,
) -> Wait {
    let ticket = shared.wait_start(evict);
    let read = tokio::time::timeout(shared.config.idle_timeout, read_greeting(stream, msg));
    let wait = tokio::select! {
        r = read => match r {
            Ok(Ok(true)) => Wait::Greeting,
            Ok(Ok(false)) | Err(_) => Wait::Closed, // clean close, or idle too long
            Ok(Err(_)) => Wait::Broken,
        },
        () = evict.notified() => Wait::Evicted,
    };
    // An eviction that raced with the greeting wins: the evicting side counts on the room.
    if !shared.wait_end(ticket) {
        return Wait::Evicted;
    }
    wait
}

/// One connection: greet after greet until the client closes, idles out, or misbehaves.
async fn serve_connection(host: u32, stream: TcpStream, shared: &Shared) {
    let cfg = &shared.config;
    let _ = stream.set_nodelay(true);
    // A small buffer: we never hold more than one greeting's worth of a client's bytes.
    let mut stream = BufReader::with_capacity(64, stream);
    let reply = reply_line(host);
    let mut served_here: u64 = 0;
    let evict = Arc::new(Notify::new());
    loop {
        let mut msg = [0u8; GREETING.len()];
        match next_greeting(&mut stream, &mut msg, shared, &evict).await {
            Wait::Greeting => {}
            Wait::Closed | Wait::Evicted => return,
            Wait::Broken => {
                shared.stats.errors.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
        if &msg != GREETING {
            shared.stats.errors.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(ERROR_LINE).await;
            return;
        }
        shared.stats.greetings.fetch_add(1, Ordering::SeqCst);
        match cfg.behavior {
            Behavior::Greet => {}
            Behavior::Silent => {
                tokio::time::sleep(cfg.idle_timeout).await;
                return;
            }
            Behavior::Reset => {
                // SO_LINGER 0 makes close() send RST instead of FIN. The socket is closed
                // right after, so the blocking-on-drop concern does not arise.
                let _ = stream.get_ref().set_zero_linger();
                return;
            }
        }
        // This greeting's fate, drawn from the seed, the host and the greeting's number.
        let n = shared
            .greets_per_host
            .get((host as usize).saturating_sub(cfg.first_host))
            .map_or(0, |c| c.fetch_add(1, Ordering::SeqCst));
        let fault = cfg.faults.pick(host, n);
        if let Some(kind) = fault {
            shared.stats.count_fault(kind);
        }
        match fault {
            Some(FaultKind::Reset) => {
                let _ = stream.get_ref().set_zero_linger();
                return;
            }
            Some(FaultKind::Close) => return,
            Some(FaultKind::Stall) => {
                // Never reply; hold the connection until the client gives up (or the idle
                // timeout), reading and dropping whatever it sends meanwhile.
                let mut sink = [0u8; 64];
                let drain = async {
                    while let Ok(n) = stream.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(cfg.idle_timeout, drain).await;
                return;
            }
            _ => {}
        }

        // The greet is now in flight: received and not yet answered.
        let now = shared.stats.enter();
        if cfg.rendezvous.is_some_and(|k| now >= k as u64) {
            shared.gate.send_replace(true);
        }
        let mut gate = shared.gate.subscribe();
        let opened = tokio::time::timeout(cfg.idle_timeout, gate.wait_for(|open| *open))
            .await
            .is_ok_and(|r| r.is_ok());
        let mut wait = cfg.latency + jitter(cfg.jitter, host, served_here);
        if fault == Some(FaultKind::Delay) {
            wait += fault::DELAY;
        }
        if !wait.is_zero() {
            // An async timer: the waiting greet holds no thread.
            tokio::time::sleep(wait).await;
        }
        if cfg.work > 0 {
            std::hint::black_box(crunch(cfg.work, u64::from(host)));
        }
        // Leave *before* replying: the client cannot send its next greet until it has the
        // reply, so a sequential client never shows two greets in flight.
        shared.stats.leave();
        if !opened {
            return; // the rendezvous never came: close without a reply
        }
        // Count the greet as served before the client can see the reply, so that a client
        // that has its reply always finds it counted.
        shared.stats.served.fetch_add(1, Ordering::SeqCst);
        if write_reply(stream.get_mut(), reply.as_bytes(), fault)
            .await
            .is_err()
        {
            shared.stats.served.fetch_sub(1, Ordering::SeqCst);
            shared.stats.errors.fetch_add(1, Ordering::SeqCst);
            return;
        }
        served_here += 1;
    }
}

/// Writes a reply: at once, or trickled (`slow`) or in pieces (`slice`) when that greet drew
/// one of those faults. Bounded: a reply is a few dozen bytes.
async fn write_reply(
    stream: &mut TcpStream,
    reply: &[u8],
    fault: Option<FaultKind>,
) -> std::io::Result<()> {
    let (piece, gap) = match fault {
        Some(FaultKind::Slow) => (1, fault::SLOW_BYTE_EVERY),
        Some(FaultKind::Slice) => (fault::SLICE_BYTES, fault::SLICE_GAP),
        _ => return stream.write_all(reply).await,
    };
    for (i, chunk) in reply.chunks(piece).enumerate() {
        if i > 0 {
            tokio::time::sleep(gap).await;
        }
        stream.write_all(chunk).await?;
    }
    Ok(())
}

/// Reads one greeting into `msg`, skipping newlines between greetings (netcat sends them).
/// `Ok(false)` on a clean close before the greeting.
async fn read_greeting(stream: &mut BufReader<TcpStream>, msg: &mut [u8]) -> std::io::Result<bool> {
    loop {
        let mut first = [0u8; 1];
        if stream.read(&mut first).await? == 0 {
            return Ok(false);
        }
        if first[0] != b'\n' && first[0] != b'\r' {
            msg[0] = first[0];
            break;
        }
    }
    stream.read_exact(&mut msg[1..]).await?;
    Ok(true)
}

/// A deterministic pseudo-random extra wait in `0..=max`.
fn jitter(max: Duration, host: u32, n: u64) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let r = crunch(1, (u64::from(host) << 40) ^ n);
    Duration::from_nanos(r % (max.as_nanos() as u64 + 1))
}

/// A server running on its own thread and runtime. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Server {
    addrs: Vec<SocketAddr>,
    stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds the hosts and serves them on a background thread.
    pub fn start(config: Config) -> Result<Server, ServerError> {
        config.validate()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?;
        let listeners = {
            let _context = rt.enter();
            bind_now(&config)?
        };
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<Result<Vec<_>, _>>();
        let addrs = addrs.map_err(ServerError::Runtime)?;
        let stats = Arc::new(Stats::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("greet-server".into())
            .spawn(move || {
                rt.block_on(run(listeners, config, thread_stats, async {
                    let _ = stopped.await;
                }));
            })
            .map_err(ServerError::Runtime)?;
        Ok(Server {
            addrs,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The hosts as greet targets, each expecting its own host number in the reply.
    pub fn targets(&self) -> Vec<Target> {
        targets(&self.addrs)
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

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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

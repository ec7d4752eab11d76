//! A host: its socket, bound in host order ([`crate::bind`]), and the loop that accepts its
//! connections, each under a connection permit.
//!
//! # A host that goes down
//! A host with a `down` fault refuses connections for its share of every cycle. Down, it
//! holds its address with a socket that is bound but does not listen: every connection is
//! refused (a TCP reset to the SYN), and the port stays taken for any program that binds it
//! without `SO_REUSEADDR`.
//!
//! A listener cannot be closed without resetting the connections the kernel has already
//! queued for it, which the client has seen succeed. So a host going down first serves what
//! is queued (accepting until the queue is empty), and only then closes its listener: the
//! connections that came while it was up are answered, and those that come after are
//! refused. A host down for the whole cycle (`down=100%`) never listens at all, so no
//! connection to it is ever accepted. What is left is the instant between the last `accept`
//! that found the queue empty and the `close`, two system calls apart.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use greet_core::fault::FaultKind;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::Instant;

use crate::{Config, ServerError, Shared};

/// The accept queue per host. Large runs open thousands of connections at once; a short queue
/// would drop SYNs and make clients wait a whole retransmission timeout (1 s).
const BACKLOG: u32 = 4096;

/// One host's socket, as [`crate::bind`] returns it and [`crate::run`] serves it.
#[derive(Debug)]
pub struct HostSocket {
    addr: SocketAddr,
    socket: Socket,
    /// When the host was bound: the origin of its `down` fault's cycles.
    origin: Instant,
}

#[derive(Debug)]
enum Socket {
    Listening(TcpListener),
    /// Bound and not listening: a host that is down refuses every connection, and keeps its
    /// address.
    Closed(TcpSocket),
}

impl HostSocket {
    /// The host's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }

    /// Whether the host listens now: `false` for a host that is down when bound.
    pub fn is_listening(&self) -> bool {
        matches!(self.socket, Socket::Listening(_))
    }
}

/// Binds synchronously, each host listening unless its `down` fault has it down right now.
/// Needs a runtime *context* (`Runtime::enter`) but no `block_on`, so [`crate::Server::start`]
/// works even when called from inside another runtime.
pub(crate) fn bind_now(config: &Config) -> Result<Vec<HostSocket>, ServerError> {
    config.validate()?;
    let origin = Instant::now();
    let mut hosts = Vec::with_capacity(config.hosts);
    for i in 0..config.hosts {
        let addr = config.addr(i)?;
        let map = |e: io::Error| match e.kind() {
            io::ErrorKind::AddrInUse => ServerError::PortInUse(addr),
            io::ErrorKind::AddrNotAvailable => ServerError::AddrNotAvailable(addr),
            _ => ServerError::Bind { addr, source: e },
        };
        let socket = bound(addr).map_err(map)?;
        let addr = socket.local_addr().map_err(map)?;
        let host = (config.first_host + i) as u32;
        let down = Schedule::of(config, host, origin)
            .is_some_and(|s| matches!(s.phase(origin), Phase::Down { .. }));
        let socket = if down {
            Socket::Closed(socket)
        } else {
            Socket::Listening(socket.listen(BACKLOG).map_err(map)?)
        };
        hosts.push(HostSocket {
            addr,
            socket,
            origin,
        });
    }
    Ok(hosts)
}

/// A socket bound to `addr`, not yet listening.
fn bound(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }?;
    // Restarting a server on the same port must not wait for TIME_WAIT to clear, and a host
    // coming back up must not wait for the connections it served.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// A host's outages: down for `down` of every `period`, the cycle shifted by `offset`,
/// counted from `origin`.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    origin: Instant,
    offset: Duration,
    down: Duration,
    period: Duration,
}

/// Where a host is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Listening until then.
    Up { until: Instant },
    /// Refusing until then, or for good.
    Down { until: Option<Instant> },
}

impl Schedule {
    /// Host `host`'s outages under `config`'s faults; `None` when it never goes down.
    fn of(config: &Config, host: u32, origin: Instant) -> Option<Schedule> {
        let (offset, down) = config.faults.outage(host)?;
        Some(Schedule {
            origin,
            offset,
            down,
            period: config.faults.down_period,
        })
    }

    /// The phase at `now`. The cycle is a phase, not a countdown: the outage that began one
    /// period before `offset` may still be on at the origin, so a host down P % of every
    /// cycle is down P % of any run, however short.
    fn phase(&self, now: Instant) -> Phase {
        if self.down >= self.period {
            return Phase::Down { until: None };
        }
        let period = self.period.as_nanos();
        let since = now.saturating_duration_since(self.origin).as_nanos();
        let into_cycle = (since + period - self.offset.as_nanos() % period) % period;
        let down = self.down.as_nanos();
        let after = |n: u128| now + Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX));
        if into_cycle < down {
            Phase::Down {
                until: Some(after(down - into_cycle)),
            }
        } else {
            Phase::Up {
                until: after(period - into_cycle),
            }
        }
    }
}

/// Serves host `host` on `socket` until the server shuts down: accepts its connections, and
/// takes it down and up again as its `down` fault says.
pub(crate) async fn serve(host: u32, socket: HostSocket, shared: Arc<Shared>) {
    let addr = socket.addr;
    let Some(schedule) = Schedule::of(&shared.config, host, socket.origin) else {
        if let Socket::Listening(l) = &socket.socket {
            accept_until(host, l, &shared, None).await;
        }
        return;
    };
    let mut socket = Some(socket.socket);
    let mut up = true;
    // Bounded by the shutdown, which aborts this task; each pass waits out one phase.
    loop {
        match schedule.phase(Instant::now()) {
            Phase::Down { until } => {
                if up {
                    shared.stats.count_fault(FaultKind::Down);
                    up = false;
                }
                socket = go_down(host, socket, addr, &shared).await;
                match until {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            }
            Phase::Up { until } => {
                up = true;
                socket = go_up(socket, addr).await;
                match &socket {
                    Some(Socket::Listening(l)) => accept_until(host, l, &shared, Some(until)).await,
                    // Could not listen again (another program took the port): down this cycle.
                    _ => tokio::time::sleep_until(until).await,
                }
            }
        }
    }
}

/// Accepts connections on `listener` until `until` (for ever without one).
async fn accept_until(host: u32, l: &TcpListener, shared: &Arc<Shared>, until: Option<Instant>) {
    loop {
        let accepted = match until {
            Some(t) => tokio::select! {
                a = l.accept() => a,
                () = tokio::time::sleep_until(t) => return,
            },
            None => l.accept().await,
        };
        match accepted {
            Ok((stream, _)) => admit(host, stream, shared).await,
            Err(e) => shared.limit.accept_failed(&e).await,
        }
    }
}

/// Serves an accepted connection on its own task, under a connection permit.
async fn admit(host: u32, stream: TcpStream, shared: &Arc<Shared>) {
    // Take the permit *after* accepting: a host waiting for its next client must not hold
    // one, or idle hosts would eat the cap. Past the cap, the connection idle longest makes
    // room; each host holds at most this one accepted connection until a permit frees.
    let permit = shared.limit.permit().await;
    shared.stats.connections.fetch_add(1, Ordering::SeqCst);
    let shared = shared.clone();
    tokio::spawn(async move {
        crate::connection::serve(host, stream, &shared).await;
        drop(permit);
    });
}

/// Takes a host down: a listening host serves what is already queued, then closes its
/// listener and holds its address with a socket that does not listen.
async fn go_down(
    host: u32,
    socket: Option<Socket>,
    addr: SocketAddr,
    shared: &Arc<Shared>,
) -> Option<Socket> {
    match socket {
        Some(Socket::Listening(l)) => {
            drain(host, l, shared).await;
            bound(addr).ok().map(Socket::Closed)
        }
        other => other,
    }
}

/// Accepts every connection already queued on `listener` (at most a backlog's worth), then
/// closes it. The queue is read with plain `accept` calls, not through the runtime, which
/// may not have seen the newest connections yet: the first call that finds it empty ends it.
async fn drain(host: u32, listener: TcpListener, shared: &Arc<Shared>) {
    let Ok(listener) = listener.into_std() else {
        return;
    };
    let mut errors = 0;
    for _ in 0..BACKLOG {
        match listener.accept() {
            Ok((stream, _)) => {
                let stream = stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream));
                if let Ok(stream) = stream {
                    admit(host, stream, shared).await;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // A connection that died in the queue, or no descriptor left: a few tries.
            Err(e) => {
                errors += 1;
                if errors > 8 {
                    break;
                }
                shared.limit.accept_failed(&e).await;
            }
        }
    }
}

/// Brings a host back up: listens on the socket that held its address, or binds it again.
async fn go_up(socket: Option<Socket>, addr: SocketAddr) -> Option<Socket> {
    match socket {
        Some(Socket::Closed(s)) => match s.listen(BACKLOG) {
            Ok(l) => Some(Socket::Listening(l)),
            Err(_) => listen_again(addr).await.map(Socket::Listening),
        },
        Some(listening) => Some(listening),
        None => listen_again(addr).await.map(Socket::Listening),
    }
}

/// Listens on `addr` again after an outage. Bounded: gives up after 5 s of failures (another
/// program took the port), and the host stays down.
async fn listen_again(addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..500 {
        if let Ok(l) = bound(addr).and_then(|s| s.listen(BACKLOG)) {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Stats;
    use greet_core::protocol::{GREETING, reply_line};
    use std::io::{Read, Write};

    #[test]
    fn a_host_going_down_serves_what_was_queued_then_refuses() {
        // A worker thread, so that the connections go_down spawns are served meanwhile.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let _context = rt.enter();
        let config = Config::default();
        let stats = Arc::new(Stats::default());
        let shared = crate::Shared::new(config.clone(), stats.clone());
        let host = bind_now(&config).unwrap().remove(0);
        let addr = host.addr;
        let Socket::Listening(listener) = host.socket else {
            panic!("a host with no fault listens");
        };
        // Three connections the kernel has queued and nobody has accepted: to their clients
        // they are connected, and each sends its greeting.
        let mut queued: Vec<std::net::TcpStream> = (0..3)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        for c in &mut queued {
            c.write_all(GREETING).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        }
        let held = rt.block_on(go_down(0, Some(Socket::Listening(listener)), addr, &shared));
        assert!(
            matches!(held, Some(Socket::Closed(_))),
            "the address is held"
        );
        for mut c in queued {
            let mut reply = [0u8; 64];
            let n = c
                .read(&mut reply)
                .expect("a queued greet is answered, not reset");
            assert_eq!(&reply[..n], reply_line(0).as_bytes());
        }
        assert_eq!(stats.snapshot().connections, 3);
        let refused = std::net::TcpStream::connect(addr).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    }

    fn schedule(offset_ms: u64, down_ms: u64, period_ms: u64) -> Schedule {
        Schedule {
            origin: Instant::now(),
            offset: Duration::from_millis(offset_ms),
            down: Duration::from_millis(down_ms),
            period: Duration::from_millis(period_ms),
        }
    }

    #[test]
    fn a_host_down_the_whole_cycle_is_down_for_good() {
        let s = schedule(30, 100, 100);
        for ms in [0, 1, 99, 100, 12_345] {
            let at = s.origin + Duration::from_millis(ms);
            assert_eq!(s.phase(at), Phase::Down { until: None });
        }
    }

    #[test]
    fn the_cycle_is_a_phase_so_an_outage_can_be_on_at_the_origin() {
        // Down 50..110 of every 100 ms, shifted by 60: down at 0..10, 60..110, 160..210.
        let s = schedule(60, 50, 100);
        let at = |ms: u64| s.origin + Duration::from_millis(ms);
        assert_eq!(
            s.phase(at(0)),
            Phase::Down {
                until: Some(at(10))
            }
        );
        assert_eq!(s.phase(at(10)), Phase::Up { until: at(60) });
        assert_eq!(s.phase(at(59)), Phase::Up { until: at(60) });
        assert_eq!(
            s.phase(at(60)),
            Phase::Down {
                until: Some(at(110))
            }
        );
        assert_eq!(s.phase(at(110)), Phase::Up { until: at(160) });
        assert_eq!(
            s.phase(at(205)),
            Phase::Down {
                until: Some(at(210))
            }
        );
    }
}

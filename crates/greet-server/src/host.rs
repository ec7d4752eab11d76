//! A host: its listening socket, bound in host order ([`crate::bind`]), and the loop that
//! accepts its connections, each under a connection permit. A host with a `down` fault
//! closes its listener for a share of every cycle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use greet_core::fault::FaultKind;
use tokio::net::{TcpListener, TcpSocket};

use crate::{Config, ServerError, Shared};

/// The accept queue per host. Large runs open thousands of connections at once; a short queue
/// would drop SYNs and make clients wait a whole retransmission timeout (1 s).
const BACKLOG: u32 = 4096;

/// Binds synchronously. Needs a runtime *context* (`Runtime::enter`) but no `block_on`, so
/// [`crate::Server::start`] works even when called from inside another runtime.
pub(crate) fn bind_now(config: &Config) -> Result<Vec<TcpListener>, ServerError> {
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

/// Accepts host `host`'s connections on `listener` until the server shuts down.
pub(crate) async fn accept_loop(host: u32, listener: TcpListener, shared: Arc<Shared>) {
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
                let permit = shared.limit.permit().await;
                shared.stats.connections.fetch_add(1, Ordering::SeqCst);
                let shared = shared.clone();
                tokio::spawn(async move {
                    crate::connection::serve(host, stream, &shared).await;
                    drop(permit);
                });
            }
            Err(e) => shared.limit.accept_failed(&e).await,
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

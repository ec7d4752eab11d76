//! One connection to a host: greet after greet until the client closes, idles out,
//! misbehaves or is evicted. Each greeting meets its fate here: the host's [`Behavior`], the
//! fault drawn for it, then the latency, the rendezvous and the reply.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use greet_core::fault::{self, FaultKind};
use greet_core::protocol::{ERROR_LINE, GREETING, reply_line};
use greet_core::workload::crunch;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::Shared;
use crate::fixture::Behavior;
use crate::limit::Evict;

/// How a connection's wait for its next greeting ended.
enum Wait {
    Greeting,
    Closed,
    Broken,
    Evicted,
}

/// Serves `stream`, accepted by host `host`, until it ends.
pub(crate) async fn serve(host: u32, stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    // A small buffer: we never hold more than one greeting's worth of a client's bytes.
    let mut stream = BufReader::with_capacity(64, stream);
    let reply = reply_line(host);
    let evict = Arc::new(Evict::default());
    for served_here in 0u64.. {
        let Some(fault) = receive(host, &mut stream, shared, &evict).await else {
            return;
        };
        if !answer(
            host,
            &mut stream,
            shared,
            fault,
            served_here,
            reply.as_bytes(),
        )
        .await
        {
            return;
        }
    }
}

/// Waits for the next greeting, at most the idle timeout, giving way if evicted.
async fn next_greeting(
    stream: &mut BufReader<TcpStream>,
    msg: &mut [u8],
    shared: &Shared,
    evict: &Arc<Evict>,
) -> Wait {
    let ticket = shared.limit.wait_start(evict);
    let read = tokio::time::timeout(shared.config.idle_timeout, read_greeting(stream, msg));
    let wait = tokio::select! {
        r = read => match r {
            Ok(Ok(true)) => Wait::Greeting,
            Ok(Ok(false)) | Err(_) => Wait::Closed, // clean close, or idle too long
            Ok(Err(_)) => Wait::Broken,
        },
        () = evict.fired() => Wait::Evicted,
    };
    // An eviction that raced with the greeting wins: the evicting side counts on the room.
    if !shared.limit.wait_end(ticket) {
        return Wait::Evicted;
    }
    wait
}

/// Reads the next greeting and draws its fate. `None` when the connection ends here (closed,
/// broken, evicted, not a greeting, or a fault or fixture that gives no reply); otherwise the
/// fault, if any, that the reply still carries (slow, slice, delay).
async fn receive(
    host: u32,
    stream: &mut BufReader<TcpStream>,
    shared: &Shared,
    evict: &Arc<Evict>,
) -> Option<Option<FaultKind>> {
    let cfg = &shared.config;
    let mut msg = [0u8; GREETING.len()];
    match next_greeting(stream, &mut msg, shared, evict).await {
        Wait::Greeting => {}
        Wait::Closed | Wait::Evicted => return None,
        Wait::Broken => {
            shared.stats.errors.fetch_add(1, Ordering::SeqCst);
            return None;
        }
    }
    if &msg != GREETING {
        shared.stats.errors.fetch_add(1, Ordering::SeqCst);
        let _ = stream.write_all(ERROR_LINE).await;
        return None;
    }
    shared.stats.greetings.fetch_add(1, Ordering::SeqCst);
    match cfg.behavior {
        Behavior::Greet => {}
        Behavior::Silent => {
            tokio::time::sleep(cfg.idle_timeout).await;
            return None;
        }
        Behavior::Reset => {
            // SO_LINGER 0 makes close() send RST instead of FIN. The socket is closed right
            // after, so the blocking-on-drop concern does not arise.
            let _ = stream.get_ref().set_zero_linger();
            return None;
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
            None
        }
        Some(FaultKind::Close) => None,
        Some(FaultKind::Stall) => {
            stall(stream, cfg.idle_timeout).await;
            None
        }
        other => Some(other),
    }
}

/// Never replies: holds the connection until the client gives up (or `idle_timeout`),
/// reading and dropping whatever it sends meanwhile.
async fn stall(stream: &mut BufReader<TcpStream>, idle_timeout: Duration) {
    let mut sink = [0u8; 64];
    let drain = async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(idle_timeout, drain).await;
}

/// Answers a greeting: in flight through the rendezvous, the latency and the work, then the
/// reply. `false` when the connection ends here.
async fn answer(
    host: u32,
    stream: &mut BufReader<TcpStream>,
    shared: &Shared,
    fault: Option<FaultKind>,
    served_here: u64,
    reply: &[u8],
) -> bool {
    let cfg = &shared.config;
    // The greet is now in flight: received and not yet answered.
    let now = shared.stats.in_flight.enter();
    let opened = shared.gate.arrive(now, cfg.idle_timeout).await;
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
    shared.stats.in_flight.leave();
    if !opened {
        return false; // the rendezvous never came: close without a reply
    }
    // Count the greet as served before the client can see the reply, so that a client that
    // has its reply always finds it counted.
    shared.stats.served.fetch_add(1, Ordering::SeqCst);
    if write_reply(stream.get_mut(), reply, fault).await.is_err() {
        shared.stats.served.fetch_sub(1, Ordering::SeqCst);
        shared.stats.errors.fetch_add(1, Ordering::SeqCst);
        return false;
    }
    true
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

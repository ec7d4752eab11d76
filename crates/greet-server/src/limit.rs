//! The connection cap and its eviction, one module for both servers: the TCP greet server
//! and the HTTP greet API (`greet-api` depends on this crate for it).
//!
//! A server that accepts every connection can be locked out by clients that connect and say
//! nothing: each holds a file descriptor, and at the open-files limit `accept` fails for
//! everyone. So a server holds its connections to a cap ([`Limit`]): a connection takes a
//! permit when it is accepted and gives it back when it closes. At the cap, the connection
//! that has waited longest for a request (idle, or dribbling one out byte by byte) is
//! *evicted* to make room, once it has waited at least `evict_after`; a connection being
//! answered never is. So 20,000 idle connections cannot keep a real client out: each new
//! client costs the oldest idler its connection.
//!
//! The waits form a queue by ticket: each wait takes the next number of a counter that only
//! grows, so the smallest ticket in the queue is the connection that has waited longest.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The connection cap in force: `configured`, but never more than the open-files limit
/// (`open_files`, the soft `RLIMIT_NOFILE`) less `reserve` descriptors kept for everything
/// but connections, so that a full server still has descriptors to accept with and to close
/// an idle connection by. At least 1.
pub fn cap(configured: usize, open_files: Option<u64>, reserve: usize) -> usize {
    let by_fds = open_files.map_or(usize::MAX, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .saturating_sub(reserve)
    });
    configured.min(by_fds).max(1)
}

/// How one connection learns that it was evicted: a flag, and the waker of whoever waits on
/// it. Polled by hand (the API's stream) or awaited ([`Evict::fired`], the TCP server).
#[derive(Debug, Default)]
pub struct Evict {
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Evict {
    /// Whether the connection has been evicted.
    pub fn is_fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// Ready once evicted; otherwise registers `cx`'s waker to be woken when it is.
    pub fn poll_fired(&self, cx: &mut Context<'_>) -> Poll<()> {
        *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        // Looked at after registering, so an eviction between the two is not missed.
        if self.is_fired() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Completes once evicted.
    pub async fn fired(&self) {
        poll_fn(|cx| self.poll_fired(cx)).await;
    }

    fn fire(&self) {
        self.fired.store(true, Ordering::SeqCst);
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A connection's place in the queue of waits: see [`Limit::wait_start`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The connections waiting for a request, by ticket: the smallest waited longest.
#[derive(Default)]
struct Waiting {
    next: u64,
    since: BTreeMap<u64, (Instant, Arc<Evict>)>,
}

/// The cap on connections open at once, and the queue of those waiting for a request.
pub struct Limit {
    permits: Arc<Semaphore>,
    waiting: Mutex<Waiting>,
    evict_after: Duration,
    /// Counts one eviction in the owner's stats.
    on_evict: Box<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limit")
            .field("available", &self.permits.available_permits())
            .field("evict_after", &self.evict_after)
            .finish_non_exhaustive()
    }
}

impl Limit {
    /// A cap of `cap` connections (see [`cap`]); a connection that has waited `evict_after`
    /// for a request may be evicted to make room, and each eviction calls `on_evict`.
    pub fn new(
        cap: usize,
        evict_after: Duration,
        on_evict: impl Fn() + Send + Sync + 'static,
    ) -> Limit {
        Limit {
            permits: Arc::new(Semaphore::new(cap.min(Semaphore::MAX_PERMITS))),
            waiting: Mutex::new(Waiting::default()),
            evict_after,
            on_evict: Box::new(on_evict),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection starts waiting for a request; `evict` is fired if it is evicted.
    pub fn wait_start(&self, evict: &Arc<Evict>) -> Ticket {
        let mut w = self.lock();
        let ticket = w.next;
        w.next += 1;
        w.since.insert(ticket, (Instant::now(), evict.clone()));
        Ticket(ticket)
    }

    /// The connection has its request (or is closing). `false` if it was evicted meanwhile:
    /// an eviction that raced with the request wins, since the evicting side counts on the
    /// room.
    pub fn wait_end(&self, ticket: Ticket) -> bool {
        self.lock().since.remove(&ticket.0).is_some()
    }

    /// Evicts the connection that has waited longest for a request, if it has waited at
    /// least `min_wait`. Whether one was.
    pub fn evict_oldest(&self, min_wait: Duration) -> bool {
        let oldest = {
            let mut w = self.lock();
            match w.since.first_key_value() {
                Some((_, (since, _))) if since.elapsed() >= min_wait => w.since.pop_first(),
                _ => None,
            }
        };
        match oldest {
            Some((_, (_, evict))) => {
                evict.fire();
                (self.on_evict)();
                true
            }
            None => false,
        }
    }

    /// A connection permit, held for as long as the connection is open. At the cap, evicts
    /// the connection idle longest (once it has idled `evict_after`) and waits for the permit
    /// that frees, or for any connection to close, looking again every `evict_after` (10 to
    /// 100 ms) as idle connections age.
    pub async fn permit(&self) -> OwnedSemaphorePermit {
        let look_again = self
            .evict_after
            .clamp(Duration::from_millis(10), Duration::from_millis(100));
        loop {
            if let Ok(p) = self.permits.clone().try_acquire_owned() {
                return p;
            }
            self.evict_oldest(self.evict_after);
            match tokio::time::timeout(look_again, self.permits.clone().acquire_owned()).await {
                Ok(Ok(p)) => return p,
                // Still full: an idle connection may have grown old enough by now. (The
                // semaphore is never closed; were it, this waits like a full one.)
                Ok(Err(_)) => tokio::time::sleep(look_again).await,
                Err(_) => {}
            }
        }
    }

    /// After `accept` failed: out of file descriptors (another part of the process took
    /// them), so make room by evicting an idle connection; or a connection that died in the
    /// queue. Either way back off a little rather than spinning, then keep serving.
    pub async fn accept_failed(&self, e: &std::io::Error) {
        if matches!(e.raw_os_error(), Some(23 | 24)) {
            // ENFILE, EMFILE.
            self.evict_oldest(Duration::ZERO);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn the_cap_leaves_the_reserve_below_the_open_files_limit() {
        assert_eq!(cap(20_000, Some(1024), 18), 1006);
        assert_eq!(cap(100, Some(1024), 18), 100);
        assert_eq!(cap(100, None, 18), 100);
        assert_eq!(cap(100, Some(4), 18), 1);
    }

    #[test]
    fn the_longest_wait_is_evicted_first_and_only_once_old_enough() {
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        let limit = Limit::new(1, Duration::from_secs(3600), move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        let (a, b) = (Arc::new(Evict::default()), Arc::new(Evict::default()));
        let ta = limit.wait_start(&a);
        let tb = limit.wait_start(&b);
        assert!(!limit.evict_oldest(Duration::from_secs(3600)), "too young");
        assert!(limit.evict_oldest(Duration::ZERO));
        assert!(a.is_fired() && !b.is_fired());
        assert!(!limit.wait_end(ta), "an evicted wait ends as evicted");
        assert!(limit.wait_end(tb));
        assert!(!limit.evict_oldest(Duration::ZERO), "nobody left waiting");
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }
}

//! The API's counters ([`Stats`]), read as a [`StatsSnapshot`] by tests and by `GET /stats`,
//! and the guard that counts one greeting in flight ([`InFlight`]).

use std::sync::atomic::{AtomicU64, Ordering};

use greet_server::Gauge;

/// Counters shared by every request. Read them with [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) requests: AtomicU64,
    pub(crate) served: AtomicU64,
    pub(crate) not_found: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    pub(crate) in_flight: Gauge,
    pub(crate) cancelled: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) open_connections: AtomicU64,
    pub(crate) timed_out: AtomicU64,
    pub(crate) evicted: AtomicU64,
    pub(crate) trims: AtomicU64,
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
    /// Times the heap was handed back to the OS after a storm of connections (see
    /// [`crate::run`]).
    #[serde(default)]
    pub trims: u64,
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
            in_flight: self.in_flight.now(),
            peak_in_flight: self.in_flight.peak(),
            cancelled: get(&self.cancelled),
            connections: get(&self.connections),
            open_connections: get(&self.open_connections),
            timed_out: get(&self.timed_out),
            evicted: get(&self.evicted),
            trims: get(&self.trims),
        }
    }

    /// Sets the peak back to the current in-flight count, between two measurements.
    pub fn reset_peak(&self) {
        self.in_flight.reset_peak();
    }
}

/// One greeting in flight. Dropped without [`InFlight::finish`], it counts as cancelled:
/// that happens when the client closes its connection and hyper drops the handler.
pub(crate) struct InFlight<'a> {
    stats: &'a Stats,
    finished: bool,
}

impl<'a> InFlight<'a> {
    /// Enters; returns the guard and how many greetings are in flight now, this one included.
    pub(crate) fn enter(stats: &'a Stats) -> (InFlight<'a>, u64) {
        let now = stats.in_flight.enter();
        (
            InFlight {
                stats,
                finished: false,
            },
            now,
        )
    }

    pub(crate) fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.leave();
        if !self.finished {
            self.stats.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

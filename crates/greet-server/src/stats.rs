//! The server's counters ([`Stats`]), which tests and the CLI read as a [`StatsSnapshot`]:
//! greetings, served, errors, in flight and its peak, faults injected, connections evicted.
//! [`Gauge`], the in-flight count with its peak, is shared with the HTTP greet API.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use greet_core::fault::FaultKind;
use greet_core::record::ServerCounts;

/// Something in flight now, and the most ever in flight at once.
#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicU64,
    peak: AtomicU64,
}

impl Gauge {
    /// One more in flight; returns how many are now, this one included.
    pub fn enter(&self) -> u64 {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        now
    }

    /// One fewer in flight.
    pub fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    /// In flight now.
    pub fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    /// The most in flight at once since the start or the last [`Gauge::reset_peak`].
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::SeqCst)
    }

    /// Sets the peak back to the current count, between two measurements.
    pub fn reset_peak(&self) {
        self.peak.store(self.now(), Ordering::SeqCst);
    }
}

/// Counters shared by every connection. Read them with [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    pub(crate) served: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) in_flight: Gauge,
    pub(crate) greetings: AtomicU64,
    faults: [AtomicU64; FaultKind::ALL.len()],
    pub(crate) evicted: AtomicU64,
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
    /// The counts `count(kind)` gives, kind by kind.
    pub fn from_fn(count: impl Fn(FaultKind) -> u64) -> FaultCounts {
        FaultCounts {
            reset: count(FaultKind::Reset),
            stall: count(FaultKind::Stall),
            close: count(FaultKind::Close),
            slow: count(FaultKind::Slow),
            slice: count(FaultKind::Slice),
            delay: count(FaultKind::Delay),
            down: count(FaultKind::Down),
        }
    }

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
            faults: FaultCounts::from_fn(f),
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
            in_flight: self.in_flight.now(),
            peak_in_flight: self.in_flight.peak(),
            greetings: self.greetings.load(Ordering::SeqCst),
            faults: FaultCounts::from_fn(|k| self.faults[k as usize].load(Ordering::SeqCst)),
            evicted: self.evicted.load(Ordering::SeqCst),
        }
    }

    pub(crate) fn count_fault(&self, kind: FaultKind) {
        self.faults[kind as usize].fetch_add(1, Ordering::SeqCst);
    }

    /// Sets the peak back to the current in-flight count, between two measurements.
    pub fn reset_peak(&self) {
        self.in_flight.reset_peak();
    }
}

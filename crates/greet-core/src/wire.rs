//! The messages of the processes model's two-way queue: one JSON object per line over the
//! worker's stdin (jobs in) and stdout (outcomes out).
//!
//! Lines keep framing trivial, the same lesson as [`crate::protocol`]: a pipe is a byte
//! stream too, and the newline is what marks where one message ends.

use greet_os::lines::LineError;
use greet_os::proc::{self, Who};

use crate::outcome::Outcome;
use crate::plan::Plan;

/// Parent to worker.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ToWorker {
    /// The plan the following jobs belong to.
    Plan(Plan),
    /// Run job `i` of the current plan.
    Job(usize),
    /// Report your peak memory.
    Report,
}

/// Worker to parent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum FromWorker {
    /// The worker has started; its process id.
    Ready {
        /// `std::process::id()` of the worker.
        pid: u32,
    },
    /// A job has ended.
    Done(Outcome),
    /// The answer to [`ToWorker::Report`].
    Report {
        /// Peak memory so far, proportional (PSS: shared pages split among their sharers), in
        /// KiB; see [`peak_rss_kib`].
        peak_rss_kib: u64,
    },
}

/// Encodes one message as a line, newline included: the bounded JSON-lines codec's
/// ([`greet_os::lines`]) encoding, which cannot fail for these messages.
pub fn encode<T: serde::Serialize>(msg: &T) -> String {
    greet_os::lines::encode(msg).expect("wire messages always serialise")
}

/// Decodes one line ([`greet_os::lines::decode`]).
pub fn decode<T: serde::de::DeserializeOwned>(line: &str) -> Result<T, LineError> {
    greet_os::lines::decode(line)
}

/// The peak memory this process costs the machine, in KiB: its peak resident memory (VmHWM,
/// `/proc/self/status`) less the part of its resident pages it shares with other processes,
/// i.e. the peak's *proportional set size* (PSS). 0 where there is no `/proc`.
///
/// A worker process maps the same executable and libraries as its siblings and its parent;
/// RSS counts those shared pages in full in every worker, so summing 1,000 workers' RSS
/// counted the executable 1,000 times (3.2 GB for about 236 KiB of real cost each). PSS
/// charges a page shared by k processes 1/k to each, so the workers' PSS adds up to what they
/// really cost. The kernel keeps no peak of PSS, so the shared excess (`Rss − Pss` in
/// `/proc/self/smaps_rollup`, now) is taken off the RSS peak: the shared pages (code, libraries)
/// are mapped at start-up and barely change, while what grows during a batch is private.
pub fn peak_rss_kib() -> u64 {
    peak_of(Who::Me)
}

/// [`peak_rss_kib`] of process `pid`, read from outside it (a parent that reads its helper
/// processes' memory in the same measure as the workers that report their own).
pub fn peak_rss_kib_of(pid: u32) -> u64 {
    peak_of(Who::Pid(pid))
}

fn peak_of(who: Who) -> u64 {
    let peak = proc::status(who).map_or(0, |s| s.vm_hwm_kib);
    match proc::rollup(who) {
        Some(r) => peak
            .saturating_sub(r.rss_kib.saturating_sub(r.pss_kib))
            .max(r.pss_kib),
        None => peak,
    }
}

/// The proportional set size (PSS) of process `pid` now, in KiB, from
/// `/proc/PID/smaps_rollup`; `None` where it cannot be read.
pub fn pss_kib(pid: u32) -> Option<u64> {
    proc::rollup(Who::Pid(pid)).map(|r| r.pss_kib)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::GreetError;
    use std::time::Duration;

    #[test]
    fn roundtrip() {
        let o = Outcome::new(3, Duration::from_millis(2), Err(GreetError::Timeout));
        let back: FromWorker = decode(&encode(&FromWorker::Done(o.clone()))).unwrap();
        assert!(matches!(back, FromWorker::Done(b) if b == o));
        // A job that panicked in a worker crosses the pipe as a counted error like any other.
        let o = Outcome::failed(4, GreetError::Panicked("boom".into()));
        let back: FromWorker = decode(&encode(&FromWorker::Done(o.clone()))).unwrap();
        assert!(matches!(back, FromWorker::Done(b) if b == o));
        assert!(decode::<ToWorker>("garbage").is_err());
    }

    #[test]
    fn the_peak_is_proportional_where_proc_has_it() {
        let rss_peak = proc::status(Who::Me).map_or(0, |s| s.vm_hwm_kib);
        if let Some(pss) = pss_kib(std::process::id()) {
            let peak = peak_rss_kib();
            assert!(pss > 0 && peak >= pss, "pss {pss}, peak {peak}");
            assert!(peak <= rss_peak, "peak {peak} over the RSS peak {rss_peak}");
        }
    }
}

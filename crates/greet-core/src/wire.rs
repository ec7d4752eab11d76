//! The messages of the processes model's two-way queue: one JSON object per line over the
//! worker's stdin (jobs in) and stdout (outcomes out).
//!
//! Lines keep framing trivial, the same lesson as [`crate::protocol`]: a pipe is a byte
//! stream too, and the newline is what marks where one message ends.

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
        /// Peak resident memory so far (VmHWM), in KiB.
        peak_rss_kib: u64,
    },
}

/// Encodes one message as a line, newline included.
pub fn encode<T: serde::Serialize>(msg: &T) -> String {
    let mut line = serde_json::to_string(msg).expect("wire messages always serialise");
    line.push('\n');
    line
}

/// Decodes one line.
pub fn decode<T: serde::de::DeserializeOwned>(line: &str) -> Result<T, String> {
    serde_json::from_str(line.trim_end()).map_err(|e| format!("bad message {line:?}: {e}"))
}

/// This process's peak resident memory (VmHWM) in KiB, from `/proc/self/status`; 0 where
/// there is no `/proc`.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
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
}

//! This process's thread count, read from `/proc/self/stat`, and a [`Sampler`] that keeps its
//! peak while a run goes on. Threads that start and end between two samples (1 ms apart) can
//! be missed; threads that wait on a greet live far longer than that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the sampler looks.
pub const PERIOD: Duration = Duration::from_millis(1);

/// The most samples one sampler takes (an hour at [`PERIOD`]): a bound, never reached by a run
/// that has a timeout.
const MAX_SAMPLES: u32 = 3_600_000;

/// This process's thread count: field 20 of `/proc/self/stat`; `None` where there is no
/// `/proc`.
pub fn count() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

/// Field 20 (`num_threads`) of a `/proc/PID/stat` line. The command name (field 2) is in
/// parentheses and may contain spaces, so the fields are counted after its closing one.
pub fn parse_stat(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(17)?.parse().ok()
}

/// A thread that samples [`count`] every [`PERIOD`] and keeps the largest.
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling. If the thread cannot start, [`Sampler::finish`] still returns a final
    /// sample.
    pub fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let handle = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::Builder::new()
                .name("thread-sampler".into())
                .spawn(move || {
                    for _ in 0..MAX_SAMPLES {
                        if let Some(n) = count() {
                            peak.fetch_max(n, Ordering::Relaxed);
                        }
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(PERIOD);
                    }
                })
                .ok()
        };
        Sampler { stop, peak, handle }
    }

    /// The peak seen so far (0 before the first sample, or without `/proc`).
    pub fn peak_so_far(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Stops sampling and returns the peak, including one last sample taken now.
    pub fn finish(mut self) -> Option<u64> {
        let last = count();
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let peak = self.peak.load(Ordering::Relaxed);
        match (last, peak) {
            (None, 0) => None,
            (last, peak) => Some(last.unwrap_or(0).max(peak)),
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_thread_field_even_with_spaces_in_the_name() {
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 7 0 \
                    12345 1000 100";
        assert_eq!(parse_stat(stat), Some(7));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn the_sampler_sees_threads_that_wait() {
        let Some(before) = count() else {
            return; // no /proc here: nothing to sample
        };
        let sampler = Sampler::start();
        // Three threads that wait until they are released.
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(std::sync::Mutex::new(gate));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let gate = gate.clone();
                std::thread::spawn(move || {
                    let gate = gate.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = gate.recv_timeout(Duration::from_secs(10));
                })
            })
            .collect();
        // Wait (bounded) until the sampler has seen them all, then let them go.
        for _ in 0..10_000 {
            if sampler.peak_so_far() >= before + 4 {
                break;
            }
            std::thread::sleep(PERIOD);
        }
        drop(release);
        for w in waiters {
            let _ = w.join();
        }
        let peak = sampler.finish().unwrap();
        // The three waiters and the sampler itself.
        assert!(peak >= before + 4, "peak {peak}, before {before}");
    }
}

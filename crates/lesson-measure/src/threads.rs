//! This process's thread count, read from `/proc/self/stat` through the OS layer
//! (`greet_os`), and a [`Sampler`] that keeps its peak while a run goes on. Threads that start and end between two samples (1 ms apart) can
//! be missed; threads that wait on a greet live far longer than that.

use std::time::Duration;

use greet_os::proc::{self, Who};
use greet_os::sampler::ThreadSampler;

/// How often the sampler looks.
pub const PERIOD: Duration = Duration::from_millis(1);

/// This process's thread count: field 20 of `/proc/self/stat` (the OS layer's reader); `None`
/// where there is no `/proc`.
pub fn count() -> Option<u64> {
    proc::stat(Who::Me).map(|s| s.threads)
}

/// Field 20 (`num_threads`) of a `/proc/PID/stat` line (the OS layer's parser, which counts
/// the fields after the command name's last parenthesis).
pub fn parse_stat(stat: &str) -> Option<u64> {
    proc::parse_stat(stat).map(|s| s.threads)
}

/// A thread that samples [`count`] every [`PERIOD`] and keeps the largest: the OS layer's
/// sampler, whose thread is counted here as the process's own.
#[derive(Debug)]
pub struct Sampler(ThreadSampler);

impl Sampler {
    /// Starts sampling. If the thread cannot start, [`Sampler::finish`] still returns a final
    /// sample.
    pub fn start() -> Sampler {
        Sampler(ThreadSampler::start(PERIOD))
    }

    /// The peak seen so far (0 before the first sample, or without `/proc`).
    pub fn peak_so_far(&self) -> u64 {
        self.0.peak_so_far()
    }

    /// Stops sampling and returns the peak, including one last sample taken now.
    pub fn finish(self) -> Option<u64> {
        let last = count();
        let sampled = self.0.finish();
        // The OS layer leaves its sampler's thread out of the peak; here it counts, as every
        // thread of the process does.
        let peak = if sampled.peak > 0 {
            sampled.peak + 1
        } else {
            0
        };
        match (last, peak) {
            (None, 0) => None,
            (last, peak) => Some(last.unwrap_or(0).max(peak)),
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
        let gate = std::sync::Arc::new(std::sync::Mutex::new(gate));
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

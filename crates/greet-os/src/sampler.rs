//! The thread sampler: a run's peak thread count. Threads come and go within a run, so only
//! sampling sees the peak. Built on [`crate::proc`]: this is measurement, the reads are the
//! `/proc` reader's.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::proc::{self, Who};
use crate::usage::{self, Usage};

/// The most samples one sampler takes, whatever its period: a bound (a day at 5 ms), never
/// reached by a run that has a deadline.
const MAX_SAMPLES: u64 = 17_280_000;

/// Samples this process's thread count (and that of any process it is told to
/// [`watch`](ThreadSampler::watch)) on a thread of its own, every `period`, and keeps the
/// peak. The sampler's own thread and CPU time are measured too, so that a harness can take
/// them out of what it measures. Dropped without [`finish`](ThreadSampler::finish), it stops.
#[derive(Debug)]
pub struct ThreadSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    helpers: Arc<Mutex<Vec<u32>>>,
    thread: Option<std::thread::JoinHandle<Usage>>,
}

/// What a sampler saw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sampled {
    /// The most threads seen at once, the sampler's own not counted.
    pub peak: u64,
    /// The CPU the sampler's thread used.
    pub cost: Usage,
}

impl ThreadSampler {
    /// Starts sampling every `period`. Each look preempts a running thread (and reading the
    /// count costs the kernel a walk over every thread), so the period is a trade between
    /// seeing short-lived threads and taking CPU off the run.
    pub fn start(period: Duration) -> ThreadSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let helpers = Arc::new(Mutex::new(Vec::new()));
        let (s, p, h) = (stop.clone(), peak.clone(), helpers.clone());
        let thread = std::thread::Builder::new()
            .name("thread-sampler".into())
            .spawn(move || {
                // Bounded: it stops when told, and at the latest after MAX_SAMPLES.
                for _ in 0..MAX_SAMPLES {
                    let pids: Vec<u32> = h.lock().map(|v| v.clone()).unwrap_or_default();
                    p.fetch_max(count(&pids), Ordering::Relaxed);
                    if s.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(period);
                }
                usage::thread()
            })
            .ok();
        ThreadSampler {
            stop,
            peak,
            helpers,
            thread,
        }
    }

    /// From now on, adds the threads of `pids` (helper processes a model runs its jobs in) to
    /// every sample.
    pub fn watch(&self, pids: &[u32]) {
        if let Ok(mut h) = self.helpers.lock() {
            h.extend_from_slice(pids);
        }
    }

    /// Takes one sample now, on the caller's thread, beside the periodic ones: a run shorter
    /// than the period (or one whose threads come and go between two looks) still has its
    /// threads at this moment in the peak.
    pub fn sample_now(&self) {
        let pids: Vec<u32> = self.helpers.lock().map(|v| v.clone()).unwrap_or_default();
        self.peak.fetch_max(count(&pids), Ordering::Relaxed);
    }

    /// The peak so far, the sampler's own thread included (0 before the first sample).
    pub fn peak_so_far(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Stops sampling: the peak, not counting the sampler itself, and what the sampler cost.
    pub fn finish(mut self) -> Sampled {
        self.stop.store(true, Ordering::Relaxed);
        let started = self.thread.is_some();
        let cost = self
            .thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        let peak = self.peak.load(Ordering::Relaxed);
        Sampled {
            peak: if started {
                peak.saturating_sub(1)
            } else {
                peak
            },
            cost,
        }
    }
}

impl Drop for ThreadSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// This process's threads plus those of `pids`; 0 for what cannot be read.
fn count(pids: &[u32]) -> u64 {
    let threads = |who| proc::stat(who).map_or(0, |s| s.threads);
    threads(Who::Me) + pids.iter().map(|&pid| threads(Who::Pid(pid))).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_counts_a_thread_that_came_and_went_and_not_the_sampler() {
        if proc::stat(Who::Me).is_none() {
            return; // no /proc here
        }
        let sampler = ThreadSampler::start(Duration::from_millis(1));
        let before = sampler.peak_so_far();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let extra = std::thread::spawn(move || rx.recv_timeout(Duration::from_secs(10)));
        // Wait (bounded) until a sample has seen the extra thread.
        for _ in 0..10_000 {
            if sampler.peak_so_far() > before.max(1) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(tx);
        let _ = extra.join();
        let seen = sampler.finish();
        // This thread, the extra one, and any the test harness runs beside us.
        assert!(seen.peak >= 2, "{seen:?}");
    }

    #[test]
    fn a_sample_taken_now_counts_threads_no_periodic_sample_saw() {
        if proc::stat(Who::Me).is_none() {
            return; // no /proc here
        }
        // A period longer than the extra threads live (and short enough for `finish` to wait
        // out): after the first look, only `sample_now` sees them.
        let sampler = ThreadSampler::start(Duration::from_millis(500));
        for _ in 0..10_000 {
            if sampler.peak_so_far() > 0 {
                break; // the first look is in
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // More threads than the other tests of this crate ever run at once.
        const EXTRA: u64 = 64;
        let extras: Vec<_> = (0..EXTRA)
            .map(|_| std::thread::spawn(|| std::thread::park_timeout(Duration::from_secs(10))))
            .collect();
        sampler.sample_now();
        for t in &extras {
            t.thread().unpark();
        }
        for t in extras {
            let _ = t.join();
        }
        // The extra threads and this one (the sampler's own not counted).
        let seen = sampler.finish();
        assert!(seen.peak > EXTRA, "{seen:?}");
    }
}

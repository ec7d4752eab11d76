//! The thread sampler: a run's peak thread count. Threads come and go within a run, so only
//! sampling sees the peak; the sampler's own CPU time is measured too, so the harness can take
//! it out of the client's.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::sys::{self, Usage};

/// How often the sampler looks. Each look preempts a running thread (and reading the count
/// costs the kernel a walk over every thread), so a 1 ms sampler took a few percent off
/// CPU-bound runs; 5 ms still sees every thread of a greet (which lives at least the latency)
/// and of a crunch job that has to wait for a core.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// Samples this process's thread count every [`SAMPLE_EVERY`] on a thread of its own, and keeps
/// the peak. Processes the model runs its jobs in (an interpreter and its workers, see
/// [`ThreadSampler::watch`]) are counted in every sample too.
pub struct ThreadSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    helpers: Arc<Mutex<Vec<u32>>>,
    thread: Option<std::thread::JoinHandle<Usage>>,
}

impl ThreadSampler {
    /// Starts sampling.
    pub fn start() -> ThreadSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let helpers = Arc::new(Mutex::new(Vec::new()));
        let (s, p, h) = (stop.clone(), peak.clone(), helpers.clone());
        let thread = std::thread::Builder::new()
            .name("thread-sampler".into())
            .spawn(move || {
                // Bounded: it stops when told, and at the latest after a day.
                for _ in 0..(86_400_000 / SAMPLE_EVERY.as_millis() as u64) {
                    let pids: Vec<u32> = h.lock().map(|v| v.clone()).unwrap_or_default();
                    let others: u64 = pids.iter().map(|&pid| sys::threads_of(pid)).sum();
                    p.fetch_max(sys::thread_count() + others, Ordering::Relaxed);
                    if s.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep(SAMPLE_EVERY);
                }
                sys::thread_usage()
            })
            .ok();
        ThreadSampler {
            stop,
            peak,
            helpers,
            thread,
        }
    }

    /// From now on, adds the threads of `pids` (a model's helper processes) to every sample.
    pub fn watch(&self, pids: &[u32]) {
        if let Ok(mut h) = self.helpers.lock() {
            h.extend_from_slice(pids);
        }
    }

    /// Stops sampling. Returns the peak thread count, not counting the sampler itself, and
    /// the CPU time the sampler used.
    pub fn finish(mut self) -> (u64, Usage) {
        self.stop.store(true, Ordering::Relaxed);
        let own = self
            .thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        (self.peak.load(Ordering::Relaxed).saturating_sub(1), own)
    }
}

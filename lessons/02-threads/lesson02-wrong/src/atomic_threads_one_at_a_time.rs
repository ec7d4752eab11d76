//! Known-wrong solution `atomic_threads_one_at_a_time`: `add_with_atomic` joins each adding
//! thread right after spawning it. The total is exact, `threads` threads of their own do the
//! adding, one `fetch_add` per increment; but only one of them ever runs at a time, so the
//! counter is never shared at the same moment, which is what the atomic is for.
//!
//! Caught by: `the_adding_threads_run_at_the_same_time`.

use std::sync::atomic::Ordering;
use std::thread;

pub use lesson02_solution::{SharedCounter, add_with_mutex, greet_all_threads, greet_one};

/// The threads, one after another.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    thread::scope(|s| {
        for _ in 0..threads {
            // The mistake: `join` right after `spawn` waits for this thread before the next.
            let _ = s
                .spawn(|| {
                    for _ in 0..per_thread {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .join();
        }
    });
}

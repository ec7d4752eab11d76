//! Known-wrong solution `atomic_adds_each_threads_sum`: each thread of `add_with_atomic` makes
//! one `fetch_add(per_thread)`. The total is exact and `threads` threads did the adding; but
//! there is no read-modify-write per increment: this is the per-thread sum, the lesson's
//! contrast, not a counter that threads share increment by increment.
//!
//! Caught by: `threads_add_through_the_atomic_and_none_is_lost`.

use std::sync::atomic::Ordering;
use std::thread;

pub use lesson02_solution::{SharedCounter, add_with_mutex, greet_all_threads, greet_one};

/// Each thread adds its share in one go.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    thread::scope(|s| {
        for _ in 0..threads {
            // The mistake: one `fetch_add` of the whole share.
            s.spawn(|| counter.fetch_add(per_thread, Ordering::Relaxed));
        }
    });
}

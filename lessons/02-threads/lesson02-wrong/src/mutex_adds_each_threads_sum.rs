//! Known-wrong solution `mutex_adds_each_threads_sum`: each thread of `add_with_mutex` takes
//! the lock once and adds its whole share, `+= per_thread`. The total is exact and `threads`
//! threads did the adding; but no increment was ever shared: this is the per-thread sum, the
//! lesson's contrast, not a counter that threads update one increment at a time.
//!
//! Caught by: `threads_add_through_the_mutex_and_none_is_lost`.

use std::ops::AddAssign;
use std::sync::Mutex;
use std::thread;

pub use lesson02_solution::{SharedCounter, add_with_atomic, greet_all_threads, greet_one};

/// Each thread adds its share in one go.
pub fn add_with_mutex<C: AddAssign<u64> + Send>(
    counter: &Mutex<C>,
    threads: usize,
    per_thread: u64,
) {
    thread::scope(|s| {
        for _ in 0..threads {
            // The mistake: one addition of `per_thread`, not `per_thread` additions of 1.
            s.spawn(|| *counter.lock().unwrap_or_else(|p| p.into_inner()) += per_thread);
        }
    });
}

//! Known-wrong solution `hard_coded_total`: the counters get the right total with no threads
//! at all: `threads * per_thread`, added once, on the caller's thread. An exact total proves
//! nothing about threads; the checks' counters note which threads did the adding.
//!
//! Caught by: `threads_add_through_the_mutex_and_none_is_lost`.

use std::ops::AddAssign;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

pub use lesson02_solution::{SharedCounter, greet_all_threads, greet_one};

/// The total, added at once by the caller.
pub fn add_with_mutex<C: AddAssign<u64> + Send>(
    counter: &Mutex<C>,
    threads: usize,
    per_thread: u64,
) {
    // The mistake: the arithmetic instead of the threads.
    *counter.lock().unwrap_or_else(|p| p.into_inner()) += threads as u64 * per_thread;
}

/// The same with the atomic.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    counter.fetch_add(threads as u64 * per_thread, Ordering::Relaxed);
}

//! Known-wrong solution `one_thread_adds_for_all`: one thread of its own does every increment,
//! `threads * per_thread` of them. The adding is off the caller's thread and the total is exact,
//! but there is no sharing between threads, which is what the lock and the atomic are for.
//!
//! Caught by: `threads_add_through_the_atomic_and_none_is_lost`.

use std::ops::AddAssign;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::thread;

pub use lesson02_solution::{SharedCounter, greet_all_threads, greet_one};

/// One thread, all the increments.
pub fn add_with_mutex<C: AddAssign<u64> + Send>(
    counter: &Mutex<C>,
    threads: usize,
    per_thread: u64,
) {
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..threads as u64 * per_thread {
                *counter.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            }
        });
    });
}

/// The same with the atomic.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..threads as u64 * per_thread {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
    });
}

//! Known-wrong solution `mutex_threads_one_at_a_time`: `add_with_mutex` joins each adding
//! thread right after spawning it. The total is exact, `threads` threads of their own do the
//! adding, one increment per turn of the lock; but only one of them ever exists at a time, so
//! nothing is shared at the same time, and the mutex protects nothing.
//!
//! Caught by: `the_adding_threads_run_at_the_same_time`.

use std::ops::AddAssign;
use std::sync::Mutex;
use std::thread;

pub use lesson02_solution::{SharedCounter, add_with_atomic, greet_all_threads, greet_one};

/// The threads, one after another.
pub fn add_with_mutex<C: AddAssign<u64> + Send>(
    counter: &Mutex<C>,
    threads: usize,
    per_thread: u64,
) {
    thread::scope(|s| {
        for _ in 0..threads {
            // The mistake: `join` right after `spawn` waits for this thread before the next.
            let _ = s
                .spawn(|| {
                    for _ in 0..per_thread {
                        *counter.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                    }
                })
                .join();
        }
    });
}

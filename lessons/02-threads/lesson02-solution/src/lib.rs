//! Lesson 02, reference solution: one scoped thread per greet, and a shared counter made safe
//! with a `Mutex` and with an atomic. The lesson itself is the README below; `cargo lesson
//! check 02` runs the checks.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::ops::AddAssign;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use greet_core::{GreetError, Reply, Target};

/// Greets one host and checks that the reply names the host we aimed at (as in lesson 01).
pub use greet_core::client::greet_target as greet_one;

/// Greets every target at the same time, one thread per target, and returns one result per
/// target, in the targets' order.
pub fn greet_all_threads(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // A scope lets the threads borrow `targets`: they are all joined before it returns.
    thread::scope(|s| {
        // Start every thread first, so that all the greets wait at the same time...
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || greet_one(t, timeout)))
            .collect();
        // ...then collect them in order. Joining in order serialises nothing: the threads
        // already run; a thread that panicked becomes an error, not a crash.
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(GreetError::Io("greet thread panicked".into())))
            })
            .collect()
    })
}

/// Given: a counter that many threads may add to at once through a shared reference, as an
/// atomic allows. `AtomicU64` is one; the checks pass their own, which also notes which threads
/// added to it. Call it exactly as you would call `AtomicU64::fetch_add`.
pub trait SharedCounter: Sync {
    /// Adds `n` in one indivisible step and returns the value before.
    fn fetch_add(&self, n: u64, order: Ordering) -> u64;
}

impl SharedCounter for AtomicU64 {
    fn fetch_add(&self, n: u64, order: Ordering) -> u64 {
        AtomicU64::fetch_add(self, n, order)
    }
}

/// Starts `threads` threads that each add 1 to `counter`, `per_thread` times, holding the
/// mutex for each increment. Returns when they have all finished.
///
/// The counter is anything `+= 1` works on: a `u64` in the README, and in the checks a counter
/// that also notes which threads added to it, so the adding must really happen on `threads`
/// threads of their own.
pub fn add_with_mutex<C: AddAssign<u64> + Send>(
    counter: &Mutex<C>,
    threads: usize,
    per_thread: u64,
) {
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // The lock is held only for the `+= 1`: the guard drops at the `;`.
                    // A poisoned lock (another thread panicked) still holds a valid count.
                    *counter.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                }
            });
        }
    });
}

/// The same with an atomic: no lock, one indivisible read-modify-write per increment.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    // Relaxed is enough: we only need the additions not to be lost, not to
                    // order other memory around them. The scope's join makes the total visible.
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
}

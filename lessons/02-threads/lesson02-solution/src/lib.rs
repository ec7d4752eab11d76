//! Lesson 02, reference solution: one scoped thread per greet, and a shared counter made safe
//! with a `Mutex` and with an atomic. The lesson itself is the README below; `cargo lesson
//! check 02` runs the checks.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

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

/// Starts `threads` threads that each add 1 to `counter`, `per_thread` times, holding the
/// mutex for each increment. Returns when they have all finished.
pub fn add_with_mutex(counter: &Mutex<u64>, threads: usize, per_thread: u64) {
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
pub fn add_with_atomic(counter: &AtomicU64, threads: usize, per_thread: u64) {
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

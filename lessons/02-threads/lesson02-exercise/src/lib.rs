//! Lesson 02, exercise: one scoped thread per greet, and a shared counter made safe with a
//! `Mutex` and with an atomic. Read `../README.md`, fill in the three `todo!()`s below, then
//! run `cargo lesson check 02`.
// The stubs do not use their parameters and imports yet; that is what you will change.
#![allow(unused_variables, unused_imports)]
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
    // TODO: inside `thread::scope(|s| ...)`, first spawn one thread per target with
    // `s.spawn(move || greet_one(t, timeout))` and keep the handles in a Vec; only then join
    // them, in order. (Joining each thread right after spawning it would be sequential again.)
    // A handle's `join()` is `Err` if the thread panicked: turn that into a `GreetError::Io`.
    todo!("greet_all_threads")
}

/// Starts `threads` threads that each add 1 to `counter`, `per_thread` times, holding the
/// mutex for each increment. Returns when they have all finished.
pub fn add_with_mutex(counter: &Mutex<u64>, threads: usize, per_thread: u64) {
    // TODO: in a `thread::scope`, spawn `threads` threads; each adds 1 to the counter
    // `per_thread` times through `counter.lock()`. Every thread borrows the same `&Mutex`.
    todo!("add_with_mutex")
}

/// The same with an atomic: no lock, one indivisible read-modify-write per increment.
pub fn add_with_atomic(counter: &AtomicU64, threads: usize, per_thread: u64) {
    // TODO: the same shape as `add_with_mutex`, with `counter.fetch_add(1, Ordering::...)`.
    // Which ordering is enough for a counter? (The README says.)
    todo!("add_with_atomic")
}

//! Lesson 02, exercise: one scoped thread per greet, and a shared counter made safe with a
//! `Mutex` and with an atomic. Read `../README.md`, fill in the three `todo!()`s below, then
//! run `cargo lesson check 02`.
#![allow(
    unused_imports,
    reason = "the imports are the tools the solution needs; the stubs do not use them yet"
)]
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
    // TODO: one scoped thread per target (`thread::scope`), every greet waiting at the same
    // time, and the results in the targets' order. A thread that panicked is an error result
    // (`GreetError::Io`), not a crash.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!("greet_all_threads({} targets, {timeout:?})", targets.len())
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
    // TODO: `threads` threads, each adding 1 to the counter `per_thread` times, one increment
    // per turn of the lock.
    todo!(
        "add_with_mutex({threads} threads × {per_thread}, {:p})",
        counter
    )
}

/// The same with an atomic: no lock, one indivisible read-modify-write per increment.
pub fn add_with_atomic(counter: &impl SharedCounter, threads: usize, per_thread: u64) {
    // TODO: the same with `fetch_add` and no lock. Which `Ordering` is enough for a counter?
    // (The README says.)
    todo!(
        "add_with_atomic({threads} threads × {per_thread}, {:p})",
        counter
    )
}

//! K threads, each taking the next greet off a shared counter until none is left: the floor
//! of `thread-pool` and `rayon` (at most K greets wait at once).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use crate::{Batch, greet};

/// Greets `batch` on `batch.workers` threads; the number of replies.
pub fn run(batch: &Batch) -> usize {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut ok = 0;
        // Bounded: the counter passes `count` after `count` greets in all.
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= batch.count {
                return ok;
            }
            ok += usize::from(greet::blocking(batch.addr(i), batch.timeout));
        }
    };
    thread::scope(|s| {
        let handles: Vec<_> = (0..batch.workers)
            .filter_map(|_| thread::Builder::new().spawn_scoped(s, worker).ok())
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
}

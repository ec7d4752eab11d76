//! One OS thread per greet, all started first and then joined: the floor of `threads`.

use std::thread;

use crate::{Batch, greet};

/// Greets `batch` with a thread each; the number of replies. A thread the OS refuses is a
/// greet without a reply.
pub fn run(batch: &Batch) -> usize {
    let handles: Vec<_> = (0..batch.count)
        .filter_map(|i| {
            let (addr, timeout) = (batch.addr(i), batch.timeout);
            thread::Builder::new()
                .spawn(move || greet::blocking(addr, timeout))
                .ok()
        })
        .collect();
    handles
        .into_iter()
        .map(|h| usize::from(h.join().unwrap_or(false)))
        .sum()
}

//! One greet after another on the calling thread: the floor of `sequential`.

use crate::{Batch, greet};

/// Greets `batch` in order; the number of replies.
pub fn run(batch: &Batch) -> usize {
    (0..batch.count)
        .filter(|&i| greet::blocking(batch.addr(i), batch.timeout))
        .count()
}

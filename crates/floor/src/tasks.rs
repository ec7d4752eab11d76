//! One tokio task per greet, all spawned first and then awaited: the floor of the async
//! models. The runtime (multi-thread with as many workers as the model's executor has threads,
//! or current-thread) is built before the batch is timed, as a model's is.

use tokio::runtime::Runtime;

use crate::{Batch, greet};

/// Greets `batch` on `rt`, a task each; the number of replies.
pub fn run(rt: &Runtime, batch: &Batch) -> usize {
    rt.block_on(async {
        let tasks: Vec<_> = (0..batch.count)
            .map(|i| tokio::spawn(greet::on_tokio(batch.addr(i), batch.timeout)))
            .collect();
        let mut ok = 0;
        for task in tasks {
            ok += usize::from(matches!(task.await, Ok(true)));
        }
        ok
    })
}

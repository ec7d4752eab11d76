//! Known-wrong solution `current_thread_crunches_in_parallel`: `capacity` gives
//! `tokio-current-thread` a task per job for crunches as well as for greets, as for `tokio`.
//! Its greets do all wait at once; but every task runs on the one thread of its event loop, so
//! only one crunch runs at a time.
//!
//! Caught by: `capacities_match_what_each_model_declares`.

pub use lesson09_solution::{Concurrency, Scenario, Workload, predict};

/// The reference `capacity`, with the event loop's crunches counted as parallel.
pub fn capacity(model: &str, count: usize, workers: usize) -> Option<Concurrency> {
    let (io, cpu) = match model {
        "sequential" => (1, 1),
        "threads" => (count, count),
        "thread-pool" | "processes" | "rayon" => (workers, workers),
        // The mistake: `tokio-current-thread` is put with the multi-threaded runtimes.
        "tokio" | "async-std" | "smol" | "compio" | "tokio-current-thread" => (count, count),
        "tokio-inline" => (
            count,
            count.min(std::thread::available_parallelism().map_or(1, usize::from)),
        ),
        "prefork" => (count, workers),
        _ => return None,
    };
    Some(Concurrency { io, cpu })
}

crate::given_rank!();

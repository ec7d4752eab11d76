//! Known-wrong solution `sequential`: `crunch_parallel` runs the jobs one after another on the
//! caller's thread (it is `crunch_sequential`). Same jobs, same checksum; no parallelism.
//!
//! Caught by: `jobs_run_on_both_threads_of_the_pool`.

pub use lesson05_solution::{
    Crunched, Job, combine, crunch_sequential, greet_all_on_pool, greet_checked, job,
};

/// Not parallel at all.
pub fn crunch_parallel<F>(pool: &rayon::ThreadPool, count: usize, run: F) -> Crunched
where
    F: Fn(usize) -> Job + Sync + Send,
{
    // The mistake: the pool is never used.
    let _ = pool;
    combine((0..count).map(run))
}

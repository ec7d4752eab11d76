//! Known-wrong solution `sequential`: `crunch_parallel` runs the jobs one after another on the
//! caller's thread (it is `crunch_sequential`). Same jobs, same checksum; no parallelism.
//!
//! Caught by: `jobs_run_on_both_threads_of_the_pool`.

pub use lesson05_solution::{
    Crunched, Job, combine, crunch_sequential, greet_all_on_pool, greet_checked, job,
};

/// Not parallel at all.
pub fn crunch_parallel(pool: &rayon::ThreadPool, count: usize, work: u32) -> Crunched {
    // The mistake: the pool is never used.
    let _ = pool;
    crunch_sequential(count, work)
}

//! Known-wrong solution `global_pool`: `crunch_parallel` uses a parallel iterator but not
//! `pool.install`, so the jobs run on rayon's global pool (one thread per core), not on the
//! pool it was given. The checksum is right; the threads are not the given pool's.
//!
//! Caught by: `jobs_run_on_both_threads_of_the_pool`.

use rayon::prelude::*;

pub use lesson05_solution::{
    Crunched, Job, combine, crunch_sequential, greet_all_on_pool, greet_checked, job,
};

/// Parallel, on the wrong pool.
pub fn crunch_parallel<F>(pool: &rayon::ThreadPool, count: usize, run: F) -> Crunched
where
    F: Fn(usize) -> Job + Sync + Send,
{
    // The mistake: without `pool.install(..)`, `pool` plays no part.
    let _ = pool;
    let jobs: Vec<Job> = (0..count).into_par_iter().map(&run).collect();
    combine(jobs)
}

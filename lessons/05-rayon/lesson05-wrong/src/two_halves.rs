//! Known-wrong solution `two_halves`: `crunch_parallel` splits the jobs into two fixed halves
//! and runs them with `rayon::join` inside `pool.install`, each half one job after another.
//! On a pool of two it looks right: every job on the pool, both threads busy, the checksum
//! exact; but it is parallel by exactly two, whatever the pool: on a pool of 8, six threads
//! sit idle.
//!
//! Caught by: `jobs_run_at_the_same_moment`.

pub use lesson05_solution::{
    Crunched, Job, combine, crunch_sequential, greet_all_on_pool, greet_checked, job,
};

/// On the pool, in two halves.
pub fn crunch_parallel<F>(pool: &rayon::ThreadPool, count: usize, run: F) -> Crunched
where
    F: Fn(usize) -> Job + Sync + Send,
{
    let half = count / 2;
    // The mistake: two parts, fixed, instead of letting rayon split the work for the pool.
    let (first, second) = pool.install(|| {
        rayon::join(
            || (0..half).map(&run).collect::<Vec<Job>>(),
            || (half..count).map(&run).collect::<Vec<Job>>(),
        )
    });
    combine(first.into_iter().chain(second))
}

//! Known-wrong solution `install_per_job`: `crunch_parallel` hands the pool one job at a time,
//! `pool.install(|| run(i))` in a plain loop. Every job runs on the given pool, and over many
//! jobs both of its threads take turns, so the checksum and the thread names look right; but
//! `install` waits for its job before the loop goes on, so no two jobs ever run at once.
//!
//! Caught by: `jobs_run_at_the_same_moment`.

pub use lesson05_solution::{
    Crunched, Job, combine, crunch_sequential, greet_all_on_pool, greet_checked, job,
};

/// On the pool, one job after another.
pub fn crunch_parallel<F>(pool: &rayon::ThreadPool, count: usize, run: F) -> Crunched
where
    F: Fn(usize) -> Job + Sync + Send,
{
    // The mistake: each install returns only when its one job is done.
    combine((0..count).map(|i| pool.install(|| run(i))))
}

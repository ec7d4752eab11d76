//! Lesson 05, exercise: crunch jobs in parallel with rayon, and greets on a rayon pool, where
//! blocking I/O is capped by the pool's size. Read `../README.md`, fill in the two `todo!()`s
//! below, then run `cargo lesson check 05`.
#![forbid(unsafe_code)]

use std::time::Duration;

use greet_core::workload::{crunch, crunch_seed};
use greet_core::{GreetError, Reply, Target};

/// What one crunch job returns: its checksum, and the name of the thread that ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// `crunch(work, crunch_seed(index))`.
    pub checksum: u64,
    /// The thread that ran the job (`"main"`, or a pool thread's name).
    pub thread: String,
}

/// What a batch of crunch jobs adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Crunched {
    /// The wrapping sum of every job's checksum: the same whatever the order.
    pub checksum: u64,
    /// The name of every thread that ran at least one job, sorted, without repeats.
    pub threads: Vec<String>,
}

/// Given: crunch job `index` of size `work`, on the calling thread.
pub fn job(work: u32, index: usize) -> Job {
    let thread = std::thread::current();
    Job {
        checksum: crunch(work, crunch_seed(index)),
        thread: thread.name().unwrap_or("unnamed").to_owned(),
    }
}

/// Given: adds up jobs, in any order.
pub fn combine(jobs: impl IntoIterator<Item = Job>) -> Crunched {
    let mut out = Crunched::default();
    for j in jobs {
        out.checksum = out.checksum.wrapping_add(j.checksum);
        out.threads.push(j.thread);
    }
    out.threads.sort_unstable();
    out.threads.dedup();
    out
}

/// Given: `count` crunch jobs one after another, on the calling thread.
pub fn crunch_sequential(count: usize, work: u32) -> Crunched {
    combine((0..count).map(|i| job(work, i)))
}

/// Runs job `run(i)` for every `i` in `0..count` in parallel on `pool`, and adds them up.
/// `crunch_parallel(&pool, 200, |i| job(work, i))` is 200 crunch jobs.
pub fn crunch_parallel<F>(pool: &rayon::ThreadPool, count: usize, run: F) -> Crunched
where
    F: Fn(usize) -> Job + Sync + Send,
{
    // TODO: `crunch_sequential` with the jobs run in parallel, on `pool`'s threads: every
    // `run(i)` for `i` in `0..count`, then `combine`.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!(
        "crunch_parallel({count} jobs of {} on {} threads)",
        std::any::type_name_of_val(&run),
        pool.current_num_threads()
    )
}

/// Greets every target on `pool`, one rayon job per target, and returns one result per target
/// in the targets' order. A greet blocks its thread until the reply, so at most
/// `pool.current_num_threads()` greets wait at once.
pub fn greet_all_on_pool(
    pool: &rayon::ThreadPool,
    targets: &[Target],
    timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    // TODO: `greet_checked(target, timeout)` for every target, in parallel on `pool`, with the
    // results in the targets' order.
    todo!(
        "greet_all_on_pool({} targets on {} threads, {timeout:?})",
        targets.len(),
        pool.current_num_threads()
    )
}

/// Given: one blocking greet that checks the reply names the host aimed at.
pub use greet_core::client::greet_target as greet_checked;

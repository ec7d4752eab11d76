//! Lesson 09, exercise: predict, for each model, how many greets can wait and how many
//! crunches can run at once, and from that the ideal wall time of a run; then compare with
//! what `greetbench run` and the report measure. Read `../README.md`, fill in the two
//! `todo!()`s below, then run `cargo lesson check 09`.
#![forbid(unsafe_code)]

use std::time::Duration;

pub use greet_core::{Concurrency, Workload};

/// A run to predict: the same knobs as `greetbench run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Greet (I/O-bound), crunch (CPU-bound) or mixed (a greet, then a crunch).
    pub workload: Workload,
    /// How many jobs (`--count`).
    pub count: usize,
    /// How long a host takes to reply (`--latency`).
    pub latency: Duration,
    /// How long one crunch takes on one core (about 1 ms at the default `--work`).
    pub job_time: Duration,
    /// The pool size of the pooled models (`--workers`).
    pub workers: usize,
    /// The machine's cores.
    pub cores: usize,
}

/// How many greets can wait, and how many crunches can run, at once for `model` (a name from
/// `greetbench models`) on a run of `count` jobs with a pool of `workers`. `None` for a name
/// that is not a model.
pub fn capacity(model: &str, count: usize, workers: usize) -> Option<Concurrency> {
    // TODO: for each of the names `greetbench models` lists, return
    // `Some(Concurrency { io, cpu })`: how many greets can be *waiting* at the same time, and
    // how many crunches can be *running* at the same time, for `count` jobs and a pool of
    // `workers`. Think about what one waiting greet holds: a thread? a process? nothing?
    // Any other name: `None`.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!("capacity({model}, {count} jobs, {workers} workers)")
}

/// The ideal wall time of `scenario` for a model of concurrency `c`: greets paid in waves of
/// `c.io`, crunches spread over at most `min(c.cpu, cores)` cores; a mixed run pays both.
/// Set-up, connections and scheduling are taken as free, so a real run is slower.
pub fn predict(c: Concurrency, scenario: &Scenario) -> Duration {
    // TODO: greets come in waves: ceil(count / c.io) of them, each one `latency` long.
    // Crunches: count x job_time, shared by min(c.cpu, cores) cores (at least 1).
    // Greet pays the first, crunch the second, mixed both. (`usize::div_ceil`,
    // `Duration::saturating_mul` and `Duration / u32` help.)
    todo!("predict({c:?}, {scenario:?})")
}

/// Given: every model in `models` with its predicted time for `scenario`, fastest first
/// (ties in the order given). Names that are not models are left out.
pub fn rank<'a>(models: &[&'a str], scenario: &Scenario) -> Vec<(&'a str, Duration)> {
    let mut ranked: Vec<_> = models
        .iter()
        .filter_map(|&m| {
            capacity(m, scenario.count, scenario.workers).map(|c| (m, predict(c, scenario)))
        })
        .collect();
    ranked.sort_by_key(|&(_, t)| t); // stable: ties keep their order
    ranked
}

//! Lesson 09, reference solution: predict, for each model, how many greets can wait and how
//! many crunches can run at once, and from that the ideal wall time of a run; then compare
//! with what `greetbench run` and the report measure.
#![doc = include_str!("../../README.md")]
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
    let (io, cpu) = match model {
        // One job at a time, on the calling thread.
        "sequential" => (1, 1),
        // A thread per job: every greet waits on its own thread; the OS spreads crunches.
        "threads" => (count, count),
        // A fixed pool (threads, processes or rayon's): each member blocks on one greet or
        // runs one crunch at a time.
        "thread-pool" | "processes" | "rayon" => (workers, workers),
        // A task per job: waiting greets hold no thread; crunches go to worker threads.
        "tokio" | "async-std" | "smol" | "compio" => (count, count),
        // One thread for everything: all greets wait at once, but crunches run one by one.
        "tokio-current-thread" => (count, 1),
        // K processes, each one event loop: every greet waits at once (as tasks, spread over
        // the processes), and each process crunches on its one thread.
        "prefork" => (count, workers),
        // Tasks wait at once, but crunches block tokio's async workers, one per core.
        "tokio-inline" => (count, count.min(cores())),
        _ => return None,
    };
    Some(Concurrency { io, cpu })
}

/// The machine's cores: tokio starts one async worker per core.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The ideal wall time of `scenario` for a model of concurrency `c`: greets paid in waves of
/// `c.io`, crunches spread over at most `min(c.cpu, cores)` cores; a mixed run pays both.
/// Set-up, connections and scheduling are taken as free, so a real run is slower.
pub fn predict(c: Concurrency, scenario: &Scenario) -> Duration {
    let s = scenario;
    let n = u32::try_from(s.count).unwrap_or(u32::MAX);
    // ceil(N / io) waves of greets, each taking one latency.
    let waves = u32::try_from(s.count.div_ceil(c.io.max(1))).unwrap_or(u32::MAX);
    let io = s.latency.saturating_mul(waves);
    // N crunches shared by as many cores as the model can keep busy.
    let lanes = u32::try_from(c.cpu.clamp(1, s.cores.max(1))).unwrap_or(u32::MAX);
    let cpu = s.job_time.saturating_mul(n) / lanes;
    match s.workload {
        Workload::Greet => io,
        Workload::Crunch => cpu,
        Workload::Mixed => io + cpu,
    }
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

//! Known-wrong solution `machine_cores`: `predict` shares the crunches among the cores of the
//! machine it runs on (`available_parallelism`) instead of the scenario's. On a machine with as
//! many cores as the scenario says, every figure is right; the scenario is a question about
//! *some* machine, and the answer must follow its cores.
//!
//! Caught by: `crunches_share_the_cores_the_model_can_use`.

use std::time::Duration;

pub use lesson09_solution::{Concurrency, Scenario, Workload, capacity};

/// The ideal time, on this machine's cores.
pub fn predict(c: Concurrency, scenario: &Scenario) -> Duration {
    let s = scenario;
    let n = u32::try_from(s.count).unwrap_or(u32::MAX);
    let waves = u32::try_from(s.count.div_ceil(c.io.max(1))).unwrap_or(u32::MAX);
    let io = s.latency.saturating_mul(waves);
    // The mistake: the machine's cores, not `scenario.cores`.
    let here = std::thread::available_parallelism().map_or(1, usize::from);
    let lanes = u32::try_from(c.cpu.clamp(1, here)).unwrap_or(u32::MAX);
    let cpu = s.job_time.saturating_mul(n) / lanes;
    match s.workload {
        Workload::Greet => io,
        Workload::Crunch => cpu,
        Workload::Mixed => io + cpu,
    }
}

crate::given_rank!();

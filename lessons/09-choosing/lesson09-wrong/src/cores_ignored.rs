//! Known-wrong solution `cores_ignored`: `predict` shares the crunches among all `c.cpu`
//! threads the model can run, as if every thread had a core of its own. A thread per job on a
//! 2-core machine would then crunch 200 jobs in the time of one.
//!
//! Caught by: `crunches_share_the_cores_the_model_can_use`.

use std::time::Duration;

pub use lesson09_solution::{Concurrency, Scenario, Workload, capacity};

/// The ideal time, with the cores left out.
pub fn predict(c: Concurrency, scenario: &Scenario) -> Duration {
    let s = scenario;
    let n = u32::try_from(s.count).unwrap_or(u32::MAX);
    let waves = u32::try_from(s.count.div_ceil(c.io.max(1))).unwrap_or(u32::MAX);
    let io = s.latency.saturating_mul(waves);
    // The mistake: `c.cpu.max(1)`, not `c.cpu.clamp(1, cores)`.
    let lanes = u32::try_from(c.cpu.max(1)).unwrap_or(u32::MAX);
    let cpu = s.job_time.saturating_mul(n) / lanes;
    match s.workload {
        Workload::Greet => io,
        Workload::Crunch => cpu,
        Workload::Mixed => io + cpu,
    }
}

crate::given_rank!();

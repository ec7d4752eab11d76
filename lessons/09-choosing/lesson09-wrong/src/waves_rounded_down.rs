//! Known-wrong solution `waves_rounded_down`: `predict` counts the waves of greets as
//! `count / io`, rounded down. 100 greets in waves of 8 are 13 waves, not 12: the last, partial
//! wave still takes a whole latency (and 5 greets with room for 8 take one, not none).
//!
//! Caught by: `greets_are_paid_in_waves`.

use std::time::Duration;

pub use lesson09_solution::{Concurrency, Scenario, Workload, capacity};

/// The ideal time, with the waves rounded down.
pub fn predict(c: Concurrency, scenario: &Scenario) -> Duration {
    let s = scenario;
    let n = u32::try_from(s.count).unwrap_or(u32::MAX);
    // The mistake: `/` instead of `div_ceil`.
    let waves = u32::try_from(s.count / c.io.max(1)).unwrap_or(u32::MAX);
    let io = s.latency.saturating_mul(waves);
    let lanes = u32::try_from(c.cpu.clamp(1, s.cores.max(1))).unwrap_or(u32::MAX);
    let cpu = s.job_time.saturating_mul(n) / lanes;
    match s.workload {
        Workload::Greet => io,
        Workload::Crunch => cpu,
        Workload::Mixed => io + cpu,
    }
}

crate::given_rank!();

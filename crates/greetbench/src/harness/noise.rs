//! The noise watch: what the rest of the machine did over a run (busy CPU that was not ours,
//! and steal), so that every record says whether it was taken on a quiet machine.

use greet_os::proc::machine::{self, Cpu};

/// Measures what the rest of the machine did over a stretch of time: busy CPU that was not
/// ours, and steal. "Ours" is the CPU the caller says it used (its own process, its workers,
/// its server).
#[derive(Debug, Clone, Copy)]
pub struct NoiseWatch {
    start: Cpu,
    t0: std::time::Instant,
}

impl NoiseWatch {
    /// Starts watching.
    pub fn start() -> NoiseWatch {
        NoiseWatch {
            start: machine::cpu(),
            t0: std::time::Instant::now(),
        }
    }

    /// The noise since [`NoiseWatch::start`], given the CPU seconds the measured run itself
    /// used. `None` where `/proc/stat` is missing or no time passed.
    pub fn finish(self, own_cpu_s: f64) -> Option<greet_core::record::Noise> {
        let end = machine::cpu();
        let wall = self.t0.elapsed().as_secs_f64();
        let cores = greet_core::plan::default_workers() as f64;
        let capacity = wall * cores;
        if capacity <= 0.0 || end.busy_s == 0.0 {
            return None;
        }
        let others = (end.busy_s - self.start.busy_s - own_cpu_s).max(0.0);
        Some(greet_core::record::Noise {
            other_busy: (others / capacity).min(1.0),
            steal: ((end.steal_s - self.start.steal_s).max(0.0) / capacity).min(1.0),
        })
    }
}

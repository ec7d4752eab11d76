//! The three workloads, defined once for every model.
//!
//! - [`Workload::Greet`], I/O-bound: connect, send the greeting, **wait** for the reply.
//! - [`Workload::Crunch`], CPU-bound: run [`crunch`] of size `work`.
//! - [`Workload::Mixed`]: a greet, then a crunch seeded by the reply. This is where an async
//!   runtime has to move CPU work off its event loop.

use std::fmt;
use std::str::FromStr;

/// Default crunch size: one job takes about 0.8 ms on the reference machine. To see what it
/// takes on yours, run `greetbench run --model sequential --workload crunch --count 1000`
/// and divide the wall time by 1,000; `floor_s` uses the same figure, measured in-process.
pub const DEFAULT_WORK: u32 = 250_000;

/// A crunch size for tests only, which no run accepts: [`crate::Plan::validate`] refuses it.
/// With it, [`crunch`] panics on odd seeds (naming the thread it ran on) and does no rounds on
/// even ones. A crunch job's seed is its index, so a crunch batch of this size makes every
/// odd job panic *inside* the model's own concurrency (its thread, task, blocking pool or
/// worker process) while the even jobs next to it complete.
pub const PANIC_WORK: u32 = u32::MAX;

/// Which workload a run performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// I/O-bound: N greets.
    Greet,
    /// CPU-bound: N crunch jobs.
    Crunch,
    /// A greet followed by a crunch seeded by the reply.
    Mixed,
}

impl Workload {
    /// Every workload, in display order.
    pub const ALL: [Workload; 3] = [Workload::Greet, Workload::Crunch, Workload::Mixed];

    /// The lower-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Greet => "greet",
            Workload::Crunch => "crunch",
            Workload::Mixed => "mixed",
        }
    }

    /// Whether jobs of this workload talk to a host.
    pub fn greets(self) -> bool {
        matches!(self, Workload::Greet | Workload::Mixed)
    }

    /// Whether jobs of this workload burn CPU.
    pub fn crunches(self) -> bool {
        matches!(self, Workload::Crunch | Workload::Mixed)
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A workload name that is none of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown workload '{0}': use greet, crunch or mixed")]
pub struct UnknownWorkload(pub String);

impl FromStr for Workload {
    type Err = UnknownWorkload;
    fn from_str(s: &str) -> Result<Self, UnknownWorkload> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| UnknownWorkload(s.to_owned()))
    }
}

/// The deterministic CPU kernel: `work` rounds of a 64-bit mixing function.
///
/// Each round depends on the previous one, so the compiler can neither vectorise nor skip
/// it, and the cost grows linearly with `work`. The result is a checksum: every model, on
/// every machine, must produce the same one for the same `(work, seed)`.
pub fn crunch(work: u32, seed: u64) -> u64 {
    if work == PANIC_WORK {
        return injected_panic(seed); // tests only: see PANIC_WORK
    }
    // splitmix64's finaliser, iterated. The chain of multiplies is the CPU cost.
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    for _ in 0..work {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    std::hint::black_box(x)
}

/// What [`crunch`] does at [`PANIC_WORK`]: panic on an odd seed, with a message that names
/// the thread (tests use it to see where a job ran), or a crunch of no rounds on an even one.
fn injected_panic(seed: u64) -> u64 {
    let thread = std::thread::current();
    assert!(
        seed.is_multiple_of(2),
        "injected panic (PANIC_WORK, seed {seed}) on thread {:?} {:?}",
        thread.id(),
        thread.name().unwrap_or("unnamed")
    );
    crunch(0, seed)
}

/// How long one crunch of size `work` takes on this machine: the best of three timings of a
/// crunch of at most [`DEFAULT_WORK`], scaled linearly (the kernel's cost is linear in `work`),
/// so that estimating even a huge job stays cheap.
pub fn crunch_time(work: u32) -> std::time::Duration {
    let sample = work.min(DEFAULT_WORK);
    let best = (0..3u64)
        .map(|seed| {
            let t = std::time::Instant::now();
            std::hint::black_box(crunch(sample, seed));
            t.elapsed()
        })
        .min()
        .unwrap_or_default();
    if sample == 0 {
        best
    } else {
        best.mul_f64(f64::from(work) / f64::from(sample))
    }
}

/// The seed of crunch job `index`, so that every job does different work.
pub fn crunch_seed(index: usize) -> u64 {
    index as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip() {
        for w in Workload::ALL {
            assert_eq!(w.name().parse::<Workload>().unwrap(), w);
        }
        assert!(
            "grete"
                .parse::<Workload>()
                .unwrap_err()
                .to_string()
                .contains("greet, crunch or mixed")
        );
    }

    #[test]
    fn crunch_is_deterministic_and_seed_dependent() {
        assert_eq!(crunch(100, 1), crunch(100, 1));
        assert_ne!(crunch(100, 1), crunch(100, 2));
        assert_ne!(crunch(100, 1), crunch(101, 1));
        // A pinned value: if the kernel changes, stored checksums change, and this says so.
        assert_eq!(crunch(0, 0), 0x9E37_79B9_7F4A_7C15);
    }

    #[test]
    fn panic_work_panics_on_odd_seeds_only() {
        assert_eq!(crunch(PANIC_WORK, 4), crunch(0, 4));
        let payload = std::panic::catch_unwind(|| crunch(PANIC_WORK, 3)).unwrap_err();
        let message = crate::GreetError::panicked(&*payload).to_string();
        let here = format!("{:?}", std::thread::current().id());
        assert!(
            message.contains("seed 3") && message.contains(&here),
            "{message}"
        );
        // Estimating its time does not run it: the estimate samples a smaller crunch.
        let _ = crunch_time(PANIC_WORK);
    }
}

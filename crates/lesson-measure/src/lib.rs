//! One measuring code for `cargo lesson run`. The learner's exercise and greetbench's
//! reference model run the same standard plan of greets against the same in-process greet
//! server (`127.0.0.1`, port 0), and [`measure`] times both, so the two rows the checker prints
//! differ only in the code under test.
//!
//! - Each lesson's `run.rs` (an `#[ignore]`d test called `lesson_run`, which ordinary checks
//!   never run) calls [`run_test`] with a closure that runs the learner's function.
//! - `lesson-reference` calls [`try_measure`] with a closure that runs a greetbench model.
//! - `cargo lesson run NN` hands both the lesson's plan in [`PLAN_ENV`] and reads back the one
//!   line that [`Measurement::to_line`] prints, with [`Measurement::find_in`].
//!
//! # Layout
//! - [`RunPlan`], [`Waits`], [`Jobs`]: what to run, and its ideal time (`floor`).
//! - [`Measurement`]: the figures, and the one line that carries them between processes.
//! - [`measure`] / [`try_measure`]: start the server, sample the threads, time the closure.
//! - [`threads`]: this process's thread count, and a sampler that keeps its peak.
//! - [`cpu`]: CPU time from `/proc`: the process's, a thread's, and a thread's wake-ups.
//! - [`alone`]: a check that counts threads or CPU, run again alone in a process of its own.
//!
//! # Example
//! ```
//! use greet_core::client::greet_target;
//! use lesson_measure::{RunPlan, measure};
//!
//! let plan = RunPlan { count: 4, hosts: 2, latency_ms: 5, workers: 1, timeout_ms: 5_000, idle_ms: 0 };
//! // One greet after another, on the calling thread.
//! let m = measure(&plan, |jobs| {
//!     let results: Vec<bool> =
//!         jobs.targets.iter().map(|t| greet_target(t, jobs.timeout).is_ok()).collect();
//!     results
//! })
//! .unwrap();
//! assert_eq!((m.ok, m.results, m.served), (4, 4, 4));
//! assert_eq!(m.peak_in_flight, 1);
//! ```
#![forbid(unsafe_code)]

pub mod alone;
pub mod cpu;
pub mod threads;

use std::fmt::Display;
use std::time::{Duration, Instant};

use greet_core::Target;
use greet_server::{Config, Server};
use serde::{Deserialize, Serialize};

/// The environment variable `cargo lesson run` passes the plan in, as JSON.
pub const PLAN_ENV: &str = "LESSON_RUN_PLAN";

/// What starts the one line a measurement is printed as, so the checker can find it among
/// libtest's own output.
pub const LINE_PREFIX: &str = "lesson-run: ";

/// The most greets a standard run may have. The server runs in the measured process, so each
/// greet holds two sockets there; this keeps a run under the common 1,024 open-files limit.
pub const MAX_COUNT: usize = 400;

/// A lesson's standard run: `count` greets round-robin over `hosts` hosts that answer after
/// `latency_ms`, with `workers` for the pooled lessons, each greet giving up after
/// `timeout_ms`; with `idle_ms`, the code under test has started and has nothing to do for that
/// long before the first greet is handed to it (lesson 03: the pool's queue stands open and
/// empty, so a worker that spins on it shows in the CPU column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunPlan {
    /// How many greets.
    pub count: usize,
    /// How many hosts the server has.
    pub hosts: usize,
    /// How long each host waits before it answers.
    pub latency_ms: u64,
    /// The pool size, for the lessons that have one.
    pub workers: usize,
    /// Each greet's own timeout.
    pub timeout_ms: u64,
    /// How long the code under test waits with nothing to do before the greets arrive, in
    /// milliseconds (0: they are all there from the start).
    #[serde(default)]
    pub idle_ms: u64,
}

/// Why a [`RunPlan`] cannot be run; each message names the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No greets, or more than a run may have.
    #[error("count must be between 1 and {MAX_COUNT}")]
    Count,
    /// No hosts, or too many.
    #[error("hosts must be between 1 and 64")]
    Hosts,
    /// A latency too long to wait for.
    #[error("latency_ms must be at most 10000")]
    Latency,
    /// No workers, or more than greets.
    #[error("workers must be between 1 and count")]
    Workers,
    /// No timeout, or one too long.
    #[error("timeout_ms must be between 1 and 60000")]
    Timeout,
    /// An idle time too long to wait for.
    #[error("idle_ms must be at most 10000")]
    Idle,
}

impl Default for RunPlan {
    /// A small plan for running a `lesson_run` test by hand, without `cargo lesson run`.
    fn default() -> Self {
        RunPlan {
            count: 20,
            hosts: 4,
            latency_ms: 20,
            workers: 4,
            timeout_ms: 10_000,
            idle_ms: 0,
        }
    }
}

impl RunPlan {
    /// Checks the plan is one a run can carry out; the message names the field to fix.
    pub fn validate(&self) -> Result<(), PlanError> {
        if !(1..=MAX_COUNT).contains(&self.count) {
            return Err(PlanError::Count);
        }
        if !(1..=64).contains(&self.hosts) {
            return Err(PlanError::Hosts);
        }
        if self.latency_ms > 10_000 {
            return Err(PlanError::Latency);
        }
        if !(1..=self.count).contains(&self.workers) {
            return Err(PlanError::Workers);
        }
        if !(1..=60_000).contains(&self.timeout_ms) {
            return Err(PlanError::Timeout);
        }
        if self.idle_ms > 10_000 {
            return Err(PlanError::Idle);
        }
        Ok(())
    }

    /// The hosts' latency.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }

    /// Each greet's timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// How long the code waits with nothing to do before the greets arrive.
    pub fn idle(&self) -> Duration {
        Duration::from_millis(self.idle_ms)
    }

    /// The plan in [`PLAN_ENV`], or the [`Default`] one when it is not set.
    pub fn from_env() -> Result<RunPlan, MeasureError> {
        match std::env::var(PLAN_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(RunPlan::default()),
            Err(e) => Err(MeasureError::PlanEnv(e.to_string())),
            Ok(json) => serde_json::from_str(&json)
                .map_err(|e| MeasureError::PlanEnv(format!("not a plan: {e}"))),
        }
    }

    /// The plan as the value of [`PLAN_ENV`].
    pub fn to_env_value(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The ideal wall time for code that keeps `waits` greets waiting at once: the idle time,
    /// then ⌈count / at once⌉ × latency, the latency paid once per wave.
    pub fn floor(&self, waits: Waits) -> Duration {
        let waves = self.count.div_ceil(waits.at_once(self).max(1));
        self.idle().saturating_add(
            self.latency()
                .saturating_mul(u32::try_from(waves).unwrap_or(u32::MAX)),
        )
    }
}

/// How many greets a lesson's design keeps waiting at once, which sets its floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Waits {
    /// One after another: the floor is N × L.
    One,
    /// A pool of K: the floor is ⌈N / K⌉ × L.
    Workers,
    /// All at once: the floor is L.
    All,
}

impl Waits {
    /// How many greets wait at once under `plan`.
    pub fn at_once(self, plan: &RunPlan) -> usize {
        match self {
            Waits::One => 1,
            Waits::Workers => plan.workers,
            Waits::All => plan.count,
        }
    }

    /// The floor as a formula, for people.
    pub fn formula(self) -> &'static str {
        match self {
            Waits::One => "N × L",
            Waits::Workers => "⌈N / K⌉ × L",
            Waits::All => "L",
        }
    }

    /// Why the floor is that formula.
    pub fn meaning(self) -> &'static str {
        match self {
            Waits::One => "one greet at a time",
            Waits::Workers => "K greets at a time, in waves",
            Waits::All => "every greet waits at the same time",
        }
    }
}

/// What the code under test is given: one target per greet (round-robin over the hosts), the
/// pool size, each greet's timeout, and how long to wait with nothing to do before the greets
/// arrive.
#[derive(Debug, Clone)]
pub struct Jobs {
    /// Greet `targets[i]` for job `i`.
    pub targets: Vec<Target>,
    /// The pool size, for the lessons that have one.
    pub workers: usize,
    /// Each greet's timeout.
    pub timeout: Duration,
    /// How long the code waits, started and with nothing to do, before the first greet is
    /// handed to it (a lesson's `run.rs` sleeps it; the reference model is given arrivals
    /// that far ahead).
    pub idle: Duration,
}

/// One run's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Greets asked for.
    pub jobs: usize,
    /// Results the code returned (a correct run returns one per job).
    pub results: usize,
    /// Results that were ok.
    pub ok: usize,
    /// Wall time of the code under test, in microseconds.
    pub wall_us: u64,
    /// Greets the server answered.
    pub served: u64,
    /// The most greets the server had waiting at once.
    pub peak_in_flight: u64,
    /// This process's threads just before the code ran; `None` without `/proc`.
    pub threads_before: Option<u64>,
    /// The most threads this process had while the code ran; `None` without `/proc`.
    pub peak_threads: Option<u64>,
    /// User CPU time the code under test used, in microseconds (10 ms resolution): the whole
    /// process's, less what the threads that were already running (the greet server's, the
    /// sampler's) used meanwhile. `None` without `/proc`, or in a record from before it.
    #[serde(default)]
    pub cpu_user_us: Option<u64>,
    /// System CPU time, the same way.
    #[serde(default)]
    pub cpu_sys_us: Option<u64>,
}

impl Measurement {
    /// Results that were errors.
    pub fn errors(&self) -> usize {
        self.results.saturating_sub(self.ok)
    }

    /// The wall time.
    pub fn wall(&self) -> Duration {
        Duration::from_micros(self.wall_us)
    }

    /// The wall time in milliseconds.
    pub fn wall_ms(&self) -> f64 {
        self.wall_us as f64 / 1000.0
    }

    /// User plus system CPU time of the code under test, in milliseconds, if measured.
    pub fn cpu_ms(&self) -> Option<f64> {
        Some((self.cpu_user_us? + self.cpu_sys_us?) as f64 / 1000.0)
    }

    /// How many threads the code added at its peak.
    pub fn threads_added(&self) -> Option<u64> {
        Some(self.peak_threads?.saturating_sub(self.threads_before?))
    }

    /// The measurement as one line: [`LINE_PREFIX`] and JSON.
    pub fn to_line(&self) -> String {
        format!(
            "{LINE_PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// The last measurement line in `output` (a test's or a program's stdout): `None` if
    /// there is none, [`MeasureError::Garbled`] if it does not parse.
    pub fn find_in(output: &str) -> Option<Result<Measurement, MeasureError>> {
        let line = output
            .lines()
            .rev()
            .find_map(|l| l.trim_end().strip_prefix(LINE_PREFIX))?;
        Some(serde_json::from_str(line).map_err(|e| MeasureError::Garbled(e.to_string())))
    }
}

/// Why a run could not be measured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    /// The plan is out of range.
    #[error("bad run plan: {0}")]
    Plan(#[from] PlanError),
    /// The plan in [`PLAN_ENV`] could not be read.
    #[error("bad run plan in {PLAN_ENV}: {0}")]
    PlanEnv(String),
    /// A measurement line that is not one.
    #[error("a garbled measurement line: {0}")]
    Garbled(String),
    /// The greet server did not start: why.
    #[error("the greet server did not start: {0}")]
    Server(String),
    /// The code under test could not run at all.
    #[error("the run failed: {0}")]
    Run(String),
}

/// Starts a greet server for `plan`, runs `run` on the plan's jobs, and measures it: wall
/// time, results, the server's peak in flight, and this process's peak threads. `run` returns
/// one `bool` per result: whether it was ok.
pub fn measure<R>(plan: &RunPlan, run: impl FnOnce(&Jobs) -> R) -> Result<Measurement, MeasureError>
where
    R: IntoIterator<Item = bool>,
{
    try_measure(plan, |jobs| Ok::<R, std::convert::Infallible>(run(jobs)))
}

/// [`measure`] for code that can fail as a whole (a model that does not start): its error
/// becomes [`MeasureError::Run`].
pub fn try_measure<R, E>(
    plan: &RunPlan,
    run: impl FnOnce(&Jobs) -> Result<R, E>,
) -> Result<Measurement, MeasureError>
where
    R: IntoIterator<Item = bool>,
    E: Display,
{
    plan.validate()?;
    let server = Server::start(Config {
        hosts: plan.hosts,
        latency: plan.latency(),
        ..Config::default()
    })
    .map_err(|e| MeasureError::Server(e.to_string()))?;
    let jobs = Jobs {
        targets: server
            .targets()
            .into_iter()
            .cycle()
            .take(plan.count)
            .collect(),
        workers: plan.workers,
        timeout: plan.timeout(),
        idle: plan.idle(),
    };
    // The sampler's own thread is running before the baseline is read, so it counts in both
    // figures and not in their difference.
    let sampler = threads::Sampler::start();
    let threads_before = threads::count();
    let cpu_before = CpuSnapshot::take();
    let started = Instant::now();
    let outcome = run(&jobs);
    let wall = started.elapsed();
    let cpu = cpu_before.and_then(|b| b.used());
    let peak_threads = sampler.finish();
    let stats = server.stats();
    let oks: Vec<bool> = outcome
        .map_err(|e| MeasureError::Run(e.to_string()))?
        .into_iter()
        .collect();
    Ok(Measurement {
        jobs: plan.count,
        results: oks.len(),
        ok: oks.iter().filter(|ok| **ok).count(),
        wall_us: u64::try_from(wall.as_micros()).unwrap_or(u64::MAX),
        served: stats.served,
        peak_in_flight: stats.peak_in_flight,
        threads_before,
        peak_threads: peak_threads.max(threads_before),
        cpu_user_us: cpu.map(|c| c.user_us),
        cpu_sys_us: cpu.map(|c| c.sys_us),
    })
}

/// The process's CPU time, and that of every thread already running except the caller: the
/// greet server's and the sampler's, whose work is not the code under test's.
struct CpuSnapshot {
    process: cpu::CpuTime,
    others: Vec<(u32, cpu::CpuTime)>,
}

impl CpuSnapshot {
    fn take() -> Option<CpuSnapshot> {
        let me = cpu::current_thread_id()?;
        let others = cpu::thread_ids()?
            .into_iter()
            .filter(|&t| t != me)
            .filter_map(|t| Some((t, cpu::thread(t)?)))
            .collect();
        Some(CpuSnapshot {
            process: cpu::process()?,
            others,
        })
    }

    /// What the code under test used since the snapshot: the process's growth less the other
    /// threads' (a thread that ended meanwhile counts as having used nothing).
    fn used(&self) -> Option<cpu::CpuTime> {
        let mut used = cpu::process()?.since(self.process);
        for (tid, before) in &self.others {
            if let Some(now) = cpu::thread(*tid) {
                used = used.since(now.since(*before));
            }
        }
        Some(used)
    }
}

/// The body of a lesson's `lesson_run` test: measures `run` on the plan in [`PLAN_ENV`] (or
/// the default plan) and prints the measurement line. Panics, with the reason, if it cannot.
pub fn run_test<R>(run: impl FnOnce(&Jobs) -> R)
where
    R: IntoIterator<Item = bool>,
{
    let measured = RunPlan::from_env().and_then(|plan| measure(&plan, run));
    match measured {
        Ok(m) => println!("{}", m.to_line()),
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(count: usize, workers: usize) -> RunPlan {
        RunPlan {
            count,
            hosts: 3,
            latency_ms: 5,
            workers,
            timeout_ms: 5_000,
            idle_ms: 0,
        }
    }

    #[test]
    fn floors_count_waves() {
        let p = RunPlan {
            latency_ms: 50,
            ..plan(100, 8)
        };
        assert_eq!(p.floor(Waits::One), Duration::from_secs(5));
        assert_eq!(p.floor(Waits::Workers), Duration::from_millis(650));
        assert_eq!(p.floor(Waits::All), Duration::from_millis(50));
        let idle = RunPlan { idle_ms: 500, ..p };
        assert_eq!(
            idle.floor(Waits::Workers),
            Duration::from_millis(1150),
            "the idle time, then the waves"
        );
    }

    #[test]
    fn plans_are_validated_and_travel_as_json() {
        assert_eq!(plan(0, 1).validate(), Err(PlanError::Count));
        assert!(plan(MAX_COUNT + 1, 1).validate().is_err());
        assert!(
            plan(4, 5)
                .validate()
                .unwrap_err()
                .to_string()
                .contains("workers")
        );
        let idle = RunPlan {
            idle_ms: 10_001,
            ..plan(4, 1)
        };
        assert_eq!(idle.validate(), Err(PlanError::Idle));
        let old: RunPlan = serde_json::from_str(
            r#"{"count":4,"hosts":3,"latency_ms":5,"workers":1,"timeout_ms":5000}"#,
        )
        .unwrap();
        assert_eq!(
            old,
            plan(4, 1),
            "a plan saved before idle_ms reads as no idle time"
        );
        let p = plan(7, 2);
        let back: RunPlan = serde_json::from_str(&p.to_env_value()).unwrap();
        assert_eq!(back, p);
        assert!(matches!(
            try_measure(&plan(0, 1), |_| Ok::<_, String>(Vec::new())),
            Err(MeasureError::Plan(_))
        ));
    }

    #[test]
    fn the_line_round_trips_among_other_output() {
        let m = Measurement {
            jobs: 3,
            results: 3,
            ok: 2,
            wall_us: 1_500,
            served: 2,
            peak_in_flight: 2,
            threads_before: Some(3),
            peak_threads: Some(5),
            cpu_user_us: Some(2_000),
            cpu_sys_us: Some(1_000),
        };
        let out = format!(
            "\nrunning 1 test\n{}\ntest lesson_run ... ok\n\ntest result: ok.\n",
            m.to_line()
        );
        assert_eq!(Measurement::find_in(&out), Some(Ok(m.clone())));
        assert_eq!(m.errors(), 1);
        assert_eq!(m.threads_added(), Some(2));
        assert_eq!(m.wall_ms(), 1.5);
        assert_eq!(Measurement::find_in("running 1 test\n"), None);
        let garbled = format!("{LINE_PREFIX}{{\"jobs\": 3");
        assert!(matches!(
            Measurement::find_in(&garbled),
            Some(Err(MeasureError::Garbled(_)))
        ));
    }

    #[test]
    fn a_pool_of_two_is_measured_by_structure() {
        // Two threads, each greeting every other target: at most two greets wait at once, and
        // the sampler sees the two threads (where /proc exists).
        let m = measure(&plan(6, 2), |jobs| {
            std::thread::scope(|s| {
                let halves: Vec<_> = (0..2)
                    .map(|k| {
                        s.spawn(move || {
                            jobs.targets
                                .iter()
                                .skip(k)
                                .step_by(2)
                                .map(|t| greet_core::client::greet_target(t, jobs.timeout).is_ok())
                                .collect::<Vec<bool>>()
                        })
                    })
                    .collect();
                halves
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect::<Vec<bool>>()
            })
        })
        .unwrap();
        assert_eq!((m.jobs, m.results, m.ok, m.served), (6, 6, 6, 6));
        assert!((1..=2).contains(&m.peak_in_flight), "{m:?}");
        if threads::count().is_some() {
            assert!(m.peak_threads >= m.threads_before, "{m:?}");
        }
    }

    #[test]
    fn a_failed_run_is_an_error_not_a_panic() {
        let err = try_measure(&plan(2, 1), |_| Err::<Vec<bool>, _>("no runtime")).unwrap_err();
        assert!(err.to_string().contains("no runtime"), "{err}");
    }
}

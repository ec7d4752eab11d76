//! The rate sweep: each model under open-loop load ([`greet_core::record::LoadSpec`]) at a
//! geometric grid of offered rates, from well below its predicted knee to well past it, each
//! point in a fresh child process. The report draws p99 latency against the offered rate, one
//! line per model, with the knee each model predicts.
//!
//! Where the knee is depends on the model (see [`crate::load`]). A model that keeps at most K
//! greets waiting (a pool of K, or one at a time) has its knee at K / L, known before it runs:
//! its grid is that knee times [`Profile`]'s multipliers ([`multipliers`]). A model with one
//! thread or task per greet is bound only by the CPU, which the run itself measures: it first
//! runs at [`CALIBRATION_RATE`], below any CPU limit on loopback, and its grid is the knee
//! that run predicts (the cores over the CPU per greet, client and server) times the same
//! multipliers. The calibration run is kept as the grid's lowest point.
//!
//! Cost: a point offers `rate × duration` greets, at most [`MAX_POINT_COUNT`] (a faster point
//! gets a shorter duration), and its deadline is 3 × its duration + 1 s, so a point past the
//! knee stops draining its queue by then; the greets still queued are counted, not dropped.
//! The default profile (`cargo bench`) sweeps two models, the first Rust thread pool and the
//! first multi-threaded async model, at 1 s per point: about 20 s here. The full profile
//! sweeps every model, at 2 s per point and twice the points.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use greet_core::record::{FailureKind, HostSpec, LoadSpec, RunFailure, RunRequest, RunResult};
use greet_core::{Family, Lang, Model, Pattern, Shape, Workload};
use greetbench_report::results::{FORMAT, Sweep, read_versioned, write_json};
use greetbench_report::{Paths, Provenance, ResultsError};

use super::Profile;
use crate::{child, registry};

/// The hosts' latency at every point: long beside a greet's own CPU, so that a pool's knee
/// (K / L) sits far below the CPU's.
pub const LATENCY: Duration = Duration::from_millis(50);

/// The pools' size (`--workers`): K = 2 at 50 ms puts a pool's knee at 40 greets/s.
pub const WORKERS: usize = 2;

/// Hosts greeted round-robin: enough destinations that a fast point's closed connections do
/// not run one destination out of ephemeral ports.
pub const HOSTS: usize = 16;

/// A greet's timeout at every point.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// The first rate of a model bound only by the CPU, greets/s: below a CPU limit on loopback
/// (about 10,000 a second for Rust here, a few thousand for Python), and enough greets that the
/// run's fixed costs (timers, idle wake-ups) weigh little on the CPU it measures per greet (at
/// 200/s they doubled it).
pub const CALIBRATION_RATE: f64 = 1000.0;

/// The most greets one point offers: a point faster than this over its duration is shorter.
pub const MAX_POINT_COUNT: usize = 25_000;

/// The shortest a point gets (see [`MAX_POINT_COUNT`]).
const MIN_DURATION: Duration = Duration::from_millis(200);

/// The offered rates of a profile, as multiples of the predicted knee: geometric, from a
/// quarter of it to four times it (ratio 2 by default, √2 in the full profile).
pub fn multipliers(profile: Profile) -> Vec<f64> {
    let steps_per_doubling = match profile {
        Profile::Default => 1,
        Profile::Full => 2,
    };
    let n = 4 * steps_per_doubling;
    (0..=n)
        .map(|i| 2f64.powf((i as f64 - n as f64 / 2.0) / steps_per_doubling as f64))
        .collect()
}

/// How long each point offers its rate.
pub fn duration(profile: Profile) -> Duration {
    match profile {
        Profile::Default => Duration::from_secs(1),
        Profile::Full => Duration::from_secs(2),
    }
}

/// The models a profile sweeps, by their descriptions: by default the first Rust pool of
/// threads and the first multi-threaded, current async model (a knee at K / L beside one at
/// the CPU); every model in the full profile.
pub fn models(profile: Profile) -> Vec<String> {
    match profile {
        Profile::Full => registry::names_where(|_| true),
        Profile::Default => {
            let pool = registry::names_where(|d| {
                d.lang == Lang::Rust && d.shape == Shape::Pool && d.family == Family::Threads
            });
            let event_loop = registry::names_where(|d| {
                d.lang == Lang::Rust
                    && d.family == Family::Async
                    && !d.one_thread
                    && d.historical.is_none()
            });
            pool.into_iter()
                .take(1)
                .chain(event_loop.into_iter().take(1))
                .collect()
        }
    }
}

/// The request of one point: `model` offered `rate` greets/s, for `duration` or less (at most
/// [`MAX_POINT_COUNT`] greets), on [`HOSTS`] hosts at [`LATENCY`].
pub fn point(model: &str, rate: f64, duration: Duration) -> Option<RunRequest> {
    let most = Duration::from_secs_f64(MAX_POINT_COUNT as f64 / rate.max(1e-9));
    let duration = duration.min(most).max(MIN_DURATION);
    let spec = LoadSpec {
        rate,
        duration,
        arrivals: Pattern::Constant,
        seed: 1,
    };
    let request = RunRequest::open_loop(model, Workload::Greet, spec).ok()?;
    Some(RunRequest {
        workers: Some(WORKERS),
        timeout: TIMEOUT,
        deadline: Some(duration * 3 + Duration::from_secs(1)),
        hosts: HostSpec {
            hosts: HOSTS,
            latency: LATENCY,
            ..HostSpec::default()
        },
        ..request
    })
}

/// The knee of `model` known before it runs: K / L for a model that keeps at most K greets
/// waiting; `None` for one thread or task per greet (bound by the CPU, measured by a run).
pub fn known_knee(model: &dyn Model) -> Option<f64> {
    if registry::describe(model).shape == Shape::PerJob {
        return None;
    }
    let probe = point(model.name(), CALIBRATION_RATE, Duration::from_secs(1))?;
    let k = model.concurrency(&probe.plan(Vec::new())).io;
    Some(k as f64 / LATENCY.as_secs_f64())
}

/// The grid around `knee`: its multiples ([`multipliers`]) above `floor` (the calibration
/// rate, already run), each a point of `duration`.
pub fn grid(model: &str, knee: f64, floor: f64, profile: Profile) -> Vec<RunRequest> {
    multipliers(profile)
        .into_iter()
        .map(|m| round_rate(knee * m))
        .filter(|&rate| rate > floor * 1.01)
        .filter_map(|rate| point(model, rate, duration(profile)))
        .collect()
}

/// A rate as a table shows it: whole greets/s from 100 up, a tenth below.
fn round_rate(rate: f64) -> f64 {
    if rate >= 100.0 {
        rate.round()
    } else {
        (rate * 10.0).round() / 10.0
    }
}

/// How many points a profile runs at most (for a progress bar): the grid per model, plus the
/// calibration run of each model bound only by the CPU.
pub fn count(profile: Profile) -> usize {
    let grid = multipliers(profile).len();
    models(profile)
        .iter()
        .filter_map(|name| registry::find(name).ok())
        .map(|m| match known_knee(m.as_ref()) {
            Some(_) => grid,
            None => grid + 1,
        })
        .sum()
}

/// Runs the rate sweep of `profile`, each point through `run` (which runs it in a fresh child
/// and may say "not available here" without one). A model bound only by the CPU whose calibration
/// run predicts no knee gets no further points.
pub fn run(profile: Profile, mut run: impl FnMut(&RunRequest) -> RunResult) -> Vec<RunResult> {
    let mut out = Vec::new();
    for name in models(profile) {
        let Ok(model) = registry::find(&name) else {
            continue;
        };
        let (knee, floor) = match known_knee(model.as_ref()) {
            Some(knee) => (knee, 0.0),
            None => {
                let Some(p) = point(&name, CALIBRATION_RATE, duration(profile)) else {
                    continue;
                };
                let result = run(&p);
                let knee = result
                    .record()
                    .and_then(|r| r.load.as_ref())
                    .and_then(|l| l.predicted_knee_rate);
                out.push(result);
                match knee {
                    Some(knee) => (knee, CALIBRATION_RATE),
                    None => continue,
                }
            }
        };
        for p in grid(&name, knee, floor, profile) {
            out.push(run(&p));
        }
    }
    out
}

/// How long a point may take before its child is killed: its own deadline (every point has
/// one) plus two minutes to start its hosts and model.
pub fn child_deadline(p: &RunRequest) -> Duration {
    p.deadline.unwrap_or(Duration::from_secs(60)) + Duration::from_secs(120)
}

/// `greetbench sweep --rates`: the rate sweep alone, each point in a fresh child of `exe`,
/// with a progress bar. A model that cannot run here gets "not available here" entries, no child.
pub fn run_alone(exe: &Path, profile: Profile) -> Vec<RunResult> {
    let bar = indicatif::ProgressBar::new(count(profile) as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "rates [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
    ) {
        bar.set_style(style);
    }
    let entries = run(profile, |p| {
        bar.inc(1);
        if let Some(why) = registry::find(&p.model).ok().and_then(|m| m.unavailable()) {
            return RunResult::Failure(RunFailure {
                request: p.clone(),
                kind: FailureKind::Unavailable,
                limit: None,
                message: why,
            });
        }
        let rate = p.offered.as_ref().map_or(0.0, |s| s.rate);
        bar.set_message(format!("{} at {rate:.0}/s", p.model));
        child::run(exe, p, child_deadline(p))
    });
    bar.finish_and_clear();
    entries
}

/// Runs the rate sweep alone and stores it as the `rates` of `target/greetbench/sweep.json`
/// (and `out`, if given), keeping the rest of a stored sweep that reads; otherwise a sweep
/// with only its rates. Returns it and where it was stored.
pub fn run_alone_and_store(
    exe: &Path,
    profile: Profile,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let paths = Paths::locate();
    let t0 = Instant::now();
    let rates = run_alone(exe, profile);
    let sweep = match read_versioned::<Sweep>(&paths.sweep_file()) {
        Ok(stored) => Sweep { rates, ..stored },
        Err(_) => Sweep {
            format: FORMAT,
            provenance: Provenance::collect(&paths.workspace),
            models: registry::descriptions(),
            profile: profile.name().to_string(),
            wall_s: t0.elapsed().as_secs_f64(),
            entries: Vec::new(),
            kill: None,
            python: None,
            timelines: Vec::new(),
            faults: Vec::new(),
            rates,
            scale: Vec::new(),
            floor: Vec::new(),
        },
    };
    let mut written = vec![paths.sweep_file()];
    written.extend(out.map(Path::to_path_buf));
    for file in &written {
        write_json(file, &sweep)?;
    }
    Ok((sweep, written))
}

/// The rate sweep as a table: one line per point.
pub fn table(entries: &[RunResult]) -> String {
    let mut out = format!(
        "rates: {:<21} {:>9} {:>9} {:>7} {:>6} {:>9} {:>9} {:>7} {:>10}\n",
        "model", "offered", "achieved", "count", "errors", "p50", "p99", "queued", "knee"
    );
    for e in entries {
        let q = e.request();
        let offered = q.offered.as_ref().map_or(0.0, |s| s.rate);
        let line = match e.record().and_then(|r| r.load.as_ref().map(|l| (r, l))) {
            Some((r, l)) => format!(
                "{:>7.1}/s {:>7.1}/s {:>7} {:>6} {:>7.1}ms {:>7.1}ms {:>7} {:>8.1}/s",
                l.offered_rate,
                l.achieved_rate,
                q.count,
                r.errors,
                l.latency_p50_ms.unwrap_or(f64::NAN),
                l.latency_p99_ms.unwrap_or(f64::NAN),
                l.queued_at_end,
                l.predicted_knee_rate.unwrap_or(f64::NAN),
            ),
            None => format!("{offered:>7.1}/s  {}", e.message().unwrap_or_default()),
        };
        out.push_str(&format!("rates: {:<21} {line}\n", q.model));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_is_geometric_from_a_quarter_of_the_knee_to_four_times_it() {
        for profile in [Profile::Default, Profile::Full] {
            let m = multipliers(profile);
            assert!((m[0] - 0.25).abs() < 1e-12 && (m[m.len() - 1] - 4.0).abs() < 1e-12);
            let ratio = m[1] / m[0];
            assert!(m.windows(2).all(|w| (w[1] / w[0] - ratio).abs() < 1e-9));
            assert!(
                m.iter().any(|&x| (x - 1.0).abs() < 1e-12),
                "the knee itself"
            );
        }
        assert!(multipliers(Profile::Full).len() > multipliers(Profile::Default).len());
        // Around a pool's 40/s: 10 to 160 greets/s, each point offering rate × duration.
        let model = registry::first_where(|d| d.shape == Shape::Pool);
        let g = grid(&model, 40.0, 0.0, Profile::Default);
        let rates: Vec<f64> = g.iter().map(|p| p.offered.as_ref().unwrap().rate).collect();
        assert_eq!(rates, vec![10.0, 20.0, 40.0, 80.0, 160.0]);
        for p in &g {
            let spec = p.offered.as_ref().unwrap();
            assert_eq!(p.count as f64, spec.rate * spec.duration.as_secs_f64());
            assert_eq!(p.workers, Some(WORKERS));
            assert!(p.deadline.is_some(), "every point stops");
        }
        // Above the calibration rate only; a fast point is shorter, never larger than the cap.
        let g = grid(&model, 20_000.0, CALIBRATION_RATE, Profile::Default);
        assert!(g.iter().all(|p| p.count <= MAX_POINT_COUNT));
        assert!(
            g.iter()
                .all(|p| p.offered.as_ref().unwrap().rate > CALIBRATION_RATE)
        );
        let fastest = g.last().unwrap().offered.as_ref().unwrap();
        assert_eq!(fastest.rate, 80_000.0);
        assert!(fastest.duration < duration(Profile::Default));
    }

    #[test]
    fn bounded_models_know_their_knee_and_the_rest_measure_it() {
        for m in registry::all() {
            let d = registry::describe(m.as_ref());
            let knee = known_knee(m.as_ref());
            match d.shape {
                Shape::PerJob => assert_eq!(knee, None, "{}", d.name),
                Shape::Pool => assert_eq!(knee, Some(40.0), "{}", d.name),
                Shape::OneAtATime => assert_eq!(knee, Some(20.0), "{}", d.name),
            }
        }
    }

    #[test]
    fn the_default_sweeps_a_pool_and_an_event_loop_and_the_full_every_model() {
        let default = models(Profile::Default);
        assert_eq!(default.len(), 2, "{default:?}");
        let describe = |name: &str| registry::describe(registry::find(name).unwrap().as_ref());
        assert_eq!(describe(&default[0]).shape, Shape::Pool);
        assert_eq!(describe(&default[1]).family, Family::Async);
        assert_eq!(models(Profile::Full), registry::names());
        // The pool's grid, and the event loop's calibration run and grid.
        assert_eq!(count(Profile::Default), 5 + (1 + 5));
    }
}

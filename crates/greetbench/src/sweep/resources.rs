//! The resource sweep's points: every model at each size (wall time alone hides what a model
//! costs; each point records CPU user/sys, peak and baseline RSS, peak threads and context
//! switches), the points **under faults** ([`fault_points`]: every Rust model at 0, 1, 10 and
//! 50 % faults of one documented mix, [`fault_mix`], with and without retries), and the small
//! traced runs the report draws as **timelines** ([`timeline_points`]); and their tables.
//!
//! The Python models run here too, since criterion cannot time them in-process: every cheap
//! point (and every crunch point) is repeated so that the report can compare medians with
//! their spread, Rust beside Python.

use std::time::Duration;

use greet_core::fault::{FaultKind, Faults};
use greet_core::record::{HostSpec, RunRequest, RunResult, Status};
use greet_core::workload::DEFAULT_WORK;
use greet_core::{Lang, Model, Shape, Workload};

use super::Profile;
use crate::registry;

/// A point whose ideal time is at most this is repeated ([`Profile::repeats`]): the report
/// compares medians of fresh-child runs, Rust beside Python. Slower points (one at a time, or
/// a small pool, at N = 1000) run once.
pub const REPEAT_BELOW: Duration = Duration::from_secs(1);

/// The crunch size of the sweep's crunch points: large enough that a job's time dwarfs
/// starting a thread for it.
pub const CRUNCH_WORK: u32 = 100_000;

/// Crunch jobs per point. Python's kernel is about 150 times slower than Rust's, so each
/// language gets a count that takes a few tenths of a second one job after another here. The
/// CPU per job is compared at the same work; N only sets the run's length.
pub fn crunch_count(lang: Lang) -> usize {
    match lang {
        Lang::Rust => 200,
        Lang::Python => 8,
    }
}

/// The models that keep one unit of concurrency per waiting greet (no pool): the ones whose
/// memory per waiting greet the sweep compares at 10,000. Read from their descriptions.
pub fn unpooled() -> Vec<String> {
    registry::names_where(|d| d.shape == Shape::PerJob)
}

/// The latency of the I/O points: every model at N = 1000.
pub const LATENCY: Duration = Duration::from_millis(10);

/// The latency of the memory points. Long enough that every greet is waiting at once (at
/// 10 ms, threads finish before the last ones start: only a few hundred of 10,000 are alive
/// together), so RSS growth ÷ N is the memory of one *waiting* greet.
pub const MEMORY_LATENCY: Duration = Duration::from_secs(2);

/// The hosts every greet point greets: as in the io benchmarks, N = 1000 greets 1000
/// different hosts.
pub const HOSTS: usize = 1000;

/// The points of a profile, in run order: one request each.
pub fn points(profile: Profile) -> Vec<RunRequest> {
    let at = |latency| {
        move |model: &str, count| RunRequest {
            hosts: HostSpec {
                hosts: HOSTS,
                latency,
                ..HostSpec::default()
            },
            ..RunRequest::new(model, Workload::Greet, count)
        }
    };
    let (point, waiting) = (at(LATENCY), at(MEMORY_LATENCY));
    let names = registry::names();
    let models = registry::all();
    let mut out = Vec::new();
    if profile == Profile::Full {
        out.extend(names.iter().map(|m| point(m, 100)));
    }
    // Every model at N = 1000, repeated when cheap. Sequential waits N x L = 10 s here: once
    // is enough.
    for m in &models {
        let p = point(m.name(), 1000);
        let times = repeats(m.as_ref(), &p, profile);
        out.extend(std::iter::repeat_n(p, times));
    }
    // Memory per waiting greet at 1,000 and 10,000: one thread, or one task, per greet.
    let mut sizes = vec![1000, 10_000];
    if profile == Profile::Full {
        sizes.push(20_000);
    }
    let unpooled = unpooled();
    for n in sizes {
        let lang = |m: &str| registry::find(m).map_or(Lang::Rust, |m| m.describe().lang);
        let here = unpooled
            .iter()
            .filter(|m| n <= max_waiting(profile, lang(m)));
        out.extend(here.map(|m| waiting(m, n)));
    }
    // Crunch, every model, repeated: the speedup against workers (the pools at 1 worker and
    // at every core) and the CPU per job, in each language.
    let cores = greet_core::plan::default_workers();
    for m in &models {
        let d = registry::describe(m.as_ref());
        let mut workers = vec![None];
        if d.uses_workers() {
            workers = vec![Some(1)];
            if cores > 1 {
                workers.push(Some(cores));
            }
        }
        for w in workers {
            let p = RunRequest {
                work: Some(CRUNCH_WORK),
                workers: w,
                ..RunRequest::new(m.name(), Workload::Crunch, crunch_count(d.lang))
            };
            out.extend(std::iter::repeat_n(p, profile.repeats()));
        }
    }
    out
}

/// The largest N of a language's memory points in `profile`. An interpreter starts its
/// threads one at a time (about 0.1 ms each here), so at 10,000 Python's last greets start
/// after the first replies have come and its greets never all wait at once: the default
/// profile keeps Python's memory point at 1,000, and the full profile adds the larger ones.
fn max_waiting(profile: Profile, lang: Lang) -> usize {
    match (profile, lang) {
        (Profile::Default, Lang::Python) => 1000,
        _ => usize::MAX,
    }
}

/// How many times to run greet point `p` of `model`: [`Profile::repeats`] if its ideal time
/// is at most [`REPEAT_BELOW`], else once.
fn repeats(model: &dyn Model, p: &RunRequest, profile: Profile) -> usize {
    let plan = p.plan(Vec::new());
    let cores = greet_core::plan::default_workers();
    let ideal = model
        .concurrency(&plan)
        .floor(&plan, p.hosts.latency, Duration::ZERO, cores);
    if ideal <= REPEAT_BELOW {
        profile.repeats()
    } else {
        1
    }
}

/// The Rust models' names: the points whose figures only the Rust job runners produce
/// (retries, per-job stamps).
fn rust_names() -> Vec<String> {
    registry::names_where(|d| d.lang == Lang::Rust)
}

/// The fault levels of the "under faults" points: percent of greets hit.
pub const FAULT_LEVELS: [f64; 4] = [0.0, 1.0, 10.0, 50.0];

/// The retries of the "under faults" points: none, and three.
pub const FAULT_RETRIES: [u32; 2] = [0, 3];

/// The mix of the "under faults" points at `percent` % of greets: resets 40 % of it, closes
/// 20 %, stalls 20 %, sliced replies 10 %, delayed replies 10 %. So at 10 %: 4 % of greets
/// reset, 2 % closed, 2 % stalled (each waits out its timeout), 1 % sliced and 1 % delayed
/// (both still answered, later). A fixed seed, so every model meets the same draw per host.
pub fn fault_mix(percent: f64) -> Faults {
    let share = [
        (FaultKind::Reset, 0.4),
        (FaultKind::Close, 0.2),
        (FaultKind::Stall, 0.2),
        (FaultKind::Slice, 0.1),
        (FaultKind::Delay, 0.1),
    ];
    Faults {
        rates: share
            .into_iter()
            .filter(|_| percent > 0.0)
            .map(|(k, s)| (k, percent * s))
            .collect(),
        ..Faults::default()
    }
}

/// The "under faults" points: every model at each of [`FAULT_LEVELS`] × [`FAULT_RETRIES`], on
/// 8 hosts at 1 ms. Small in the default profile (100 greets, a 150 ms timeout: a few seconds
/// a model, most of it the sequential model waiting out its stalls); 1,000 greets and a
/// 250 ms timeout in the full one. The delay fault (100 ms) fits in either timeout, so a
/// delayed reply still arrives; a stall never does.
pub fn fault_points(profile: Profile) -> Vec<RunRequest> {
    let (count, timeout) = match profile {
        Profile::Default => (100, Duration::from_millis(150)),
        Profile::Full => (1000, Duration::from_millis(250)),
    };
    let mut out = Vec::new();
    // The Rust models: the Python ones do not retry yet, and their timing is the sweep's
    // Rust-beside-Python points.
    for model in rust_names() {
        for &level in &FAULT_LEVELS {
            for &retries in &FAULT_RETRIES {
                out.push(RunRequest {
                    timeout,
                    retries,
                    backoff: Duration::from_millis(5),
                    hosts: HostSpec {
                        hosts: 8,
                        latency: Duration::from_millis(1),
                        faults: fault_mix(level),
                        ..HostSpec::default()
                    },
                    ..RunRequest::new(&model, Workload::Greet, count)
                });
            }
        }
    }
    out
}

/// The timelines' size: few enough greets to see each one, more than the pool's workers.
pub const TIMELINE_COUNT: usize = 12;

/// The timelines' pool size (`--workers`): the pools draw this many lanes.
pub const TIMELINE_WORKERS: usize = 3;

/// The timelines' latency: long beside a greet's own cost, so that the waits dominate.
pub const TIMELINE_LATENCY: Duration = Duration::from_millis(50);

/// About how long each mixed timeline job crunches: a fifth of the latency, long enough that
/// a crunch on an event loop shows as a stall in every other task's wait.
pub const TIMELINE_CRUNCH: Duration = Duration::from_millis(10);

/// The small traced runs the report draws as timelines: every model, greet and mixed, at
/// N = [`TIMELINE_COUNT`], K = [`TIMELINE_WORKERS`], L = [`TIMELINE_LATENCY`], one host per
/// job. `work` is the crunch size of the mixed runs.
pub fn timeline_points(work: u32) -> Vec<RunRequest> {
    let mut out = Vec::new();
    for workload in [Workload::Greet, Workload::Mixed] {
        // The Rust models: their job runners stamp each phase (the Python programs do not).
        for model in rust_names() {
            out.push(RunRequest {
                work: workload.crunches().then_some(work),
                workers: Some(TIMELINE_WORKERS),
                hosts: HostSpec {
                    hosts: TIMELINE_COUNT,
                    latency: TIMELINE_LATENCY,
                    ..HostSpec::default()
                },
                trace: true,
                ..RunRequest::new(&model, workload, TIMELINE_COUNT)
            });
        }
    }
    out
}

/// The crunch size that takes about `target` here, from the kernel's measured speed.
pub fn work_for(target: Duration) -> u32 {
    let one = greet_core::workload::crunch_time(DEFAULT_WORK).as_secs_f64();
    let scaled = DEFAULT_WORK as f64 * target.as_secs_f64() / one.max(1e-9);
    // Bounded: at least the default, and far below the size reserved for tests.
    scaled.clamp(DEFAULT_WORK as f64, 1e9) as u32
}

/// How long a point may take before it is killed: generous but finite. Sequential waits
/// N x L; the others about one L.
pub(super) fn deadline(p: &RunRequest) -> Duration {
    Duration::from_secs(120) + p.hosts.latency * 4 + LATENCY * 2 * p.count as u32
}

/// The resource points as a table: one line per point, its CPU the exact total (user and
/// system; their split is tick-sampled, and stored).
pub fn table(entries: &[RunResult]) -> String {
    let mut out = format!(
        "{:<21} {:>6} {:>6} {:>8} {:>9} {:>9} {:>9} {:>11} {:>8}  outcome\n",
        "model", "N", "L", "wall", "cpu", "peak rss", "baseline", "KiB/greet", "threads"
    );
    for e in entries {
        let q = e.request();
        let outcome = match e.status() {
            _ if e.unavailable().is_some() => "not available here".to_owned(),
            Status::Ok => "ok".to_owned(),
            Status::Limit(l) => format!("limit ({})", l.label()),
            Status::FaultsOnly => format!(
                "ok but for injected faults: {}",
                e.message().unwrap_or_default()
            ),
            Status::Failed => format!("failed: {}", e.message().unwrap_or_default()),
        };
        let figures = e.record().map_or_else(
            || {
                format!(
                    "{:>8} {:>9} {:>9} {:>9} {:>11} {:>8}",
                    "-", "-", "-", "-", "-", "-"
                )
            },
            |r| {
                format!(
                    "{:>7.3}s {:>8.3}s {:>7}Mi {:>7}Mi {:>11.2} {:>8}",
                    r.wall_s,
                    r.cpu_s(),
                    r.peak_rss_kib / 1024,
                    r.baseline_rss_kib / 1024,
                    r.kib_per_job(),
                    r.peak_threads
                )
            },
        );
        out.push_str(&format!(
            "{:<21} {:>6} {:>6} {figures}  {outcome}\n",
            q.model,
            q.count,
            match q.workload {
                Workload::Greet => format!("{}ms", q.hosts.latency.as_millis()),
                other => other.name().to_owned(),
            },
        ));
    }
    out
}

/// The points under faults as a table: one line per model, level and retries.
pub fn fault_table(entries: &[RunResult]) -> String {
    let mut out = format!(
        "under faults: {:<21} {:>6} {:>7} {:>6} {:>6}  {:<30} {:>8} {:>8}\n",
        "model", "faults", "retries", "ok", "errors", "errors by kind", "wall", "p99"
    );
    for e in entries {
        let q = e.request();
        let (ok, errors, kinds, wall, p99) = match e.record() {
            Some(r) => (
                r.ok.to_string(),
                r.errors.to_string(),
                r.errors_by_kind
                    .iter()
                    .map(|(k, n)| {
                        let k = serde_json::to_string(k).unwrap_or_default();
                        format!("{} {n}", k.trim_matches('"'))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                format!("{:.3}s", r.wall_s),
                r.latency_p99_ms.map_or("-".into(), |v| format!("{v:.1}ms")),
            ),
            None => (
                "-".into(),
                "-".into(),
                e.message().unwrap_or_default(),
                "-".into(),
                "-".into(),
            ),
        };
        out.push_str(&format!(
            "under faults: {:<21} {:>5}% {:>7} {:>6} {:>6}  {:<30} {:>8} {:>8}\n",
            q.model,
            q.hosts.faults.per_greet_total(),
            q.retries,
            ok,
            errors,
            kinds,
            wall,
            p99
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_points_cover_every_model_at_1000_and_the_unpooled_at_10000() {
        let pts = points(Profile::Default);
        for m in registry::names() {
            assert!(pts.iter().any(|p| p.model == m && p.count == 1000), "{m}");
        }
        let unpooled = unpooled();
        assert!(!unpooled.is_empty());
        let rust = registry::names_where(|d| d.lang == Lang::Rust);
        for m in &unpooled {
            // Python's greets cannot all wait at once at 10,000 here: only the full profile
            // goes that far for them.
            let sizes: &[usize] = if rust.contains(m) {
                &[1000, 10_000]
            } else {
                &[1000]
            };
            for &n in sizes {
                assert!(
                    pts.iter().any(|p| p.model == *m
                        && p.count == n
                        && p.hosts.latency == MEMORY_LATENCY),
                    "{m} {n}"
                );
            }
        }
        let full = points(Profile::Full);
        for m in &unpooled {
            assert!(
                full.iter().any(|p| p.model == *m && p.count == 20_000),
                "{m}"
            );
        }
        // Every model crunches, at the same work, with repeats; a pool at 1 worker too.
        for m in registry::names() {
            let crunches: Vec<_> = pts
                .iter()
                .filter(|p| p.model == m && p.workload == Workload::Crunch)
                .collect();
            assert!(crunches.len() >= Profile::Default.repeats(), "{m}");
            assert!(crunches.iter().all(|p| p.work == Some(CRUNCH_WORK)), "{m}");
        }
        // Only models with one unit of concurrency per greet go past 1,000.
        for p in pts.iter().filter(|p| p.count > 1000) {
            assert!(unpooled.contains(&p.model), "{}", p.model);
        }
        assert!(points(Profile::Full).len() > pts.len());
    }

    #[test]
    fn fault_points_cover_every_rust_model_at_every_level_with_and_without_retries() {
        let pts = fault_points(Profile::Default);
        assert_eq!(
            pts.len(),
            rust_names().len() * FAULT_LEVELS.len() * FAULT_RETRIES.len()
        );
        for m in rust_names() {
            for &level in &FAULT_LEVELS {
                for &retries in &FAULT_RETRIES {
                    let p = pts.iter().find(|p| {
                        p.model == m
                            && p.retries == retries
                            && (p.hosts.faults.per_greet_total() - level).abs() < 1e-9
                    });
                    assert!(p.is_some(), "{m} at {level}% with {retries} retries");
                }
            }
        }
        // The mix: resets, closes and stalls lose the reply; slices and delays do not.
        let mix = fault_mix(10.0);
        assert!((mix.rate(FaultKind::Reset) - 4.0).abs() < 1e-9);
        assert!((mix.rate(FaultKind::Stall) - 2.0).abs() < 1e-9);
        assert!(fault_mix(0.0).is_empty());
        // A delayed reply still fits in the timeout; a stalled one never does.
        assert!(pts.iter().all(|p| p.timeout > greet_core::fault::DELAY));
    }

    #[test]
    fn timelines_trace_every_rust_model_greet_and_mixed() {
        let pts = timeline_points(1234);
        for m in rust_names() {
            for w in [Workload::Greet, Workload::Mixed] {
                let p = pts
                    .iter()
                    .find(|p| p.model == m && p.workload == w)
                    .unwrap_or_else(|| panic!("{m} {w}"));
                assert!(p.trace, "{m} {w}");
                assert_eq!(
                    (p.count, p.workers),
                    (TIMELINE_COUNT, Some(TIMELINE_WORKERS))
                );
                assert_eq!(p.work, (w == Workload::Mixed).then_some(1234));
            }
        }
        assert_eq!(pts.len(), 2 * rust_names().len());
        assert!(work_for(TIMELINE_CRUNCH) >= DEFAULT_WORK);
    }
}

//! The resource sweep: each model at each size in a **fresh child process**, so that every
//! run's memory, threads and CPU time are its own. Wall time alone hides what a model costs;
//! the sweep records the rest (CPU user/sys, peak and baseline RSS, peak threads, context
//! switches) and where an OS limit stopped a size, which limit.
//!
//! It also runs the kill probe ([`crate::probe`]): five experiments that try to stop a thread,
//! a task and a process each stuck on a host that never replies, and record what happened,
//! to test the course's claim that a process can be killed and a thread cannot.
//!
//! Last come the points **under faults** ([`fault_points`]): every model at 0, 1, 10 and 50 %
//! faults of one documented mix ([`fault_mix`]), with and without retries, for the report's
//! "Under faults" section.
//!
//! The Python models run here too, since criterion cannot time them in-process: the sweep
//! repeats every cheap point (and its crunch points) so that the report can compare medians
//! with their spread, Rust beside Python, and it stores what `python/spawn_cost.py` measures
//! (Python's spawn costs and kill probe) beside the runs.
//!
//! Then the **rate sweep** ([`rates`]): models under open-loop load, from well below their
//! predicted knee to well past it (`greetbench sweep --rates` runs it alone).
//! The full profile ends with the **scale sweep** ([`crate::scale`]): each model from 1,000
//! waiting greets up to the OS limit that stops it. `greetbench sweep --scale` runs it alone
//! and stores it beside what an earlier sweep stored.
//!
//! `greetbench sweep` writes `target/greetbench/sweep.json`; `cargo bench` runs the default
//! sweep through `benches/benches/sweep.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use greet_core::fault::{FaultKind, Faults};
use greet_core::record::{FailureKind, HostSpec, RunFailure, RunRequest, RunResult, Status};
use greet_core::workload::DEFAULT_WORK;
use greet_core::{Lang, Model, Shape, Workload};
use greetbench_report::results::{FORMAT, PythonSide, Sweep, read_versioned, write_json};
use greetbench_report::{Paths, Provenance, ResultsError};

use crate::{child, registry};

pub mod rates;

/// The environment variable that picks the profile: `full` sweeps further.
pub const PROFILE_ENV: &str = "GREETBENCH_PROFILE";

/// How far to sweep, and how far `cargo bench` goes: the one definition of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Fits the time budget on a 2-core machine.
    Default,
    /// `GREETBENCH_PROFILE=full`: more sizes, more latencies, 20,000 waiting greets.
    Full,
}

/// A misspelt [`PROFILE_ENV`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{PROFILE_ENV}={0} is not a profile: use default or full")]
pub struct ProfileError(pub String);

impl Profile {
    /// Reads [`PROFILE_ENV`]; unset means the default. A misspelt value is an error naming the
    /// fix, not a silent fall-back: `cargo bench` runs criterion and the sweep from the same
    /// variable, and they must agree.
    pub fn from_env() -> Result<Profile, ProfileError> {
        match std::env::var(PROFILE_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(Profile::Default),
            Err(std::env::VarError::NotUnicode(v)) => {
                Err(ProfileError(v.to_string_lossy().into_owned()))
            }
            Ok(v) => Profile::parse(&v),
        }
    }

    /// `default` (or empty) and `full`.
    pub fn parse(value: &str) -> Result<Profile, ProfileError> {
        match value.trim() {
            "" | "default" => Ok(Profile::Default),
            "full" => Ok(Profile::Full),
            other => Err(ProfileError(other.to_owned())),
        }
    }

    /// `default` or `full`, as stored.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }

    /// How many times a cheap point runs (see [`REPEAT_BELOW`]), for the spread of its timing.
    pub fn repeats(self) -> usize {
        match self {
            Profile::Default => 3,
            Profile::Full => 5,
        }
    }
}

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
fn deadline(p: &RunRequest) -> Duration {
    Duration::from_secs(120) + p.hosts.latency * 4 + LATENCY * 2 * p.count as u32
}

/// Runs every point of `profile` in a fresh child of `exe`, with a progress bar, then the kill
/// probe. A point that fails is recorded, never fatal.
pub fn run(exe: &Path, profile: Profile, paths: &Paths) -> Sweep {
    run_with_faults(exe, profile, paths, &Faults::default())
}

/// [`run`], with `faults` injected by every point's server (the points under faults keep their
/// own mix).
pub fn run_with_faults(exe: &Path, profile: Profile, paths: &Paths, faults: &Faults) -> Sweep {
    let t0 = Instant::now();
    let mut points = points(profile);
    if !faults.is_empty() {
        for p in &mut points {
            p.hosts.faults = faults.clone();
        }
    }
    let timelines = timeline_points(work_for(TIMELINE_CRUNCH));
    let under_faults = fault_points(profile);
    let scale_options = (profile == Profile::Full).then(crate::scale::Options::default);
    let scale_points = scale_options
        .as_ref()
        .map_or(0, |o| o.models.len() * o.sizes.len());
    let bar = indicatif::ProgressBar::new(
        (points.len() + timelines.len() + under_faults.len() + rates::count(profile) + scale_points)
            as u64
            + 2,
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "sweep [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
    ) {
        bar.set_style(style);
    }
    // Whether each model can run here, asked once: a model that cannot (python3 or uvloop not
    // installed, or io_uring is off) gets a "not available here" entry per point, said once, with no child started.
    let mut unavailable: Vec<(String, Option<String>)> = Vec::new();
    let mut run_all = |points: &[RunRequest]| {
        let mut entries = Vec::with_capacity(points.len());
        for p in points {
            let known = unavailable.iter().find(|(m, _)| *m == p.model).cloned();
            let why = known.clone().map_or_else(
                || registry::find(&p.model).ok().and_then(|m| m.unavailable()),
                |(_, why)| why,
            );
            if known.is_none() {
                unavailable.push((p.model.clone(), why.clone()));
                if let Some(why) = &why {
                    bar.suspend(|| crate::out::warn(&format!("note: {}: {why}\n", p.model)));
                }
            }
            if let Some(why) = why {
                entries.push(RunResult::Failure(RunFailure {
                    request: p.clone(),
                    kind: FailureKind::Unavailable,
                    limit: None,
                    message: why,
                }));
                bar.inc(1);
                continue;
            }
            let traced = if p.trace { " traced" } else { "" };
            let faulty = if p.hosts.faults.is_empty() && p.retries == 0 {
                String::new()
            } else {
                format!(
                    " under {}% faults, {} retries",
                    p.hosts.faults.per_greet_total(),
                    p.retries
                )
            };
            let rate = p
                .offered
                .as_ref()
                .map_or(String::new(), |s| format!(" at {:.0}/s", s.rate));
            bar.set_message(format!(
                "{} {} N={}{rate}{traced}{faulty}",
                p.model, p.workload, p.count
            ));
            let result = match &p.offered {
                Some(_) => child::run(exe, p, rates::child_deadline(p)),
                None => child::run(exe, p, deadline(p)),
            };
            // Errors that were only the faults asked for are what those runs are for.
            if !matches!(result.status(), Status::Ok | Status::FaultsOnly) {
                let note = format!(
                    "note: {} {} N={}: {}",
                    p.model,
                    p.workload,
                    p.count,
                    result.message().unwrap_or_default()
                );
                bar.suspend(|| crate::out::warn(&format!("{note}\n")));
            }
            entries.push(result);
            bar.inc(1);
        }
        entries
    };
    let entries = run_all(&points);
    let timelines = run_all(&timelines);
    let fault_entries = run_all(&under_faults);
    let rate_entries = rates::run(profile, |p| {
        run_all(std::slice::from_ref(p)).pop().unwrap_or_else(|| {
            RunResult::Failure(RunFailure {
                request: p.clone(),
                kind: FailureKind::Crashed,
                limit: None,
                message: "the point was not run".into(),
            })
        })
    });
    bar.set_message("kill probe");
    // Never fails as a whole: an experiment that cannot run records why.
    let kill = Some(crate::probe::run(exe));
    bar.inc(1);
    bar.set_message("python spawn costs");
    let python = match python_side() {
        Ok(p) => Some(p),
        Err(e) => {
            bar.suspend(|| {
                crate::out::warn(&format!(
                    "note: the Python spawn costs were not measured: {e}\n"
                ))
            });
            None
        }
    };
    bar.inc(1);
    let scale = scale_options.map_or_else(Vec::new, |o| scale_with_progress(exe, &o, &bar));
    bar.finish_and_clear();
    Sweep {
        format: FORMAT,
        provenance: Provenance::collect(&paths.workspace),
        models: registry::descriptions(),
        profile: profile.name().to_string(),
        wall_s: t0.elapsed().as_secs_f64(),
        entries,
        kill,
        python,
        timelines,
        faults: fault_entries,
        rates: rate_entries,
        scale,
    }
}

/// Runs the scale sweep, moving `bar` along: one step per point, and the sizes a stopped
/// model will not climb at once. A point that did not end ok is said in one line.
fn scale_with_progress(
    exe: &Path,
    options: &crate::scale::Options,
    bar: &indicatif::ProgressBar,
) -> Vec<RunResult> {
    let sizes = options.sizes.len() as u64;
    let mut climbed = 0u64;
    let mut model = String::new();
    crate::scale::run(exe, options, |p, result| {
        if p.model != model {
            // A new model: skip what the last one did not climb.
            if !model.is_empty() {
                bar.inc(sizes.saturating_sub(climbed));
            }
            model = p.model.clone();
            climbed = 0;
        }
        let Some(result) = result else {
            bar.set_message(format!("scale {} N={}", p.model, p.count));
            return;
        };
        climbed += 1;
        bar.inc(1);
        if result.status() != Status::Ok {
            let note = format!(
                "note: scale {} N={}: {}",
                p.model,
                p.count,
                result.message().unwrap_or_default()
            );
            bar.suspend(|| crate::out::warn(&format!("{note}\n")));
        }
    })
}

/// Runs the scale sweep alone and stores it as the `scale` of `target/greetbench/sweep.json`
/// (and `out`, if given), keeping the rest of a sweep stored there before; with none, the rest
/// is empty. Returns the sweep and where it was stored.
pub fn run_scale_and_store(
    exe: &Path,
    options: &crate::scale::Options,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let t0 = Instant::now();
    let paths = Paths::locate();
    let bar = indicatif::ProgressBar::new((options.models.len() * options.sizes.len()) as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "scale [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
    ) {
        bar.set_style(style);
    }
    let scale = scale_with_progress(exe, options, &bar);
    bar.finish_and_clear();
    let mut sweep = read_versioned::<Sweep>(&paths.sweep_file()).unwrap_or_else(|_| Sweep {
        format: FORMAT,
        provenance: Provenance::collect(&paths.workspace),
        models: registry::descriptions(),
        profile: "scale".to_owned(),
        wall_s: t0.elapsed().as_secs_f64(),
        entries: Vec::new(),
        kill: None,
        python: None,
        timelines: Vec::new(),
        faults: Vec::new(),
        rates: Vec::new(),
        scale: Vec::new(),
    });
    // The models swept now replace their earlier points; every other model's stay, so that
    // `--scale --model tokio` adds to the chart rather than leaving tokio alone on it.
    let swept = |e: &RunResult| options.models.iter().any(|m| *m == e.request().model);
    sweep.scale.retain(|e| !swept(e));
    sweep.scale.extend(scale);
    let mut written = vec![paths.sweep_file()];
    written.extend(out.map(Path::to_path_buf));
    for file in &written {
        write_json(file, &sweep)?;
    }
    Ok((sweep, written))
}

/// Runs `python3 python/spawn_cost.py --json`: Python's spawn costs and kill probe.
pub fn python_side() -> Result<PythonSide, String> {
    let out = model_python::run_script("spawn_cost.py", &["--json"], Duration::from_secs(180))
        .map_err(|e| e.to_string())?;
    serde_json::from_str(out.trim()).map_err(|e| format!("spawn_cost.py printed no report: {e}"))
}

/// Runs the sweep and stores it in `target/greetbench/sweep.json` (and `out`, if given).
/// Returns where it was stored.
pub fn run_and_store(
    exe: &Path,
    profile: Profile,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    run_and_store_with_faults(exe, profile, &Faults::default(), out)
}

/// [`run_and_store`], with `faults` injected by every point's server.
pub fn run_and_store_with_faults(
    exe: &Path,
    profile: Profile,
    faults: &Faults,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let paths = Paths::locate();
    let sweep = run_with_faults(exe, profile, &paths, faults);
    let mut written = vec![paths.sweep_file()];
    written.extend(out.map(Path::to_path_buf));
    for file in &written {
        write_json(file, &sweep)?;
    }
    Ok((sweep, written))
}

/// The sweep as a table: one line per point.
pub fn table(sweep: &Sweep) -> String {
    let mut out = format!(
        "{:<21} {:>6} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>11} {:>8}  outcome\n",
        "model",
        "N",
        "L",
        "wall",
        "cpu usr",
        "cpu sys",
        "peak rss",
        "baseline",
        "KiB/greet",
        "threads"
    );
    for e in &sweep.entries {
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
                    "{:>8} {:>9} {:>9} {:>9} {:>9} {:>11} {:>8}",
                    "-", "-", "-", "-", "-", "-", "-"
                )
            },
            |r| {
                format!(
                    "{:>7.3}s {:>8.3}s {:>8.3}s {:>7}Mi {:>7}Mi {:>11.2} {:>8}",
                    r.wall_s,
                    r.cpu_user_s,
                    r.cpu_sys_s,
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
    let traced = sweep.timelines.iter().filter(|e| e.status() == Status::Ok);
    out.push_str(&format!(
        "timelines: {} of {} traced runs ok (N = {TIMELINE_COUNT}, K = {TIMELINE_WORKERS}, L = {} ms)\n",
        traced.count(),
        sweep.timelines.len(),
        TIMELINE_LATENCY.as_millis()
    ));
    if !sweep.faults.is_empty() {
        out.push_str(&fault_table(&sweep.faults));
    }
    if !sweep.rates.is_empty() {
        out.push_str(&rates::table(&sweep.rates));
    }
    if !sweep.scale.is_empty() {
        out.push_str(&crate::scale::table(&sweep.scale));
    }
    if let Some(k) = &sweep.kill {
        out.push_str("kill probe:\n");
        for line in k.sentences().into_iter().chain(k.resolution()) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(p) = &sweep.python {
        let costs: Vec<String> = p
            .spawn
            .iter()
            .map(|c| format!("{} {:.1} µs", c.kind, c.median_ns / 1e3))
            .collect();
        out.push_str(&format!(
            "python: {}, multiprocessing start method {} by default; start + wait: {}\n",
            p.python,
            p.default_start_method,
            costs.join(", ")
        ));
    }
    out.push_str(&format!(
        "sweep ({}) took {:.1} s\n",
        sweep.profile, sweep.wall_s
    ));
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

    #[test]
    fn a_misspelt_profile_names_the_fix() {
        assert_eq!(Profile::parse("full"), Ok(Profile::Full));
        let e = Profile::parse("ful").unwrap_err().to_string();
        assert!(e.contains("use default or full"), "{e}");
    }
}

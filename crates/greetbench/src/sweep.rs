//! The resource sweep: each model at each size in a **fresh child process**, so that every
//! run's memory, threads and CPU time are its own. Wall time alone hides what a model costs;
//! the sweep records the rest (CPU user/sys, peak and baseline RSS, peak threads, context
//! switches) and where an OS limit stopped a size, which limit.
//!
//! It also runs a small kill probe: a thread and a worker process each stuck on a host that
//! never replies, to measure the course's claim that a process can be killed and a thread
//! cannot.
//!
//! The Python models run here too, since criterion cannot time them in-process: the sweep
//! repeats every cheap point (and its crunch points) so that the report can compare medians
//! with their spread, Rust beside Python, and it stores what `python/spawn_cost.py` measures
//! (Python's spawn costs and kill probe) beside the runs.
//!
//! `greetbench sweep` writes `target/greetbench/sweep.json`; `cargo bench` runs the default
//! sweep through `benches/benches/sweep.rs`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use greet_core::record::{FailureKind, HostSpec, RunFailure, RunRequest, RunResult, Status};
use greet_core::{Lang, Model, Shape, Workload};
use greetbench_report::results::{FORMAT, KillProbe, PythonSide, Sweep, write_json};
use greetbench_report::{Paths, Provenance, ResultsError};

use crate::{child, registry};

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

    fn name(self) -> &'static str {
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

/// How long a point may take before it is killed: generous but finite. Sequential waits
/// N x L; the others about one L.
fn deadline(p: &RunRequest) -> Duration {
    Duration::from_secs(120) + p.hosts.latency * 4 + LATENCY * 2 * p.count as u32
}

/// Runs every point of `profile` in a fresh child of `exe`, with a progress bar, then the kill
/// probe. A point that fails is recorded, never fatal.
pub fn run(exe: &Path, profile: Profile, paths: &Paths) -> Sweep {
    let t0 = Instant::now();
    let points = points(profile);
    let bar = indicatif::ProgressBar::new(points.len() as u64 + 2);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "sweep [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
    ) {
        bar.set_style(style);
    }
    let mut entries = Vec::with_capacity(points.len());
    // Whether each model can run here, asked once: a model that cannot (python3 or uvloop not
    // installed) gets a "not installed" entry per point, said once, with no child started.
    let mut unavailable: Vec<(String, Option<String>)> = Vec::new();
    for p in &points {
        bar.set_message(format!("{} N={}", p.model, p.count));
        let known = unavailable.iter().find(|(m, _)| *m == p.model).cloned();
        let why = known.clone().map_or_else(
            || registry::find(&p.model).ok().and_then(|m| m.unavailable()),
            |(_, why)| why,
        );
        if known.is_none() {
            unavailable.push((p.model.clone(), why.clone()));
            if let Some(why) = &why {
                bar.suspend(|| eprintln!("note: {}: {why}", p.model));
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
        let result = child::run(exe, p, deadline(p));
        if result.status() != Status::Ok {
            let note = format!(
                "note: {} N={}: {}",
                p.model,
                p.count,
                result.message().unwrap_or_default()
            );
            bar.suspend(|| eprintln!("{note}"));
        }
        entries.push(result);
        bar.inc(1);
    }
    bar.set_message("kill probe");
    let kill = match kill_probe(exe) {
        Ok(k) => Some(k),
        Err(e) => {
            bar.suspend(|| eprintln!("note: the kill probe did not run: {e}"));
            None
        }
    };
    bar.inc(1);
    bar.set_message("python spawn costs");
    let python = match python_side() {
        Ok(p) => Some(p),
        Err(e) => {
            bar.suspend(|| eprintln!("note: the Python spawn costs were not measured: {e}"));
            None
        }
    };
    bar.inc(1);
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
    }
}

/// Runs `python3 python/spawn_cost.py --json`: Python's spawn costs and kill probe.
pub fn python_side() -> Result<PythonSide, String> {
    let out = model_python::run_script("spawn_cost.py", &["--json"], Duration::from_secs(180))?;
    serde_json::from_str(out.trim()).map_err(|e| format!("spawn_cost.py printed no report: {e}"))
}

/// How long the stuck thread of the kill probe waits for its reply.
const THREAD_TIMEOUT: Duration = Duration::from_secs(1);

/// A thread and a worker process each greet a host that never replies. The thread has no
/// handle to stop it: it ends only when its own timeout fires. The process is killed
/// (SIGKILL) as soon as its greet is waiting, and reaped.
pub fn kill_probe(exe: &Path) -> Result<KillProbe, String> {
    let server = greet_server::Server::start(greet_server::Config {
        behavior: greet_server::Behavior::Silent,
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let addr = server.addrs()[0];

    // The thread: std offers no way to stop it from outside; we can only wait.
    let t = Instant::now();
    let stuck = std::thread::spawn(move || greet_core::client::greet(addr, THREAD_TIMEOUT));
    let _ = stuck.join();
    let thread_ended_after_s = t.elapsed().as_secs_f64();

    // The process: a `greetbench run` child that would wait 60 s for its reply.
    let mut child = child::command(exe)
        .args([
            "run",
            "--model=sequential",
            "--count=1",
            "--timeout=60s",
            "--json",
        ])
        .arg(format!("--targets={addr}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    // Wait (at most 10 s) until its greet connects: `run --targets` first checks the host
    // answers (connection 1), then greets (connection 2). A silent host counts no greet in
    // flight, so give the greeting a moment to be sent: then the worker is stuck reading.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.stats().connections < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    if server.stats().connections < 2 {
        let _ = child.kill();
        let _ = child.wait();
        return Err("the worker process never connected".into());
    }
    std::thread::sleep(Duration::from_millis(100));
    if let Ok(Some(status)) = child.try_wait() {
        return Err(format!("the worker process ended by itself ({status})"));
    }
    let t = Instant::now();
    child.kill().map_err(|e| format!("kill failed: {e}"))?;
    let status = child.wait().map_err(|e| format!("wait failed: {e}"))?;
    let process_kill_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(KillProbe {
        thread_timeout_s: THREAD_TIMEOUT.as_secs_f64(),
        thread_ended_after_s,
        process_kill_ms,
        process_killed: !status.success(),
    })
}

/// Runs the sweep and stores it in `target/greetbench/sweep.json` (and `out`, if given).
/// Returns where it was stored.
pub fn run_and_store(
    exe: &Path,
    profile: Profile,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let paths = Paths::locate();
    let sweep = run(exe, profile, &paths);
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
            _ if e.unavailable().is_some() => "not installed".to_owned(),
            Status::Ok => "ok".to_owned(),
            Status::Limit(l) => format!("limit ({})", l.label()),
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
    if let Some(k) = &sweep.kill {
        out.push_str(&format!(
            "kill probe: a stuck thread ended only by its own {:.1} s timeout (after {:.3} s); a stuck worker process was killed and reaped in {:.2} ms\n",
            k.thread_timeout_s, k.thread_ended_after_s, k.process_kill_ms
        ));
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
    fn a_misspelt_profile_names_the_fix() {
        assert_eq!(Profile::parse("full"), Ok(Profile::Full));
        let e = Profile::parse("ful").unwrap_err().to_string();
        assert!(e.contains("use default or full"), "{e}");
    }
}

//! The resource sweep: each model at each size in a **fresh child process**, so that every
//! run's memory, threads and CPU time are its own. Wall time alone hides what a model costs;
//! the sweep records the rest (CPU user/sys, peak and baseline RSS, peak threads, context
//! switches) and where an OS limit stopped a size, which limit.
//!
//! It also runs a small kill probe: a thread and a worker process each stuck on a host that
//! never replies, to measure the course's claim that a process can be killed and a thread
//! cannot.
//!
//! `greetbench sweep` writes `target/greetbench/sweep.json`; `cargo bench` runs the default
//! sweep through `benches/benches/sweep.rs`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use greet_core::Workload;
use greetbench_report::kill::KillProbe;
use greetbench_report::results::{Outcome, Sweep, SweepEntry, write_json};
use greetbench_report::{Paths, Provenance};

use crate::harness::{self, RunReport};

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

impl Profile {
    /// Reads [`PROFILE_ENV`]; unset means the default. A misspelt value is an error naming the
    /// fix, not a silent fall-back: `cargo bench` runs criterion and the sweep from the same
    /// variable, and they must agree.
    pub fn from_env() -> Result<Profile, String> {
        match std::env::var(PROFILE_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(Profile::Default),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!(
                "{PROFILE_ENV} is not valid UTF-8: use default or full"
            )),
            Ok(v) => Profile::parse(&v),
        }
    }

    /// `default` (or empty) and `full`.
    pub fn parse(value: &str) -> Result<Profile, String> {
        match value.trim() {
            "" | "default" => Ok(Profile::Default),
            "full" => Ok(Profile::Full),
            other => Err(format!(
                "{PROFILE_ENV}={other} is not a profile: use default or full"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Full => "full",
        }
    }
}

/// One sweep point: a model, a workload and a size.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The model's name.
    pub model: String,
    /// The workload.
    pub workload: Workload,
    /// N.
    pub count: usize,
    /// Host latency.
    pub latency: Duration,
    /// Hosts greeted.
    pub hosts: usize,
}

/// The models that keep one unit of concurrency per waiting greet (no pool): the ones whose
/// memory per waiting greet the sweep compares at 10,000.
pub const UNPOOLED: &[&str] = &[
    "threads",
    "tokio",
    "tokio-current-thread",
    "async-std",
    "smol",
];

/// The latency of the I/O points: every model at N = 1000.
pub const LATENCY: Duration = Duration::from_millis(10);

/// The latency of the memory points. Long enough that every greet is waiting at once (at
/// 10 ms, threads finish before the last ones start: only a few hundred of 10,000 are alive
/// together), so RSS growth ÷ N is the memory of one *waiting* greet.
pub const MEMORY_LATENCY: Duration = Duration::from_secs(2);

/// The hosts every greet point greets: as in the io benchmarks, N = 1000 greets 1000
/// different hosts.
pub const HOSTS: usize = 1000;

/// The points of a profile, in run order.
pub fn points(profile: Profile) -> Vec<Point> {
    let at = |latency| {
        move |model: &str, count| Point {
            model: model.to_string(),
            workload: Workload::Greet,
            count,
            latency,
            hosts: HOSTS,
        }
    };
    let (point, waiting) = (at(LATENCY), at(MEMORY_LATENCY));
    let names = crate::registry::names();
    let mut out = Vec::new();
    if profile == Profile::Full {
        out.extend(names.iter().map(|m| point(m, 100)));
    }
    // Every model at N = 1000. Sequential waits N x L = 10 s here: once is enough.
    out.extend(names.iter().map(|m| point(m, 1000)));
    // Memory per waiting greet at 1,000 and 10,000: one thread, or one task, per greet.
    let mut sizes = vec![1000, 10_000];
    if profile == Profile::Full {
        sizes.push(20_000);
    }
    for n in sizes {
        out.extend(UNPOOLED.iter().map(|m| waiting(m, n)));
    }
    out
}

/// The `run` arguments of one point.
fn run_args(p: &Point) -> Vec<String> {
    vec![
        format!("--model={}", p.model),
        format!("--workload={}", p.workload),
        format!("--count={}", p.count),
        format!("--hosts={}", p.hosts),
        format!("--latency={}us", p.latency.as_micros()),
        "--timeout=10s".into(),
    ]
}

/// The OS limits the harness names, as they appear in `errors_by_kind`.
const LIMIT_KINDS: &[&str] = &["thread_limit", "open_files", "ephemeral_ports"];

/// One entry from a child's report.
fn entry_from_report(p: &Point, r: &RunReport) -> SweepEntry {
    let limit = LIMIT_KINDS
        .iter()
        .filter_map(|k| {
            r.errors_by_kind
                .get(*k)
                .filter(|n| **n > 0)
                .map(|n| (*k, *n))
        })
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k.to_string());
    let outcome = if limit.is_some() {
        Outcome::Limit
    } else if r.errors > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    };
    let message = r
        .limits_hit
        .first()
        .or_else(|| r.first_errors.first())
        .cloned();
    SweepEntry {
        model: p.model.clone(),
        workload: p.workload.to_string(),
        count: p.count,
        latency_ms: p.latency.as_secs_f64() * 1e3,
        hosts: p.hosts,
        outcome,
        limit,
        message,
        ok: r.ok,
        errors: r.errors,
        errors_by_kind: r.errors_by_kind.clone(),
        wall_s: r.wall_s,
        cpu_user_s: r.cpu_user_s,
        cpu_sys_s: r.cpu_sys_s,
        peak_rss_kib: r.peak_rss_kib,
        baseline_rss_kib: r.baseline_rss_kib,
        peak_threads: r.peak_threads,
        ctx_voluntary: r.ctx_voluntary,
        ctx_involuntary: r.ctx_involuntary,
    }
}

/// An entry for a child that did not report: no figures, and the limit if its last words
/// name one.
fn entry_from_failure(p: &Point, why: &str) -> SweepEntry {
    let lower = why.to_lowercase();
    let limit = if lower.contains("open files") {
        Some("open_files")
    } else if lower.contains("ephemeral") || lower.contains("address not available") {
        Some("ephemeral_ports")
    } else if lower.contains("thread") || lower.contains("resource temporarily unavailable") {
        Some("thread_limit")
    } else {
        None
    };
    SweepEntry {
        model: p.model.clone(),
        workload: p.workload.to_string(),
        count: p.count,
        latency_ms: p.latency.as_secs_f64() * 1e3,
        hosts: p.hosts,
        outcome: if limit.is_some() {
            Outcome::Limit
        } else {
            Outcome::Failed
        },
        limit: limit.map(str::to_owned),
        message: Some(why.to_string()),
        ok: 0,
        errors: p.count,
        errors_by_kind: Default::default(),
        wall_s: 0.0,
        cpu_user_s: 0.0,
        cpu_sys_s: 0.0,
        peak_rss_kib: 0,
        baseline_rss_kib: 0,
        peak_threads: 0,
        ctx_voluntary: 0,
        ctx_involuntary: 0,
    }
}

/// Runs every point of `profile` in a fresh child of `exe`, with a progress bar, then the kill
/// probe. A point that fails is recorded, never fatal.
pub fn run(exe: &Path, profile: Profile, paths: &Paths) -> Sweep {
    let t0 = Instant::now();
    let points = points(profile);
    let bar = indicatif::ProgressBar::new(points.len() as u64 + 1);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "sweep [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
    ) {
        bar.set_style(style);
    }
    let mut entries = Vec::with_capacity(points.len());
    for p in &points {
        bar.set_message(format!("{} N={}", p.model, p.count));
        // Generous but finite: sequential waits N x 10 ms, the others about one L.
        let limit = Duration::from_secs(120) + p.latency * 4 + LATENCY * 2 * p.count as u32;
        let entry = match harness::run_in_child(exe, &run_args(p), limit) {
            Ok(r) => entry_from_report(p, &r),
            Err(why) => entry_from_failure(p, &why),
        };
        if entry.outcome != Outcome::Ok {
            let note = format!(
                "note: {} N={}: {:?}{}",
                entry.model,
                entry.count,
                entry.outcome,
                entry
                    .limit
                    .as_deref()
                    .map_or(String::new(), |l| format!(" ({l})"))
            );
            bar.suspend(|| eprintln!("{note}"));
        }
        entries.push(entry);
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
    bar.finish_and_clear();
    Sweep {
        provenance: Provenance::collect(&paths.workspace),
        profile: profile.name().to_string(),
        wall_s: t0.elapsed().as_secs_f64(),
        entries,
        kill,
    }
}

/// The kill probe: five experiments on hosts that never reply (see [`crate::probe`]).
pub fn kill_probe(exe: &Path) -> Result<KillProbe, String> {
    Ok(crate::probe::run(exe))
}

/// Runs the sweep and stores it in `target/greetbench/sweep.json` (and `out`, if given).
/// Returns where it was stored.
pub fn run_and_store(
    exe: &Path,
    profile: Profile,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), String> {
    let paths = Paths::locate();
    let sweep = run(exe, profile, &paths);
    let mut written = vec![paths.sweep_file()];
    written.extend(out.map(Path::to_path_buf));
    for file in &written {
        write_json(file, &sweep).map_err(|e| e.to_string())?;
    }
    Ok((sweep, written))
}

/// Prints the sweep as a table: one line per point.
pub fn print_table(sweep: &Sweep) {
    println!(
        "{:<21} {:>6} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>11} {:>8}  outcome",
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
        println!(
            "{:<21} {:>6} {:>4}ms {:>7.3}s {:>8.3}s {:>8.3}s {:>7}Mi {:>7}Mi {:>11.2} {:>8}  {:?}{}",
            e.model,
            e.count,
            e.latency_ms,
            e.wall_s,
            e.cpu_user_s,
            e.cpu_sys_s,
            e.peak_rss_kib / 1024,
            e.baseline_rss_kib / 1024,
            e.kib_per_job(),
            e.peak_threads,
            e.outcome,
            e.limit
                .as_deref()
                .map_or(String::new(), |l| format!(" ({l})"))
        );
    }
    if let Some(k) = &sweep.kill {
        println!("kill probe:");
        for line in k.sentences().into_iter().chain(k.resolution()) {
            println!("  {line}");
        }
    }
    println!("sweep ({}) took {:.1} s", sweep.profile, sweep.wall_s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_points_cover_every_model_at_1000_and_the_unpooled_at_10000() {
        let pts = points(Profile::Default);
        for m in crate::registry::names() {
            assert!(pts.iter().any(|p| p.model == m && p.count == 1000), "{m}");
        }
        for m in UNPOOLED {
            for n in [1000, 10_000] {
                assert!(
                    pts.iter()
                        .any(|p| p.model == *m && p.count == n && p.latency == MEMORY_LATENCY),
                    "{m} {n}"
                );
            }
        }
        assert!(
            !pts.iter()
                .any(|p| p.model == "sequential" && p.count > 1000)
        );
        assert!(points(Profile::Full).len() > pts.len());
    }

    #[test]
    fn a_child_that_names_a_limit_is_recorded_as_that_limit() {
        let p = &points(Profile::Default)[0];
        let e = entry_from_failure(p, "exit status: 1: error: too many open files (EMFILE)");
        assert_eq!(e.outcome, Outcome::Limit);
        assert_eq!(e.limit.as_deref(), Some("open_files"));
        let e = entry_from_failure(p, "exit status: 1: something else");
        assert_eq!(e.outcome, Outcome::Failed);
        assert_eq!(e.limit, None);
    }
}

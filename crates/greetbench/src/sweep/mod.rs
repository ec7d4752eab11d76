//! The sweeps: every point in a **fresh child process**, so that every run's memory, threads
//! and CPU time are its own. `greetbench sweep` writes `target/greetbench/sweep.json`;
//! `cargo bench` runs the default sweep through `benches/benches/sweep.rs`.
//!
//! # Layout
//! - [`resources`]: every model at each size with its resource costs, the points under
//!   faults, and the small traced runs the report draws as timelines.
//! - [`kill`]: the kill probe: five experiments that try to stop a thread, a task and a process
//!   each stuck on a host that never replies, and record what happened, to test the course's
//!   claim that a process can be killed and a thread cannot.
//! - [`rates`]: the rate sweep: models under open-loop load, from well below their predicted
//!   knee to well past it (`greetbench sweep --rates` runs it alone).
//! - [`floor`]: each model of a thread or task per greet beside the floor client of its kind,
//!   in a few interleaved pairs at N = 1000 (the report's ratios to the floor).
//! - [`scale`]: the scale sweep: each model from 1,000 waiting greets up to the OS limit that
//!   stops it (the full profile ends with it; `greetbench sweep --scale` runs it alone and
//!   stores it beside what an earlier sweep stored).
//! - Here: the profile, the run of them all in that order with one progress bar (and, beside
//!   them, what `python/spawn_cost.py` measures: Python's spawn costs and kill probe), where
//!   they are stored, and the whole sweep's table.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use greet_core::fault::Faults;
use greet_core::record::{FailureKind, RunFailure, RunRequest, RunResult, Status};
use greetbench_report::results::{FORMAT, PythonSide, Sweep, read_versioned, write_json};
use greetbench_report::{Paths, Provenance, ResultsError};

use crate::pythons::{self, Pythons};
use crate::{child, registry};

pub mod floor;
pub mod kill;
pub mod rates;
pub mod resources;
pub mod scale;

pub use resources::{
    CRUNCH_WORK, FAULT_LEVELS, FAULT_RETRIES, HOSTS, LATENCY, MEMORY_LATENCY, REPEAT_BELOW,
    TIMELINE_COUNT, TIMELINE_CRUNCH, TIMELINE_LATENCY, TIMELINE_WORKERS, crunch_count, fault_mix,
    fault_points, fault_table, points, timeline_points, unpooled, work_for,
};

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

/// Runs every point of `profile` in a fresh child of `exe`, with a progress bar, then the kill
/// probe. A point that fails is recorded, never fatal.
pub fn run(exe: &Path, profile: Profile, paths: &Paths) -> Sweep {
    run_with_faults(
        exe,
        profile,
        paths,
        &Faults::default(),
        &Pythons::choose(&[]),
    )
}

/// [`run`], with `faults` injected by every point's server (the points under faults keep their
/// own mix), and each Python model's resource points run once per interpreter of `pythons`
/// (each record says which interpreter ran it).
pub fn run_with_faults(
    exe: &Path,
    profile: Profile,
    paths: &Paths,
    faults: &Faults,
    pythons: &Pythons,
) -> Sweep {
    let t0 = Instant::now();
    let mut points = pythons.requests(points(profile));
    if !faults.is_empty() {
        for p in &mut points {
            p.hosts.faults = faults.clone();
        }
    }
    let timelines = timeline_points(work_for(TIMELINE_CRUNCH));
    let under_faults = fault_points(profile);
    let scale_options = (profile == Profile::Full).then(scale::Options::default);
    let scale_points = scale_options
        .as_ref()
        .map_or(0, |o| o.models.len() * o.sizes.len());
    let bar = progress(
        "sweep",
        points.len()
            + timelines.len()
            + under_faults.len()
            + rates::count(profile)
            + floor::count(profile)
            + scale_points
            + 2,
    );
    let mut runner = PointRunner::new(exe, &bar);
    let entries = runner.run_all(&points);
    let timelines = runner.run_all(&timelines);
    let fault_entries = runner.run_all(&under_faults);
    let rate_entries = rates::run(profile, |p| runner.run_one(p));
    let floor = floor::run(exe, profile, |label| {
        bar.set_message(label.to_owned());
        bar.inc(1);
    })
    .unwrap_or_else(|why| {
        bar.suspend(|| crate::out::warn(&format!("note: no floor pairs: {why}\n")));
        Vec::new()
    });
    bar.set_message("kill probe");
    // Never fails as a whole: an experiment that cannot run records why.
    let kill = Some(kill::run(exe));
    bar.inc(1);
    bar.set_message("python spawn costs");
    let python = python_side()
        .map_err(|e| {
            bar.suspend(|| {
                crate::out::warn(&format!(
                    "note: the Python spawn costs were not measured: {e}\n"
                ))
            })
        })
        .ok();
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
        floor,
    }
}

/// A progress bar of `len` steps on stderr, labelled `what` (hidden when stderr is not a
/// terminal).
fn progress(what: &str, len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{what} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {{msg}}"
    )) {
        bar.set_style(style);
    }
    bar
}

/// Runs points in fresh children of `exe`, one step of `bar` each. Whether each model can run
/// here is asked once: a model that cannot (python3 or uvloop not installed, or io_uring is
/// off) gets a "not available here" entry per point, said once, with no child started.
struct PointRunner<'a> {
    exe: &'a Path,
    bar: &'a indicatif::ProgressBar,
    /// Each model (on its interpreter, for a Python model) asked so far, and why it cannot
    /// run here, if it cannot.
    unavailable: Vec<(String, Option<String>)>,
}

impl<'a> PointRunner<'a> {
    fn new(exe: &'a Path, bar: &'a indicatif::ProgressBar) -> PointRunner<'a> {
        PointRunner {
            exe,
            bar,
            unavailable: Vec::new(),
        }
    }

    fn run_all(&mut self, points: &[RunRequest]) -> Vec<RunResult> {
        points.iter().map(|p| self.run_one(p)).collect()
    }

    /// Runs `p` (or records why it cannot run here); a point that did not end ok, or ok but
    /// for the faults it asked for, is said in one line.
    fn run_one(&mut self, p: &RunRequest) -> RunResult {
        if let Some(why) = self.why_not(p) {
            self.bar.inc(1);
            return RunResult::Failure(RunFailure {
                request: p.clone(),
                kind: FailureKind::Unavailable,
                limit: None,
                message: why,
            });
        }
        self.bar.set_message(label(p));
        let result = match &p.offered {
            Some(_) => child::run(self.exe, p, rates::child_deadline(p)),
            None => child::run(self.exe, p, resources::deadline(p)),
        };
        // Errors that were only the faults asked for are what those runs are for.
        if !matches!(result.status(), Status::Ok | Status::FaultsOnly) {
            let note = format!(
                "note: {} {} N={}: {}",
                pythons::label(p, result.record().and_then(|r| r.interpreter.as_ref())),
                p.workload,
                p.count,
                result.message().unwrap_or_default()
            );
            self.bar.suspend(|| crate::out::warn(&format!("{note}\n")));
        }
        self.bar.inc(1);
        result
    }

    /// Why `p`'s model cannot run here (on its interpreter), asked once per model and
    /// interpreter and said once.
    fn why_not(&mut self, p: &RunRequest) -> Option<String> {
        let model = pythons::label(p, None);
        if let Some((_, why)) = self.unavailable.iter().find(|(m, _)| *m == model) {
            return why.clone();
        }
        let why = registry::find_for(p).ok().and_then(|m| m.unavailable());
        self.unavailable.push((model.clone(), why.clone()));
        if let Some(why) = &why {
            self.bar
                .suspend(|| crate::out::warn(&format!("note: {model}: {why}\n")));
        }
        why
    }
}

/// A point in a few words, for the progress bar.
fn label(p: &RunRequest) -> String {
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
    format!(
        "{} {} N={}{rate}{traced}{faulty}",
        pythons::label(p, None),
        p.workload,
        p.count
    )
}

/// Runs the scale sweep, moving `bar` along: one step per point, and the sizes a stopped
/// model will not climb at once. A point that did not end ok is said in one line.
fn scale_with_progress(
    exe: &Path,
    options: &scale::Options,
    bar: &indicatif::ProgressBar,
) -> Vec<RunResult> {
    let sizes = options.sizes.len() as u64;
    let mut climbed = 0u64;
    let mut model = String::new();
    scale::run(exe, options, |p, result| {
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
    options: &scale::Options,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let t0 = Instant::now();
    let paths = Paths::locate();
    let bar = progress("scale", options.models.len() * options.sizes.len());
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
        floor: Vec::new(),
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

/// Why Python's spawn costs were not measured.
#[derive(Debug, thiserror::Error)]
pub enum PythonSideError {
    /// The script could not run (no python3, or past its deadline): what `model_python` said.
    #[error("{0}")]
    Run(String),
    /// It ran but printed no report.
    #[error("spawn_cost.py printed no report: {0}")]
    Report(#[from] serde_json::Error),
}

/// Runs `python3 python/spawn_cost.py --json`: Python's spawn costs and kill probe.
pub fn python_side() -> Result<PythonSide, PythonSideError> {
    let out = model_python::run_script("spawn_cost.py", &["--json"], Duration::from_secs(180))
        .map_err(|e| PythonSideError::Run(e.to_string()))?;
    Ok(serde_json::from_str(out.trim())?)
}

/// Runs the sweep and stores it in `target/greetbench/sweep.json` (and `out`, if given).
/// Returns where it was stored.
pub fn run_and_store(
    exe: &Path,
    profile: Profile,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    run_and_store_with_faults(exe, profile, &Faults::default(), &Pythons::choose(&[]), out)
}

/// [`run_and_store`], with `faults` injected by every point's server.
pub fn run_and_store_with_faults(
    exe: &Path,
    profile: Profile,
    faults: &Faults,
    pythons: &Pythons,
    out: Option<&Path>,
) -> Result<(Sweep, Vec<PathBuf>), ResultsError> {
    let paths = Paths::locate();
    let sweep = run_with_faults(exe, profile, &paths, faults, pythons);
    let mut written = vec![paths.sweep_file()];
    written.extend(out.map(Path::to_path_buf));
    for file in &written {
        write_json(file, &sweep)?;
    }
    Ok((sweep, written))
}

/// The sweep as a table: one line per point, then each other part's lines.
pub fn table(sweep: &Sweep) -> String {
    let mut out = resources::table(&sweep.entries);
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
        out.push_str(&scale::table(&sweep.scale));
    }
    if !sweep.floor.is_empty() {
        out.push_str(&floor::table(&sweep.floor));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_profile_names_the_fix() {
        assert_eq!(Profile::parse("full"), Ok(Profile::Full));
        let e = Profile::parse("ful").unwrap_err().to_string();
        assert!(e.contains("use default or full"), "{e}");
    }
}

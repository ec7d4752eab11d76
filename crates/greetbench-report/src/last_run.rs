//! "Since the last run": `cargo bench` keeps the previous run's results as
//! `target/greetbench/previous.json` and its report compares against them, as criterion
//! prints a "change" line against its previous run.
//!
//! # One run is several processes
//! `cargo bench` starts each bench target (`cpu`, `io`, ..., `sweep`) as its own process, one
//! after the other, and every one regenerates the report when it ends. So a run is told apart
//! from the next by a marker (`target/greetbench/bench-run.json`): the process id of the
//! `cargo` that started the bench (its parent), and the benches that have ended under it.
//! A bench that ends under another parent, or under the same parent a second time, starts a
//! new run: `results.json` (the last run's, complete) is renamed to `previous.json` before the
//! new results are written. The later benches of the same run leave `previous.json` alone, and
//! each of their reports compares against it.

use std::path::{Path, PathBuf};

use greet_core::Description;
use serde::{Deserialize, Serialize};

use crate::diff::{Baseline, Kind};
use crate::results::{self, Results, ResultsError};
use crate::{Paths, write_page};

/// The previous run's results, in the data directory.
pub const PREVIOUS: &str = "previous.json";

/// The marker of the run in progress, in the data directory.
pub const MARKER: &str = "bench-run.json";

/// One bench process: who started it, and which bench it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bench {
    /// The process id of the process that started it (`cargo bench`).
    pub parent: u32,
    /// Its name (the executable's file name, `io-1a2b3c...`).
    pub name: String,
}

impl Bench {
    /// This process.
    pub fn current() -> Bench {
        let name = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "bench".into());
        Bench {
            parent: std::os::unix::process::parent_id(),
            name,
        }
    }
}

/// The marker: the run in progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Marker {
    parent: u32,
    benches: Vec<String>,
}

/// `target/greetbench/previous.json`.
pub fn previous_file(paths: &Paths) -> PathBuf {
    paths.data_dir().join(PREVIOUS)
}

/// Records that `bench` is ending, and says whether it starts a new run (see the module's
/// doc). An unreadable marker starts a new run.
fn starts_a_run(data: &Path, bench: &Bench) -> Result<bool, ResultsError> {
    let file = data.join(MARKER);
    let mut marker: Marker = if file.exists() {
        results::read_json(&file).unwrap_or_default()
    } else {
        Marker::default()
    };
    let new = marker.parent != bench.parent || marker.benches.contains(&bench.name);
    if new {
        marker = Marker {
            parent: bench.parent,
            benches: Vec::new(),
        };
    }
    marker.benches.push(bench.name.clone());
    results::write_json(&file, &marker)?;
    Ok(new)
}

/// The baseline of the report `results` make: the previous run, or why there is none.
pub fn baseline(previous: &Path, results: &Results) -> Baseline {
    if !previous.exists() {
        return Baseline::nothing(
            Kind::LastRun,
            "nothing to compare yet: this is the first run (the next `cargo bench` compares against it)",
        );
    }
    match crate::diff::read(previous) {
        Ok(old) if old.format != results.format => Baseline::nothing(
            Kind::LastRun,
            format!(
                "nothing to compare: the last run's results are format {} and this run's format {} (the next `cargo bench` compares against this one)",
                old.format, results.format
            ),
        ),
        Ok(old) => Baseline::new(
            Kind::LastRun,
            &previous.display().to_string(),
            &old,
            results,
        ),
        Err(e) => Baseline::nothing(
            Kind::LastRun,
            format!("nothing to compare: the last run's results could not be read ({e})"),
        ),
    }
}

/// What the end of each bench does: starts a new run when `bench` begins one (the last run's
/// `results.json` becomes `previous.json`), gathers everything stored into `results.json`,
/// and renders `reports/index.html` with the section "Since the last run". Returns the page
/// and the line to print (`since the last run: 2 slower, 40 no change`).
pub fn regenerate(
    paths: &Paths,
    models: &[Description],
    bench: &Bench,
) -> Result<(PathBuf, String), ResultsError> {
    let data = paths.data_dir();
    let io = |path: PathBuf| move |why| ResultsError::Io { path, why };
    std::fs::create_dir_all(&data).map_err(io(data.clone()))?;
    let current = paths.results_file();
    let previous = previous_file(paths);
    if starts_a_run(&data, bench)? && current.exists() {
        std::fs::rename(&current, &previous).map_err(io(previous.clone()))?;
    }
    let results = Results::gather(&paths.workspace, &paths.target, models);
    results::write_json(&current, &results)?;
    let baseline = baseline(&previous, &results);
    let line = baseline.line();
    let page = write_page(
        &results,
        &paths.report_dir(),
        &paths.target.join("criterion"),
        Some(baseline),
    )?;
    Ok((page, line))
}

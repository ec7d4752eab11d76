//! greetbench's stored results and the HTML report drawn from them.
//!
//! `cargo bench` and `greetbench sweep` leave raw results under the target directory. This
//! crate gathers them, with their [`Provenance`], into one `results.json`, and renders
//! `reports/index.html` from that file only: the answer first ("which model, when?"), then one
//! section per question, each with its key chart (SVG drawn here, inline), its table and its
//! source, every comparison a ratio with its 95 % interval. A stored `results.json` therefore
//! regenerates the same report.
//!
//! # Layout
//! - [`provenance`]: machine, toolchain, crate versions, commit, date.
//! - [`results`]: the `results.json` layout, gathering it from criterion and the sweep, and
//!   [`Results::from_runs`] for runs alone (what `greetbench compare` has).
//! - [`group`]: criterion's group names, spelled once for the benches and the report.
//! - [`view`]: the typed [`View`], built once: every comparable figure keyed by question and
//!   row, with its samples, median, interval, source and noise; [`View::compare`] gives the
//!   ratio of two with its interval.
//! - [`stats`]: medians, the seeded bootstrap of a ratio, Wilson's interval.
//! - [`verdict`]: how a claim or pick is decided (holds, does not hold, inconclusive).
//! - [`format`](mod@format): how every number is written (three significant figures).
//! - [`reading`](mod@reading): the answer read out in sentences, printed under `compare`'s table and under
//!   the answer's.
//! - [`section`]: the page, one file and template per section behind `enum Section` (the
//!   answer, the claims, I/O, the floor, memory, CPU, mixed, load, kill, faults, spawn, shared
//!   state, timelines, the machine, the glossary and the appendices).
//! - [`chart`]: the charts (bars, lines, timelines), drawn from series, never from results.
//! - [`kill`]: the kill probe's experiments and what each observed.
//! - [`diff`]: two runs side by side (`greetbench diff`, "Against the baseline").
//! - [`last_run`]: `cargo bench`'s previous run, and "Since the last run".
//!
//! ```no_run
//! // What `cargo bench` does after the last benchmark, with the registry's model descriptions:
//! let models: Vec<greet_core::Description> = Vec::new();
//! let line = greetbench_report::regenerate_after_bench(&models);
//! assert!(line.starts_with("greetbench report: ") || line.starts_with("warning: "));
//! ```

pub mod chart;
pub mod diff;
pub mod format;
pub mod group;
pub mod kill;
pub mod last_run;
pub mod provenance;
pub mod reading;
pub mod results;
pub mod section;
pub mod stats;
pub mod verdict;
pub mod view;

use std::path::{Path, PathBuf};

use greet_core::Description;
pub use provenance::Provenance;
pub use reading::{Reading, reading};
pub use results::{Results, ResultsError};
pub use section::Options;
pub use view::View;

/// The whole page, rendered from `results`: the typed view is built once, then every section
/// reads it.
pub fn page(results: &Results, options: &Options) -> Result<String, ResultsError> {
    let view = View::new(results);
    Ok(section::page(&view, options)?)
}

/// Where results are read from and the report is written to.
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// The workspace root (holds `Cargo.lock`).
    pub workspace: PathBuf,
    /// The cargo target directory (`CARGO_TARGET_DIR`, or `<workspace>/target`).
    pub target: PathBuf,
}

impl Paths {
    /// The workspace this crate was built in (found from the current directory, else from
    /// this crate's own manifest path) and its target directory.
    pub fn locate() -> Paths {
        let from_cwd = std::env::current_dir().ok().and_then(|d| {
            d.ancestors()
                .find(|a| is_workspace(a))
                .map(Path::to_path_buf)
        });
        let workspace = from_cwd.unwrap_or_else(|| {
            let here = Path::new(env!("CARGO_MANIFEST_DIR"));
            here.ancestors()
                .find(|a| is_workspace(a))
                .unwrap_or(here)
                .to_path_buf()
        });
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(t) if !t.is_empty() => {
                let t = PathBuf::from(t);
                if t.is_absolute() {
                    t
                } else {
                    workspace.join(t)
                }
            }
            _ => workspace.join("target"),
        };
        Paths { workspace, target }
    }

    /// `target/greetbench`: the sweep, the skipped list and the gathered results.
    pub fn data_dir(&self) -> PathBuf {
        self.target.join("greetbench")
    }

    /// `target/greetbench/results.json`.
    pub fn results_file(&self) -> PathBuf {
        self.data_dir().join("results.json")
    }

    /// `target/greetbench/sweep.json`.
    pub fn sweep_file(&self) -> PathBuf {
        self.data_dir().join("sweep.json")
    }

    /// `reports/`: where `index.html` goes.
    pub fn report_dir(&self) -> PathBuf {
        self.workspace.join("reports")
    }
}

/// A directory with both `Cargo.lock` and a `Cargo.toml` that declares a workspace.
fn is_workspace(dir: &Path) -> bool {
    dir.join("Cargo.lock").is_file()
        && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
}

/// Gathers everything stored under `paths.target` into `results.json` and returns its path.
/// `models` are the registry's descriptions of the models.
pub fn collect(paths: &Paths, models: &[Description]) -> Result<PathBuf, ResultsError> {
    let results = Results::gather(&paths.workspace, &paths.target, models);
    let file = paths.results_file();
    results::write_json(&file, &results)?;
    Ok(file)
}

/// Renders `<out_dir>/index.html` from a stored results file. Links to criterion's own pages
/// point at `criterion_dir` (relative to `out_dir` when it can be). Returns the page's path.
pub fn render(
    results_file: &Path,
    out_dir: &Path,
    criterion_dir: &Path,
) -> Result<PathBuf, ResultsError> {
    let results: Results = results::read_versioned(results_file)?;
    write_page(&results, out_dir, criterion_dir, None)
}

/// Renders `<out_dir>/index.html` from `results`, with a section comparing them against
/// `baseline` when given. Returns the page's path.
pub fn write_page(
    results: &Results,
    out_dir: &Path,
    criterion_dir: &Path,
    baseline: Option<diff::Baseline>,
) -> Result<PathBuf, ResultsError> {
    let io = |path: PathBuf| move |why| ResultsError::Io { path, why };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir.to_path_buf()))?;
    let link_base = relative_link(out_dir, criterion_dir);
    let page = page(
        results,
        &Options {
            link_base,
            baseline,
        },
    )?;
    let file = out_dir.join("index.html");
    std::fs::write(&file, page).map_err(io(file.clone()))?;
    Ok(file)
}

/// Collects, then renders `reports/index.html`. Returns the page's path.
pub fn regenerate(paths: &Paths, models: &[Description]) -> Result<PathBuf, ResultsError> {
    let results_file = collect(paths, models)?;
    render(
        &results_file,
        &paths.report_dir(),
        &paths.target.join("criterion"),
    )
}

/// For the end of `cargo bench`: regenerates `reports/index.html` from whatever is stored,
/// against the previous run ([`last_run`]), and returns the lines to print: where the page is
/// and what changed since the last run, or why it was not regenerated. Never panics; the
/// bench binary prints the lines.
pub fn regenerate_after_bench(models: &[Description]) -> String {
    let outcome = std::panic::catch_unwind(|| {
        last_run::regenerate(&Paths::locate(), models, &last_run::Bench::current())
    });
    match outcome {
        Ok(Ok((page, since))) => format!("greetbench report: {}\n  {since}", page.display()),
        Ok(Err(e)) => format!("warning: the greetbench report was not regenerated: {e}"),
        Err(_) => "warning: the greetbench report was not regenerated (internal error); run \
                   `greetbench report` to see why"
            .into(),
    }
}

/// `to` as a link from a page in `from`: relative when both resolve under a common root,
/// else an absolute `file://` path.
fn relative_link(from: &Path, to: &Path) -> String {
    let (Ok(from), Ok(to)) = (from.canonicalize(), std::path::absolute(to)) else {
        return format!("file://{}", to.display());
    };
    let to = to.canonicalize().unwrap_or(to);
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common <= 1 {
        return format!("file://{}", to.display());
    }
    let ups = from.components().count() - common;
    let mut parts: Vec<String> = vec!["..".into(); ups];
    parts.extend(
        to.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_link_walks_up_then_down() {
        let base = std::env::temp_dir().join(format!("gb-rel-{}", std::process::id()));
        let reports = base.join("reports");
        let crit = base.join("target").join("criterion");
        std::fs::create_dir_all(&reports).unwrap();
        std::fs::create_dir_all(&crit).unwrap();
        assert_eq!(super::relative_link(&reports, &crit), "../target/criterion");
        std::fs::remove_dir_all(&base).ok();
    }
}

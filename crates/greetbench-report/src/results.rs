//! The stored results: one `results.json` gathers the provenance, criterion's estimates, the
//! budget's skipped ids and the resource sweep. The report is rendered from that file only, so
//! a stored file regenerates the same report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use greet_core::Description;
use greet_core::record::{Noise, RunResult};
use serde::{Deserialize, Serialize};

use crate::provenance::Provenance;

/// The version of the layout of `results.json` and `sweep.json`. Format 3 adds criterion's raw
/// per-iteration times ([`Estimate::samples_ns`]); a reader accepts [`OLDEST_FORMAT`] up to
/// this one and refuses any other version with one line naming the fix (regenerate the file),
/// never a half-read report.
pub const FORMAT: u32 = 3;

/// The oldest format still read. A format-2 file has no raw samples: the report then takes
/// each criterion comparison's interval from criterion's own intervals of the two medians, and
/// says so.
pub const OLDEST_FORMAT: u32 = 2;

/// The most bytes any stored file is read to: far above a full profile's results (a few MB),
/// low enough that a wrong path (a device, a sparse file) is refused at once.
pub const MAX_RESULTS_BYTES: u64 = 512 * 1024 * 1024;

/// Everything one report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`FORMAT`] when written.
    pub format: u32,
    /// Where the report was collected (the sweep carries its own).
    pub provenance: Provenance,
    /// Every model, as the registry that produced these results described it. Charts, tables
    /// and verdicts pick and order their rows from these, never from a list of names.
    pub models: Vec<Description>,
    /// One entry per criterion benchmark found.
    #[serde(default)]
    pub criterion: Vec<Estimate>,
    /// What the rest of the machine did during each criterion group.
    #[serde(default)]
    pub noise: Vec<GroupNoise>,
    /// Benchmarks the time budget skipped (from `target/greetbench/skipped.json`).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// The resource sweep, if one was run.
    #[serde(default)]
    pub sweep: Option<Sweep>,
    /// What gathering could not read, one line each (the page says them); never stored.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// How many sweep runs recorded their noise, and how many were busy ([`Results::runs_noise`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunsNoise {
    /// Every sweep run, in every list.
    pub runs: usize,
    /// The runs whose record kept its noise.
    pub recorded: usize,
    /// Of those, the busy ones ([`Noise::busy`]).
    pub busy: usize,
}

/// The machine's other load during one criterion group (`target/greetbench/noise.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupNoise {
    /// The group, e.g. `io_10ms`.
    pub group: String,
    /// How long the group ran, s.
    pub wall_s: f64,
    /// Others' busy CPU and steal while it ran.
    pub noise: Noise,
}

impl GroupNoise {
    /// Whether this group was measured on a busy machine ([`Noise::BUSY`]).
    pub fn busy(&self) -> bool {
        self.noise.busy()
    }
}

/// Criterion's estimate for one benchmark, `group/function/value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The group, e.g. `io_10ms`.
    pub group: String,
    /// The function: a model, a spawn kind or a locking method.
    pub function: String,
    /// The size N (or thread count); `None` if the id has no numeric value.
    pub size: Option<u64>,
    /// Median time per iteration, ns.
    pub median_ns: f64,
    /// 95% confidence interval of the median, ns.
    pub median_lo_ns: f64,
    /// Upper bound of that interval, ns.
    pub median_hi_ns: f64,
    /// Median absolute deviation, ns: the spread.
    pub mad_ns: f64,
    /// The raw time per iteration of each of criterion's samples, ns (its `sample.json`:
    /// each sample's total time over its iteration count). Empty in a format-2 file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples_ns: Vec<f64>,
    /// Elements per iteration, when the bench declared a throughput.
    pub elements: Option<u64>,
    /// Criterion's directory for this benchmark, relative to `target/criterion`.
    pub dir: String,
}

/// A benchmark the budget skipped, with the time it was predicted to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The group.
    pub group: String,
    /// The model or kind.
    pub model: String,
    /// The size.
    pub size: u64,
    /// Predicted seconds.
    #[serde(default)]
    pub predicted_s: f64,
}

/// What `greetbench sweep` stores (`target/greetbench/sweep.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// [`FORMAT`] when written.
    pub format: u32,
    /// Where and when the sweep ran.
    pub provenance: Provenance,
    /// The models as the sweeping registry described them.
    pub models: Vec<Description>,
    /// `default` or `full`.
    pub profile: String,
    /// The whole sweep's wall time, s.
    pub wall_s: f64,
    /// One run per model, workload and size, each in a fresh child process: its record, or
    /// why it has none.
    pub entries: Vec<RunResult>,
    /// The kill probe, if it ran.
    #[serde(default, deserialize_with = "crate::kill::deserialize_or_none")]
    pub kill: Option<crate::kill::KillProbe>,
    /// Small traced runs, one per model and workload, each in a fresh child process: their
    /// records carry every job's timeline ([`greet_core::record::RunRecord::timeline`]), which the report draws.
    #[serde(default)]
    pub timelines: Vec<RunResult>,
    /// The runs under faults: each model at several fault levels of one mix, with and without
    /// retries (the report's "Under faults" section).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<RunResult>,
    /// The Python beside the Rust: what `python3 python/spawn_cost.py --json` measured, if
    /// python3 ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonSide>,
    /// The rate sweep: open-loop runs (`greetbench load`) of each model from a low offered
    /// rate to past its knee; each record carries [`greet_core::record::LoadFigures`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rates: Vec<RunResult>,
    /// The scale sweep (`greetbench sweep --scale`): each model from 1,000 waiting greets up
    /// to the limit that stopped it; records carry [`greet_core::record::ScaleFigures`], and a
    /// point that hit an OS limit is a failure naming it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scale: Vec<RunResult>,
    /// Each model of a thread or task per greet beside the floor client of its kind:
    /// interleaved pairs of wall times, whose median ratio and interval
    /// ([`greet_core::floor::FloorPairs::ratio`]) are what the harness costs over a bare client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub floor: Vec<greet_core::floor::FloorPairs>,
}

/// What `python3 python/spawn_cost.py --json` measured: the interpreter, the cost of starting
/// each kind of unit of concurrency, and the Python kill probe. The Python column of the spawn
/// chart and of the course's claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonSide {
    /// Implementation and version, e.g. `CPython 3.11.7`.
    pub python: String,
    /// The multiprocessing start method this Python uses by default (fork on Linux up to 3.13,
    /// forkserver from 3.14).
    pub default_start_method: String,
    /// uvloop's version, if it can be imported.
    #[serde(default)]
    pub uvloop: Option<String>,
    /// Starting (and waiting for) one unit of concurrency, by kind.
    #[serde(default)]
    pub spawn: Vec<SpawnCost>,
    /// A thread and a process each stuck on a host that never replies.
    #[serde(default)]
    pub kill: Option<PyKillProbe>,
}

/// The cost of starting one unit of concurrency and waiting for it, over repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpawnCost {
    /// The kind, named as the Rust spawn bench names its kinds where they match (`thread`,
    /// `process` for a fresh interpreter, `fork`), else its own (`forkserver`, ...).
    pub kind: String,
    /// What exactly was started, in words.
    pub what: String,
    /// Median over the repeats, ns.
    pub median_ns: f64,
    /// Fastest, ns.
    pub min_ns: f64,
    /// Slowest, ns.
    pub max_ns: f64,
    /// How many repeats.
    pub repeats: u32,
}

/// Can a stuck unit of concurrency be stopped from outside? Measured on a host that never
/// replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PyKillProbe {
    /// The stuck thread's own greet timeout, s: the only way it ends.
    pub thread_timeout_s: f64,
    /// How long the stuck thread actually took to end, s.
    pub thread_ended_after_s: f64,
    /// From `kill` (SIGKILL) to the stuck worker process being reaped, ms.
    pub process_kill_ms: f64,
    /// Whether the killed process was reaped before its own timeout.
    pub process_killed: bool,
}

/// Why the results could not be gathered or read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// A file could not be read or written.
    #[error("{path}: {why}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        why: std::io::Error,
    },
    /// A file is not the JSON expected.
    #[error(
        "{path} is not a greetbench results file ({why}); regenerate it with `greetbench sweep` or `cargo bench`"
    )]
    Json {
        /// The file.
        path: PathBuf,
        /// The error.
        why: serde_json::Error,
    },
    /// A file of another layout version.
    #[error(
        "{path} has results format {found}, and this greetbench reads formats {OLDEST_FORMAT} to {FORMAT}; regenerate it with `greetbench sweep` and `greetbench report` (or `cargo bench`)"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// The version it states (0 when it states none).
        found: u32,
    },
    /// The page could not be rendered (a template failed to write).
    #[error("the report page could not be rendered: {0}")]
    Render(#[from] askama::Error),
    /// Not a regular file: a device, a pipe, a directory.
    #[error(
        "{path} is not a regular file (a device, a pipe or a directory); pass the path of a results.json file"
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// Larger than the cap on stored files.
    #[error(
        "{path} is larger than the {cap_mib} MiB cap on results files; greetbench never writes one that large: regenerate it with `greetbench sweep` or `cargo bench`"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap, MiB.
        cap_mib: u64,
    },
}

/// Reads a stored file as text, refusing what is not a regular file (a device such as
/// `/dev/zero`, a pipe, a directory) before opening it, and refusing it in one line when it is
/// over `cap` bytes, without reading past the cap. The one reader of stored files: `report`,
/// the sweep and `greetbench diff` go through it.
pub fn read_capped(path: &Path, cap: u64) -> Result<String, ResultsError> {
    use std::io::Read as _;
    let io = |why| ResultsError::Io {
        path: path.to_path_buf(),
        why,
    };
    let too_large = || ResultsError::TooLarge {
        path: path.to_path_buf(),
        cap_mib: cap.div_ceil(1024 * 1024),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ResultsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > cap {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}

/// Reads a versioned file (`results.json`, `sweep.json`), refusing any format but [`FORMAT`]
/// before trying to read the rest.
pub fn read_versioned<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ResultsError> {
    #[derive(Deserialize)]
    struct Version {
        #[serde(default)]
        format: u32,
    }
    let text = read_capped(path, MAX_RESULTS_BYTES)?;
    let json = |why| ResultsError::Json {
        path: path.to_path_buf(),
        why,
    };
    let version: Version = serde_json::from_str(&text).map_err(json)?;
    if !(OLDEST_FORMAT..=FORMAT).contains(&version.format) {
        return Err(ResultsError::Format {
            path: path.to_path_buf(),
            found: version.format,
        });
    }
    serde_json::from_str(&text).map_err(json)
}

/// Reads a JSON file into `T`, through [`read_capped`].
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ResultsError> {
    let text = read_capped(path, MAX_RESULTS_BYTES)?;
    serde_json::from_str(&text).map_err(|why| ResultsError::Json {
        path: path.to_path_buf(),
        why,
    })
}

/// Writes `value` as pretty JSON, creating the parent directory.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ResultsError> {
    let io = |why| ResultsError::Io {
        path: path.to_path_buf(),
        why,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let text = serde_json::to_string_pretty(value).map_err(|why| ResultsError::Json {
        path: path.to_path_buf(),
        why,
    })?;
    std::fs::write(path, text + "\n").map_err(io)
}

impl Results {
    /// Gathers whatever is stored under `target`: criterion's estimates (with their raw
    /// samples), the noise and skipped lists and the sweep. `models` are the registry's
    /// descriptions. Missing parts are simply absent; an unreadable one is left out and named in
    /// [`Results::notes`], which the page shows.
    pub fn gather(workspace: &Path, target: &Path, models: &[Description]) -> Results {
        let mut notes = Vec::new();
        let dir = target.join("greetbench");
        let mut read = |name: &str, what: &str| -> Option<String> {
            let path = dir.join(name);
            if !path.exists() {
                return None;
            }
            match read_capped(&path, MAX_RESULTS_BYTES) {
                Ok(text) => Some(text),
                Err(e) => {
                    notes.push(format!("{what} was left out: {e}"));
                    None
                }
            }
        };
        let sweep_text = read("sweep.json", "the sweep");
        let noise_text = read("noise.json", "the criterion groups' noise");
        let skipped_text = read("skipped.json", "the skipped benchmarks");
        let sweep =
            sweep_text.and_then(|_| match read_versioned::<Sweep>(&dir.join("sweep.json")) {
                Ok(s) => Some(s),
                Err(e) => {
                    notes.push(format!("the sweep was left out: {e}"));
                    None
                }
            });
        let mut parse = |text: Option<String>, what: &str| -> Option<serde_json::Value> {
            let text = text?;
            match serde_json::from_str(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    notes.push(format!("{what} was left out: not JSON ({e})"));
                    None
                }
            }
        };
        let noise = parse(noise_text, "the criterion groups' noise")
            .and_then(|v| serde_json::from_value::<Vec<GroupNoise>>(v).ok())
            .unwrap_or_default();
        let skipped = parse(skipped_text, "the skipped benchmarks")
            .and_then(|v| serde_json::from_value::<Vec<Skipped>>(v).ok())
            .unwrap_or_default();
        Results {
            format: FORMAT,
            provenance: Provenance::collect(workspace),
            models: models.to_vec(),
            criterion: criterion_estimates(&target.join("criterion")),
            noise,
            skipped,
            sweep,
            notes,
        }
    }

    /// Results made of runs alone (no criterion data): what `greetbench compare` has. The
    /// view, the answer and the claims read them like any other results; what they lack reads
    /// "not measured".
    pub fn from_runs(
        provenance: Provenance,
        models: Vec<Description>,
        runs: Vec<RunResult>,
    ) -> Results {
        Results {
            format: FORMAT,
            sweep: Some(Sweep {
                format: FORMAT,
                provenance: provenance.clone(),
                models: models.clone(),
                profile: "runs".into(),
                wall_s: 0.0,
                entries: runs,
                kill: None,
                timelines: Vec::new(),
                faults: Vec::new(),
                python: None,
                rates: Vec::new(),
                scale: Vec::new(),
                floor: Vec::new(),
            }),
            provenance,
            models,
            criterion: Vec::new(),
            noise: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The whole run's noise: every criterion group's and every sweep record's, weighted by
    /// its wall time. `None` when nothing recorded any.
    pub fn run_noise(&self) -> Option<Noise> {
        let groups = self.noise.iter().map(|g| (g.wall_s, g.noise));
        let points = self
            .runs()
            .filter_map(RunResult::record)
            .filter_map(|r| Some((r.wall_s, r.noise?)));
        let (mut wall, mut busy, mut steal) = (0.0, 0.0, 0.0);
        for (w, n) in groups.chain(points) {
            let w = if w.is_finite() { w.max(0.0) } else { 0.0 };
            wall += w;
            busy += w * n.other_busy;
            steal += w * n.steal;
        }
        (wall > 0.0).then(|| Noise {
            other_busy: busy / wall,
            steal: steal / wall,
        })
    }

    /// How many of the sweep's runs (every list: the resource sweep, the scale, rate and fault
    /// sweeps, the timelines) recorded their noise, and how many of those were busy: counted
    /// here once, so the busy banner and the machine section say the same.
    pub fn runs_noise(&self) -> RunsNoise {
        let mut out = RunsNoise::default();
        for e in self.all_runs() {
            out.runs += 1;
            if let Some(n) = e.record().and_then(|k| k.noise) {
                out.recorded += 1;
                out.busy += usize::from(n.busy());
            }
        }
        out
    }

    /// Every run of every list of the sweep: the resource sweep's, then the scale, rate and
    /// fault sweeps' and the timelines'.
    pub fn all_runs(&self) -> impl Iterator<Item = &RunResult> {
        self.sweep.iter().flat_map(|s| {
            s.entries
                .iter()
                .chain(&s.scale)
                .chain(&s.rates)
                .chain(&s.faults)
                .chain(&s.timelines)
        })
    }

    /// Every sweep run, record or failure.
    pub fn runs(&self) -> impl Iterator<Item = &RunResult> {
        self.sweep.iter().flat_map(|s| s.entries.iter())
    }

    /// The sweep's runs under faults.
    pub fn fault_runs(&self) -> impl Iterator<Item = &RunResult> {
        self.sweep.iter().flat_map(|s| s.faults.iter())
    }

    /// The fault level of a run: the percent of greets its hosts broke on purpose.
    pub fn fault_level(run: &RunResult) -> f64 {
        run.request().hosts.faults.per_greet_total()
    }

    /// The fault levels of the runs under faults, lowest first.
    pub fn fault_levels(&self) -> Vec<f64> {
        let mut levels: Vec<f64> = self.fault_runs().map(Results::fault_level).collect();
        levels.sort_by(f64::total_cmp);
        levels.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        levels
    }

    /// The retries of the runs under faults, fewest first.
    pub fn fault_retries(&self) -> Vec<u32> {
        let mut retries: Vec<u32> = self.fault_runs().map(|e| e.request().retries).collect();
        retries.sort_unstable();
        retries.dedup();
        retries
    }
}

/// The parts of criterion's `benchmark.json` we read.
#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<BTreeMap<String, u64>>,
}

/// One statistic of criterion's `estimates.json`.
#[derive(Deserialize)]
struct Statistic {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: Statistic,
    median_abs_dev: Statistic,
}

/// criterion's `sample.json`: each sample's iteration count and total time, ns.
#[derive(Deserialize)]
struct SampleJson {
    iters: Vec<f64>,
    times: Vec<f64>,
}

impl SampleJson {
    /// The time per iteration of each sample, ns.
    fn per_iteration(&self) -> Vec<f64> {
        self.iters
            .iter()
            .zip(&self.times)
            .filter(|(i, _)| **i > 0.0)
            .map(|(i, t)| t / i)
            .filter(|v| v.is_finite())
            .collect()
    }
}

/// Every `<dir>/new/benchmark.json` (+ `estimates.json`) under `root`, at most four levels
/// down, sorted by directory.
fn criterion_estimates(root: &Path) -> Vec<Estimate> {
    let mut dirs = Vec::new();
    find_new_dirs(root, 0, &mut dirs);
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let new = dir.join("new");
        let (Ok(b), Ok(e)) = (
            read_json::<BenchmarkJson>(&new.join("benchmark.json")),
            read_json::<EstimatesJson>(&new.join("estimates.json")),
        ) else {
            continue;
        };
        let rel = dir
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        out.push(Estimate {
            group: b.group_id,
            function: b.function_id.unwrap_or_default(),
            size: b.value_str.as_deref().and_then(|v| v.parse().ok()),
            median_ns: e.median.point_estimate,
            median_lo_ns: e.median.confidence_interval.lower_bound,
            median_hi_ns: e.median.confidence_interval.upper_bound,
            mad_ns: e.median_abs_dev.point_estimate,
            samples_ns: read_json::<SampleJson>(&new.join("sample.json"))
                .map(|s| s.per_iteration())
                .unwrap_or_default(),
            elements: b.throughput.and_then(|t| t.get("Elements").copied()),
            dir: rel,
        });
    }
    out
}

fn find_new_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if path.join("benchmark.json").exists() {
                out.push(dir.to_path_buf());
            }
        } else if path.file_name().is_some_and(|n| n != "report") {
            find_new_dirs(&path, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(models: &[greet_core::Description], noise: Vec<GroupNoise>) -> Results {
        Results {
            format: FORMAT,
            provenance: Provenance {
                cpu_model: "test".into(),
                logical_cores: 2,
                physical_cores: None,
                memory_mib: 1024,
                os: "test".into(),
                kernel: "test".into(),
                arch: "test".into(),
                rustc: "test".into(),
                crates: BTreeMap::new(),
                git_commit: "test".into(),
                date_utc: "test".into(),
            },
            models: models.to_vec(),
            criterion: Vec::new(),
            noise,
            skipped: Vec::new(),
            sweep: None,
            notes: Vec::new(),
        }
    }

    fn group(name: &str, wall_s: f64, other_busy: f64, steal: f64) -> GroupNoise {
        GroupNoise {
            group: name.into(),
            wall_s,
            noise: Noise { other_busy, steal },
        }
    }

    #[test]
    fn gathering_reads_criterions_raw_samples_per_iteration() {
        // A criterion directory as criterion 0.8 writes it: `new/benchmark.json`,
        // `new/estimates.json` and `new/sample.json` (each sample's iterations and total ns).
        let root = std::env::temp_dir().join(format!("gb-gather-{}", std::process::id()));
        let new = root.join("criterion/io_10ms/made-up-model/100/new");
        std::fs::create_dir_all(&new).unwrap();
        let stat = |v: f64| {
            format!(
                r#"{{"point_estimate":{v},"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}},"standard_error":1.0}}"#,
                v * 0.9,
                v * 1.1
            )
        };
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"io_10ms","function_id":"made-up-model","value_str":"100","throughput":{"Elements":100},"full_id":"io_10ms/made-up-model/100","directory_name":"io_10ms/made-up-model/100","title":"io_10ms/made-up-model/100"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            format!(
                r#"{{"mean":{m},"median":{m},"median_abs_dev":{d},"slope":null,"std_dev":{d}}}"#,
                m = stat(12e6),
                d = stat(1e5)
            ),
        )
        .unwrap();
        std::fs::write(
            new.join("sample.json"),
            r#"{"sampling_mode":"Flat","iters":[2.0,2.0,4.0],"times":[24000000.0,26000000.0,44000000.0]}"#,
        )
        .unwrap();
        let r = Results::gather(&root, &root, &[]);
        assert_eq!(r.criterion.len(), 1, "{:?}", r.notes);
        let e = &r.criterion[0];
        assert_eq!(
            (e.group.as_str(), e.function.as_str(), e.size),
            ("io_10ms", "made-up-model", Some(100))
        );
        assert_eq!(e.samples_ns, [12e6, 13e6, 11e6]);
        assert_eq!(e.median_ns, 12e6);
        std::fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn busy_groups_and_the_whole_runs_noise_are_derived_from_the_threshold() {
        let over = Noise::BUSY + 0.01;
        let r = results(
            &[],
            vec![
                group("io_10ms", 10.0, over - 0.02, 0.02),
                group("io_0ms", 30.0, 0.0, Noise::BUSY / 2.0),
            ],
        );
        assert!(r.noise[0].busy());
        assert!(!r.noise[1].busy(), "quiet");
        // Weighted by wall time: (10 × over + 30 × BUSY/2) / 40 < BUSY.
        let run = r.run_noise().unwrap();
        let expected = (10.0 * over + 30.0 * Noise::BUSY / 2.0) / 40.0;
        assert!((run.other_busy + run.steal - expected).abs() < 1e-12);
        assert!(!run.busy());
        assert!(results(&[], Vec::new()).run_noise().is_none());
    }
}

//! The stored results: one `results.json` gathers the provenance, criterion's estimates, the
//! budget's skipped ids and the resource sweep. The report is rendered from that file only, so
//! a stored file regenerates the same report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::provenance::Provenance;

/// The version of the `results.json` layout.
pub const SCHEMA: u32 = 1;

/// Everything one report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// Where the report was collected (the sweep carries its own).
    pub provenance: Provenance,
    /// One entry per criterion benchmark found.
    #[serde(default)]
    pub criterion: Vec<Estimate>,
    /// Benchmarks the time budget skipped (from `target/greetbench/skipped.json`).
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// The resource sweep, if one was run.
    #[serde(default)]
    pub sweep: Option<Sweep>,
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
    /// Elements per iteration, when the bench declared a throughput.
    pub elements: Option<u64>,
    /// Criterion's directory for this benchmark, relative to `target/criterion`.
    pub dir: String,
}

/// A model's CPU speedup over sequential at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct Speedup {
    /// The model.
    pub model: String,
    /// The size compared.
    pub size: u64,
    /// Sequential's time ÷ this model's, one worker.
    pub one: Option<f64>,
    /// Sequential's time ÷ this model's, every core.
    pub all: Option<f64>,
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
    /// Where and when the sweep ran.
    pub provenance: Provenance,
    /// `default` or `full`.
    pub profile: String,
    /// The whole sweep's wall time, s.
    pub wall_s: f64,
    /// One entry per model, workload and size.
    pub entries: Vec<SweepEntry>,
    /// The kill probe, if it ran.
    #[serde(default, deserialize_with = "crate::kill::deserialize_or_none")]
    pub kill: Option<crate::kill::KillProbe>,
}

/// How one sweep point ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every job succeeded.
    Ok,
    /// An OS limit stopped some jobs (see `limit`).
    Limit,
    /// Some jobs failed for another reason, or the child did not report.
    Failed,
}

/// One model, workload and size, run in a fresh child process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepEntry {
    /// The model.
    pub model: String,
    /// greet, crunch or mixed.
    pub workload: String,
    /// Jobs (N).
    pub count: usize,
    /// Host latency, ms.
    pub latency_ms: f64,
    /// Hosts greeted.
    pub hosts: usize,
    /// How it ended.
    pub outcome: Outcome,
    /// The OS limit that stopped it (e.g. `thread_limit`, `open_files`), if any.
    #[serde(default)]
    pub limit: Option<String>,
    /// The child's own words on a failure or limit.
    #[serde(default)]
    pub message: Option<String>,
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs that failed.
    pub errors: usize,
    /// Failures by kind.
    #[serde(default)]
    pub errors_by_kind: BTreeMap<String, usize>,
    /// Wall time of the batch, s.
    pub wall_s: f64,
    /// User CPU, s.
    pub cpu_user_s: f64,
    /// System CPU, s.
    pub cpu_sys_s: f64,
    /// Peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// Resident memory before the model started, KiB.
    pub baseline_rss_kib: u64,
    /// Peak thread count.
    pub peak_threads: u64,
    /// Voluntary context switches.
    pub ctx_voluntary: u64,
    /// Involuntary context switches.
    pub ctx_involuntary: u64,
}

impl SweepEntry {
    /// Memory per waiting greet, KiB: RSS growth over the baseline, divided by N.
    pub fn kib_per_job(&self) -> f64 {
        self.peak_rss_kib.saturating_sub(self.baseline_rss_kib) as f64 / self.count.max(1) as f64
    }
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
}

/// Reads a JSON file into `T`.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(|why| ResultsError::Io {
        path: path.to_path_buf(),
        why,
    })?;
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
    /// Gathers whatever is stored under `target`: criterion's estimates, the skipped list and
    /// the sweep. Missing parts are simply absent; unreadable ones are skipped with a warning.
    pub fn gather(workspace: &Path, target: &Path) -> Results {
        let sweep_path = target.join("greetbench").join("sweep.json");
        let sweep = sweep_path
            .exists()
            .then(|| read_json::<Sweep>(&sweep_path))
            .and_then(|r| {
                r.map_err(|e| eprintln!("warning: skipping the sweep: {e}"))
                    .ok()
            });
        let skipped_path = target.join("greetbench").join("skipped.json");
        let skipped = skipped_path
            .exists()
            .then(|| read_json::<Vec<Skipped>>(&skipped_path))
            .and_then(|r| r.map_err(|e| eprintln!("warning: {e}")).ok())
            .unwrap_or_default();
        Results {
            schema: SCHEMA,
            provenance: Provenance::collect(workspace),
            criterion: criterion_estimates(&target.join("criterion")),
            skipped,
            sweep,
        }
    }

    /// The estimates of one group, in file order.
    pub fn group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Estimate> + 'a {
        self.criterion.iter().filter(move |e| e.group == group)
    }

    /// The functions of a group, in first-seen order.
    pub fn functions(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.group(group) {
            if !out.contains(&e.function) {
                out.push(e.function.clone());
            }
        }
        // Models in the registry's order, anything else after them.
        out.sort_by_key(|f| {
            crate::charts::MODELS
                .iter()
                .position(|m| m == f)
                .unwrap_or(usize::MAX)
        });
        out
    }

    /// The sizes of a group, ascending.
    pub fn sizes(&self, group: &str) -> Vec<u64> {
        let mut out: Vec<u64> = self.group(group).filter_map(|e| e.size).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Each model's CPU speedup over sequential, with one worker (`cpu_1worker`) and with
    /// every core (`cpu_allcores`), at the largest size sequential was measured.
    pub fn cpu_speedups(&self) -> Vec<Speedup> {
        let seq = ["cpu_1worker", "cpu_allcores"].iter().find_map(|g| {
            let size = self
                .group(g)
                .filter(|e| e.function == "sequential")
                .filter_map(|e| e.size)
                .max()?;
            self.estimate(g, "sequential", size)
                .map(|e| (size, e.median_ns))
        });
        let Some((size, base)) = seq else {
            return Vec::new();
        };
        let mut models = self.functions("cpu_1worker");
        for f in self.functions("cpu_allcores") {
            if !models.contains(&f) {
                models.push(f);
            }
        }
        models
            .into_iter()
            .map(|m| {
                let at = |g| {
                    self.estimate(g, &m, size)
                        .filter(|e| e.median_ns > 0.0)
                        .map(|e| base / e.median_ns)
                };
                Speedup {
                    one: at("cpu_1worker"),
                    all: at("cpu_allcores"),
                    model: m,
                    size,
                }
            })
            .filter(|s| s.one.is_some() || s.all.is_some())
            .collect()
    }

    /// The cost of one spawn (+ wait) per kind, ns: the median of the smallest size divided by
    /// that size (spawns per iteration).
    pub fn spawn_costs(&self) -> Vec<(String, f64)> {
        const ORDER: &[&str] = &[
            "thread",
            "process",
            "fork",
            "tokio-task",
            "async-std-task",
            "smol-task",
            "rayon-join",
        ];
        let mut kinds = self.functions("spawn");
        kinds.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(usize::MAX));
        kinds
            .into_iter()
            .filter_map(|k| {
                let e = self
                    .group("spawn")
                    .filter(|e| e.function == k)
                    .min_by_key(|e| e.size.unwrap_or(1))?;
                Some((k, e.median_ns / e.size.unwrap_or(1).max(1) as f64))
            })
            .collect()
    }

    /// The cost of one spawn of `kind`, ns.
    pub fn spawn_cost(&self, kind: &str) -> Option<f64> {
        self.spawn_costs()
            .into_iter()
            .find(|(k, _)| k == kind)
            .map(|(_, ns)| ns)
    }

    /// The greet entries of `model` at `count`.
    fn greets(&self, model: &str, count: usize) -> impl Iterator<Item = &SweepEntry> {
        self.sweep
            .iter()
            .flat_map(|s| s.entries.iter())
            .filter(move |e| e.model == model && e.workload == "greet" && e.count == count)
    }

    /// The sweep's I/O point of `model` at `count`: the greet run with the shortest latency.
    pub fn sweep_io(&self, model: &str, count: usize) -> Option<&SweepEntry> {
        self.greets(model, count)
            .min_by(|a, b| a.latency_ms.total_cmp(&b.latency_ms))
    }

    /// The sweep's memory point of `model` at `count`: the greet run with the longest latency,
    /// where every greet waits at once.
    pub fn sweep_waiting(&self, model: &str, count: usize) -> Option<&SweepEntry> {
        self.greets(model, count)
            .max_by(|a, b| a.latency_ms.total_cmp(&b.latency_ms))
    }

    /// One estimate.
    pub fn estimate(&self, group: &str, function: &str, size: u64) -> Option<&Estimate> {
        self.criterion
            .iter()
            .find(|e| e.group == group && e.function == function && e.size == Some(size))
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

//! The stored results: one `results.json` gathers the provenance, criterion's estimates, the
//! budget's skipped ids and the resource sweep. The report is rendered from that file only, so
//! a stored file regenerates the same report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use greet_core::record::{Noise, RunRecord, RunResult, Status};
use greet_core::{Description, Family, Lang, Shape, Workload};
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

/// The criterion group names the benches use (see `benches/benches/*.rs`). The io groups are
/// `io_<latency>`, read by [`Results::io_latency`].
pub const IO_PREFIX: &str = "io_";
/// Crunch with one worker.
pub const CPU_ONE_WORKER: &str = "cpu_1worker";
/// Crunch with every core.
pub const CPU_ALL_CORES: &str = "cpu_allcores";
/// Greet then crunch.
pub const MIXED: &str = "mixed";
/// The cost of starting a thread, a process, a task (the functions are spawn kinds).
pub const SPAWN: &str = "spawn";
/// One counter shared by several threads (the functions are sharing methods).
pub const SHARED_STATE: &str = "shared_state";

/// Whether the functions of criterion group `group` are models (io, cpu and mixed groups),
/// rather than spawn kinds or sharing methods.
pub fn is_model_group(group: &str) -> bool {
    group.starts_with(IO_PREFIX) || [CPU_ONE_WORKER, CPU_ALL_CORES, MIXED].contains(&group)
}

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
    /// records carry every job's timeline ([`RunRecord::timeline`]), which the report draws.
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

/// The spread of repeated measurements: median, fastest and slowest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// How many.
    pub n: usize,
}

impl Spread {
    /// The spread of the finite `values`, or `None` if there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }
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
    /// Gathers whatever is stored under `target`: criterion's estimates, the noise and skipped
    /// lists and the sweep. `models` are the registry's descriptions. Missing parts are simply
    /// absent; unreadable ones are skipped with a warning.
    pub fn gather(workspace: &Path, target: &Path, models: &[Description]) -> Results {
        let sweep_path = target.join("greetbench").join("sweep.json");
        let sweep = sweep_path
            .exists()
            .then(|| read_versioned::<Sweep>(&sweep_path))
            .and_then(|r| {
                r.map_err(|e| crate::warn(&format!("warning: skipping the sweep: {e}")))
                    .ok()
            });
        let noise_path = target.join("greetbench").join("noise.json");
        let noise = noise_path
            .exists()
            .then(|| read_json::<Vec<GroupNoise>>(&noise_path))
            .and_then(|r| r.map_err(|e| crate::warn(&format!("warning: {e}"))).ok())
            .unwrap_or_default();
        let skipped_path = target.join("greetbench").join("skipped.json");
        let skipped = skipped_path
            .exists()
            .then(|| read_json::<Vec<Skipped>>(&skipped_path))
            .and_then(|r| r.map_err(|e| crate::warn(&format!("warning: {e}"))).ok())
            .unwrap_or_default();
        Results {
            format: FORMAT,
            provenance: Provenance::collect(workspace),
            models: models.to_vec(),
            criterion: criterion_estimates(&target.join("criterion")),
            noise,
            skipped,
            sweep,
        }
    }

    /// The description of model `name`, if these results know it: the report's registry
    /// first, then the sweep's (a model the sweep ran but the report's registry no longer has).
    pub fn model(&self, name: &str) -> Option<&Description> {
        greet_core::describe::find(&self.models, name).or_else(|| {
            self.sweep
                .as_ref()
                .and_then(|s| greet_core::describe::find(&s.models, name))
        })
    }

    /// Every described model: the report's registry in its order, then any model only the
    /// sweep's registry described. This order is the order of every table, chart and legend.
    pub fn described(&self) -> Vec<&Description> {
        let mut out: Vec<&Description> = self.models.iter().collect();
        for m in self.sweep.iter().flat_map(|s| s.models.iter()) {
            if !out.iter().any(|d| d.name == m.name) {
                out.push(m);
            }
        }
        out
    }

    /// The described models that satisfy `keep`, in [`Results::described`] order.
    pub fn models_where(&self, keep: impl Fn(&Description) -> bool) -> Vec<&Description> {
        self.described().into_iter().filter(|m| keep(m)).collect()
    }

    /// Where model `name` sorts: its index in [`Results::described`], or `usize::MAX` for a
    /// model no registry described (those sort after the known ones).
    pub fn rank(&self, name: &str) -> usize {
        self.described()
            .iter()
            .position(|m| m.name == name)
            .unwrap_or(usize::MAX)
    }

    /// `names` without repeats, described models first in their order, then the others in
    /// the order they came.
    pub fn in_model_order(&self, names: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out.sort_by_key(|n| self.rank(n));
        out
    }

    /// The rows of a table or chart that shows only some models: those of `names` whose
    /// description satisfies `keep`, then any of `names` with no description at all, so that a
    /// model unknown to the registry is shown after the known ones, never dropped silently.
    pub fn pick(
        &self,
        names: impl IntoIterator<Item = String>,
        keep: impl Fn(&Description) -> bool,
    ) -> Vec<String> {
        self.in_model_order(names)
            .into_iter()
            .filter(|n| self.model(n).is_none_or(&keep))
            .collect()
    }

    /// Every model these results mention: the described ones, then models that only appear
    /// as sweep runs or in the model groups (io, cpu, mixed). A model's index here is its
    /// colour in every chart.
    pub fn model_names(&self) -> Vec<String> {
        let described = self.described().into_iter().map(|m| m.name.clone());
        let swept = self.runs().map(|e| e.request().model.clone());
        let benched = self
            .criterion
            .iter()
            .filter(|e| is_model_group(&e.group))
            .map(|e| e.function.clone());
        self.in_model_order(described.chain(swept).chain(benched))
    }

    /// The baseline every speedup is measured against: the first model of the sequential
    /// family.
    pub fn baseline(&self) -> Option<&Description> {
        self.models_where(|m| m.family == Family::Sequential)
            .into_iter()
            .next()
    }

    /// The model that stands for threads when threads are compared with async: the first
    /// of the threads family that runs one thread per job.
    pub fn per_job_threads(&self) -> Option<&Description> {
        self.models_where(|m| m.family == Family::Threads && m.shape == Shape::PerJob)
            .into_iter()
            .next()
    }

    /// The async models, in order.
    pub fn async_models(&self) -> Vec<&Description> {
        self.models_where(|m| m.family == Family::Async)
    }

    /// The io groups present (`io_0ms`, `io_10ms`, ...), lowest latency first.
    pub fn io_groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for e in &self.criterion {
            if Results::io_latency(&e.group).is_some() && !groups.contains(&e.group) {
                groups.push(e.group.clone());
            }
        }
        groups.sort_by_key(|g| Results::io_latency(g));
        groups
    }

    /// The hosts' latency of an io group. Criterion's estimates carry no run request, so this
    /// is the one place that reads it from the group's name, by the naming convention of
    /// `benches::io_group` (`io_<L>`, where `<L>` is a duration such as `10ms`).
    pub fn io_latency(group: &str) -> Option<Duration> {
        let l = group.strip_prefix(IO_PREFIX)?;
        greet_core::duration::parse(l).ok()
    }

    /// The noise of criterion group `group`, if it was recorded.
    pub fn group_noise(&self, group: &str) -> Option<&GroupNoise> {
        self.noise.iter().find(|n| n.group == group)
    }

    /// The noise of criterion group `group` if it makes the group "measured on a busy
    /// machine" ([`Noise::busy`]).
    pub fn busy_group(&self, group: &str) -> Option<&GroupNoise> {
        self.group_noise(group).filter(|n| n.noise.busy())
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

    /// The sweep's traced runs ([`Sweep::timelines`]), described models first in their
    /// order, then greet before mixed.
    pub fn timelines(&self) -> Vec<&RunResult> {
        let mut out: Vec<&RunResult> = self.sweep.iter().flat_map(|s| &s.timelines).collect();
        out.sort_by_key(|e| {
            let q = e.request();
            (self.rank(&q.model), q.workload != Workload::Greet)
        });
        out
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

    /// The run under faults of `model` at `level` % with `retries` retries.
    pub fn fault_run(&self, model: &str, level: f64, retries: u32) -> Option<&RunResult> {
        self.fault_runs().find(|e| {
            let q = e.request();
            q.model == model
                && q.retries == retries
                && (Results::fault_level(e) - level).abs() < 1e-9
        })
    }

    /// The sweep run of `model` doing `workload` at `count` and hosts' latency `latency`.
    pub fn sweep_run(
        &self,
        model: &str,
        workload: Workload,
        count: usize,
        latency: Duration,
    ) -> Option<&RunResult> {
        self.runs().find(|e| {
            let q = e.request();
            q.model == model
                && q.workload == workload
                && q.count == count
                && q.hosts.latency == latency
        })
    }

    /// The latencies of the sweep's greet runs, ascending: the first is its I/O latency, the
    /// last the latency at which every greet waits at once (its memory points).
    pub fn sweep_latencies(&self) -> Vec<Duration> {
        let mut out: Vec<Duration> = self
            .runs()
            .map(RunResult::request)
            .filter(|q| q.workload == Workload::Greet)
            .map(|q| q.hosts.latency)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The sweep's memory points: its greet runs at its longest latency, where every greet
    /// waits at once.
    pub fn waiting_runs(&self) -> Vec<&RunResult> {
        let Some(&longest) = self.sweep_latencies().last() else {
            return Vec::new();
        };
        self.runs()
            .filter(|e| {
                let q = e.request();
                q.workload == Workload::Greet && q.hosts.latency == longest
            })
            .collect()
    }

    /// Whether every greet of a run waited at once: the last one started before the first
    /// could have finished, which holds when the batch took less than twice the hosts'
    /// latency. Memory per waiting greet means something only then; a model that takes
    /// longer than one latency to start all its greets (an interpreter starting 10,000
    /// threads one by one) understates it.
    pub fn all_waited(k: &RunRecord) -> bool {
        k.wall_s < 2.0 * k.request.hosts.latency.as_secs_f64()
    }

    /// The language of model `name`: its description's, or Rust for a model no registry
    /// described.
    pub fn lang_of(&self, name: &str) -> Lang {
        self.model(name).map_or(Lang::Rust, |m| m.lang)
    }

    /// Whether these results describe a model in `lang`.
    pub fn has_lang(&self, lang: Lang) -> bool {
        self.described().iter().any(|m| m.lang == lang)
    }

    /// These results as one language sees them: only its models, their sweep runs and their
    /// criterion estimates. The Python view takes its spawn costs and kill probe from what
    /// `spawn_cost.py` measured (criterion's spawn and shared-state groups are Rust's), and a
    /// view whose baseline criterion never timed takes its crunch times from the sweep's
    /// crunch points (median of the repeats). Every chart, table and verdict then works on a
    /// view unchanged, so that one function gives both columns of the claims.
    pub fn for_lang(&self, lang: Lang) -> Results {
        let keep = |name: &str| self.lang_of(name) == lang;
        let mut view = self.clone();
        view.models.retain(|m| m.lang == lang);
        view.skipped.retain(|s| keep(&s.model));
        view.criterion.retain(|e| {
            if is_model_group(&e.group) {
                keep(&e.function)
            } else {
                lang == Lang::Rust
            }
        });
        if lang != Lang::Rust {
            view.noise.clear();
        }
        if let Some(s) = view.sweep.as_mut() {
            s.models.retain(|m| m.lang == lang);
            s.entries.retain(|e| keep(&e.request().model));
            s.rates.retain(|e| keep(&e.request().model));
            s.scale.retain(|e| keep(&e.request().model));
            if lang == Lang::Python {
                // The Python probe (`spawn_cost.py`) only times a thread's own timeout and a
                // process's kill; it does not yet observe what the five Rust experiments
                // observe, so the Python column of the kill claim reads "not measured".
                s.kill = None;
                let spawn = s.python.iter().flat_map(|p| p.spawn.iter());
                view.criterion.extend(spawn.map(|c| Estimate {
                    group: SPAWN.into(),
                    function: c.kind.clone(),
                    size: Some(1),
                    median_ns: c.median_ns,
                    median_lo_ns: c.min_ns,
                    median_hi_ns: c.max_ns,
                    mad_ns: 0.0,
                    samples_ns: Vec::new(),
                    elements: None,
                    dir: String::new(),
                }));
            }
        }
        let timed = |v: &Results| {
            v.baseline().is_some_and(|b| {
                [CPU_ONE_WORKER, CPU_ALL_CORES]
                    .iter()
                    .any(|g| v.group(g).any(|e| e.function == b.name))
            })
        };
        if !timed(&view) {
            let swept = view.sweep_cpu_estimates();
            view.criterion.extend(swept);
        }
        view
    }

    /// The sweep's crunch points as estimates of the cpu groups: runs with one worker in
    /// [`CPU_ONE_WORKER`], the others in [`CPU_ALL_CORES`]; the median of each point's ok
    /// repeats, with the fastest and slowest as its interval.
    fn sweep_cpu_estimates(&self) -> Vec<Estimate> {
        let mut points: Vec<(String, usize, usize)> = Vec::new();
        for q in self.runs().map(RunResult::request) {
            let point = (q.model.clone(), q.workers.unwrap_or(0), q.count);
            if q.workload == Workload::Crunch && !points.contains(&point) {
                points.push(point);
            }
        }
        points
            .into_iter()
            .filter_map(|(model, workers, count)| {
                let walls: Vec<f64> = self
                    .crunch_runs(&model, workers, count)
                    .iter()
                    .map(|r| r.wall_s * 1e9)
                    .collect();
                let spread = Spread::of(walls.iter().copied())?;
                let mad = Spread::of(walls.iter().map(|w| (w - spread.median).abs()))?;
                Some(Estimate {
                    group: if workers == 1 {
                        CPU_ONE_WORKER
                    } else {
                        CPU_ALL_CORES
                    }
                    .into(),
                    function: model,
                    size: Some(count as u64),
                    median_ns: spread.median,
                    median_lo_ns: spread.min,
                    median_hi_ns: spread.max,
                    mad_ns: mad.median,
                    samples_ns: Vec::new(),
                    elements: None,
                    dir: String::new(),
                })
            })
            .collect()
    }

    /// The ok records of the sweep's crunch runs of `model` with `workers` (as the request
    /// stated them; 0 for the default) at `count`: one per repeat.
    pub fn crunch_runs(&self, model: &str, workers: usize, count: usize) -> Vec<&RunRecord> {
        self.runs()
            .filter(|e| {
                let q = e.request();
                q.model == model
                    && q.workload == Workload::Crunch
                    && q.count == count
                    && q.workers.unwrap_or(0) == workers
            })
            .filter_map(|e| Results::ok_record(Some(e)))
            .collect()
    }

    /// Every sweep run of `model` greeting `count` hosts' worth at `latency`: its repeats.
    pub fn greet_repeats(&self, model: &str, count: usize, latency: Duration) -> Vec<&RunResult> {
        self.runs()
            .filter(|e| {
                let q = e.request();
                q.model == model
                    && q.workload == Workload::Greet
                    && q.count == count
                    && q.hosts.latency == latency
            })
            .collect()
    }

    /// The estimates of one group, in file order.
    pub fn group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Estimate> + 'a {
        self.criterion.iter().filter(move |e| e.group == group)
    }

    /// The functions of a group, in first-seen order.
    pub fn functions(&self, group: &str) -> Vec<String> {
        // Models in the registry's order, anything else (spawn kinds, locking methods, unknown
        // models) after them in file order.
        self.in_model_order(self.group(group).map(|e| e.function.clone()))
    }

    /// The sizes of a group, ascending.
    pub fn sizes(&self, group: &str) -> Vec<u64> {
        let mut out: Vec<u64> = self.group(group).filter_map(|e| e.size).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Each model's CPU speedup over the baseline ([`Results::baseline`]), with one worker
    /// ([`CPU_ONE_WORKER`]) and with every core ([`CPU_ALL_CORES`]), at the largest size the
    /// baseline was measured.
    pub fn cpu_speedups(&self) -> Vec<Speedup> {
        let Some(baseline) = self.baseline() else {
            return Vec::new();
        };
        let seq = [CPU_ONE_WORKER, CPU_ALL_CORES].iter().find_map(|g| {
            let size = self
                .group(g)
                .filter(|e| e.function == baseline.name)
                .filter_map(|e| e.size)
                .max()?;
            self.estimate(g, &baseline.name, size)
                .map(|e| (size, e.median_ns))
        });
        let Some((size, base)) = seq else {
            return Vec::new();
        };
        let models = self.in_model_order(
            self.functions(CPU_ONE_WORKER)
                .into_iter()
                .chain(self.functions(CPU_ALL_CORES)),
        );
        models
            .into_iter()
            .map(|m| {
                let at = |g| {
                    self.estimate(g, &m, size)
                        .filter(|e| e.median_ns > 0.0)
                        .map(|e| base / e.median_ns)
                };
                Speedup {
                    one: at(CPU_ONE_WORKER),
                    all: at(CPU_ALL_CORES),
                    model: m,
                    size,
                }
            })
            .filter(|s| s.one.is_some() || s.all.is_some())
            .collect()
    }

    /// The cost of one spawn (+ wait) per kind of the [`SPAWN`] group, ns, cheapest first:
    /// the median of the smallest size divided by that size (spawns per iteration). The kinds
    /// are whatever the bench measured; none is listed here.
    pub fn spawn_costs(&self) -> Vec<(String, f64)> {
        let mut costs: Vec<(String, f64)> = self
            .functions(SPAWN)
            .into_iter()
            .filter_map(|k| {
                let e = self
                    .group(SPAWN)
                    .filter(|e| e.function == k)
                    .min_by_key(|e| e.size.unwrap_or(1))?;
                Some((k, e.median_ns / e.size.unwrap_or(1).max(1) as f64))
            })
            .collect();
        costs.sort_by(|a, b| a.1.total_cmp(&b.1));
        costs
    }

    /// The cost of one spawn of `kind`, ns.
    pub fn spawn_cost(&self, kind: &str) -> Option<f64> {
        self.spawn_costs()
            .into_iter()
            .find(|(k, _)| k == kind)
            .map(|(_, ns)| ns)
    }

    /// The greet runs of `model` at `count`.
    fn greets(&self, model: &str, count: usize) -> impl Iterator<Item = &RunResult> {
        self.runs().filter(move |e| {
            let q = e.request();
            q.model == model && q.workload == Workload::Greet && q.count == count
        })
    }

    /// The sweep's I/O point of `model` at `count`: the greet run with the shortest latency.
    pub fn sweep_io(&self, model: &str, count: usize) -> Option<&RunResult> {
        self.greets(model, count)
            .min_by_key(|e| e.request().hosts.latency)
    }

    /// The sweep's memory point of `model` at `count`: the greet run with the longest latency,
    /// where every greet waits at once.
    pub fn sweep_waiting(&self, model: &str, count: usize) -> Option<&RunResult> {
        self.greets(model, count)
            .max_by_key(|e| e.request().hosts.latency)
    }

    /// The record of a sweep run that ended ok.
    pub fn ok_record(run: Option<&RunResult>) -> Option<&RunRecord> {
        run.filter(|e| e.status() == Status::Ok)
            .and_then(RunResult::record)
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

    fn results(models: &[Description], noise: Vec<GroupNoise>) -> Results {
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
    fn an_io_groups_latency_is_read_from_its_name() {
        assert_eq!(
            Results::io_latency("io_10ms"),
            Some(Duration::from_millis(10))
        );
        assert_eq!(Results::io_latency("io_0ms"), Some(Duration::ZERO));
        assert_eq!(Results::io_latency("io_1s"), Some(Duration::from_secs(1)));
        assert_eq!(Results::io_latency("io_fast"), None);
        assert_eq!(Results::io_latency(CPU_ALL_CORES), None);
        assert!(is_model_group("io_50ms") && is_model_group(MIXED));
        assert!(!is_model_group(SPAWN) && !is_model_group(SHARED_STATE));
    }

    #[test]
    fn rows_follow_the_descriptions_and_unknown_models_come_last() {
        let a = Description::new("a", Family::Threads, Shape::PerJob, "");
        let b = Description::new("b", Family::Async, Shape::Pool, "");
        let r = results(&[a, b], Vec::new());
        let names = ["x", "b", "a", "b", "y"].map(String::from);
        assert_eq!(r.in_model_order(names.clone()), ["a", "b", "x", "y"]);
        // Only per-job models pass, but a model with no description is never dropped.
        assert_eq!(r.pick(names, |m| m.shape == Shape::PerJob), ["a", "x", "y"]);
        assert_eq!(r.per_job_threads().map(|m| m.name.as_str()), Some("a"));
        assert_eq!(r.async_models().len(), 1);
        assert!(r.baseline().is_none(), "no sequential-family model");
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
        assert!(r.busy_group("io_10ms").is_some());
        assert!(r.busy_group("io_0ms").is_none(), "quiet");
        assert!(r.busy_group("mixed").is_none(), "not recorded");
        // Weighted by wall time: (10 × over + 30 × BUSY/2) / 40 < BUSY.
        let run = r.run_noise().unwrap();
        let expected = (10.0 * over + 30.0 * Noise::BUSY / 2.0) / 40.0;
        assert!((run.other_busy + run.steal - expected).abs() < 1e-12);
        assert!(!run.busy());
        assert!(results(&[], Vec::new()).run_noise().is_none());
    }
}

//! The results as the report reads them, computed once: every comparable figure of every
//! model, keyed by the question it answers and the row it belongs to, with its raw samples,
//! its median, its source and the noise it was measured in. Every section reads this view, so a
//! figure is the same wherever it appears; `greetbench diff` enumerates the same figures
//! ([`View::figures`]) and compares them with the same intervals ([`View::compare`]).
//!
//! # One source per question
//! - **Greet and crunch batches** ([`Question::Greet`], [`Question::Crunch`]), and **CPU per
//!   crunch job**: the sweep's fresh-child runs, for every language alike (criterion cannot
//!   time an interpreter in-process). These answer "which model, when?".
//! - **How time grows with N**, **mixed work**, **spawn costs** (Rust) and **shared state**
//!   ([`Question::Bench`]): criterion's in-process samples. Criterion's own cpu groups (a
//!   different crunch size) are kept in the appendix only: the sweep answers the CPU question.
//! - **Memory per waiting greet** ([`Question::MemoryPerWaitingGreet`]): the scale sweep's
//!   sizes where one ran, else the resource sweep's waiting runs.
//! - **Python's spawn costs**: `python/spawn_cost.py`, whose stored figures are a median with
//!   the fastest and slowest repeat (no raw samples).
//!
//! Building is one pass over each list of the results (a hash map per key), so the time to
//! build grows linearly with the file.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use greet_core::record::{Noise, RunRecord, RunResult, Status};
use greet_core::{Description, Family, Lang, Shape, Workload};
use serde::Serialize;

use crate::format;
use crate::group::Group;
use crate::results::Results;
use crate::stats::{self, Interval};

/// The label of Python rows whose record names no interpreter: the `python3` on the path.
pub const DEFAULT_INTERPRETER: &str = "python3";

/// A row of a comparison: a model, and for a model an interpreter runs, which interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Row {
    /// The model (or, in the spawn and shared-state groups, the kind of start or sharing).
    pub model: String,
    /// The language it ran in.
    pub lang: Lang,
    /// The interpreter that ran it, for a model in another language than Rust.
    pub interpreter: Option<String>,
}

impl Row {
    /// A Rust row.
    pub fn rust(model: &str) -> Row {
        Row {
            model: model.to_owned(),
            lang: Lang::Rust,
            interpreter: None,
        }
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.model)
    }
}

/// A column of the claims and the answer: one language, and for an interpreted language one
/// interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Column {
    /// The language.
    pub lang: Lang,
    /// The interpreter, for Python.
    pub interpreter: Option<String>,
}

impl Column {
    /// The column's heading: `Rust`, `Python` (or `Python (3.13t, no GIL)` when there are
    /// several interpreters).
    pub fn heading(&self, several: bool) -> String {
        match (&self.interpreter, several) {
            (Some(i), true) => format!("{} ({i})", lang_name(self.lang)),
            _ => lang_name(self.lang).to_owned(),
        }
    }

    /// Whether `row` belongs to this column.
    pub fn holds(&self, row: &Row) -> bool {
        row.lang == self.lang && row.interpreter == self.interpreter
    }
}

/// A language's name in the page's words.
pub fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "Rust",
        Lang::Python => "Python",
    }
}

/// How many workers a crunch run was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Workers {
    /// One worker: the pools' single-core point.
    One,
    /// Every core (or the model's own default).
    All,
}

/// What a figure answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Time per batch of `size` in a criterion group (criterion, in-process).
    Bench {
        /// The group.
        group: Group,
        /// The batch size N (or thread count).
        size: u64,
    },
    /// Wall time of a batch of `count` greets at `latency` (the sweep, fresh children).
    Greet {
        /// N.
        count: usize,
        /// L.
        latency: Duration,
    },
    /// Wall time of `count` crunch jobs of `work` rounds each (the sweep, fresh children).
    Crunch {
        /// N.
        count: usize,
        /// Rounds per job.
        work: u32,
        /// One worker, or every core.
        workers: Workers,
    },
    /// CPU time of a batch of `count` greets at `latency`, the exact total (the scheduler's
    /// runtime of every thread; start-up included, as `compare`'s table prints it). Only from
    /// records that keep the exact total: the tick-sampled user/system split can read 0 for a
    /// run that spent milliseconds.
    GreetCpu {
        /// N.
        count: usize,
        /// L.
        latency: Duration,
    },
    /// CPU time (user + system) per crunch job of `work` rounds, start-up excluded.
    CpuPerJob {
        /// Rounds per job.
        work: u32,
    },
    /// Resident memory per greet waiting at once, KiB (over the sizes each model held).
    MemoryPerWaitingGreet,
    /// Start one unit of concurrency of `kind` and wait for it.
    Spawn {
        /// The kind of start (`thread`, `process`, `fork`, ...).
        kind: String,
    },
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Question::Bench { group, size } => write!(f, "{group}, N = {size}"),
            Question::Greet { count, latency } => {
                write!(f, "greet, N = {count}, L = {}", format::latency(*latency))
            }
            Question::Crunch {
                count,
                work,
                workers,
            } => write!(
                f,
                "crunch, {count} jobs × {work} rounds, {}",
                match workers {
                    Workers::One => "one worker",
                    Workers::All => "every core",
                }
            ),
            Question::GreetCpu { count, latency } => write!(
                f,
                "CPU of greet, N = {count}, L = {}",
                format::latency(*latency)
            ),
            Question::CpuPerJob { work } => write!(f, "CPU per crunch job of {work} rounds"),
            Question::MemoryPerWaitingGreet => f.write_str("memory per waiting greet"),
            Question::Spawn { kind } => write!(f, "spawn {kind} + wait"),
        }
    }
}

/// Where a figure was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// criterion's samples, in the bench process.
    Criterion,
    /// The resource sweep: one fresh child process per run, repeated.
    Sweep,
    /// The scale sweep: one fresh child per size, up to each model's limit.
    Scale,
    /// `python/spawn_cost.py`.
    SpawnScript,
}

impl Source {
    /// In the page's words.
    pub fn words(self) -> &'static str {
        match self {
            Source::Criterion => "criterion's samples, timed in-process",
            Source::Sweep => "the sweep's runs, each in a fresh child process",
            Source::Scale => "the scale sweep, one fresh child per size",
            Source::SpawnScript => "python/spawn_cost.py (median, fastest and slowest repeat)",
        }
    }
}

/// What a figure is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// KiB.
    Kib,
}

impl Unit {
    /// `v` in this unit, in the page's words.
    pub fn words(self, v: f64) -> String {
        match self {
            Unit::Ns => format::time_ns(v),
            Unit::Kib => format::kib(v),
        }
    }
}

/// One comparable figure: a question, a row, and what was measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// What it answers.
    pub question: Question,
    /// Whose it is.
    pub row: Row,
    /// Where it was measured.
    pub source: Source,
    /// What it is measured in.
    pub unit: Unit,
    /// The raw samples: criterion's time per iteration, the sweep's repeats, the scale sweep's
    /// sizes. Empty where the file stores none (a format-2 criterion estimate, spawn_cost.py).
    pub samples: Vec<f64>,
    /// The median of the samples, or the stored median where there are none.
    pub median: f64,
    /// Where there are no raw samples: the range stored with the median (criterion's 95 %
    /// interval, or spawn_cost.py's fastest and slowest repeat).
    pub stored: Option<Interval>,
    /// The 95 % interval of the median ([`stats::median_interval`] over the samples, else the
    /// stored range), computed once when the view is built.
    pub interval: Option<Interval>,
    /// The rest of the machine's load while it was measured: the group's, or the repeats'
    /// mean weighted by wall time. `None` when not recorded.
    pub noise: Option<Noise>,
    /// The noise of the busiest of the runs it is computed from, when that run was busy
    /// ([`Noise::busy`]): one busy repeat makes the whole figure busy, whatever the mean says.
    pub busy_run: Option<Noise>,
    /// Criterion's directory for it, relative to `target/criterion`.
    pub dir: Option<String>,
}

impl Figure {
    /// Whether it was measured on a busy machine, and how busy. **The rule**: a figure is busy
    /// when any run or sample it is computed from was measured busy ([`Noise::busy`]): a
    /// criterion figure when its group was, a sweep figure when any one of its repeats was
    /// (then the busiest repeat's noise), never by the mean of quiet and busy repeats alone.
    /// A comparison with a busy side reads inconclusive because busy ([`crate::verdict::side`]).
    /// Memory figures carry no noise: resident memory does not change with others' CPU.
    pub fn busy(&self) -> Option<Noise> {
        self.busy_run.or(self.noise.filter(Noise::busy))
    }

    /// How many samples back it (0 where the file stores none).
    pub fn runs(&self) -> usize {
        self.samples.len()
    }

    /// The 95 % interval of its median: from its samples' order statistics, or the stored
    /// range.
    pub fn interval(&self) -> Option<Interval> {
        self.interval
    }

    /// The median with its interval, in the figure's unit.
    pub fn words(&self) -> String {
        match self.unit {
            Unit::Ns => format::time_ns_in(self.median, self.interval()),
            Unit::Kib => format::kib_in(self.median, self.interval()),
        }
    }
}

/// A row that has no figure for a question: why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// The question.
    pub question: Question,
    /// The row.
    pub row: Row,
    /// What stopped it, in a few words ("not available here", "threads limit", "failed").
    pub why: String,
    /// Whether the model cannot run on that machine at all.
    pub unavailable: bool,
}

/// How a comparison's interval was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A seeded bootstrap over both sides' raw samples ([`stats::ratio_interval`]).
    Bootstrap,
    /// No raw samples: the ratio of the stored ranges' far ends (wider than a bootstrap).
    StoredRanges,
}

/// Two figures of one question compared: `a`'s median over `b`'s, with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison<'v> {
    /// The numerator.
    pub a: &'v Figure,
    /// The denominator.
    pub b: &'v Figure,
    /// `a.median / b.median`.
    pub ratio: f64,
    /// Its 95 % interval, if one can be found.
    pub interval: Option<Interval>,
    /// How the interval was found.
    pub method: Option<Method>,
}

impl<'v> Comparison<'v> {
    /// The side measured on the busiest machine, with its noise, when either side was busy.
    pub fn busy_side(&self) -> Option<(&'v Figure, Noise)> {
        let load = |n: &Noise| n.other_busy + n.steal;
        match (self.a.busy(), self.b.busy()) {
            (Some(na), Some(nb)) if load(&nb) > load(&na) => Some((self.b, nb)),
            (Some(na), _) => Some((self.a, na)),
            (None, Some(nb)) => Some((self.b, nb)),
            (None, None) => None,
        }
    }

    /// `a` against `b`, computed afresh: what [`View::compare`] remembers per pair of its own
    /// figures. For figures of two views (`greetbench diff` compares a run with another), whose
    /// positions mean nothing to either view's memo.
    pub fn between(a: &'v Figure, b: &'v Figure) -> Option<Comparison<'v>> {
        if a.unit != b.unit || !(a.median > 0.0 && b.median > 0.0) {
            return None;
        }
        let ratio = a.median / b.median;
        if !ratio.is_finite() {
            return None;
        }
        let (interval, method) = match stats::ratio_interval(&a.samples, &b.samples) {
            Some(i) => (Some(i), Some(Method::Bootstrap)),
            None => match (a.interval(), b.interval()) {
                (Some(ia), Some(ib)) if ia.lo > 0.0 && ib.lo > 0.0 => (
                    Some(Interval {
                        lo: ia.lo / ib.hi,
                        hi: ia.hi / ib.lo,
                    }),
                    Some(Method::StoredRanges),
                ),
                _ => (None, None),
            },
        };
        Some(Comparison {
            a,
            b,
            ratio,
            interval: interval.filter(|i| i.lo.is_finite() && i.hi.is_finite()),
            method,
        })
    }
}

impl Comparison<'_> {
    /// The noise of whichever side was measured on a busy machine (the busier side's, when
    /// both were: the one [`Comparison::busy_side`] names).
    pub fn busy(&self) -> Option<Noise> {
        self.busy_side().map(|(_, n)| n)
    }

    /// `b` over `a`: the same comparison the other way up.
    pub fn inverse(&self) -> Comparison<'_> {
        Comparison {
            a: self.b,
            b: self.a,
            ratio: 1.0 / self.ratio,
            interval: self.interval.map(|i| i.inverse()),
            method: self.method,
        }
    }

    /// `2.63× [2.41–2.80]`.
    pub fn words(&self) -> String {
        format::ratio_in(self.ratio, self.interval)
    }
}

/// A comparison's interval and how it was found, as the view keeps it.
type Found = (Option<Interval>, Option<Method>);

/// One model as these results know it.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Its name.
    pub name: String,
    /// Its description, if the results carry one.
    pub description: Option<Description>,
    /// Its place in every table, chart and legend (and its colour and marker).
    pub index: usize,
}

impl Model {
    /// Its language (Rust when undescribed).
    pub fn lang(&self) -> Lang {
        self.description.as_ref().map_or(Lang::Rust, |d| d.lang)
    }

    /// Whether its description satisfies `keep` (an undescribed model never does).
    pub fn is(&self, keep: impl Fn(&Description) -> bool) -> bool {
        self.description.as_ref().is_some_and(keep)
    }
}

/// The typed view of one results file.
#[derive(Debug)]
pub struct View<'r> {
    /// The results it was built from (for the sections that draw single runs: timelines,
    /// faults, the rate and scale sweeps, the kill probe).
    pub results: &'r Results,
    models: Vec<Model>,
    rank: HashMap<String, usize>,
    figures: Vec<Figure>,
    missing: Vec<Missing>,
    index: HashMap<(Question, Row), usize>,
    columns: Vec<Column>,
    group_noise: HashMap<Group, Noise>,
    /// Every comparison's interval, computed once (the bootstrap is the page's dearest step).
    compared: RefCell<HashMap<(usize, usize), Found>>,
    interpreters: Interpreters,
}

/// The interpreters the results name: each record's label ([`Interpreter::label`]), the path it
/// was asked for, and whether its GIL was on. Gathered in one pass before the figures, so that a
/// run with no record (a failure) still lands in its interpreter's column.
#[derive(Debug, Default)]
struct Interpreters {
    /// Labels in the order first seen, with whether the GIL was on.
    labels: Vec<(String, bool)>,
    /// The label of each interpreter path seen (asked for, or reported).
    by_path: HashMap<std::path::PathBuf, String>,
}

impl Interpreters {
    fn gather<'a>(runs: impl Iterator<Item = &'a RunResult>) -> Interpreters {
        let mut out = Interpreters::default();
        for e in runs {
            let Some(i) = e.record().and_then(|k| k.interpreter.as_ref()) else {
                continue;
            };
            let label = i.label();
            if !out.labels.iter().any(|(l, _)| *l == label) {
                out.labels.push((label.clone(), i.gil_enabled));
            }
            out.by_path.insert(i.path.clone(), label.clone());
            if let Some(p) = &e.request().python {
                out.by_path.insert(p.clone(), label);
            }
        }
        out
    }

    /// The label of a run of a model in `lang`: `None` for Rust; else the interpreter its
    /// record names, or the one its request asked for, or the first one these results name (the
    /// default interpreter runs first), or [`DEFAULT_INTERPRETER`] (records from before
    /// interpreters were recorded).
    fn of(
        &self,
        lang: Lang,
        record: Option<&RunRecord>,
        asked: Option<&std::path::Path>,
    ) -> Option<String> {
        if lang == Lang::Rust {
            return None;
        }
        if let Some(i) = record.and_then(|k| k.interpreter.as_ref()) {
            return Some(i.label());
        }
        if let Some(label) = asked.and_then(|p| self.by_path.get(p)) {
            return Some(label.clone());
        }
        Some(
            self.labels
                .first()
                .map_or_else(|| DEFAULT_INTERPRETER.to_owned(), |(l, _)| l.clone()),
        )
    }

    /// The label of the interpreter `spawn_cost.py` reported as `words` (`CPython 3.11.7`): the
    /// label a record of that implementation and version carries, if the results name it, else
    /// as [`Interpreters::of`] decides for a run that names none.
    fn of_words(&self, words: &str) -> Option<String> {
        let (implementation, version) = words.rsplit_once(' ')?;
        let label = greet_core_interpreter(implementation, version).label();
        self.labels
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(l, _)| l.clone())
    }
}

/// An interpreter of `implementation` and `version` with the GIL (what `spawn_cost.py`
/// reports; it does not say whether the build is free-threaded).
fn greet_core_interpreter(
    implementation: &str,
    version: &str,
) -> greet_core::interpreter::Interpreter {
    greet_core::interpreter::Interpreter {
        path: std::path::PathBuf::new(),
        implementation: implementation.to_owned(),
        version: version.to_owned(),
        free_threaded: false,
        gil_enabled: true,
    }
}

/// Samples being gathered for one figure.
#[derive(Default)]
struct Gathered {
    samples: Vec<f64>,
    wall: f64,
    busy: f64,
    steal: f64,
    noted: bool,
    /// The busiest busy run's noise, if any run was busy.
    busy_run: Option<Noise>,
    stopped: Option<(String, bool)>,
}

impl Gathered {
    fn add(&mut self, v: f64, wall_s: f64, noise: Option<Noise>) {
        if !v.is_finite() {
            return;
        }
        self.samples.push(v);
        if let Some(n) = noise {
            let w = if wall_s.is_finite() && wall_s > 0.0 {
                wall_s
            } else {
                0.0
            };
            self.wall += w;
            self.busy += w * n.other_busy;
            self.steal += w * n.steal;
            self.noted = true;
            if n.busy()
                && self
                    .busy_run
                    .is_none_or(|b| n.other_busy + n.steal > b.other_busy + b.steal)
            {
                self.busy_run = Some(n);
            }
        }
    }

    fn noise(&self) -> Option<Noise> {
        (self.noted && self.wall > 0.0).then(|| Noise {
            other_busy: self.busy / self.wall,
            steal: self.steal / self.wall,
        })
    }
}

/// Whether a record's counts add up (`ok + errors == count`); a record whose counts do not
/// is shown as such and never enters a figure.
pub fn adds_up(k: &RunRecord) -> bool {
    k.ok.checked_add(k.errors) == Some(k.request.count)
}

/// What stopped a run, in a few words.
pub fn stopped_by(run: &RunResult) -> String {
    if run.unavailable().is_some() {
        return NOT_AVAILABLE.into();
    }
    if let Some(k) = run.record()
        && !adds_up(k)
    {
        return "counts do not add up".into();
    }
    match run.status() {
        Status::Ok => "ok".into(),
        Status::Limit(limit) => limit_words(limit),
        Status::FaultsOnly => "injected faults".into(),
        Status::Failed => "failed".into(),
    }
}

/// An OS limit as the page names it, read well after a model's name and inside a parenthesis:
/// "thread limit, vm.max_map_count" (never "threads (threads (vm.max_map_count) limit)").
pub fn limit_words(limit: greet_core::OsLimit) -> String {
    use greet_core::OsLimit;
    match limit {
        OsLimit::OpenFiles => "open-files limit, RLIMIT_NOFILE".into(),
        OsLimit::EphemeralPorts => "ephemeral-port limit".into(),
        OsLimit::Threads => "thread limit, vm.max_map_count".into(),
    }
}

/// The words of a model that cannot run on the machine that ran the sweep.
pub const NOT_AVAILABLE: &str = "not available here";

/// The record of a run that ended ok with counts that add up.
pub fn ok_record(run: &RunResult) -> Option<&RunRecord> {
    run.record()
        .filter(|k| run.status() == Status::Ok && adds_up(k))
}

impl<'r> View<'r> {
    /// Builds the view: one pass over each list of `results`.
    pub fn new(results: &'r Results) -> View<'r> {
        let mut view = View {
            results,
            models: Vec::new(),
            rank: HashMap::new(),
            figures: Vec::new(),
            missing: Vec::new(),
            index: HashMap::new(),
            columns: Vec::new(),
            group_noise: HashMap::new(),
            compared: RefCell::new(HashMap::new()),
            interpreters: Interpreters::gather(results.all_runs()),
        };
        view.models_from(results);
        for g in &results.noise {
            if let Some(group) = Group::parse(&g.group) {
                view.group_noise.insert(group, g.noise);
            }
        }
        let mut gathered: HashMap<(Question, Row), (Source, Unit, Gathered)> = HashMap::new();
        view.sweep_figures(&mut gathered);
        view.memory_figures(&mut gathered);
        let mut figures: Vec<Figure> = gathered
            .into_iter()
            .filter_map(|((question, row), (source, unit, g))| {
                if g.samples.is_empty() {
                    if let Some((why, unavailable)) = g.stopped {
                        view.missing.push(Missing {
                            question,
                            row,
                            why,
                            unavailable,
                        });
                    }
                    return None;
                }
                let noise = g.noise();
                let busy_run = g.busy_run;
                let median = stats::median(&g.samples)?;
                Some(Figure {
                    question,
                    row,
                    source,
                    unit,
                    samples: g.samples,
                    median,
                    stored: None,
                    interval: None,
                    noise,
                    busy_run,
                    dir: None,
                })
            })
            .collect();
        figures.extend(view.criterion_figures());
        figures.extend(view.spawn_script_figures());
        figures.retain(|f| f.median.is_finite());
        for f in &mut figures {
            f.interval = stats::median_interval(&f.samples).or(f.stored);
        }
        figures.sort_by(|a, b| {
            (&a.question, view.rank_of(&a.row.model), &a.row).cmp(&(
                &b.question,
                view.rank_of(&b.row.model),
                &b.row,
            ))
        });
        let mut missing = std::mem::take(&mut view.missing);
        missing.sort_by(|a, b| {
            (&a.question, view.rank_of(&a.row.model), &a.row).cmp(&(
                &b.question,
                view.rank_of(&b.row.model),
                &b.row,
            ))
        });
        view.missing = missing;
        view.index = figures
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.question.clone(), f.row.clone()), i))
            .collect();
        view.figures = figures;
        view.columns_from();
        view
    }

    /// The models: described ones in the registry's order, then the sweep's, then any model
    /// only seen in runs or model groups, in the order seen.
    fn models_from(&mut self, r: &Results) {
        let add = |name: &str, d: Option<&Description>, view: &mut View<'_>| {
            if view.rank.contains_key(name) {
                return;
            }
            let index = view.models.len();
            view.rank.insert(name.to_owned(), index);
            view.models.push(Model {
                name: name.to_owned(),
                description: d.cloned(),
                index,
            });
        };
        for d in &r.models {
            add(&d.name, Some(d), self);
        }
        for d in r.sweep.iter().flat_map(|s| &s.models) {
            add(&d.name, Some(d), self);
        }
        for e in r.all_runs() {
            add(&e.request().model.clone(), None, self);
        }
        for e in &r.criterion {
            if Group::parse(&e.group).is_some_and(|g| g.of_models()) {
                add(&e.function.clone(), None, self);
            }
        }
    }

    /// The columns: Rust when any Rust model is known, then one per Python interpreter
    /// found in the figures (or `python3` when Python models are described but have none).
    fn columns_from(&mut self) {
        let mut cols = vec![Column {
            lang: Lang::Rust,
            interpreter: None,
        }];
        for f in &self.figures {
            if let Some(i) = &f.row.interpreter {
                let c = Column {
                    lang: f.row.lang,
                    interpreter: Some(i.clone()),
                };
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
        }
        if cols.len() == 1 && self.models.iter().any(|m| m.lang() == Lang::Python) {
            cols.push(Column {
                lang: Lang::Python,
                interpreter: Some(DEFAULT_INTERPRETER.to_owned()),
            });
        }
        self.columns = cols;
    }

    /// The row of a run of `model` (whose record, if any, is `record`).
    pub fn row(&self, model: &str, record: Option<&RunRecord>) -> Row {
        let lang = self.lang_of(model);
        Row {
            model: model.to_owned(),
            lang,
            interpreter: self.interpreters.of(lang, record, None),
        }
    }

    /// The row of `run`: its record's interpreter, or the one its request asked for.
    pub fn row_of(&self, run: &RunResult) -> Row {
        let q = run.request();
        let lang = self.lang_of(&q.model);
        Row {
            model: q.model.clone(),
            lang,
            interpreter: self
                .interpreters
                .of(lang, run.record(), q.python.as_deref()),
        }
    }

    /// Whether the interpreter of `column` ran with its GIL off (a free-threaded build), as its
    /// records say; `None` where they do not say.
    pub fn gil_off(&self, column: &Column) -> Option<bool> {
        let label = column.interpreter.as_ref()?;
        self.interpreters
            .labels
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, gil_on)| !gil_on)
    }

    /// The sweep's greet and crunch batches, the CPU of each greet batch (where its record
    /// keeps the exact total), and CPU per crunch job.
    fn sweep_figures(&self, out: &mut HashMap<(Question, Row), (Source, Unit, Gathered)>) {
        let cores = self.results.provenance.logical_cores;
        for e in self.results.runs() {
            let q = e.request();
            let row = self.row_of(e);
            let question = match q.workload {
                Workload::Greet => Question::Greet {
                    count: q.count,
                    latency: q.hosts.latency,
                },
                Workload::Crunch => {
                    let Some(work) = q.work else { continue };
                    let workers = match q.workers {
                        Some(1) if cores != 1 => Workers::One,
                        _ => Workers::All,
                    };
                    Question::Crunch {
                        count: q.count,
                        work,
                        workers,
                    }
                }
                Workload::Mixed => continue,
            };
            let slot = out
                .entry((question.clone(), row.clone()))
                .or_insert_with(|| (Source::Sweep, Unit::Ns, Gathered::default()));
            match ok_record(e) {
                Some(k) => {
                    slot.2.add(k.wall_s * 1e9, k.wall_s, k.noise);
                    if let (Question::Greet { count, latency }, Some(cpu)) =
                        (&question, k.cpu_total_s)
                    {
                        let q = Question::GreetCpu {
                            count: *count,
                            latency: *latency,
                        };
                        out.entry((q, row.clone()))
                            .or_insert_with(|| (Source::Sweep, Unit::Ns, Gathered::default()))
                            .2
                            .add(cpu * 1e9, k.wall_s, k.noise);
                    }
                    if let Question::Crunch {
                        workers: Workers::All,
                        work,
                        ..
                    } = question
                    {
                        let jobs = k.cpu_s() - k.start_cpu_s.unwrap_or(0.0);
                        let per_job = jobs.max(0.0) / k.request.count.max(1) as f64 * 1e9;
                        out.entry((Question::CpuPerJob { work }, row))
                            .or_insert_with(|| (Source::Sweep, Unit::Ns, Gathered::default()))
                            .2
                            .add(per_job, k.wall_s, k.noise);
                    }
                }
                None => {
                    slot.2
                        .stopped
                        .get_or_insert((stopped_by(e), e.unavailable().is_some()));
                }
            }
        }
    }

    /// Memory per waiting greet: the scale sweep's held sizes for each language it ran, else
    /// the resource sweep's runs at its longest latency where every greet waited at once.
    fn memory_figures(&self, out: &mut HashMap<(Question, Row), (Source, Unit, Gathered)>) {
        let Some(s) = &self.results.sweep else {
            return;
        };
        let question = Question::MemoryPerWaitingGreet;
        let scaled: Vec<Lang> = s
            .scale
            .iter()
            .filter(|e| ok_record(e).is_some_and(|k| k.scale.is_some()))
            .map(|e| self.lang_of(&e.request().model))
            .fold(Vec::new(), |mut v, l| {
                if !v.contains(&l) {
                    v.push(l);
                }
                v
            });
        {
            for e in &s.scale {
                if !scaled.contains(&self.lang_of(&e.request().model)) {
                    continue;
                }
                let row = self.row_of(e);
                let slot = out
                    .entry((question.clone(), row))
                    .or_insert_with(|| (Source::Scale, Unit::Kib, Gathered::default()));
                match ok_record(e).and_then(|k| Some((k, k.scale.as_ref()?))) {
                    Some((k, f)) if f.peak_waiting >= k.request.count as u64 => {
                        slot.2.add(f.total_kib_per_greet, 0.0, None);
                    }
                    _ => {
                        slot.2
                            .stopped
                            .get_or_insert((stopped_by(e), e.unavailable().is_some()));
                    }
                }
            }
        }
        let longest = self
            .results
            .runs()
            .filter(|e| e.request().workload == Workload::Greet)
            .map(|e| e.request().hosts.latency)
            .max();
        for e in self.results.runs() {
            let q = e.request();
            if q.workload != Workload::Greet
                || Some(q.hosts.latency) != longest
                || scaled.contains(&self.lang_of(&q.model))
            {
                continue;
            }
            if !self
                .model(&q.model)
                .is_none_or(|m| m.is(|d| d.shape == Shape::PerJob))
            {
                continue;
            }
            let row = self.row_of(e);
            let slot = out
                .entry((question.clone(), row))
                .or_insert_with(|| (Source::Sweep, Unit::Kib, Gathered::default()));
            match ok_record(e).filter(|k| all_waited(k)) {
                Some(k) => slot.2.add(k.kib_per_job(), 0.0, None),
                None => {
                    let why = match ok_record(e) {
                        Some(_) => "not all waited at once".to_owned(),
                        None => stopped_by(e),
                    };
                    slot.2
                        .stopped
                        .get_or_insert((why, e.unavailable().is_some()));
                }
            }
        }
    }

    /// Criterion's estimates: one figure each. The spawn group's are per start.
    fn criterion_figures(&self) -> Vec<Figure> {
        self.results
            .criterion
            .iter()
            .filter_map(|e| {
                let group = Group::parse(&e.group)?;
                let per = if group == Group::Spawn {
                    e.size.unwrap_or(1).max(1) as f64
                } else {
                    1.0
                };
                let samples: Vec<f64> = e.samples_ns.iter().map(|v| v / per).collect();
                let median = stats::median(&samples).unwrap_or(e.median_ns / per);
                let stored = samples.is_empty().then_some(Interval {
                    lo: e.median_lo_ns / per,
                    hi: e.median_hi_ns / per,
                });
                let question = match group {
                    Group::Spawn => Question::Spawn {
                        kind: e.function.clone(),
                    },
                    _ => Question::Bench {
                        group,
                        size: e.size?,
                    },
                };
                Some(Figure {
                    question,
                    row: Row::rust(&e.function),
                    source: Source::Criterion,
                    unit: Unit::Ns,
                    samples,
                    median,
                    stored: stored.filter(|i| i.lo.is_finite() && i.hi.is_finite()),
                    interval: None,
                    noise: self.group_noise.get(&group).copied(),
                    busy_run: None,
                    dir: Some(e.dir.clone()).filter(|d| !d.is_empty()),
                })
            })
            .collect()
    }

    /// Python's spawn costs from `spawn_cost.py`.
    fn spawn_script_figures(&self) -> Vec<Figure> {
        let Some(py) = self.results.sweep.as_ref().and_then(|s| s.python.as_ref()) else {
            return Vec::new();
        };
        py.spawn
            .iter()
            .map(|c| Figure {
                question: Question::Spawn {
                    kind: c.kind.clone(),
                },
                row: Row {
                    model: c.kind.clone(),
                    lang: Lang::Python,
                    interpreter: self
                        .interpreters
                        .of_words(&py.python)
                        .or_else(|| self.interpreters.of(Lang::Python, None, None)),
                },
                source: Source::SpawnScript,
                unit: Unit::Ns,
                samples: Vec::new(),
                median: c.median_ns,
                stored: Some(Interval {
                    lo: c.min_ns,
                    hi: c.max_ns,
                }),
                interval: None,
                noise: None,
                busy_run: None,
                dir: None,
            })
            .collect()
    }

    /// Every comparable figure, by question, then model order.
    pub fn figures(&self) -> &[Figure] {
        &self.figures
    }

    /// Whether this file stores raw samples for `source`'s figures (two or more for any of
    /// them): what decides how [`Comparison::between`] finds an interval, a bootstrap or the
    /// stored ranges' far ends.
    pub fn has_raw(&self, source: Source) -> bool {
        self.figures
            .iter()
            .any(|f| f.source == source && f.samples.len() >= 2)
    }

    /// What the intervals of `source`'s figures are in this file, in the page's words: each
    /// section's interval note reads this, so it never says "bootstrap" over samples the file
    /// does not have. Follows [`Comparison::between`] and [`Figure::interval`].
    pub fn interval_note(&self, source: Source) -> String {
        let what = match source {
            Source::Criterion => "criterion's raw samples",
            Source::Sweep => "the sweep's repeats",
            Source::Scale => "the scale sweep's sizes",
            Source::SpawnScript => {
                return "spawn_cost.py stores no samples: its range is the fastest to the slowest \
                        repeat, not a 95 % interval, and a ratio with it runs between the far ends \
                        of both ranges."
                    .into();
            }
        };
        if self.has_raw(source) {
            format!(
                "Intervals: each median's 95 % interval comes from {what} (their order \
                 statistics; the whole range under six), each comparison's is a 95 % bootstrap \
                 over both sides' {what}."
            )
        } else if source == Source::Criterion {
            "Intervals: this file stores no raw samples (format 2), so each median's interval is \
             criterion's own 95 % interval, and each comparison's runs between the far ends of \
             the two stored intervals (wider than a bootstrap)."
                .into()
        } else {
            format!(
                "Intervals: this file stores too few of {what} for a bootstrap; a comparison's \
                 interval runs between the far ends of the stored ranges, where there are any."
            )
        }
    }

    /// The rows that have no figure for a question, and why.
    pub fn missing(&self) -> &[Missing] {
        &self.missing
    }

    /// Why `row` has no figure for `question`, if a run says.
    pub fn missing_of(&self, question: &Question, row: &Row) -> Option<&Missing> {
        self.missing
            .iter()
            .find(|m| &m.question == question && &m.row == row)
    }

    /// The figure of `row` for `question`.
    pub fn figure(&self, question: &Question, row: &Row) -> Option<&Figure> {
        self.index
            .get(&(question.clone(), row.clone()))
            .map(|&i| &self.figures[i])
    }

    /// The figures of `question`, in model order.
    pub fn figures_of<'a>(&'a self, question: &'a Question) -> impl Iterator<Item = &'a Figure> {
        self.figures.iter().filter(move |f| &f.question == question)
    }

    /// The figures of `question` in `column`, in model order.
    pub fn in_column<'a>(
        &'a self,
        question: &'a Question,
        column: &'a Column,
    ) -> impl Iterator<Item = &'a Figure> {
        self.figures_of(question)
            .filter(move |f| column.holds(&f.row))
    }

    /// Every row that answers `question`, measured or not (a missing row says why), in model
    /// order; only `column`'s rows when one is given.
    pub fn rows(&self, question: &Question, column: Option<&Column>) -> Vec<Row> {
        let keep = |r: &Row| column.is_none_or(|c| c.holds(r));
        let mut rows: Vec<Row> = self
            .figures_of(question)
            .map(|f| &f.row)
            .chain(
                self.missing
                    .iter()
                    .filter(|m| &m.question == question)
                    .map(|m| &m.row),
            )
            .filter(|r| keep(r))
            .cloned()
            .collect();
        rows.sort_by_key(|r| self.rank_of(&r.model));
        rows.dedup();
        rows
    }

    /// `a` against `b`: the ratio of their medians with its 95 % interval. Both must be in the
    /// same unit; which two figures are worth comparing is the caller's question (two models
    /// on one question, or two kinds of start).
    pub fn compare<'a>(&self, a: &'a Figure, b: &'a Figure) -> Option<Comparison<'a>> {
        if a.unit != b.unit || !(a.median > 0.0 && b.median > 0.0) {
            return None;
        }
        let ratio = a.median / b.median;
        if !ratio.is_finite() {
            return None;
        }
        let key = |f: &Figure| {
            self.index
                .get(&(f.question.clone(), f.row.clone()))
                .copied()
        };
        let memo = key(a).zip(key(b));
        if let Some(k) = memo
            && let Some(&(interval, method)) = self.compared.borrow().get(&k)
        {
            return Some(Comparison {
                a,
                b,
                ratio,
                interval,
                method,
            });
        }
        let c = Comparison::between(a, b)?;
        if let Some(k) = memo {
            self.compared.borrow_mut().insert(k, (c.interval, c.method));
        }
        Some(c)
    }

    /// Every model, in order.
    pub fn models(&self) -> &[Model] {
        &self.models
    }

    /// The model called `name`.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.rank.get(name).map(|&i| &self.models[i])
    }

    /// Where `name` sorts (unknown names last).
    pub fn rank_of(&self, name: &str) -> usize {
        self.rank.get(name).copied().unwrap_or(usize::MAX)
    }

    /// The description of `name`.
    pub fn describe(&self, name: &str) -> Option<&Description> {
        self.model(name).and_then(|m| m.description.as_ref())
    }

    /// The language of `name` (Rust when undescribed).
    pub fn lang_of(&self, name: &str) -> Lang {
        self.model(name).map_or(Lang::Rust, Model::lang)
    }

    /// The columns: Rust, then one per interpreter.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The models of `lang` whose description satisfies `keep`, in order.
    pub fn models_where(&self, lang: Lang, keep: impl Fn(&Description) -> bool) -> Vec<&Model> {
        self.models
            .iter()
            .filter(|m| m.lang() == lang && m.is(&keep))
            .collect()
    }

    /// The baseline of `lang`: its first model of the sequential family.
    pub fn baseline(&self, lang: Lang) -> Option<&Model> {
        self.models_where(lang, |d| d.family == Family::Sequential)
            .into_iter()
            .next()
    }

    /// The row of `model` in `column`.
    pub fn row_in(&self, model: &str, column: &Column) -> Row {
        Row {
            model: model.to_owned(),
            lang: column.lang,
            interpreter: column.interpreter.clone(),
        }
    }

    /// The noise of criterion group `group`, if recorded.
    pub fn group_noise(&self, group: Group) -> Option<Noise> {
        self.group_noise.get(&group).copied()
    }

    /// The sweep's I/O point: its shortest greet latency, at the largest N run there.
    pub fn greet_point(&self) -> Option<Question> {
        self.figures
            .iter()
            .filter_map(|f| match f.question {
                Question::Greet { count, latency } => Some((latency, std::cmp::Reverse(count))),
                _ => None,
            })
            .min()
            .map(|(latency, count)| Question::Greet {
                count: count.0,
                latency,
            })
    }

    /// The crunch point of `column` with `workers`: the largest N its baseline ran.
    pub fn crunch_point(&self, column: &Column, workers: Workers) -> Option<Question> {
        let base = self.baseline(column.lang)?;
        let row = self.row_in(&base.name, column);
        self.figures
            .iter()
            .filter(|f| f.row == row)
            .filter_map(|f| match f.question {
                Question::Crunch {
                    count,
                    work,
                    workers: Workers::All,
                } => Some((count, work)),
                _ => None,
            })
            .max()
            .map(|(count, work)| Question::Crunch {
                count,
                work,
                workers,
            })
    }

    /// The whole run's noise: every criterion group's and every sweep run's, weighted by wall
    /// time. `None` when nothing recorded any.
    pub fn run_noise(&self) -> Option<Noise> {
        self.results.run_noise()
    }
}

/// Whether every greet of a run waited at once: the batch took less than twice the hosts'
/// latency, so the last greet started before the first could have finished.
pub fn all_waited(k: &RunRecord) -> bool {
    k.wall_s < 2.0 * k.request.hosts.latency.as_secs_f64()
}

//! Two runs side by side: what differs in their setup, and, for every question and model both
//! measured, the old figure, the new one, their ratio with a 95 % interval, and a word
//! (*faster*, *slower*, *no change* or *inconclusive*). `greetbench diff OLD NEW` prints it
//! ([`text`]: the terminal, Markdown, JSON), and the report's "Against the baseline" section
//! and `cargo bench`'s "Since the last run" draw it ([`crate::section::baseline`]). It is
//! computed once, here, from the two runs' typed views ([`View`]); every rendering reads it.
//!
//! # How a row is decided
//! The ratio is NEW's median over OLD's, with the interval [`View::compare`] gives every
//! comparison on the page:
//! - both sides have raw samples (criterion's per-iteration times, the sweep's repeats): a
//!   percentile bootstrap over both sides' samples, with the same seed as the page's;
//! - a side has none (a format-2 file's criterion estimates, `spawn_cost.py`'s figures): the
//!   ratio of the far ends of the stored ranges (criterion's 95 % interval of each median, or
//!   the fastest and slowest repeat). That is wider than a bootstrap: it can miss a change, and
//!   does not invent one;
//! - one run on each side: no interval at all.
//!
//! That interval is then widened by the row's group's *drift* ([`drift`]): how far the
//! group's rows typically moved between the two runs, which no interval of one run can see.
//!
//! Then, with the change `NEW / OLD − 1` and the threshold `t` ([`THRESHOLD`], 5 % by
//! default):
//! 1. *no change* when the change is smaller than `t`, or the interval includes 1;
//! 2. *slower* (*larger*, for memory) when the whole interval lies past `1 + t`, and *faster*
//!    (*smaller*) when it lies below `1 − t`: decided only clear of the threshold, as the
//!    report's verdicts are ([`crate::verdict`]), and as `--fail-over` reads;
//! 3. otherwise *inconclusive*, with the reason:
//!    - the interval is clear of 1 but reaches back inside the threshold ("straddles +5 %");
//!    - there is no interval ("one run each"): nothing says how far runs scatter;
//!    - the two sides were measured differently (the scale sweep against the resource sweep);
//!    - the side that looks slower was measured on a busy machine ([`Noise::busy`]), more so
//!      than the other, and the change is within what that difference could explain
//!      ([`allowance`]): the threshold is then multiplied by the allowance. Noise only ever
//!      slows a measurement down, so a busy NEW can fake a slowdown and a busy OLD a
//!      speed-up, never the other way round.
//!
//! So a run diffed against itself reads *no change* on every row (its ratio is 1), and noise
//! or too few runs can turn a change into *inconclusive*, never into its opposite.
//! `--fail-over P` counts the rows that read slower (or larger) with the whole interval past
//! `1 + P` (times the allowance).
//!
//! # Why these rules keep false alarms rare
//! Between two runs on a quiet machine a figure moves for reasons no interval of one run sees
//! (a different process layout, the CPU's clock), and it moves a group's rows together. The
//! drift widens each interval by what the group's rows typically moved, and requiring the
//! whole (widened) interval past the threshold keeps a move of about that size from being
//! called either way. The sweep repeats a point three times: a bootstrap of three against three spans the
//! whole range of each (its lower end is the fastest new run over the slowest old one), so a
//! row reads slower only when every new run is slower than every old one by more than `t`.

pub mod drift;
pub mod text;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use greet_core::record::Noise;
use serde::Serialize;

use crate::results::{self, Results, ResultsError};
use crate::section::answer;
use crate::stats::Interval;
use crate::view::{
    Comparison, DEFAULT_INTERPRETER, Figure, Method, Question, Row, Source, Unit, View,
};
use drift::Drift;

/// The default threshold: a change smaller than this reads *no change*.
pub const THRESHOLD: f64 = 0.05;

/// The most others' load [`allowance`] takes into account: past it, the allowance stops
/// growing (a side measured with others on every core explains any slowdown up to 20×).
const MAX_LOAD: f64 = 0.95;

/// A memory figure whose machines differ by less than this share is the same machine.
const MEMORY_SAME: f64 = 0.01;

/// Why two runs could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A results file could not be read (missing, not a results file, too large, not a
    /// regular file, a format this greetbench does not read).
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// A path that does not exist.
    #[error(
        "{path} does not exist; pass a results.json file, or a report folder holding one (such as reports/sample)"
    )]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A folder with no results.json in it.
    #[error(
        "{dir} holds no results.json; pass a results file, or a report folder holding one (such as reports/sample or target/greetbench)"
    )]
    NoResults {
        /// The folder.
        dir: PathBuf,
    },
    /// Two files of different format versions.
    #[error(
        "{old} is results format {old_format} and {new} is format {new_format}: diff compares files of one format; regenerate {stale} with this greetbench (`cargo bench`, or `greetbench sweep` then `greetbench report`) and diff that"
    )]
    Formats {
        /// The one in the older format.
        stale: PathBuf,
        /// OLD's path.
        old: PathBuf,
        /// OLD's format.
        old_format: u32,
        /// NEW's path.
        new: PathBuf,
        /// NEW's format.
        new_format: u32,
    },
}

/// The results file a path names: the path itself, or a folder's `results.json`.
pub fn locate(path: &Path) -> Result<PathBuf, DiffError> {
    if !path.exists() {
        return Err(DiffError::Missing {
            path: path.to_path_buf(),
        });
    }
    if path.is_dir() {
        let file = path.join("results.json");
        return if file.exists() {
            Ok(file)
        } else {
            Err(DiffError::NoResults {
                dir: path.to_path_buf(),
            })
        };
    }
    Ok(path.to_path_buf())
}

/// Reads the results a path names (a file, or a folder holding `results.json`) through the
/// report's bounded reader ([`results::read_capped`]): never more than
/// [`results::MAX_RESULTS_BYTES`], never a device or a pipe, never a format it cannot read.
pub fn read(path: &Path) -> Result<Results, DiffError> {
    Ok(results::read_versioned(&locate(path)?)?)
}

/// Refuses two runs of different format versions, naming the fix.
pub fn same_format(
    old: &Results,
    old_path: &Path,
    new: &Results,
    new_path: &Path,
) -> Result<(), DiffError> {
    if old.format == new.format {
        return Ok(());
    }
    let stale = if old.format < new.format {
        old_path
    } else {
        new_path
    };
    Err(DiffError::Formats {
        stale: stale.to_path_buf(),
        old: old_path.to_path_buf(),
        old_format: old.format,
        new: new_path.to_path_buf(),
        new_format: new.format,
    })
}

/// Reads OLD and NEW (files or report folders) and refuses two formats.
pub fn open(old: &Path, new: &Path) -> Result<(Results, Results), DiffError> {
    let (a, b) = (read(old)?, read(new)?);
    same_format(&a, old, &b, new)?;
    Ok((a, b))
}

/// Which comparison a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Against a results file the user named (`greetbench report --baseline OLD`).
    Given,
    /// Against `cargo bench`'s previous run (`target/greetbench/previous.json`).
    LastRun,
}

impl Kind {
    /// The page's section for it (its anchor and heading).
    pub fn section(self) -> crate::section::Section {
        match self {
            Kind::Given => crate::section::Section::Baseline,
            Kind::LastRun => crate::section::Section::SinceLastRun,
        }
    }

    /// The answer table's column heading.
    pub fn column(self) -> &'static str {
        match self {
            Kind::Given => "against the baseline",
            Kind::LastRun => "since the last run",
        }
    }
}

/// What the report compares against: the diff, computed once, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// Which comparison.
    pub kind: Kind,
    /// The diff, or why there is nothing to compare (the first run; a run in another format).
    pub against: Against,
}

/// A [`Baseline`]'s diff, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Against {
    /// The two runs compared (the report's run is NEW).
    Diff(Box<Diff>),
    /// Nothing to compare, and why, in a sentence.
    Nothing(String),
}

impl Baseline {
    /// `new` (the report's results) against `old`, labelled `label`, at the default settings.
    pub fn new(kind: Kind, label: &str, old: &Results, new: &Results) -> Baseline {
        let diff = Diff::new(
            &View::new(old),
            label,
            &View::new(new),
            "this run",
            Settings::default(),
        );
        Baseline {
            kind,
            against: Against::Diff(Box::new(diff)),
        }
    }

    /// Nothing to compare, and why.
    pub fn nothing(kind: Kind, why: impl Into<String>) -> Baseline {
        Baseline {
            kind,
            against: Against::Nothing(why.into()),
        }
    }

    /// The diff, if there is one.
    pub fn diff(&self) -> Option<&Diff> {
        match &self.against {
            Against::Diff(d) => Some(d),
            Against::Nothing(_) => None,
        }
    }

    /// One line for a terminal: `since the last run: 3 faster, 40 no change`, or why there
    /// is nothing to compare.
    pub fn line(&self) -> String {
        match &self.against {
            Against::Diff(d) => format!("{}: {}", self.kind.column(), d.summary.line()),
            Against::Nothing(why) => format!("{}: {why}", self.kind.column()),
        }
    }
}

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// A change smaller than this (a fraction: 0.05 is 5 %) reads *no change*.
    pub threshold: f64,
    /// `--fail-over`: the rows slower by more than this fraction, with the whole interval
    /// past it, are listed in [`Diff::failed`].
    pub fail_over: Option<f64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            threshold: THRESHOLD,
            fail_over: None,
        }
    }
}

/// One run, as the diff names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// Its path (or "this run").
    pub label: String,
    /// Its format version.
    pub format: u32,
    /// Its commit.
    pub commit: String,
    /// When it was collected.
    pub date: String,
    /// The whole run's noise (others' CPU and steal, weighted by wall time), if recorded.
    pub noise: Option<Noise>,
    /// Whether that noise makes it a busy run ([`Noise::busy`]).
    pub busy: bool,
    /// How many comparable figures it has.
    pub figures: usize,
}

impl Run {
    fn of(label: &str, view: &View<'_>) -> Run {
        let p = &view.results.provenance;
        let noise = view.run_noise();
        Run {
            label: label.to_owned(),
            format: view.results.format,
            commit: p.git_commit.clone(),
            date: p.date_utc.clone(),
            noise,
            busy: noise.is_some_and(|n| n.busy()),
            figures: view.figures().len(),
        }
    }
}

/// One line of the setup that differs between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// What (`CPU`, `kernel`, `tokio`, ...).
    pub what: String,
    /// OLD's.
    pub old: String,
    /// NEW's.
    pub new: String,
    /// Whether it is the machine itself (CPU, cores, memory, architecture): the runs then
    /// come from two machines.
    pub machine: bool,
}

/// One side of a compared row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The median (ns or KiB).
    pub median: f64,
    /// Its own 95 % interval (or stored range).
    pub interval: Option<Interval>,
    /// How many raw samples back it.
    pub runs: usize,
    /// Where it was measured.
    pub source: Source,
    /// The machine's other load while it was measured.
    pub noise: Option<Noise>,
}

impl Side {
    fn of(f: &Figure) -> Side {
        Side {
            median: f.median,
            interval: f.interval(),
            runs: f.runs(),
            source: f.source,
            noise: f.noise,
        }
    }

    /// Others' CPU plus steal, when it made the side busy; 0 otherwise.
    fn busy_load(&self) -> f64 {
        self.noise
            .filter(Noise::busy)
            .map_or(0.0, |n| (n.other_busy + n.steal).clamp(0.0, MAX_LOAD))
    }
}

/// Which run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    /// The older run.
    Old,
    /// The newer run.
    New,
}

impl Which {
    /// `OLD` or `NEW`.
    pub fn name(self) -> &'static str {
        match self {
            Which::Old => "OLD",
            Which::New => "NEW",
        }
    }
}

/// Why a row is not decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Unsure {
    /// One run on each side: past the threshold, with nothing to say how far runs scatter.
    NoInterval,
    /// A median is zero or not a number, so there is no ratio.
    NoRatio,
    /// The interval lies on the other side of 1 from the ratio (a bootstrap of very few
    /// samples can do that).
    Disagree,
    /// The change is past the threshold and the interval clear of 1, but the interval reaches
    /// back inside the threshold.
    Straddles {
        /// The threshold crossed, as a signed change (0.05 for +5 %).
        change: f64,
    },
    /// The sides were measured differently.
    Sources {
        /// OLD's source.
        old: Source,
        /// NEW's source.
        new: Source,
    },
    /// The side that looks slower was measured on a busier machine, by enough to explain the
    /// change.
    Busier {
        /// That side.
        side: Which,
        /// The change that load could explain: the ratio it could make.
        allowance: f64,
        /// Its others' CPU plus steal.
        load: f64,
    },
}

impl Unsure {
    /// In words.
    pub fn words(&self) -> String {
        match self {
            Unsure::NoInterval => "one run each, no interval".into(),
            Unsure::NoRatio => "a median of zero: no ratio".into(),
            Unsure::Disagree => "the interval and the ratio disagree".into(),
            Unsure::Straddles { change } => format!(
                "the interval straddles {}{}",
                if *change < 0.0 { "−" } else { "+" },
                crate::format::chosen_percent(change.abs())
            ),
            Unsure::Sources { old, new } => {
                format!("measured by {} against {}", new.words(), old.words())
            }
            Unsure::Busier {
                side,
                allowance,
                load,
            } => format!(
                "{} was measured on a busy machine (others {}), which can explain up to {}",
                side.name(),
                crate::format::noise(*load),
                crate::format::ratio(*allowance)
            ),
        }
    }
}

/// How a row changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum Change {
    /// Lower: faster, or less memory.
    Better,
    /// Higher: slower, or more memory.
    Worse,
    /// Smaller than the threshold, or inside the interval.
    NoChange,
    /// Past the threshold, but not decided, and why.
    Inconclusive(Unsure),
}

impl Change {
    /// The word for a figure in `unit`: faster/slower for times, smaller/larger for memory.
    pub fn word(&self, unit: Unit) -> &'static str {
        match (self, unit) {
            (Change::Better, Unit::Ns) => "faster",
            (Change::Worse, Unit::Ns) => "slower",
            (Change::Better, Unit::Kib) => "smaller",
            (Change::Worse, Unit::Kib) => "larger",
            (Change::NoChange, _) => "no change",
            (Change::Inconclusive(_), _) => "inconclusive",
        }
    }

    /// Whether it reads faster or slower (smaller or larger): a flagged row.
    pub fn flagged(&self) -> bool {
        matches!(self, Change::Better | Change::Worse)
    }
}

/// One question and model that both runs measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// The question, in words.
    pub what: String,
    /// The question.
    #[serde(skip)]
    pub question: Question,
    /// The row.
    pub row: Row,
    /// The model in words (with its interpreter when not the default one).
    pub model: String,
    /// The unit of both figures.
    pub unit: Unit,
    /// OLD's figure.
    pub old: Side,
    /// NEW's figure.
    pub new: Side,
    /// NEW's median over OLD's; `None` when a median is zero.
    pub ratio: Option<f64>,
    /// Its 95 % interval.
    pub interval: Option<Interval>,
    /// How the interval was found.
    pub method: Option<Method>,
    /// The factor the interval was widened by: its group's drift ([`drift`]; 1 for none).
    pub drift: f64,
    /// How much the busier side's load could change the ratio in the direction it moved
    /// (1 when neither side was busy).
    pub allowance: f64,
    /// The verdict.
    #[serde(flatten)]
    pub change: Change,
    /// The word for it (`slower`, `no change`, ...).
    pub word: &'static str,
}

impl Compared {
    /// `1.50× [1.24–1.81]`.
    pub fn ratio_words(&self) -> String {
        match self.ratio {
            Some(r) => crate::format::ratio_in(r, self.interval),
            None => "-".into(),
        }
    }

    /// The word, with why when inconclusive.
    pub fn verdict_words(&self) -> String {
        match &self.change {
            Change::Inconclusive(why) => format!("inconclusive: {}", why.words()),
            c => c.word(self.unit).to_owned(),
        }
    }

    /// Whether it reads slower (or larger) by more than `p` with the whole interval past it
    /// (times the allowance).
    pub fn fails_over(&self, p: f64) -> bool {
        self.change == Change::Worse
            && self
                .interval
                .is_some_and(|i| i.lo > (1.0 + p) * self.allowance)
    }
}

/// A question and model only one run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lone {
    /// The question, in words.
    pub what: String,
    /// The model in words.
    pub model: String,
    /// The unit.
    pub unit: Unit,
    /// The figure of the run that has it.
    pub figure: Side,
    /// Why the other run has none, if it says (`not available here`, `threads limit`).
    pub other: Option<String>,
}

/// One situation's pick in one column of the answer, in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickChange {
    /// The situation.
    pub situation: String,
    /// The column (`Rust`, `Python`).
    pub column: String,
    /// OLD's pick, or why it has none.
    pub old: String,
    /// NEW's pick, or why it has none.
    pub new: String,
    /// Whether the picked model changed (a pick made, lost, or swapped).
    pub changed: bool,
}

impl PickChange {
    /// `the pick for CPU-bound work (Rust) changed from rayon to thread-pool`.
    pub fn sentence(&self) -> String {
        format!(
            "the pick for {} ({}) changed from {} to {}",
            lower_first(&self.situation),
            self.column,
            self.old,
            self.new
        )
    }
}

/// How many rows read each word.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Faster.
    pub faster: usize,
    /// Slower.
    pub slower: usize,
    /// Less memory.
    pub smaller: usize,
    /// More memory.
    pub larger: usize,
    /// No change.
    pub no_change: usize,
    /// Inconclusive.
    pub inconclusive: usize,
    /// Measured by OLD only.
    pub only_in_old: usize,
    /// Measured by NEW only.
    pub only_in_new: usize,
    /// Rows both runs measured.
    pub compared: usize,
    /// Of those, the rows that read faster, slower, smaller or larger.
    pub flagged: usize,
}

impl Summary {
    /// "3 faster, 1 slower, 40 no change, 2 only in NEW": the counts that are not zero.
    pub fn line(&self) -> String {
        let parts: Vec<String> = [
            (self.faster, "faster"),
            (self.slower, "slower"),
            (self.smaller, "smaller"),
            (self.larger, "larger"),
            (self.no_change, "no change"),
            (self.inconclusive, "inconclusive"),
            (self.only_in_old, "only in OLD"),
            (self.only_in_new, "only in NEW"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if parts.is_empty() {
            "nothing measured on either side".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Two runs compared: computed once, rendered as text, Markdown, JSON and HTML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The older run.
    pub old: Run,
    /// The newer run.
    pub new: Run,
    /// The threshold used (a fraction).
    pub threshold: f64,
    /// The machine's differences by name (`CPU`, `cores`, ...): empty when both ran on one
    /// machine.
    pub machines: Vec<String>,
    /// Everything in the setup that differs, machine first.
    pub setup: Vec<Difference>,
    /// The groups whose rows moved together by more than the threshold, with that move (a
    /// factor): a change of something they share, the machine first ([`drift`]).
    pub moved: Vec<(String, f64)>,
    /// Every question and model both measured, in the newer run's order.
    pub rows: Vec<Compared>,
    /// Measured by OLD only.
    pub only_in_old: Vec<Lone>,
    /// Measured by NEW only.
    pub only_in_new: Vec<Lone>,
    /// The answer's picks, situation by situation and column by column, in both runs.
    pub picks: Vec<PickChange>,
    /// The counts.
    pub summary: Summary,
    /// `--fail-over`, as a fraction, if given.
    pub fail_over: Option<f64>,
    /// The rows (indices into [`Diff::rows`]) slower than `--fail-over` allows.
    pub failed: Vec<usize>,
}

impl Diff {
    /// Compares `new` with `old`.
    pub fn new(
        old: &View<'_>,
        old_label: &str,
        new: &View<'_>,
        new_label: &str,
        settings: Settings,
    ) -> Diff {
        let threshold = if settings.threshold.is_finite() {
            settings.threshold.max(0.0)
        } else {
            THRESHOLD
        };
        let setup = setup(old, new);
        let machines = setup
            .iter()
            .filter(|d| d.machine)
            .map(|d| d.what.clone())
            .collect();
        let mut pairs = Vec::new();
        let mut only_in_new = Vec::new();
        for f in new.figures() {
            match old.figure(&f.question, &f.row) {
                Some(o) => pairs.push((o, f)),
                None => only_in_new.push(lone(f, old)),
            }
        }
        let drift = Drift::of(pairs.iter().map(|(o, n)| {
            let ratio = (o.median > 0.0).then(|| n.median / o.median);
            (&n.question, ratio)
        }));
        let rows: Vec<Compared> = pairs
            .iter()
            .map(|(o, n)| compare(o, n, threshold, drift.factor(&n.question)))
            .collect();
        let only_in_old: Vec<Lone> = old
            .figures()
            .iter()
            .filter(|f| new.figure(&f.question, &f.row).is_none())
            .map(|f| lone(f, new))
            .collect();
        let mut summary = Summary {
            only_in_old: only_in_old.len(),
            only_in_new: only_in_new.len(),
            ..Summary::default()
        };
        for r in &rows {
            match r.word {
                "faster" => summary.faster += 1,
                "slower" => summary.slower += 1,
                "smaller" => summary.smaller += 1,
                "larger" => summary.larger += 1,
                "no change" => summary.no_change += 1,
                _ => summary.inconclusive += 1,
            }
        }
        summary.compared = rows.len();
        summary.flagged = summary.faster + summary.slower + summary.smaller + summary.larger;
        let fail_over = settings.fail_over.filter(|p| p.is_finite() && *p >= 0.0);
        let failed = fail_over.map_or_else(Vec::new, |p| {
            rows.iter()
                .enumerate()
                .filter(|(_, r)| r.fails_over(p))
                .map(|(i, _)| i)
                .collect()
        });
        Diff {
            old: Run::of(old_label, old),
            new: Run::of(new_label, new),
            threshold,
            machines,
            setup,
            moved: drift.moved(threshold),
            rows,
            only_in_old,
            only_in_new,
            picks: picks(old, new),
            summary,
            fail_over,
            failed,
        }
    }

    /// The picks that changed.
    pub fn changed_picks(&self) -> impl Iterator<Item = &PickChange> {
        self.picks.iter().filter(|p| p.changed)
    }

    /// Whether both runs share no row.
    pub fn disjoint(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The model's words: its name, and its interpreter when not the default.
fn model_words(row: &Row) -> String {
    match &row.interpreter {
        Some(i) if i != DEFAULT_INTERPRETER => format!("{} ({i})", row.model),
        _ => row.model.clone(),
    }
}

fn lone(f: &Figure, other: &View<'_>) -> Lone {
    Lone {
        what: f.question.to_string(),
        model: model_words(&f.row),
        unit: f.unit,
        figure: Side::of(f),
        other: other.missing_of(&f.question, &f.row).map(|m| m.why.clone()),
    }
}

/// How far a difference in load between the sides could move a figure: a side that others
/// left `1 − b` of the machine takes at most `1 / (1 − b)` times as long as on an idle one,
/// so the ratio noise can fake in the direction of the busier side is
/// `(1 − b_other) / (1 − b_busier)`. Only a busy side ([`Noise::busy`]) counts: below that the
/// machine is quiet and the figure is taken as it is. Returns (allowance for slower,
/// allowance for faster).
pub fn allowance(old: &Side, new: &Side) -> (f64, f64) {
    // What each side had of the machine, and what a busy side had.
    let free = |s: &Side| {
        1.0 - s
            .noise
            .map_or(0.0, |n| (n.other_busy + n.steal).clamp(0.0, MAX_LOAD))
    };
    let by = |busier: &Side, other: &Side| match busier.busy_load() {
        b if b > 0.0 => (free(other) / (1.0 - b)).max(1.0),
        _ => 1.0,
    };
    (by(new, old), by(old, new))
}

/// The verdict of one row, its interval widened by `drift` (its group's): see the module's
/// doc.
fn compare(old: &Figure, new: &Figure, threshold: f64, drift: f64) -> Compared {
    let (o, n) = (Side::of(old), Side::of(new));
    let c = Comparison::between(new, old);
    let ratio = c.as_ref().map(|c| c.ratio);
    let drift = if drift.is_finite() {
        drift.max(1.0)
    } else {
        1.0
    };
    let interval = c.as_ref().and_then(|c| c.interval).map(|i| Interval {
        lo: i.lo / drift,
        hi: i.hi * drift,
    });
    let method = c.as_ref().and_then(|c| c.method);
    let (slower_by, faster_by) = allowance(&o, &n);
    let mut allowance = 1.0;
    let change = if old.source != new.source || old.unit != new.unit {
        Change::Inconclusive(Unsure::Sources {
            old: old.source,
            new: new.source,
        })
    } else {
        match ratio {
            None if old.median == new.median => Change::NoChange,
            None => Change::Inconclusive(Unsure::NoRatio),
            // Equal medians are no change even at a threshold of 0.
            Some(r) if (r - 1.0).abs() < threshold || old.median == new.median => Change::NoChange,
            Some(r) => match interval {
                None => Change::Inconclusive(Unsure::NoInterval),
                Some(i) if i.lo <= 1.0 && 1.0 <= i.hi => Change::NoChange,
                Some(i) if (r > 1.0) != (i.lo > 1.0) => Change::Inconclusive(Unsure::Disagree),
                Some(i) if r > 1.0 => {
                    allowance = slower_by;
                    if i.lo > (1.0 + threshold) * slower_by {
                        Change::Worse
                    } else if slower_by > 1.0 {
                        Change::Inconclusive(Unsure::Busier {
                            side: Which::New,
                            allowance: slower_by,
                            load: n.busy_load(),
                        })
                    } else {
                        Change::Inconclusive(Unsure::Straddles { change: threshold })
                    }
                }
                Some(i) => {
                    allowance = faster_by;
                    if i.hi < (1.0 - threshold) / faster_by {
                        Change::Better
                    } else if faster_by > 1.0 {
                        Change::Inconclusive(Unsure::Busier {
                            side: Which::Old,
                            allowance: faster_by,
                            load: o.busy_load(),
                        })
                    } else {
                        Change::Inconclusive(Unsure::Straddles { change: -threshold })
                    }
                }
            },
        }
    };
    Compared {
        what: new.question.to_string(),
        question: new.question.clone(),
        row: new.row.clone(),
        model: model_words(&new.row),
        unit: new.unit,
        word: change.word(new.unit),
        old: o,
        new: n,
        ratio,
        interval,
        method,
        drift,
        allowance,
        change,
    }
}

/// Everything in the two runs' setup that differs: the machine first, then the system, the
/// toolchain and the runtimes, Python, and where and when.
fn setup(old: &View<'_>, new: &View<'_>) -> Vec<Difference> {
    let (a, b) = (&old.results.provenance, &new.results.provenance);
    let mut out = Vec::new();
    let mut add = |what: &str, x: String, y: String, machine: bool| {
        if x != y {
            out.push(Difference {
                what: what.to_owned(),
                old: x,
                new: y,
                machine,
            });
        }
    };
    add("CPU", a.cpu_model.clone(), b.cpu_model.clone(), true);
    let cores = |p: &crate::Provenance| {
        format!(
            "{} logical, {} physical",
            p.logical_cores,
            p.physical_cores
                .map_or_else(|| "?".to_owned(), |n| n.to_string())
        )
    };
    add("cores", cores(a), cores(b), true);
    let memory_moved = {
        let (x, y) = (a.memory_mib as f64, b.memory_mib as f64);
        (x - y).abs() > MEMORY_SAME * x.max(y)
    };
    add(
        "memory",
        format!("{} MiB", a.memory_mib),
        format!("{} MiB", b.memory_mib),
        memory_moved,
    );
    add("architecture", a.arch.clone(), b.arch.clone(), true);
    add("OS", a.os.clone(), b.os.clone(), false);
    add("kernel", a.kernel.clone(), b.kernel.clone(), false);
    add("rustc", a.rustc.clone(), b.rustc.clone(), false);
    let names: BTreeSet<&String> = a.crates.keys().chain(b.crates.keys()).collect();
    for name in names {
        let v = |p: &crate::Provenance| p.crates.get(name).cloned().unwrap_or_else(|| "-".into());
        add(name, v(a), v(b), false);
    }
    let python = |r: &'_ Results| r.sweep.as_ref().and_then(|s| s.python.clone());
    let (pa, pb) = (python(old.results), python(new.results));
    let (pa, pb) = (pa.as_ref(), pb.as_ref());
    let py = |p: Option<&crate::results::PythonSide>,
              f: fn(&crate::results::PythonSide) -> String| {
        p.map_or_else(|| "not run".to_owned(), f)
    };
    add(
        "Python",
        py(pa, |p| p.python.clone()),
        py(pb, |p| p.python.clone()),
        false,
    );
    add(
        "Python start method",
        py(pa, |p| p.default_start_method.clone()),
        py(pb, |p| p.default_start_method.clone()),
        false,
    );
    add(
        "uvloop",
        py(pa, |p| {
            p.uvloop.clone().unwrap_or_else(|| "not installed".into())
        }),
        py(pb, |p| {
            p.uvloop.clone().unwrap_or_else(|| "not installed".into())
        }),
        false,
    );
    let interpreters = |v: &View<'_>| {
        let list: Vec<String> = v
            .columns()
            .iter()
            .filter_map(|c| c.interpreter.clone())
            .collect();
        if list.is_empty() {
            "none".to_owned()
        } else {
            list.join(", ")
        }
    };
    add("interpreters", interpreters(old), interpreters(new), false);
    let profile = |v: &View<'_>| {
        v.results
            .sweep
            .as_ref()
            .map_or_else(|| "no sweep".to_owned(), |s| s.profile.clone())
    };
    add("sweep profile", profile(old), profile(new), false);
    add("commit", a.git_commit.clone(), b.git_commit.clone(), false);
    add("date (UTC)", a.date_utc.clone(), b.date_utc.clone(), false);
    out
}

/// The answer's picks in both runs, in the newer run's order (situations, then columns);
/// a column only one run has is left out (its rows are listed as only in one run).
fn picks(old: &View<'_>, new: &View<'_>) -> Vec<PickChange> {
    let (a, b) = (answer::build(old), answer::build(new));
    let mut out = Vec::new();
    for row in &b.rows {
        let Some(was) = a.rows.iter().find(|r| r.what == row.what) else {
            continue;
        };
        for (ci, column) in b.columns.iter().enumerate() {
            let Some(oi) = a.columns.iter().position(|c| c == column) else {
                continue;
            };
            let (Some(np), Some(op)) = (row.picks.get(ci), was.picks.get(oi)) else {
                continue;
            };
            let words = |p: &answer::Pick| {
                p.model
                    .clone()
                    .unwrap_or_else(|| format!("no pick ({})", p.confidence.words()))
            };
            out.push(PickChange {
                situation: row.what.to_owned(),
                column: column.clone(),
                old: words(op),
                new: words(np),
                changed: op.model != np.model,
            });
        }
    }
    out
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    // An acronym ("CPU-bound") keeps its capitals.
    if s.chars().nth(1).is_some_and(char::is_uppercase) {
        return s.to_owned();
    }
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(samples: &[f64], busy: f64) -> Figure {
        Figure {
            interval: crate::stats::median_interval(samples),
            question: Question::MemoryPerWaitingGreet,
            row: Row::rust("m"),
            source: Source::Sweep,
            unit: Unit::Ns,
            samples: samples.to_vec(),
            median: crate::stats::median(samples).unwrap(),
            stored: None,
            noise: Some(Noise {
                other_busy: busy,
                steal: 0.0,
            }),
            busy_run: None,
            dir: None,
        }
    }

    fn change(old: &[f64], factor: f64, old_busy: f64, new_busy: f64) -> Change {
        let new: Vec<f64> = old.iter().map(|v| v * factor).collect();
        let (o, n) = (figure(old, old_busy), figure(&new, new_busy));
        compare(&o, &n, THRESHOLD, 1.0).change
    }

    #[test]
    fn a_row_is_decided_only_with_its_whole_interval_past_the_threshold() {
        let old = [
            100.0, 101.0, 99.0, 100.5, 102.0, 98.0, 100.0, 101.5, 99.5, 100.0,
        ];
        assert_eq!(change(&old, 1.0, 0.0, 0.0), Change::NoChange);
        assert_eq!(
            change(&[100.0], 1.0, 0.0, 0.0),
            Change::NoChange,
            "one run, unchanged"
        );
        assert_eq!(change(&old, 1.03, 0.0, 0.0), Change::NoChange, "under 5 %");
        assert_eq!(change(&old, 1.2, 0.0, 0.0), Change::Worse);
        assert_eq!(change(&old, 0.8, 0.0, 0.0), Change::Better);
        // Past 5 %, clear of 1, but the interval reaches back under +5 %.
        assert!(matches!(
            change(&old, 1.055, 0.0, 0.0),
            Change::Inconclusive(Unsure::Straddles { .. })
        ));
        // One run each: never decided.
        assert_eq!(
            change(&[100.0], 1.5, 0.0, 0.0),
            Change::Inconclusive(Unsure::NoInterval)
        );
        // A busy NEW (others 40 %) explains up to 1 / 0.6 = 1.67×: 1.2× is inconclusive,
        // 2× is slower; the same noise on a NEW that got faster changes nothing.
        assert!(matches!(
            change(&old, 1.2, 0.0, 0.4),
            Change::Inconclusive(Unsure::Busier {
                side: Which::New,
                ..
            })
        ));
        assert_eq!(change(&old, 2.0, 0.0, 0.4), Change::Worse);
        assert_eq!(change(&old, 0.8, 0.0, 0.4), Change::Better);
        assert!(matches!(
            change(&old, 0.8, 0.4, 0.0),
            Change::Inconclusive(Unsure::Busier {
                side: Which::Old,
                ..
            })
        ));
        // Equally busy sides: no allowance.
        assert_eq!(change(&old, 1.2, 0.4, 0.4), Change::Worse);
    }
}

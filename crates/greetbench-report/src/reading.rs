//! The answer read out in a few sentences: what `greetbench compare` prints under its table,
//! and what the answer section says under its decision table. Computed once from the
//! [`View`] and the [`Answer`], then rendered by both, so the terminal and the page say the
//! same thing from the same code.
//!
//! Three kinds of sentence, each built only from what the results hold:
//! - **picks**: each measured situation of the answer, per column: the pick and how sure, or
//!   why there is none ("inconclusive: one run each: no interval"), with the evidence (a
//!   situation whose runs stayed outside what it is about, such as no OS limit reached, is
//!   left out);
//! - **waits**: at the I/O point, what each kind of model waited at best (N × L one greet at a
//!   time, ⌈N/K⌉ × L a pool of K, about one L the rest: the records' own `floor_s`) and what
//!   it took (the medians of its wall times);
//! - **cpu**: the CPU of that batch, from the records' exact totals only (never the
//!   tick-sampled user/system split): the most against the least of each column, and one
//!   column's least against another's, each with its interval, or "inconclusive" and why.
//!
//! A sentence never names a winner inside the noise: the comparisons go through
//! [`crate::verdict::side`] against [`TIE`], as the answer's picks do.

use std::time::Duration;

use greet_core::Workload;

use crate::format;
use crate::section::answer::Answer;
use crate::verdict::{Confidence, Side, TIE, Why, side};
use crate::view::{Column, Comparison, Figure, Question, View, ok_record};

/// The reading of one set of results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// One sentence per measured situation and column: the pick, or why there is none.
    pub picks: Vec<String>,
    /// What each kind of model waited at best at the I/O point, and what it took.
    pub waits: Vec<String>,
    /// The batch's CPU (exact totals), compared.
    pub cpu: Vec<String>,
}

impl Reading {
    /// Every sentence: the picks, the waits, then the CPU.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.picks
            .iter()
            .chain(&self.waits)
            .chain(&self.cpu)
            .map(String::as_str)
    }

    /// The reading of `view`, whose answer is `answer` ([`crate::section::answer::build`]).
    pub fn of(view: &View<'_>, answer: &Answer) -> Reading {
        let Some(Question::Greet { count, latency }) = view.greet_point() else {
            return Reading {
                picks: picks(answer),
                ..Reading::default()
            };
        };
        Reading {
            picks: picks(answer),
            waits: waits(view, count, latency),
            cpu: cpu(view, &Question::GreetCpu { count, latency }),
        }
    }
}

/// The reading of `view`: its answer built, then read.
pub fn reading(view: &View<'_>) -> Reading {
    Reading::of(view, &crate::section::answer::build(view))
}

/// The answer's measured situations, one sentence per column that measured it.
fn picks(answer: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    for row in &answer.rows {
        for (column, p) in answer.columns.iter().zip(&row.picks) {
            // Not measured, or measured outside what the situation is about (no limit
            // reached at the sizes run): nothing to read.
            if matches!(
                p.confidence,
                Confidence::NotMeasured | Confidence::Unsure(Why::OutOfRange(_))
            ) {
                continue;
            }
            let setting = if row.setting.is_empty() {
                String::new()
            } else {
                format!(" ({})", row.setting)
            };
            let pick = match (&p.model, &p.confidence) {
                (Some(m), Confidence::Sure) => format!("{m}, sure"),
                (_, c) => format!("no pick, {}", c.words()),
            };
            out.push(format!(
                "{}{setting}, {column}: {pick}; {}",
                row.what, p.evidence
            ));
        }
    }
    out
}

/// One kind of wait at the I/O point: the batch's ideal in waves of L, and the models in it.
struct Wait {
    waves: u64,
    floor_s: f64,
    workers: Option<usize>,
    models: Vec<String>,
}

/// What each kind of model waited at best (its records' `floor_s`: ⌈N/K⌉ waves of L) and what
/// it took (the medians of its wall times).
fn waits(view: &View<'_>, count: usize, latency: Duration) -> Vec<String> {
    let l = latency.as_secs_f64();
    if l <= 0.0 {
        return Vec::new();
    }
    let mut kinds: Vec<Wait> = Vec::new();
    for e in view.results.runs() {
        let q = e.request();
        let Some(k) = ok_record(e) else { continue };
        let Some(floor_s) = k.floor_s.filter(|f| f.is_finite() && *f > 0.0) else {
            continue;
        };
        if q.workload != Workload::Greet || q.count != count || q.hosts.latency != latency {
            continue;
        }
        let waves = (floor_s / l).round().max(1.0) as u64;
        let i = match kinds.iter().position(|w| w.waves == waves) {
            Some(i) => i,
            None => {
                kinds.push(Wait {
                    waves,
                    floor_s,
                    workers: q.workers,
                    models: Vec::new(),
                });
                kinds.len() - 1
            }
        };
        if !kinds[i].models.contains(&q.model) {
            kinds[i].models.push(q.model.clone());
        }
    }
    kinds.sort_by_key(|w| std::cmp::Reverse(w.waves));
    let several = kinds.len() > 1;
    let question = Question::Greet { count, latency };
    kinds
        .iter()
        .map(|w| {
            let mut models = w.models.clone();
            models.sort_by_key(|m| view.rank_of(m));
            let names = models.join(", ");
            let at_best = format::time_s(w.floor_s);
            let l = format::latency(latency);
            let how = if w.waves == count as u64 && count > 1 {
                format!("one greet at a time ({names}) waited N × L = {count} × {l} = {at_best}")
            } else if w.waves > 1 {
                let k = w.workers.map_or("K".into(), |k| format!("K = {k}"));
                format!(
                    "the pools ({names}; {k}) waited ⌈N/K⌉ × L = {} × {l} = {at_best}",
                    w.waves
                )
            } else {
                let who = if several {
                    "every other model"
                } else {
                    "every model"
                };
                format!("{who} ({names}) waited about once: L = {l}")
            };
            format!("{how} at best; took {}", took(view, &question, &models))
        })
        .collect()
}

/// The medians of `models`' wall times for `question`: one, or the fastest and the slowest.
fn took(view: &View<'_>, question: &Question, models: &[String]) -> String {
    let mut figures: Vec<&Figure> = view
        .figures_of(question)
        .filter(|f| models.contains(&f.row.model))
        .collect();
    figures.sort_by(|a, b| a.median.total_cmp(&b.median));
    match (figures.first(), figures.last()) {
        (Some(a), Some(b)) if figures.len() > 1 => format!(
            "{} ({}) to {} ({})",
            format::time_ns(a.median),
            a.row,
            format::time_ns(b.median),
            b.row
        ),
        (Some(a), _) => format::time_ns(a.median),
        _ => "-".into(),
    }
}

/// The batch's CPU, exact totals: the most against the least of each column, then each further
/// column's least against the first's.
fn cpu(view: &View<'_>, question: &Question) -> Vec<String> {
    let mut out = Vec::new();
    let several = view.columns().len() > 2;
    let mut least_of: Vec<(&Column, &Figure)> = Vec::new();
    for column in view.columns() {
        let figures: Vec<&Figure> = view.in_column(question, column).collect();
        let least = figures
            .iter()
            .copied()
            .min_by(|a, b| a.median.total_cmp(&b.median));
        let most = figures
            .iter()
            .copied()
            .max_by(|a, b| a.median.total_cmp(&b.median));
        let (Some(least), Some(most)) = (least, most) else {
            continue;
        };
        least_of.push((column, least));
        let heading = column.heading(several);
        match view.compare(most, least) {
            Some(c) if !std::ptr::eq(most, least) => out.push(format!(
                "{heading}, CPU of the batch (exact totals, start-up included): {} the least, \
                 {}; {}",
                least.row,
                least.words(),
                compared(&c, "the CPU of")
            )),
            _ => out.push(format!(
                "{heading}, CPU of the batch (exact total, start-up included): {} {}",
                least.row,
                least.words()
            )),
        }
    }
    if let Some(((first, base), rest)) = least_of.split_first() {
        for (column, least) in rest {
            if let Some(c) = view.compare(least, base) {
                out.push(format!(
                    "{}'s least CPU against {}'s: {}",
                    column.heading(several),
                    first.heading(several),
                    compared(&c, "the CPU of")
                ));
            }
        }
    }
    out
}

/// `c` in words: "A used 1.52× [1.40–1.66] the CPU of B" when its interval clears the band
/// ([`TIE`]) either way, else "A against B: 1.05× [...], inconclusive: why". Noise or one run
/// each never reads as a winner.
fn compared(c: &Comparison<'_>, what: &str) -> String {
    match side(c, TIE) {
        Side::Above => format!("{} used {} {what} {}", c.a.row, c.words(), c.b.row),
        Side::Below if c.interval.is_some_and(|i| i.above(1.0 / TIE)) => format!(
            "{} and {} tied: {} {what} the other, within the {} band",
            c.a.row,
            c.b.row,
            c.words(),
            format::ratio(TIE)
        ),
        Side::Below => format!("{} used {} {what} {}", c.a.row, c.words(), c.b.row),
        Side::Unsure(why) => format!(
            "{} against {}: {}, inconclusive: {}",
            c.a.row,
            c.b.row,
            c.words(),
            why.words()
        ),
    }
}

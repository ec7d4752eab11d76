//! "CPU-bound work": how much faster a batch of crunch jobs gets with every core, model by
//! model, as a multiple of the language's one-at-a-time baseline. Source: the sweep's
//! fresh-child runs, the same crunch for every language (each language's own job count is
//! stated). Criterion's cpu groups time a different crunch size; they are in the appendix
//! only, so the speedup has one source.

use askama::Template;
use greet_core::Workload;

use crate::chart::hbars::{Bar, HBars};
use crate::chart::{Axis, Scale};
use crate::format;
use crate::section::{Cell, Figure, Table, fill, fills, paired};
use crate::verdict;
use crate::view::{Column, Comparison, Question, Row, View, Workers};

/// One model's speedups.
#[derive(Debug, Clone)]
struct Speedups<'v> {
    row: Row,
    one: Option<Comparison<'v>>,
    all: Option<Comparison<'v>>,
    cpu_per_job: Option<String>,
    crunch: String,
    missing: Option<String>,
}

/// The CPU section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "cpu.html")]
pub struct Cpu {
    /// The crunch each language ran, in words.
    pub crunch: Vec<String>,
    /// The key chart.
    pub figure: Option<Figure>,
    /// The speedups and CPU per job.
    pub table: Table,
    /// The speedup of each pool held to one worker: what a pool costs over the baseline.
    pub one_worker: Table,
    /// The footnote of a speedup above the machine's cores (marked †), if any.
    pub above_cores: Option<String>,
    /// What its intervals are in this file ([`View::interval_note`]).
    pub intervals: String,
}

impl askama::filters::HtmlSafe for Cpu {}

fn speedups<'v>(view: &'v View<'_>, column: &Column) -> Vec<Speedups<'v>> {
    let Some(all_q) = view.crunch_point(column, Workers::All) else {
        return Vec::new();
    };
    let one_q = view.crunch_point(column, Workers::One);
    let Some(base) = view.baseline(column.lang) else {
        return Vec::new();
    };
    let base_row = view.row_in(&base.name, column);
    let crunch = match &all_q {
        Question::Crunch { count, work, .. } => {
            format!("{count} jobs × {} rounds", format::count(u64::from(*work)))
        }
        _ => String::new(),
    };
    let work = match all_q {
        Question::Crunch { work, .. } => work,
        _ => 0,
    };
    view.rows(&all_q, Some(column))
        .into_iter()
        .map(|row| {
            // The baseline runs one job at a time whatever its workers: its every-core run is
            // the base of both speedups.
            let base = view.figure(&all_q, &base_row);
            let at = |q: &Question| view.compare(base?, view.figure(q, &row)?);
            Speedups {
                one: one_q.as_ref().and_then(at),
                all: at(&all_q),
                // Built from tick-sampled totals (older records), it is approximate: "≈".
                cpu_per_job: view.figure(&Question::CpuPerJob { work }, &row).map(|f| {
                    match tick_sampled(view, &row) {
                        true => format!("≈ {}", f.words()),
                        false => f.words(),
                    }
                }),
                crunch: crunch.clone(),
                missing: view.missing_of(&all_q, &row).map(|m| m.why.clone()),
                row,
            }
        })
        .collect()
}

/// Whether any crunch run of `row`'s model lacks the exact CPU total (a record from before it
/// was kept), so its CPU per job is the kernel's tick-sampled sum.
fn tick_sampled(view: &View<'_>, row: &Row) -> bool {
    view.results
        .sweep
        .iter()
        .flat_map(|s| &s.entries)
        .filter_map(|e| e.record())
        .any(|k| {
            k.request.model == row.model
                && k.request.workload == Workload::Crunch
                && k.cpu_total_s.is_none()
        })
}

/// Builds the section.
pub fn build(view: &View<'_>) -> Cpu {
    let cores = view.results.provenance.logical_cores;
    let mut all: Vec<Speedups<'_>> = Vec::new();
    let mut crunch = Vec::new();
    for c in view.columns() {
        let s = speedups(view, c);
        if let Some(first) = s.first() {
            crunch.push(format!(
                "{}: {}",
                c.heading(view.columns().len() > 2),
                first.crunch
            ));
        }
        all.extend(s);
    }
    let order = paired(view, all.iter().map(|s| s.row.clone()).collect());
    all.sort_by_key(|s| order.iter().position(|r| *r == s.row));
    let mut table = Table::new(
        "cpu-table",
        &["model", "speedup, every core [95 %]", "CPU per job [95 %]"],
    );
    let mut one_worker = Table::new("cpu-one-worker", &["model", "speedup, 1 worker [95 %]"]);
    for s in all.iter().filter(|s| s.one.is_some()) {
        one_worker.push(vec![
            Cell::name(s.row.to_string()),
            // A ratio with no interval is not shown: one run's noise reads like a speedup.
            Cell::num(match s.one {
                Some(c) if c.a.row == c.b.row => "1× (the baseline)".into(),
                Some(c) if c.interval.is_some() => c.words(),
                _ => "–".into(),
            }),
        ]);
    }
    for s in &all {
        table.push(vec![
            Cell::name(s.row.to_string()),
            match (&s.all, &s.missing) {
                (Some(c), _) if c.a.row == c.b.row => Cell::num("1× (the baseline)"),
                (Some(c), _) if c.ratio > cores as f64 => {
                    Cell::num(format!("{} †", c.words())).class("unsure")
                }
                (Some(c), _) => Cell::num(c.words()),
                (None, Some(why)) => Cell::num(why.clone()).class("limit"),
                _ => Cell::num("-"),
            },
            Cell::num(s.cpu_per_job.clone().unwrap_or("-".into())),
        ]);
    }
    let above_cores = all
        .iter()
        .any(|s| s.all.is_some_and(|c| c.ratio > cores as f64))
        .then(|| {
            format!(
                "† {}: read it as inconclusive.",
                verdict::above_cores(cores)
            )
        });
    Cpu {
        above_cores,
        crunch,
        figure: chart(&all, cores),
        table,
        one_worker,
        intervals: view.interval_note(crate::view::Source::Sweep),
    }
}

/// The caption's reading of the fastest: a speedup above the cores is named as noise and set
/// aside; of the rest, the fastest is called so only when its interval lies clear above every
/// other's. Test: `tests/reread.rs`, `the_cpu_section_reads_no_impossible_speedup`.
fn fastest(all: &[Speedups<'_>], cores: usize) -> String {
    let measured: Vec<(&Speedups<'_>, Comparison<'_>)> = all
        .iter()
        .filter_map(|s| Some((s, s.all?)))
        .filter(|(_, c)| c.a.row != c.b.row)
        .collect();
    let mut out = String::new();
    let (impossible, possible): (Vec<_>, Vec<_>) = measured
        .into_iter()
        .partition(|(_, c)| c.ratio > cores as f64);
    for (s, c) in &impossible {
        out += &format!(
            " {} at {} is {}: read it as inconclusive.",
            s.row,
            c.words(),
            verdict::above_cores(cores)
        );
    }
    let Some(&(best, b)) = possible
        .iter()
        .max_by(|x, y| x.1.ratio.total_cmp(&y.1.ratio))
    else {
        return out;
    };
    let overlapping: Vec<String> = possible
        .iter()
        .chain(&impossible)
        .filter(|(s, _)| s.row != best.row)
        .filter(|(_, c)| match (b.interval, c.interval) {
            (Some(bi), Some(ci)) => bi.lo <= ci.hi,
            _ => true,
        })
        .map(|(s, _)| s.row.to_string())
        .collect();
    if overlapping.is_empty() {
        out += &format!(" The fastest here is {} at {}.", best.row, b.words());
    } else {
        out += &format!(
            " No one model is clearly fastest: {} at {} overlaps {} by their intervals.",
            best.row,
            b.words(),
            overlapping.join(", ")
        );
    }
    out
}

fn chart(all: &[Speedups<'_>], cores: usize) -> Option<Figure> {
    let values = all
        .iter()
        .filter_map(|s| s.all)
        .flat_map(|c| std::iter::once(c.ratio).chain(c.interval.map(|i| i.hi)));
    let axis = Axis::over(
        Scale::Linear,
        values.chain([cores as f64]),
        "speed with every core, × the baseline's (one job at a time)",
        crate::chart::number,
    )?;
    let langs: Vec<_> = all.iter().map(|s| s.row.lang).collect();
    let bars = all
        .iter()
        .map(|s| Bar {
            label: s.row.to_string(),
            value: s.all.map(|c| c.ratio),
            // The baseline against itself has no interval to show.
            interval: s
                .all
                .filter(|c| c.a.row != c.b.row)
                .and_then(|c| c.interval)
                .map(|i| (i.lo, i.hi)),
            class: fill(s.row.lang),
            note: s.missing.clone(),
        })
        .collect();
    let chart = HBars {
        label: "Speedup over the baseline with every core".into(),
        axis,
        bars,
        references: vec![
            (1.0, "1×: no speedup".into()),
            (cores as f64, format!("{cores}×: one core each")),
        ],
        fills: fills(&langs),
        whisker: None,
    };
    let mut caption = format!(
        "Notice which bars reach towards {cores}×: only work spread over the cores speeds up. \
         A bar at 1× ran on one core."
    );
    caption += &fastest(all, cores);
    Some(Figure::of(
        "cpu-chart",
        format!("CPU-bound crunch: speedup with {cores} cores over one job at a time"),
        &chart,
        caption,
    ))
}

//! "Starting a thread, a process, a task": what one start (and wait) of each kind of unit
//! costs. Rust's from criterion's spawn group (per start, with the 95 % interval of the median over
//! its samples), Python's from `python/spawn_cost.py` (its median, with the fastest and slowest
//! repeat as the range: that script stores no raw samples).

use askama::Template;

use crate::chart::hbars::{Bar, HBars};
use crate::chart::{Axis, Scale};
use crate::format;
use crate::section::{Cell, Figure, Table, fill, fills};
use crate::view::{Figure as Measured, Question, Source, View};

/// The spawn section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "spawn.html")]
pub struct Spawn {
    /// The key chart.
    pub figure: Option<Figure>,
    /// Every kind, with where it was measured.
    pub table: Table,
    /// Python's interpreter and start method, in a sentence.
    pub python: Option<String>,
    /// What Rust's intervals are in this file, then what Python's range is.
    pub intervals: String,
}

impl askama::filters::HtmlSafe for Spawn {}

/// The caption's sentence on the cheapest and the dearest start, from the rows the table shows
/// (each row is one kind in one language, so a kind measured in both languages is compared by
/// the row that is actually cheapest or dearest).
fn extremes(view: &View<'_>, figs: &[&Measured]) -> Option<String> {
    let cheap = figs.iter().min_by(|a, b| a.median.total_cmp(&b.median))?;
    let dear = figs.iter().max_by(|a, b| a.median.total_cmp(&b.median))?;
    // The ratio with its interval (a bootstrap, or the far ends of the stored ranges).
    let ratio = view.compare(dear, cheap).map_or_else(
        || format::ratio_in(dear.median / cheap.median, None),
        |c| c.words(),
    );
    (cheap.median > 0.0 && dear.median > cheap.median).then(|| {
        format!(
            "The cheapest start here is a {} in {} ({}), the dearest a {} in {} ({}), {} as much.",
            cheap.row.model,
            crate::view::lang_name(cheap.row.lang),
            format::time_ns(cheap.median),
            dear.row.model,
            crate::view::lang_name(dear.row.lang),
            format::time_ns(dear.median),
            ratio
        )
    })
}

/// The whiskers' legend words when some are spawn_cost.py's ranges: "Rust: 95 % interval;
/// Python: range of 5 repeats" (the fewest repeats, "at least" when they differ).
fn whisker(view: &View<'_>, figs: &[&Measured]) -> Option<String> {
    let python = view.results.sweep.as_ref()?.python.as_ref()?;
    let repeats: Vec<u32> = figs
        .iter()
        .filter(|f| f.source == Source::SpawnScript)
        .filter_map(|f| python.spawn.iter().find(|c| c.kind == f.row.model))
        .map(|c| c.repeats)
        .collect();
    let (lo, hi) = (repeats.iter().min()?, repeats.iter().max()?);
    let n = if lo == hi {
        format!("{lo}")
    } else {
        format!("{lo} to {hi}")
    };
    let rust = figs.iter().any(|f| f.source != Source::SpawnScript);
    Some(if rust {
        format!("Rust: 95 % interval; Python: range of {n} repeats")
    } else {
        format!("range of {n} repeats")
    })
}

/// Builds the section.
pub fn build(view: &View<'_>) -> Spawn {
    let mut figs: Vec<&Measured> = view
        .figures()
        .iter()
        .filter(|f| matches!(f.question, Question::Spawn { .. }))
        .collect();
    // Kinds cheapest first (by their first figure), each kind's rows together.
    let mut kinds: Vec<(&str, f64)> = Vec::new();
    for f in &figs {
        if !kinds.iter().any(|(k, _)| *k == f.row.model) {
            kinds.push((&f.row.model, f.median));
        }
    }
    kinds.sort_by(|a, b| a.1.total_cmp(&b.1));
    figs.sort_by_key(|f| {
        (
            kinds.iter().position(|(k, _)| *k == f.row.model),
            f.row.lang,
        )
    });
    let python_side = view.results.sweep.as_ref().and_then(|s| s.python.as_ref());
    let what = |f: &Measured| match f.source {
        Source::SpawnScript => python_side
            .and_then(|p| p.spawn.iter().find(|c| c.kind == f.row.model))
            .map_or(String::new(), |c| c.what.clone()),
        _ => "the spawn bench".into(),
    };
    let mut table = Table::new(
        "spawn-table",
        &[
            "kind",
            "language",
            "per start + wait [95 % or range]",
            "what",
        ],
    )
    .left(&["language", "what"]);
    for f in &figs {
        table.push(vec![
            Cell::name(f.row.model.clone()),
            Cell::words(crate::view::lang_name(f.row.lang)),
            Cell::num(f.words()),
            Cell::words(what(f)),
        ]);
    }
    let figure = Axis::over(
        Scale::Log,
        figs.iter()
            .flat_map(|f| {
                std::iter::once(f.median).chain(f.interval().into_iter().flat_map(|i| [i.lo, i.hi]))
            })
            .map(|ns| ns / 1e3),
        "time per start + wait, µs (log)",
        crate::chart::number,
    )
    .map(|axis| {
        let langs: Vec<_> = figs.iter().map(|f| f.row.lang).collect();
        let chart = HBars {
            label: "Spawn cost".into(),
            axis,
            bars: figs
                .iter()
                .map(|f| Bar {
                    label: format!("{} ({})", f.row.model, crate::view::lang_name(f.row.lang)),
                    value: Some(f.median / 1e3),
                    interval: f.interval().map(|i| (i.lo / 1e3, i.hi / 1e3)),
                    class: fill(f.row.lang),
                    note: None,
                })
                .collect(),
            references: Vec::new(),
            fills: fills(&langs),
            whisker: whisker(view, &figs),
        };
        let mut caption =
            "Notice the log axis: each labelled step is a multiple of the last.".to_string();
        if let Some(sentence) = extremes(view, &figs) {
            caption += " ";
            caption += &sentence;
        }
        Figure::of(
            "spawn-chart",
            "Start one unit of concurrency and wait for it",
            &chart,
            caption,
        )
    });
    let python = python_side.map(|p| {
        format!(
            "This Python ({}) starts multiprocessing workers with {} by default (Linux's default \
             was fork up to Python 3.13 and is forkserver from 3.14).",
            p.python, p.default_start_method
        )
    });
    Spawn {
        figure: figure.filter(|_| !figs.is_empty()),
        table,
        python,
        intervals: format!(
            "{} {}",
            view.interval_note(crate::view::Source::Criterion),
            view.interval_note(crate::view::Source::SpawnScript)
        ),
    }
}

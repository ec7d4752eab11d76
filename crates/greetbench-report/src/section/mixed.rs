//! "Mixed: greet, then crunch": a batch where every greet's reply is followed by a crunch. On
//! an event loop with one thread, a crunch holds up every other task's wait; a runtime that
//! crunches off its loop does not. Source: criterion's in-process samples (Rust only: the
//! sweep runs no mixed batches).

use askama::Template;
use greet_core::Family;

use crate::chart::hbars::{Bar, HBars};
use crate::chart::{Axis, Scale};
use crate::format;
use crate::group::Group;
use crate::section::{Cell, Figure, Table, fill, fills};
use crate::view::{Figure as Measured, Question, View};

/// The mixed section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "mixed.html")]
pub struct Mixed {
    /// The key chart, at the largest N.
    pub figure: Option<Figure>,
    /// The one-thread loop against the others, in a sentence.
    pub reading: Option<String>,
    /// Every size, every model.
    pub table: Table,
    /// What its intervals are in this file ([`View::interval_note`]).
    pub intervals: String,
}

impl askama::filters::HtmlSafe for Mixed {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Mixed {
    let group = Group::Mixed;
    let sizes = {
        let mut s: Vec<u64> = view
            .figures()
            .iter()
            .filter_map(|f| match f.question {
                Question::Bench { group: g, size } if g == group => Some(size),
                _ => None,
            })
            .collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let Some(&largest) = sizes.last() else {
        return Mixed {
            figure: None,
            reading: None,
            table: Table::default(),
            intervals: String::new(),
        };
    };
    let q = Question::Bench {
        group,
        size: largest,
    };
    let figs: Vec<&Measured> = view.figures_of(&q).collect();
    let mut head = vec!["model".to_string()];
    head.extend(sizes.iter().map(|n| format!("N = {n}")));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut table = Table::new("mixed-table", &head);
    let mut models: Vec<&str> = view
        .figures()
        .iter()
        .filter(|f| matches!(f.question, Question::Bench { group: g, .. } if g == group))
        .map(|f| f.row.model.as_str())
        .collect();
    models.sort_by_key(|m| view.rank_of(m));
    models.dedup();
    for m in &models {
        let mut cells = vec![Cell::name(*m)];
        for n in &sizes {
            let f = view.figure(
                &Question::Bench { group, size: *n },
                &crate::view::Row::rust(m),
            );
            cells.push(Cell::num(f.map_or("-".into(), Measured::words)));
        }
        table.push(cells);
    }
    // The first async model on one thread against the fastest async model with several.
    let is = |f: &&Measured, one: bool| {
        view.describe(&f.row.model)
            .is_some_and(|d| d.family == Family::Async && d.one_thread == one)
    };
    let one = figs.iter().find(|f| is(f, true));
    let several = figs
        .iter()
        .filter(|f| is(f, false))
        .min_by(|a, b| a.median.total_cmp(&b.median));
    let reading = one.zip(several).and_then(|(o, s)| {
        let c = view.compare(o, s)?;
        let on = view
            .describe(&o.row.model)
            .map_or(String::new(), |d| d.crunch_on.clone());
        Some(format!(
            "At N = {largest}, {} (every task on one thread: {on}) took {} as long as {}: \
             while one task crunches, the replies of the others wait to be read.",
            o.row,
            c.words(),
            s.row
        ))
    });
    let figure = Axis::over(
        Scale::Log,
        figs.iter()
            .flat_map(|f| std::iter::once(f.median).chain(f.interval().map(|i| i.hi)))
            .map(|ns| ns / 1e6),
        "time per batch, ms (log)",
        crate::chart::number,
    )
    .map(|axis| {
        let langs: Vec<_> = figs.iter().map(|f| f.row.lang).collect();
        let chart = HBars {
            label: format!("Mixed work at N = {largest}"),
            axis,
            bars: figs
                .iter()
                .map(|f| Bar {
                    label: f.row.to_string(),
                    value: Some(f.median / 1e6),
                    interval: f.interval().map(|i| (i.lo / 1e6, i.hi / 1e6)),
                    class: fill(f.row.lang),
                    note: None,
                })
                .collect(),
            references: Vec::new(),
            fills: fills(&langs),
            whisker: None,
        };
        let busy = view
            .group_noise(group)
            .filter(|n| n.busy())
            .map_or(String::new(), |n| {
                format!(
                    " Measured on a busy machine (others' CPU {}): its comparisons read inconclusive.",
                    format::noise(n.other_busy)
                )
            });
        Figure::of(
            "mixed-chart",
            format!("Greet then crunch, N = {largest}: time per batch (criterion, median and 95 % interval)"),
            &chart,
            format!(
                "Notice the models that run every task on one thread: each crunch holds up every other task's wait.{busy}"
            ),
        )
    });
    Mixed {
        figure,
        reading,
        table,
        intervals: view.interval_note(crate::view::Source::Criterion),
    }
}

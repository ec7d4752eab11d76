//! "Many greets waiting on I/O": which model finishes a batch of greets first. The question is
//! answered by the sweep's fresh-child runs at its I/O point (every language alike); how the
//! time grows with N is a second question, answered by criterion's in-process samples and
//! shown in a closed appendix, so the two sources never answer the same question.

use askama::Template;
use greet_core::Workload;

use crate::chart::hbars::{Bar, HBars};
use crate::chart::lines::{Lines, Point, Series};
use crate::chart::{Axis, Scale, style};
use crate::format;
use crate::group::Group;
use crate::section::{Cell, Figure, Table, fill, fills, paired};
use crate::view::{Figure as Measured, Question, Row, Source, View, ok_record};

/// The I/O section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "io.html")]
pub struct Io {
    /// N and L in words.
    pub setting: String,
    /// The key chart.
    pub figure: Option<Figure>,
    /// The figures, one row per model.
    pub table: Table,
    /// How time grows with N, per io group (criterion).
    pub growth: Vec<Figure>,
}

impl askama::filters::HtmlSafe for Io {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Io {
    let Some(q) = view.greet_point() else {
        return Io {
            setting: String::new(),
            figure: None,
            table: Table::default(),
            growth: growth(view),
        };
    };
    let (count, latency) = match q {
        Question::Greet { count, latency } => (count, latency),
        _ => (0, Default::default()),
    };
    let rows = paired(view, view.rows(&q, None));
    // The fastest of each column, to set every model against.
    let fastest = |r: &Row| {
        view.columns().iter().find(|c| c.holds(r)).and_then(|c| {
            view.in_column(&q, c)
                .min_by(|a, b| a.median.total_cmp(&b.median))
        })
    };
    // The ideal ("floor") each model's shape allows, from its first record at this point.
    let mut floors = std::collections::HashMap::new();
    for e in view.results.runs() {
        let rq = e.request();
        if rq.workload == Workload::Greet
            && rq.count == count
            && rq.hosts.latency == latency
            && let Some(k) = ok_record(e)
        {
            floors.entry(rq.model.clone()).or_insert(k.floor_s);
        }
    }
    let mut table = Table::new(
        "io-table",
        &[
            "model",
            "wall time, median [95 %]",
            "× the fastest [95 %]",
            "runs",
            "at best (floor)",
        ],
    );
    for r in &rows {
        let f = view.figure(&q, r);
        let against = f.zip(fastest(r)).and_then(|(f, b)| view.compare(f, b));
        let mut name = Cell::name(r.to_string());
        if let Some(n) = f.and_then(Measured::busy) {
            name = name.note(format!("busy: others' CPU {}", format::noise(n.other_busy)));
        }
        table.push(vec![
            name,
            match f {
                Some(f) => Cell::num(f.words()),
                None => Cell::num(view.missing_of(&q, r).map_or("-".into(), |m| m.why.clone()))
                    .class("limit"),
            },
            Cell::num(against.map_or("-".into(), |c| {
                if c.a.row == c.b.row {
                    "the fastest".into()
                } else {
                    c.words()
                }
            })),
            Cell::num(f.map_or("-".into(), |f| f.runs().to_string())),
            Cell::num(
                floors
                    .get(&r.model)
                    .copied()
                    .flatten()
                    .map_or("-".into(), format::time_s),
            ),
        ]);
    }
    let figure = key_chart(view, &q, &rows);
    Io {
        setting: format!(
            "N = {} greets, each to its own host, hosts replying after L = {}",
            format::count(count as u64),
            format::latency(latency)
        ),
        figure,
        table,
        growth: growth(view),
    }
}

/// Wall time per model, Rust beside Python, with each median's 95 % interval.
fn key_chart(view: &View<'_>, q: &Question, rows: &[Row]) -> Option<Figure> {
    let figs: Vec<&Measured> = rows.iter().filter_map(|r| view.figure(q, r)).collect();
    let axis = Axis::over(
        Scale::Log,
        figs.iter().flat_map(|f| {
            let i = f.interval();
            [Some(f.median), i.map(|i| i.lo), i.map(|i| i.hi)]
                .into_iter()
                .flatten()
                .map(|ns| ns / 1e6)
        }),
        "wall time of the batch, ms (log)",
        crate::chart::number,
    )?;
    let langs: Vec<_> = rows.iter().map(|r| r.lang).collect();
    let bars = rows
        .iter()
        .map(|r| {
            let f = view.figure(q, r);
            Bar {
                label: r.to_string(),
                value: f.map(|f| f.median / 1e6),
                interval: f
                    .and_then(Measured::interval)
                    .map(|i| (i.lo / 1e6, i.hi / 1e6)),
                class: fill(r.lang),
                note: view.missing_of(q, r).map(|m| m.why.clone()),
            }
        })
        .collect();
    let chart = HBars {
        label: format!("Wall time per batch: {q}"),
        axis,
        bars,
        references: Vec::new(),
        fills: fills(&langs),
        whisker: None,
    };
    let caption = "Notice the three floors: one greet at a time pays N × L, a pool of K pays \
        ⌈N/K⌉ × L, and a model that keeps every greet waiting at once pays about one L plus the \
        cost of starting N greets. Each Python model sits below the Rust model of the same shape."
        .to_string();
    Some(Figure::of(
        "io-chart",
        format!("Wall time of one batch, {q} (median of fresh-child runs)"),
        &chart,
        caption,
    ))
}

/// How time grows with N in each io group: criterion's medians on log-log axes.
fn growth(view: &View<'_>) -> Vec<Figure> {
    let mut groups: Vec<Group> = view
        .figures()
        .iter()
        .filter_map(|f| match f.question {
            Question::Bench { group, .. } if group.latency().is_some() => Some(group),
            _ => None,
        })
        .collect();
    groups.sort_by_key(|g| g.latency());
    groups.dedup();
    groups
        .into_iter()
        .filter_map(|g| growth_chart(view, g))
        .collect()
}

/// Time against N for one group, one line per model; `None` with nothing to draw.
pub fn growth_chart(view: &View<'_>, group: Group) -> Option<Figure> {
    let mut by_model: Vec<(String, usize, Vec<Point>)> = Vec::new();
    for f in view.figures() {
        let Question::Bench { group: g, size } = f.question else {
            continue;
        };
        if g != group || f.source != Source::Criterion {
            continue;
        }
        let ms = f.median / 1e6;
        if !(crate::chart::drawable(Scale::Log, size as f64)
            && crate::chart::drawable(Scale::Log, ms))
        {
            continue;
        }
        let index = view.model(&f.row.model).map_or(usize::MAX, |m| m.index);
        let point = Point {
            x: size as f64,
            y: ms,
            interval: f
                .interval()
                .map(|i| (i.lo / 1e6, i.hi / 1e6))
                .filter(|(lo, hi)| {
                    crate::chart::drawable(Scale::Log, *lo)
                        && crate::chart::drawable(Scale::Log, *hi)
                }),
        };
        match by_model.iter_mut().find(|(m, _, _)| *m == f.row.model) {
            Some((_, _, pts)) => pts.push(point),
            None => by_model.push((f.row.model.clone(), index, vec![point])),
        }
    }
    by_model.sort_by_key(|(_, i, _)| *i);
    for (_, _, pts) in &mut by_model {
        pts.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let x = Axis::over(
        Scale::Log,
        by_model.iter().flat_map(|(_, _, p)| p.iter().map(|q| q.x)),
        "N, greets per batch (log)",
        crate::chart::number,
    )?;
    let y = Axis::over(
        Scale::Log,
        by_model.iter().flat_map(|(_, _, p)| p.iter().map(|q| q.y)),
        "median time per batch, ms (log)",
        crate::chart::number,
    )?;
    // The slope on log-log axes is the exponent k in time ∝ N^k between the smallest and the
    // largest N of each line: 1 when greets run one after another, near 0 when they overlap.
    let slopes: Vec<(String, f64)> = by_model
        .iter()
        .filter(|(_, _, p)| p.len() >= 2)
        .map(|(m, _, p)| {
            let (a, b) = (p[0], p[p.len() - 1]);
            (m.clone(), (b.y / a.y).ln() / (b.x / a.x).ln())
        })
        .filter(|(_, s)| s.is_finite())
        .collect();
    let mut caption = "Notice the slopes: slope 1 (time ∝ N) means the greets ran one after \
        another, a flatter line means they overlapped."
        .to_string();
    if let (Some(flat), Some(steep)) = (
        slopes.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        slopes.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
    ) && flat.0 != steep.0
    {
        caption += &format!(
            " The steepest here is {} (slope {}), the flattest {} (slope {}).",
            steep.0,
            format::sig3(steep.1),
            flat.0,
            format::sig3(flat.1)
        );
    }
    if let Some(n) = view.group_noise(group).filter(|n| n.busy()) {
        caption += &format!(
            " Measured on a busy machine: others' CPU {}, steal {}.",
            format::noise(n.other_busy),
            format::noise(n.steal)
        );
    }
    let chart = Lines {
        label: format!("{group}: time per batch against N"),
        x,
        y,
        series: by_model
            .into_iter()
            .map(|(m, i, points)| Series {
                label: m,
                style: style(i),
                points,
            })
            .collect(),
        marks: Vec::new(),
        references: Vec::new(),
        plot_height: 280,
        mark_legend: None,
    };
    let latency = group.latency().map_or(String::new(), format::latency);
    Some(Figure::of(
        &format!("growth-{group}"),
        format!("Time per batch against N, hosts at L = {latency} ({group}, criterion)"),
        &chart,
        caption,
    ))
}

//! "Sharing one counter": T threads add up a fixed number of increments to one counter, by
//! each way of sharing it (a mutex, an atomic, a channel, or a sum per thread combined at the
//! end). Source: criterion's in-process samples (Rust only).

use std::collections::HashMap;

use askama::Template;

use crate::chart::lines::{Lines, Point, Series};
use crate::chart::{Axis, Scale, style};
use crate::format;
use crate::group::Group;
use crate::section::{Cell, Figure, Table};
use crate::stats::Interval;
use crate::view::{Figure as Measured, Question, View};

/// The shared-state section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "shared.html")]
pub struct Shared {
    /// The key chart.
    pub figure: Option<Figure>,
    /// Every method at every thread count.
    pub table: Table,
    /// What its intervals are in this file ([`View::interval_note`]).
    pub intervals: String,
}

impl askama::filters::HtmlSafe for Shared {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Shared {
    let group = Group::SharedState;
    // Increments per iteration, from the estimates' declared throughput.
    let elements: HashMap<(&str, u64), u64> = view
        .results
        .criterion
        .iter()
        .filter(|e| Group::parse(&e.group) == Some(group))
        .filter_map(|e| Some(((e.function.as_str(), e.size?), e.elements?)))
        .collect();
    let mut methods: Vec<(String, Vec<Point>)> = Vec::new();
    let mut threads: Vec<u64> = Vec::new();
    // Each point's figure and its increments per iteration, for the caption's comparison.
    let mut measured: HashMap<(String, u64), (&Measured, f64)> = HashMap::new();
    for f in view.figures() {
        let Question::Bench { group: g, size } = f.question else {
            continue;
        };
        if g != group {
            continue;
        }
        let per = elements
            .get(&(f.row.model.as_str(), size))
            .copied()
            .filter(|n| *n > 0)
            .unwrap_or(1) as f64;
        let point = Point {
            x: size as f64,
            y: f.median / per,
            interval: f.interval().map(|i| (i.lo / per, i.hi / per)),
        };
        measured.insert((f.row.model.clone(), size), (f, per));
        if !threads.contains(&size) {
            threads.push(size);
        }
        match methods.iter_mut().find(|(m, _)| *m == f.row.model) {
            Some((_, pts)) => pts.push(point),
            None => methods.push((f.row.model.clone(), vec![point])),
        }
    }
    threads.sort_unstable();
    for (_, pts) in &mut methods {
        pts.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let mut head = vec!["way of sharing".to_string()];
    head.extend(threads.iter().map(|t| format!("{t} threads")));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut table = Table::new("shared-table", &head);
    for (m, pts) in &methods {
        let mut cells = vec![Cell::name(m.clone())];
        for t in &threads {
            cells.push(Cell::num(
                pts.iter()
                    .find(|p| p.x == *t as f64)
                    .map_or("-".into(), |p| {
                        format::time_ns_in(p.y, p.interval.map(|(lo, hi)| Interval { lo, hi }))
                    }),
            ));
        }
        table.push(cells);
    }
    let ok = |v: f64| crate::chart::drawable(Scale::Log, v);
    let series: Vec<Series> = methods
        .iter()
        .enumerate()
        .map(|(i, (m, pts))| Series {
            label: m.clone(),
            style: style(i),
            points: pts
                .iter()
                .filter(|p| ok(p.x) && ok(p.y))
                .map(|p| Point {
                    interval: p.interval.filter(|(lo, hi)| ok(*lo) && ok(*hi)),
                    ..*p
                })
                .collect(),
        })
        .collect();
    let figure = Axis::over(
        Scale::Log,
        series.iter().flat_map(|s| s.points.iter().map(|p| p.x)),
        "threads (log)",
        crate::chart::number,
    )
    .map(|a| a.ticks_at(threads.iter().map(|t| *t as f64).collect()))
    .zip(Axis::over(
        Scale::Log,
        series.iter().flat_map(|s| s.points.iter().map(|p| p.y)),
        "ns per counter update (log)",
        crate::chart::number,
    ))
    .map(|(x, y)| {
        let top = threads.last().copied().unwrap_or(1);
        let at_top: Vec<(&str, f64)> = methods
            .iter()
            .filter_map(|(m, pts)| Some((m.as_str(), pts.iter().find(|p| p.x == top as f64)?.y)))
            .collect();
        let mut caption = "Notice how contention costs: the more threads update one shared \
            counter, the more each update waits for the others."
            .to_string();
        if let (Some(c), Some(d)) = (
            at_top.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
            at_top.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        ) && c.1 > 0.0
        {
            // The ratio per update: the two figures' comparison (its interval from
            // View::compare), scaled by their increments per iteration.
            let per_update = match (
                measured.get(&(d.0.to_string(), top)),
                measured.get(&(c.0.to_string(), top)),
            ) {
                (Some((fd, pd)), Some((fc, pc))) => view.compare(fd, fc).map(|cmp| {
                    let k = pc / pd;
                    format::ratio_in(
                        cmp.ratio * k,
                        cmp.interval.map(|i| Interval {
                            lo: i.lo * k,
                            hi: i.hi * k,
                        }),
                    )
                }),
                _ => None,
            };
            caption += &format!(
                " With {top} threads, {} took {} per update and {} {}, {} as much.",
                c.0,
                format::time_ns(c.1),
                d.0,
                format::time_ns(d.1),
                per_update.unwrap_or_else(|| format::ratio(d.1 / c.1))
            );
        }
        let chart = Lines {
            label: "Time per counter update against threads".into(),
            x,
            y,
            series,
            marks: Vec::new(),
            references: Vec::new(),
            plot_height: 240,
            mark_legend: None,
        };
        Figure::of(
            "shared-chart",
            "One counter updated from several threads: time per update",
            &chart,
            caption,
        )
    });
    Shared {
        figure,
        table,
        intervals: view.interval_note(crate::view::Source::Criterion),
    }
}

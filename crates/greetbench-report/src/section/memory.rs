//! "Thousands waiting at once": memory per waiting greet, and how far each model goes before
//! an OS limit stops it. The scale sweep ([`crate::results::Sweep::scale`]) ran each model
//! with N greets waiting at once, from 1,000 up to the limit that stopped it; each point
//! records memory per waiting greet in user space (PSS) and in the kernel.
//!
//! A point is **held** when every greet ended ok (`ok == count`) and all of them waited at once
//! (the record's `scale.peak_waiting >= count`). A model's **stop** is the smallest N above its
//! largest held N that was not held: an OS limit, a model that is not available here, greets
//! that did not all wait at once, or a plain failure. Without a scale sweep, the resource
//! sweep's runs at its longest latency stand in (memory only, no reach).

use askama::Template;
use greet_core::record::{RunRecord, RunResult, ScaleFigures, Status};
use greet_core::{Family, OsLimit, Shape};

use crate::chart::hbars::{Bar, HBars};
use crate::chart::lines::{Lines, Mark, Point, Series};
use crate::chart::{Axis, Marker, Scale, style};
use crate::format;
use crate::section::{Cell, Figure, Table, fill, fills, paired};
use crate::view::{Figure as Measured, Question, Row, View, adds_up};

/// Why a model stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// An OS limit stopped it.
    Limit(OsLimit),
    /// The model cannot run here.
    Unavailable(String),
    /// Every greet ended ok, but fewer than N waited at once (the server's own count).
    NotAllWaited {
        /// The most greets that waited together.
        waited: u64,
        /// N.
        count: usize,
    },
    /// It failed otherwise.
    Failed(String),
}

impl Stop {
    /// In a few words.
    pub fn label(&self) -> String {
        match self {
            Stop::Limit(l) => crate::view::limit_words(*l),
            Stop::Unavailable(_) => crate::view::NOT_AVAILABLE.into(),
            Stop::NotAllWaited { waited: 0, .. } => "not all waited at once".into(),
            Stop::NotAllWaited { waited, count } => format!(
                "not all waited at once ({} of {})",
                format::count(*waited),
                format::count(*count as u64)
            ),
            Stop::Failed(_) => "failed".into(),
        }
    }
}

/// One point a model held.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    /// Greets waiting at once.
    pub n: usize,
    /// Its record.
    pub record: &'a RunRecord,
    /// Its memory and CPU per waiting greet.
    pub figures: Option<&'a ScaleFigures>,
}

/// One model's scale points.
#[derive(Debug, Clone)]
pub struct Reach<'a> {
    /// The model.
    pub model: String,
    /// The points held, smallest N first.
    pub held: Vec<Held<'a>>,
    /// Where and why it stopped, if it did.
    pub stop: Option<(usize, Stop)>,
}

impl<'a> Reach<'a> {
    /// The largest N held.
    pub fn largest(&self) -> Option<Held<'a>> {
        self.held.last().copied()
    }

    /// "held 15 000, stopped at 19 000 (threads limit)".
    pub fn reach_words(&self) -> String {
        let held = self.largest().map_or("held no size".to_string(), |h| {
            format!("held {}", format::count(h.n as u64))
        });
        match &self.stop {
            Some((n, stop)) => format!(
                "{held}, stopped at {} ({})",
                format::count(*n as u64),
                stop.label()
            ),
            None => format!("{held}, where the sweep stopped"),
        }
    }
}

/// Why a scale run did not hold its N, or `None` if it did.
fn stop_of(run: &RunResult) -> Option<Stop> {
    if let Some(why) = run.unavailable() {
        return Some(Stop::Unavailable(
            why.trim_start_matches("not installed: ").to_string(),
        ));
    }
    if let Some(k) = run.record()
        && !adds_up(k)
    {
        return Some(Stop::Failed("counts do not add up".into()));
    }
    match run.status() {
        Status::Ok => run.record().and_then(|k| {
            let count = k.request.count;
            match &k.scale {
                None => Some(Stop::Failed("no figures".into())),
                Some(s) if s.peak_waiting < count as u64 => Some(Stop::NotAllWaited {
                    waited: s.peak_waiting,
                    count,
                }),
                Some(_) => None,
            }
        }),
        Status::Limit(l) => Some(Stop::Limit(l)),
        _ => Some(Stop::Failed(run.message().unwrap_or_default())),
    }
}

/// Why a run of the resource sweep at its longest latency did not hold its N: as
/// [`stop_of`], with "all waited at once" read from the wall time (the batch took under twice
/// the latency), since those runs carry no scale figures.
fn waiting_stop_of(run: &RunResult) -> Option<Stop> {
    match run.record().filter(|_| run.status() == Status::Ok) {
        Some(k) if adds_up(k) && !crate::view::all_waited(k) => Some(Stop::NotAllWaited {
            waited: 0,
            count: k.request.count,
        }),
        Some(k) if adds_up(k) => None,
        _ => stop_of(run).or(Some(Stop::Failed("no figures".into()))),
    }
}

/// How far each model went, one entry per model, in model order (one pass over the points):
/// the scale sweep's sizes, or, without a scale sweep, the resource sweep's runs at its
/// longest latency (the default `cargo bench`), where N greets wait at once.
pub fn reaches<'a>(view: &View<'a>) -> Vec<Reach<'a>> {
    let scale: Vec<&'a RunResult> = view.results.sweep.iter().flat_map(|s| &s.scale).collect();
    let from_scale = !scale.is_empty();
    let runs: Vec<&'a RunResult> = if from_scale {
        scale
    } else {
        let longest = view
            .results
            .runs()
            .filter(|e| e.request().workload == greet_core::Workload::Greet)
            .map(|e| e.request().hosts.latency)
            .max();
        view.results
            .runs()
            .filter(|e| {
                let q = e.request();
                q.workload == greet_core::Workload::Greet
                    && Some(q.hosts.latency) == longest
                    && per_job(view, &q.model)
            })
            .collect()
    };
    let stop_of = if from_scale { stop_of } else { waiting_stop_of };
    let mut by_model: std::collections::HashMap<&str, Vec<&'a RunResult>> = Default::default();
    for e in &runs {
        by_model.entry(&e.request().model).or_default().push(e);
    }
    let mut names: Vec<&str> = by_model.keys().copied().collect();
    names.sort_by_key(|n| (view.rank_of(n), *n));
    names
        .into_iter()
        .map(|model| {
            let mut mine = by_model.remove(model).unwrap_or_default();
            mine.sort_by_key(|e| e.request().count);
            let mut held = Vec::new();
            let mut stopped = Vec::new();
            for e in mine {
                let n = e.request().count;
                match (stop_of(e), e.record()) {
                    (None, Some(k)) => held.push(Held {
                        n,
                        record: k,
                        figures: k.scale.as_ref(),
                    }),
                    (Some(stop), _) => stopped.push((n, stop)),
                    (None, None) => stopped.push((n, Stop::Failed("no figures".into()))),
                }
            }
            let largest = held.last().map(|h: &Held<'_>| h.n);
            let stop = stopped
                .into_iter()
                .find(|(n, _)| largest.is_none_or(|l| *n > l));
            Reach {
                model: model.to_owned(),
                held,
                stop,
            }
        })
        .collect()
}

/// The memory section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "memory.html")]
pub struct Memory {
    /// Where the figures come from.
    pub source: String,
    /// The key chart.
    pub figure: Option<Figure>,
    /// Per model: memory per waiting greet and reach.
    pub table: Table,
    /// The user/kernel split at each model's largest N (scale sweep only).
    pub split: Option<Table>,
    /// The models that went past one process, in a sentence.
    pub past_one_process: Option<String>,
}

impl askama::filters::HtmlSafe for Memory {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Memory {
    let q = Question::MemoryPerWaitingGreet;
    let reach = reaches(view);
    let rows = paired(view, view.rows(&q, None));
    let figure_of = |r: &Row| view.figure(&q, r);
    let source = view
        .figures_of(&q)
        .next()
        .map_or("not measured in this run".to_string(), |f| {
            f.source.words().to_owned()
        });
    let mut table = Table::new(
        "memory-table",
        &[
            "model",
            "per waiting greet, median over sizes [95 %]",
            "sizes",
            "largest N held",
            "stopped at",
        ],
    )
    .left(&["stopped at"]);
    for r in &rows {
        let f = figure_of(r);
        let reach_of = reach.iter().find(|m| m.model == r.model);
        let why = view.missing_of(&q, r).map(|m| m.why.clone());
        table.push(vec![
            Cell::name(r.to_string()),
            Cell::num(f.map_or_else(|| why.clone().unwrap_or("-".into()), Measured::words)),
            Cell::num(f.map_or("-".into(), |f| f.runs().to_string())),
            Cell::num(
                reach_of
                    .and_then(Reach::largest)
                    .map_or("-".into(), |h| format::count(h.n as u64)),
            ),
            match reach_of.and_then(|m| m.stop.as_ref()) {
                Some((_, s @ Stop::Unavailable(_))) => Cell::words(s.label()),
                Some((n, s)) => Cell::words(format!("{}: {}", format::count(*n as u64), s.label()))
                    .class(if matches!(s, Stop::Limit(_)) {
                        "limit"
                    } else {
                        ""
                    }),
                None if reach_of.is_some() => {
                    Cell::words("not stopped (the sweep went no further)")
                }
                None => Cell::words("-"),
            },
        ]);
    }
    let scaled = reach
        .iter()
        .any(|m| m.held.iter().any(|h| h.figures.is_some()));
    let figure = if scaled {
        scale_chart(view, &reach)
    } else {
        bars_chart(view, &rows)
    };
    Memory {
        source,
        figure,
        table,
        split: scaled.then(|| split_table(&reach)),
        past_one_process: past_one_process(view, &reach),
    }
}

/// Total memory per waiting greet against N, one line per model, each stop marked and named.
fn scale_chart(view: &View<'_>, reach: &[Reach<'_>]) -> Option<Figure> {
    let series: Vec<Series> = reach
        .iter()
        .map(|m| Series {
            label: m.model.clone(),
            style: style(view.model(&m.model).map_or(0, |x| x.index)),
            points: m
                .held
                .iter()
                .filter_map(|h| {
                    let f = h.figures?;
                    Some(Point {
                        x: h.n as f64,
                        y: f.total_kib_per_greet,
                        interval: None,
                    })
                })
                .filter(|p| crate::chart::drawable(Scale::Log, p.x))
                .filter(|p| crate::chart::drawable(Scale::Linear, p.y) && p.y >= 0.0)
                .collect(),
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    let stops: Vec<(&Reach<'_>, usize, &Stop)> = reach
        .iter()
        .filter_map(|m| m.stop.as_ref().map(|(n, s)| (m, *n, s)))
        .filter(|(_, _, s)| !matches!(s, Stop::Unavailable(_)))
        .collect();
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x))
        .chain(stops.iter().map(|(_, n, _)| *n as f64));
    let x = Axis::over(
        Scale::Log,
        xs,
        "N, greets waiting at once (log)",
        crate::chart::number,
    )?;
    let y = Axis::over(
        Scale::Linear,
        series.iter().flat_map(|s| s.points.iter().map(|p| p.y)),
        "KiB per waiting greet",
        crate::chart::number,
    )?;
    // One ✕ per model in its colour; one label per stop shared by several models (the same N
    // and the same reason), on the highest of their ✕s, so that labels never pile up.
    let mut labelled: Vec<(usize, String, f64, usize)> = Vec::new();
    let mut marks: Vec<Mark> = Vec::new();
    for (m, n, s) in &stops {
        let y_at = m
            .largest()
            .and_then(|h| h.figures)
            .map_or(y.hi * 0.05, |f| f.total_kib_per_greet);
        let label = s.label();
        match labelled
            .iter_mut()
            .find(|(ln, l, _, _)| ln == n && *l == label)
        {
            Some(entry) => {
                entry.3 += 1;
                if y_at > entry.2 {
                    entry.2 = y_at;
                }
            }
            None => labelled.push((*n, label, y_at, 1)),
        }
        marks.push(Mark {
            at: (*n as f64, y_at),
            style: style(view.model(&m.model).map_or(0, |x| x.index)),
            marker: Some(Marker::Cross),
            text: String::new(),
        });
    }
    for (n, label, y_at, count) in labelled {
        marks.push(Mark {
            at: (n as f64, y_at),
            style: style(6),
            marker: None,
            text: if count > 1 {
                format!("{count} models: {label}")
            } else {
                label
            },
        });
    }
    let stopped = !stops.is_empty();
    let chart = Lines {
        label: "Memory per waiting greet against N, up to each model's limit".into(),
        x,
        y,
        series,
        marks,
        references: Vec::new(),
        plot_height: 300,
        mark_legend: Some((Marker::Cross, "where a model stopped, and why".into())),
    };
    let mut caption = "Notice how far each line goes before its ×, and how high it sits: a \
        waiting thread keeps a user stack and a kernel stack, a waiting task only its state, and \
        every waiting socket keeps kernel buffers whatever the model."
        .to_string();
    if !stopped {
        caption += " No model was stopped: the sweep went no further.";
    } else {
        caption += " Each ✕ is where a model stopped; the table names why.";
    }
    Some(Figure::of(
        "memory-chart",
        "Memory per waiting greet (user + kernel) against N, up to each model's limit",
        &chart,
        caption,
    ))
}

/// Without a scale sweep: memory per waiting greet per model, as bars.
fn bars_chart(view: &View<'_>, rows: &[Row]) -> Option<Figure> {
    let q = Question::MemoryPerWaitingGreet;
    let figs: Vec<&Measured> = rows.iter().filter_map(|r| view.figure(&q, r)).collect();
    let axis = Axis::over(
        Scale::Linear,
        figs.iter()
            .flat_map(|f| std::iter::once(f.median).chain(f.interval().map(|i| i.hi))),
        "KiB of resident memory per waiting greet",
        crate::chart::number,
    )?;
    let langs: Vec<_> = rows.iter().map(|r| r.lang).collect();
    let bars = rows
        .iter()
        .map(|r| {
            let f = view.figure(&q, r);
            Bar {
                label: r.to_string(),
                value: f.map(|f| f.median),
                interval: f.and_then(Measured::interval).map(|i| (i.lo, i.hi)),
                class: fill(r.lang),
                note: view.missing_of(&q, r).map(|m| m.why.clone()),
            }
        })
        .collect();
    let chart = HBars {
        label: "Memory per waiting greet".into(),
        axis,
        bars,
        references: Vec::new(),
        fills: fills(&langs),
        whisker: None,
    };
    Some(Figure::of(
        "memory-chart",
        "Memory per waiting greet, every model that keeps one thread, task or process per greet",
        &chart,
        "Notice the thread bars against the task bars: a waiting thread keeps a stack and a \
         kernel task, a waiting task only its state.",
    ))
}

/// The user and kernel split at each model's largest N.
fn split_table(reach: &[Reach<'_>]) -> Table {
    let mut t = Table::new(
        "memory-split",
        &[
            "model",
            "largest N held",
            "user per greet",
            "kernel per greet",
            "kernel share",
            "CPU per greet",
            "processes (client / server)",
            "how past the limits",
        ],
    )
    .left(&["how past the limits"]);
    for m in reach {
        let l = m.largest();
        let f = l.and_then(|l| l.figures);
        let kib = |v: Option<f64>| v.filter(|v| v.is_finite()).map_or("-".into(), format::kib);
        t.push(vec![
            Cell::name(m.model.clone()),
            Cell::num(l.map_or("-".into(), |l| format::count(l.n as u64))),
            Cell::num(kib(f.map(|f| f.user_kib_per_greet))),
            Cell::num(kib(f.map(|f| f.kernel_kib_per_greet))),
            Cell::num(
                f.map(|f| f.kernel_kib_per_greet / f.total_kib_per_greet)
                    .filter(|s| s.is_finite())
                    .map_or("-".into(), format::percent),
            ),
            Cell::num(
                f.map(|f| f.cpu_us_per_greet)
                    .filter(|v| v.is_finite())
                    .map_or("-".into(), |v| format::time_ns(v * 1e3)),
            ),
            Cell::num(f.map_or("-".into(), |f| {
                format!("{} / {}", f.client_processes, f.server_processes)
            })),
            Cell::words(f.and_then(|f| f.past_limits.clone()).unwrap_or("-".into())),
        ]);
    }
    t
}

/// The models of the processes family that went past one process, against the most one
/// process held.
fn past_one_process(view: &View<'_>, reach: &[Reach<'_>]) -> Option<String> {
    let spread = |name: &str| {
        view.describe(name)
            .is_none_or(|d| d.family == Family::Processes)
    };
    let single: Vec<(&str, usize)> = reach
        .iter()
        .filter(|m| {
            m.largest()
                .and_then(|l| l.figures)
                .is_some_and(|f| f.client_processes <= 1)
        })
        .filter_map(|m| Some((m.model.as_str(), m.largest()?.n)))
        .collect();
    let most = single.iter().map(|x| x.1).max();
    let multi: Vec<String> = reach
        .iter()
        .filter(|m| spread(&m.model))
        .filter_map(|m| {
            let l = m.largest()?;
            let f = l.figures?;
            (f.client_processes > 1).then(|| {
                format!(
                    "{} held {} over {} client processes",
                    m.model,
                    format::count(l.n as u64),
                    f.client_processes
                )
            })
        })
        .collect();
    if multi.is_empty() {
        return None;
    }
    let at_most = most.map_or(String::new(), |n| {
        let who: Vec<&str> = single.iter().filter(|x| x.1 == n).map(|x| x.0).collect();
        format!(
            ", where one process held at most {} ({})",
            format::count(n as u64),
            who.join(", ")
        )
    });
    Some(format!(
        "Past one process (RLIMIT_NOFILE caps the sockets of each): {}{at_most}.",
        multi.join("; ")
    ))
}

/// Whether a model keeps one thread, task or process per waiting greet (the ones memory per
/// waiting greet means something for).
pub fn per_job(view: &View<'_>, model: &str) -> bool {
    view.describe(model)
        .is_none_or(|d| d.shape == Shape::PerJob)
}

//! "What waiting looks like": one timeline per traced sweep run, drawn from the timeline its
//! record carries ([`greet_core::trace::Trace`]). Lanes are the OS threads (or worker
//! processes) that ran the greets; inside a lane each greet has its row. So one greet after
//! another draws a staircase on one lane, a pool of K draws K lanes, one thread per greet draws
//! N lanes, and a one-thread event loop draws N overlapping waits in one lane, where a crunch
//! holds up every other task's wait. Every timeline of one workload shares one time axis.

use askama::Template;
use greet_core::record::RunResult;
use greet_core::trace::{JobTrace, Lane, Phase, Trace};
use greet_core::{Shape, Workload};

use crate::chart::timeline::{self as tl, Timeline};
use crate::format;
use crate::section::Figure;
use crate::view::View;

/// The most greets a timeline draws; a trace with more is named, not drawn.
pub const MOST_JOBS: usize = 200;

/// The timelines of one workload.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The workload's name.
    pub workload: String,
    /// Its shared time axis, ms.
    pub end: String,
    /// One per traced run.
    pub figures: Vec<Figure>,
    /// Runs with no timeline to draw, and why.
    pub absent: Vec<String>,
}

/// The waiting section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "waiting.html")]
pub struct Waiting {
    /// What the traced runs were, in a sentence.
    pub setup: Option<String>,
    /// One grid per workload.
    pub grids: Vec<Grid>,
}

impl askama::filters::HtmlSafe for Waiting {}

/// The trace of a run, if it has one with anything to draw.
fn trace_of(run: &RunResult) -> Option<&Trace> {
    let trace = run.record()?.timeline.as_ref()?;
    trace.spans().next().map(|_| trace)
}

/// The trace of a run if it is small enough to draw.
fn drawable(run: &RunResult) -> Option<&Trace> {
    trace_of(run).filter(|t| t.jobs.len() <= MOST_JOBS)
}

/// The rows of `trace`: lanes in the order first used, and in each lane its jobs in the order
/// they began there.
fn rows(trace: &Trace) -> Vec<tl::Row> {
    let lanes = trace.lanes();
    let mut out = Vec::new();
    for (li, lane) in lanes.iter().enumerate() {
        let mut jobs: Vec<(u64, &JobTrace)> = trace
            .jobs
            .iter()
            .filter_map(|j| {
                let here = j
                    .spans
                    .iter()
                    .filter(|s| j.pid == lane.pid && s.tid == lane.tid);
                here.map(|s| s.start_us).min().map(|t| (t, j))
            })
            .collect();
        jobs.sort_by_key(|(t, j)| (*t, j.index));
        for (i, (_, j)) in jobs.into_iter().enumerate() {
            let here = j.tid == lane.tid && j.pid == lane.pid;
            let ms = |us: u64| us as f64 / 1e3;
            let mut bars: Vec<(f64, f64, tl::Phase)> = Vec::new();
            if let Some(p) = j.picked_us.filter(|p| here && *p > 0) {
                bars.push((0.0, ms(p), tl::Phase::Queued));
            }
            bars.extend(
                j.spans
                    .iter()
                    .filter(|s| s.tid == lane.tid && j.pid == lane.pid)
                    .map(|s| (ms(s.start_us), ms(s.end_us), phase(s.phase))),
            );
            out.push(tl::Row {
                lane: (i == 0).then(|| lane_name(trace, *lane, li)),
                bars,
            });
        }
    }
    out
}

fn phase(p: Phase) -> tl::Phase {
    match p {
        Phase::Connecting => tl::Phase::Connecting,
        Phase::Sending => tl::Phase::Sending,
        Phase::Waiting => tl::Phase::Waiting,
        Phase::Crunching => tl::Phase::Crunching,
    }
}

/// A lane's name: its thread, its worker process, or the pool it could not see.
fn lane_name(trace: &Trace, lane: Lane, i: usize) -> String {
    match lane.tid {
        None => "blocking pool".into(),
        Some(tid) if lane.pid != trace.pid && tid == lane.pid => format!("process {}", i + 1),
        Some(_) if lane.pid != trace.pid => format!("worker thread {}", i + 1),
        Some(tid) if tid == trace.pid => "main thread".into(),
        Some(tid) => format!("tid {tid}"),
    }
}

/// What to notice in one trace: its lanes, how many greets waited at once, and the longest
/// wait against L.
fn caption(view: &View<'_>, trace: &Trace, run: &RunResult) -> String {
    let q = run.request();
    let lanes = trace.lanes();
    let seen = lanes.iter().filter(|l| l.tid.is_some()).count();
    let processes = lanes
        .iter()
        .filter(|l| l.tid.is_some() && l.pid != trace.pid)
        .map(|l| l.pid)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let on = if processes > 0 {
        format!(
            "{processes} worker process{}",
            if processes == 1 { "" } else { "es" }
        )
    } else {
        format!("{seen} thread{}", plural(seen))
    };
    let mut out = format!(
        "{} greets on {on}; at most {} waited at once; the batch took {}.",
        trace.jobs.len(),
        trace.peak(Phase::Waiting),
        format::time_ns(trace.end_us() as f64 * 1e3)
    );
    if lanes.iter().any(|l| l.tid.is_none()) {
        out += " Crunches ran on threads the greets could not see (a blocking pool): its lane.";
    }
    let longest = trace
        .spans()
        .filter(|(_, s)| s.phase == Phase::Waiting)
        .map(|(_, s)| s.end_us.saturating_sub(s.start_us))
        .max();
    let l_us = q.hosts.latency.as_micros() as f64;
    if let Some(w) = longest.filter(|_| l_us > 0.0)
        && w as f64 > 1.5 * l_us
    {
        out += &format!(
            " The longest wait took {} at L = {}: the reply was there after L, and waited to be \
             read while its thread was busy elsewhere.",
            format::time_ns(w as f64 * 1e3),
            format::latency(q.hosts.latency)
        );
    }
    if let Some(m) = view.describe(&q.model) {
        out += match m.shape {
            Shape::OneAtATime => " Expected: a staircase.",
            Shape::Pool => " Expected: K lanes, each a staircase.",
            Shape::PerJob if m.one_thread => " Expected: N waits overlapping in one lane.",
            Shape::PerJob => " Expected: every wait at once.",
        };
    }
    out
}

/// Builds the section.
pub fn build(view: &View<'_>) -> Waiting {
    let mut runs: Vec<&RunResult> = view
        .results
        .sweep
        .iter()
        .flat_map(|s| &s.timelines)
        .collect();
    runs.sort_by_key(|e| {
        let q = e.request();
        (q.workload != Workload::Greet, view.rank_of(&q.model))
    });
    let Some(first) = runs.first().map(|e| e.request()) else {
        return Waiting {
            setup: None,
            grids: Vec::new(),
        };
    };
    let setup = format!(
        "Each timeline is one traced run of N = {} greets (the pools with K = {}, hosts at L = {}), \
         in a fresh child process. Predict the shape before you look: one greet at a time draws \
         a staircase; a pool of K draws K lanes; one thread per greet draws N lanes; a one-thread \
         event loop draws N overlapping waits in one lane. The same picture opens in Perfetto: \
         greetbench run --model MODEL --count {} --trace t.json.",
        first.count,
        first.workers.map_or("-".into(), |k| k.to_string()),
        format::latency(first.hosts.latency),
        first.count
    );
    let mut grids: Vec<Grid> = Vec::new();
    for workload in [Workload::Greet, Workload::Mixed, Workload::Crunch] {
        let mine: Vec<&RunResult> = runs
            .iter()
            .copied()
            .filter(|e| e.request().workload == workload)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let end_ms = mine
            .iter()
            .filter_map(|e| drawable(e))
            .map(|t| t.end_us() as f64 / 1e3)
            .fold(0.0, f64::max)
            * 1.02;
        let mut figures = Vec::new();
        let mut absent = Vec::new();
        for e in mine {
            let q = e.request();
            match drawable(e) {
                Some(t) => {
                    let k = view
                        .describe(&q.model)
                        .filter(|d| d.uses_workers())
                        .and(q.workers)
                        .map_or(String::new(), |k| format!(", K = {k}"));
                    let chart = Timeline {
                        label: format!("{} timeline", q.model),
                        rows: rows(t),
                        end_ms,
                    };
                    figures.push(Figure::of(
                        &format!("timeline-{}-{}", q.model, q.workload),
                        format!("{}{k}", q.model),
                        &chart,
                        caption(view, t, e),
                    ));
                }
                None => absent.push(match trace_of(e) {
                    Some(t) => format!("{}: {} greets, too many to draw", q.model, t.jobs.len()),
                    None => format!(
                        "{}: no timeline (the run failed or was not traced)",
                        q.model
                    ),
                }),
            }
        }
        grids.push(Grid {
            workload: workload.name().to_owned(),
            end: format::time_ns(end_ms * 1e6),
            figures,
            absent,
        });
    }
    Waiting {
        setup: Some(setup),
        grids,
    }
}

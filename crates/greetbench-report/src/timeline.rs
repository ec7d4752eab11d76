//! "What waiting looks like": one timeline per traced sweep run, drawn from the timeline its
//! record carries ([`greet_core::trace::Trace`]).
//!
//! Lanes are the OS threads (or worker processes) that ran the jobs; inside a lane, each
//! greet the thread ran has a row of its own, with a bar per phase, coloured by phase, after
//! a thin grey line for the time it sat queued. So one job after another draws a staircase on
//! one lane, a pool of K draws K lanes of staircases, one thread per job draws N lanes, and a
//! one-thread event loop draws N overlapping waits in one lane, where a crunch holds up every
//! other task's wait. Every chart is plotters' SVG, like the others.

use plotters::coord::Shift;
use plotters::prelude::*;

use greet_core::record::RunResult;
use greet_core::trace::{JobTrace, Lane, Phase, Trace};
use greet_core::{Description, Shape, Workload};

use crate::Results;
use crate::charts::{Chart, human_latency};

const WIDTH: u32 = 680;
/// Pixels per row of bars.
const ROW: u32 = 13;
/// Room for the title, the legend and the x axis.
const CHROME: u32 = 110;
/// A timeline never gets taller than this; past it the rows get thinner.
const MAX_HEIGHT: u32 = 900;
/// The strip on top holding the title and the legend.
const HEAD: u32 = 48;
/// The left margin holding the lanes' names.
const LABELS: u32 = 128;

/// The colour of each phase, and of the time a job sat queued before it began.
fn phase_colour(phase: Phase) -> RGBColor {
    match phase {
        Phase::Connecting => RGBColor(31, 119, 180),
        Phase::Sending => RGBColor(148, 103, 189),
        Phase::Waiting => RGBColor(255, 127, 14),
        Phase::Crunching => RGBColor(214, 39, 40),
    }
}

const QUEUED: RGBColor = RGBColor(170, 170, 170);

/// One row: a job, in one lane.
struct Row<'a> {
    lane: Lane,
    job: &'a JobTrace,
}

/// The rows of `trace`: lanes in the order they were first used, and in each lane the jobs
/// that ran there, in the order they began there.
fn rows(trace: &Trace) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for lane in trace.lanes() {
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
        out.extend(jobs.into_iter().map(|(_, job)| Row { lane, job }));
    }
    out
}

/// A lane's name: its thread, or its worker process, or the pool it could not see.
fn lane_name(trace: &Trace, lane: Lane) -> String {
    match lane.tid {
        None => "blocking pool".into(),
        Some(tid) if lane.pid != trace.pid && tid == lane.pid => format!("process {}", lane.pid),
        Some(tid) if lane.pid != trace.pid => format!("pid {} tid {tid}", lane.pid),
        Some(tid) if tid == trace.pid => format!("tid {tid} (main)"),
        Some(tid) => format!("tid {tid}"),
    }
}

/// The trace of a sweep run, if it has one with anything in it.
fn trace_of(run: &RunResult) -> Option<&Trace> {
    let trace = run.record()?.timeline.as_ref()?;
    trace.spans().next().map(|_| trace)
}

/// The timeline of one traced run, or `None` when it has no trace.
pub fn chart(results: &Results, run: &RunResult) -> Result<Option<Chart>, String> {
    let Some(trace) = trace_of(run) else {
        return Ok(None);
    };
    let q = run.request();
    let rows = rows(trace);
    let n = rows.len().max(1);
    let height = (CHROME + ROW * n as u32).clamp(220, MAX_HEIGHT);
    let end_ms = (trace.end_us() as f64 / 1e3).max(0.001) * 1.03;
    let model = results.model(&q.model);
    let title = format!(
        "{} · {} · N = {}{}",
        q.model,
        q.workload,
        q.count,
        match (model.is_some_and(Description::uses_workers), q.workers) {
            (true, Some(k)) => format!(", K = {k}"),
            _ => String::new(),
        }
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root, trace, &rows, &title, end_ms, q.workload)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let id = format!("timeline-{}-{}", q.model, q.workload);
    Ok(Some(Chart {
        id,
        title,
        svg,
        caption: caption(trace, run, model),
    }))
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    trace: &Trace,
    rows: &[Row<'_>],
    title: &str,
    end_ms: f64,
    workload: Workload,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<_>| e.to_string();
    let n = rows.len().max(1) as f64;
    // The title and the legend on top, the lanes below.
    let (head, body) = root.split_vertically(HEAD);
    head.draw(&Text::new(
        title.to_string(),
        (8, 6),
        ("sans-serif", 16).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    let mut x = LABELS as i32 + 8;
    let phases = Phase::ALL
        .into_iter()
        .filter(|p| *p != Phase::Crunching || workload.crunches());
    let entries = std::iter::once(("queued".to_string(), QUEUED))
        .chain(phases.map(|p| (p.name().to_string(), phase_colour(p))));
    for (name, colour) in entries {
        head.draw(&Rectangle::new([(x, 32), (x + 12, 42)], colour.filled()))
            .map_err(err)?;
        head.draw(&Text::new(
            name.clone(),
            (x + 16, 31),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        x += 30 + 7 * name.len() as i32;
    }
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(LABELS)
        .build_cartesian_2d(0f64..end_ms, 0f64..n)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .x_desc("ms since the batch began (every job queued at 0)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(err)?;
    // Row r (from the top) spans y in [n - r - 1, n - r).
    let band = |r: usize, lo: f64, hi: f64| (n - r as f64 - 1.0 + lo, n - r as f64 - 1.0 + hi);
    let ms = |us: u64| us as f64 / 1e3;
    // Lanes: a rule between them, and the lane's name beside its first row.
    let mut first = 0;
    while first < rows.len() {
        let lane = rows[first].lane;
        let count = rows[first..].iter().take_while(|r| r.lane == lane).count();
        if first > 0 {
            let y = band(first, 1.0, 1.0).0;
            chart
                .draw_series(LineSeries::new(
                    [(0.0, y), (end_ms, y)],
                    BLACK.mix(0.25).stroke_width(1),
                ))
                .map_err(err)?;
        }
        let (px, py) = chart.backend_coord(&(0.0, band(first, 0.5, 0.5).0));
        root.draw(&Text::new(
            lane_name(trace, lane),
            (px - LABELS as i32 + 4, py - 6),
            ("sans-serif", 12).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        first += count;
    }
    // Bars: the queued time (a thin line from 0), then each phase run in this row's lane.
    for (r, row) in rows.iter().enumerate() {
        let j = row.job;
        let here = j.tid == row.lane.tid && j.pid == row.lane.pid;
        if let Some(picked) = j.picked_us.filter(|p| here && *p > 0) {
            let (lo, hi) = band(r, 0.45, 0.55);
            chart
                .draw_series([Rectangle::new(
                    [(0.0, lo), (ms(picked), hi)],
                    QUEUED.filled(),
                )])
                .map_err(err)?;
        }
        let bars = j
            .spans
            .iter()
            .filter(|s| s.tid == row.lane.tid && j.pid == row.lane.pid)
            .map(|s| {
                let (lo, hi) = band(r, 0.12, 0.88);
                // At least a hair wide, so that a 10 µs send still shows.
                let end = ms(s.end_us).max(ms(s.start_us) + end_ms / 1500.0);
                Rectangle::new(
                    [(ms(s.start_us), lo), (end, hi)],
                    phase_colour(s.phase).filled(),
                )
            });
        chart.draw_series(bars).map_err(err)?;
    }
    Ok(())
}

/// What to notice, from the trace: its lanes, how many greets waited at once, and how long
/// the longest wait took against the hosts' latency.
fn caption(trace: &Trace, run: &RunResult, model: Option<&Description>) -> String {
    let q = run.request();
    let lanes = trace.lanes();
    let seen: Vec<_> = lanes.iter().filter(|l| l.tid.is_some()).collect();
    let processes = seen.iter().filter(|l| l.pid != trace.pid).count();
    let what = if processes > 0 {
        format!("{processes} worker process(es)")
    } else {
        format!("{} thread(s)", seen.len())
    };
    let mut out = format!(
        "{} greets on {what}; at most {} waited at once; the batch took {:.0} ms.",
        trace.jobs.len(),
        trace.peak(Phase::Waiting),
        trace.end_us() as f64 / 1e3
    );
    let moved = trace
        .jobs
        .iter()
        .filter(|j| {
            let mut tids = j.spans.iter().filter_map(|s| s.tid);
            tids.next().is_some_and(|first| tids.any(|t| t != first))
        })
        .count();
    if moved > 0 {
        out += &format!(
            " {moved} of them moved to another thread at an .await (the runtime's workers \
             share the tasks), so they have a row in each lane they ran in."
        );
    }
    if lanes.iter().any(|l| l.tid.is_none()) {
        out +=
            " Crunches ran on threads the jobs could not see (a blocking pool): the bottom lane.";
    }
    let longest = trace
        .spans()
        .filter(|(_, s)| s.phase == Phase::Waiting)
        .map(|(_, s)| s.end_us - s.start_us)
        .max();
    let latency = q.hosts.latency;
    if let Some(w) = longest.filter(|_| latency.as_micros() > 0) {
        let l_us = latency.as_micros() as f64;
        out += &format!(
            " The longest wait took {:.0} ms at L = {}",
            w as f64 / 1e3,
            human_latency(latency)
        );
        if w as f64 > 1.5 * l_us {
            out += &format!(
                ": its reply was there after about L, and waited {:.0} ms more to be read, \
                 its thread busy elsewhere.",
                (w as f64 - l_us) / 1e3
            );
        } else {
            out += ".";
        }
    }
    if let Some(m) = model {
        let shape = match m.shape {
            Shape::OneAtATime => "one greet at a time: a staircase",
            Shape::Pool => "a pool: K lanes, each a staircase of its own",
            Shape::PerJob if m.one_thread => {
                "one thread for every task: N waits overlap in one lane"
            }
            Shape::PerJob => "one thread or task per greet: every wait at once",
        };
        out += &format!(" Expected shape: {shape}.");
    }
    out
}

/// The timelines of every traced sweep run, in model order, greet before mixed: `(model,
/// workload, chart)`, with `None` where a run has no timeline.
pub fn all(results: &Results) -> Vec<(String, Workload, Option<Chart>)> {
    results
        .timelines()
        .into_iter()
        .map(|run| {
            let q = run.request();
            let chart = chart(results, run)
                .map_err(|e| eprintln!("warning: timeline of {} not drawn: {e}", q.model))
                .ok()
                .flatten();
            (q.model.clone(), q.workload, chart)
        })
        .collect()
}

/// The median crunch of the traced mixed runs, ms, over the crunches whose thread is known.
pub fn median_crunch_ms(results: &Results) -> Option<f64> {
    let mut all: Vec<u64> = results
        .timelines()
        .into_iter()
        .filter_map(trace_of)
        .flat_map(|t| t.spans().map(|(_, s)| *s).collect::<Vec<_>>())
        .filter(|s| s.phase == Phase::Crunching && s.tid.is_some())
        .map(|s| s.end_us - s.start_us)
        .collect();
    all.sort_unstable();
    all.get(all.len() / 2).map(|us| *us as f64 / 1e3)
}

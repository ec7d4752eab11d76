//! The report's charts, one function per chart, each drawn with plotters' SVG backend into a
//! string that the page inlines. The SVG backend writes `<text>` elements and needs no fonts
//! on this machine (plotters' font features stay off: they break criterion's own plots).
//!
//! Every chart has axis labels with units, a legend, and a caption saying what to notice. A
//! chart whose data is missing from the results is `None`, and the page says so.
//!
//! Every value is checked before it reaches plotters ([`on_log_axis`], [`on_linear_axis`]): a
//! value that is not finite, or beyond fifteen orders of magnitude either side of 1, is left
//! out as if it were missing. Real figures are far inside that range; a results file with a
//! median of 1e-300 once sent plotters' log axis into an endless loop, and the page must render
//! from any results file.

use plotters::coord::Shift;
use plotters::prelude::*;

use std::time::Duration;

use greet_core::Shape;
use greet_core::record::{RunResult, Status};

use crate::Results;
use crate::results::{CPU_ALL_CORES, CPU_ONE_WORKER, MIXED, SHARED_STATE, SPAWN};

/// One drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// An id for the page's anchors, e.g. `io_10ms`.
    pub id: String,
    /// The heading.
    pub title: String,
    /// The whole `<svg>` element.
    pub svg: String,
    /// What to notice, computed from the data.
    pub caption: String,
}

const WIDTH: u32 = 760;
const HEIGHT: u32 = 420;

/// A fixed colour per model: its place in [`Results::model_names`] (the registry's order, then
/// undescribed models), so a model keeps its colour in every chart; any other name by hash.
pub fn colour(results: &Results, name: &str) -> RGBColor {
    const COLOURS: [RGBColor; 10] = [
        RGBColor(88, 88, 88),
        RGBColor(214, 39, 40),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
        RGBColor(148, 103, 189),
        RGBColor(31, 119, 180),
        RGBColor(23, 190, 207),
        RGBColor(44, 160, 44),
        RGBColor(227, 119, 194),
        RGBColor(188, 189, 34),
    ];
    let i = results
        .model_names()
        .iter()
        .position(|m| m == name)
        .unwrap_or_else(|| {
            name.bytes()
                .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
        });
    COLOURS[i % COLOURS.len()]
}

/// What stopped a sweep run, in a few words: the OS limit's name, "failed", or "ok".
pub fn stopped_by(run: &RunResult) -> String {
    match run.status() {
        Status::Ok => "ok".into(),
        Status::Limit(limit) => limit.label().into(),
        Status::FaultsOnly => "injected faults".into(),
        Status::Failed => "failed".into(),
    }
}

/// A latency in the page's words: `10 ms`, `2000 ms`, `0.25 ms`.
pub fn human_latency(latency: Duration) -> String {
    let ms = latency.as_secs_f64() * 1e3;
    if ms == ms.round() {
        format!("{ms:.0} ms")
    } else {
        format!("{} ms", sig3(ms))
    }
}

/// Colours of bar series (sizes or thread counts, not models).
const SERIES: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Draws into an SVG string; any plotters error becomes a message.
fn draw_svg(
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        f(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A human time from nanoseconds: 850 ns, 12.3 µs, 4.56 ms, 1.23 s.
pub fn human_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    if ns < 10.0 {
        // Below 10 ns keep the decimals: a per-update cost of 0.15 ns is not "0 ns".
        format!("{ns:.2} ns")
    } else if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.3} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.3} ms", ns / 1e6)
    } else {
        format!("{:.3} s", ns / 1e9)
    }
}

/// Trims a number to three significant digits.
fn sig3(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The smallest value a log axis draws.
pub const SMALLEST: f64 = 1e-15;
/// The largest value any axis draws.
pub const LARGEST: f64 = 1e15;

/// Whether a chart on a log axis can draw `v`: finite, in `SMALLEST..=LARGEST`.
pub fn on_log_axis(v: f64) -> bool {
    v.is_finite() && (SMALLEST..=LARGEST).contains(&v)
}

/// Whether a chart on a linear axis from 0 can draw `v`: finite, in `0..=LARGEST`.
pub fn on_linear_axis(v: f64) -> bool {
    v.is_finite() && (0.0..=LARGEST).contains(&v)
}

/// The most cores a chart's axis counts (one tick each).
const MAX_CORES: usize = 1024;

/// Padded log-axis bounds around the values a log axis can draw.
fn log_bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| on_log_axis(*v))
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo <= hi).then(|| (lo / 2.0, hi * 2.0))
}

/// One series of a line chart: the line, a dot at each point, and its legend entry.
fn line_with_points<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    name: &str,
    pts: &[(f64, f64)],
    c: RGBColor,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
        .map_err(|e| e.to_string())?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
    chart
        .draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled())))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The legend box every chart uses, at `position`.
fn legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged,
    Y: Ranged,
{
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 14))
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// Time vs N on log-log axes, one line per function, for one criterion group (`io_10ms`,
/// `io_0ms`, `cpu_1worker`, `mixed`, ...).
pub fn time_vs_n(results: &Results, group: &str, what: &str) -> Result<Option<Chart>, String> {
    let functions = results.functions(group);
    let points: Vec<(String, Vec<(f64, f64)>)> = functions
        .iter()
        .map(|f| {
            let mut pts: Vec<(f64, f64)> = results
                .group(group)
                .filter(|e| &e.function == f)
                .filter_map(|e| e.size.map(|n| (n as f64, e.median_ns / 1e6)))
                .filter(|&(n, ms)| on_log_axis(n) && on_log_axis(ms))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (f.clone(), pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let Some((x_lo, x_hi)) = log_bounds(points.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)))
    else {
        return Ok(None);
    };
    let Some((y_lo, y_hi)) = log_bounds(points.iter().flat_map(|(_, p)| p.iter().map(|q| q.1)))
    else {
        return Ok(None);
    };
    let title = format!("{group}: time per batch vs N ({what})");
    let svg = draw_svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((x_lo.max(0.5)..x_hi).log_scale(), (y_lo..y_hi).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(WHITE)
            .x_desc("N, jobs per batch (log)")
            .y_desc("median time per batch, ms (log)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| sig3(*v))
            .draw()
            .map_err(|e| e.to_string())?;
        for (name, pts) in &points {
            line_with_points(&mut chart, name, pts, colour(results, name))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })?;
    // What to notice: the flattest and the steepest line. The slope on log-log axes is the
    // exponent k in time ∝ N^k between the smallest and the largest N of each line: 1 when
    // jobs run one after another, near 0 when they overlap.
    let slopes: Vec<(String, f64)> = points
        .iter()
        .filter(|(_, p)| p.len() >= 2)
        .map(|(n, p)| {
            let (a, b) = (p[0], p[p.len() - 1]);
            (n.clone(), (b.1 / a.1).ln() / (b.0 / a.0).ln())
        })
        .collect();
    let caption = match (
        slopes.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        slopes.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        (Some(flat), Some(steep)) if flat.0 != steep.0 => format!(
            "Notice the slopes: slope 1 (time ∝ N) means the jobs ran one after another, a \
             flatter line means they overlapped. The steepest here is {} (slope {:.2}), the \
             flattest {} (slope {:.2}).",
            steep.0, steep.1, flat.0, flat.1
        ),
        _ => "Notice the slopes: slope 1 (time ∝ N) means the jobs ran one after another, a \
              flatter line means they overlapped."
            .to_string(),
    };
    Ok(Some(Chart {
        id: group.to_string(),
        title,
        svg,
        caption,
    }))
}

/// The CPU speedup of each model: sequential's time divided by the model's, with one worker
/// and with every core, at the largest size both groups measured.
pub fn cpu_speedup(results: &Results) -> Result<Option<Chart>, String> {
    let cores = results.provenance.logical_cores.clamp(1, MAX_CORES);
    let mut speedups = results.cpu_speedups();
    for s in &mut speedups {
        s.one = s.one.filter(|v| on_linear_axis(*v));
        s.all = s.all.filter(|v| on_linear_axis(*v));
    }
    speedups.retain(|s| s.one.is_some() || s.all.is_some());
    if speedups.is_empty() {
        return Ok(None);
    }
    let y_hi = speedups
        .iter()
        .flat_map(|s| [s.one, s.all])
        .flatten()
        .fold(cores as f64, f64::max)
        * 1.15;
    let title = format!("CPU-bound crunch: speedup over sequential vs workers ({cores} cores)");
    let svg = draw_svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.8f64..cores as f64 + 0.4, 0f64..y_hi)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .x_desc("workers (threads, processes or pool size)")
            .y_desc("speedup, × sequential's time")
            .x_labels(cores + 1)
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-6 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new(
                [(1.0, 1.0), (cores as f64, cores as f64)],
                BLACK.mix(0.4).stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label("ideal (one × per core)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.4)));
        for s in &speedups {
            let c = colour(results, &s.model);
            let pts: Vec<(f64, f64)> = [(1.0, s.one), (cores as f64, s.all)]
                .into_iter()
                .filter_map(|(x, y)| y.map(|y| (x, y)))
                .collect();
            line_with_points(&mut chart, &s.model, &pts, c)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })?;
    let best = speedups
        .iter()
        .filter_map(|s| s.all.map(|v| (s.model.as_str(), v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let caption = match best {
        Some((m, v)) => format!(
            "Notice which lines climb towards the diagonal: only work spread over cores speeds up. \
             The best here is {m} at {}× on {cores} cores; a line that stays at 1 ran on one core.",
            sig3(v)
        ),
        None => "Notice which lines climb towards the diagonal.".into(),
    };
    Ok(Some(Chart {
        id: "cpu_speedup".into(),
        title,
        svg,
        caption,
    }))
}

/// The marker of a size that was not swept for a model.
const NOT_RUN: &str = "not run";

/// One bar of a [`Bars`] chart: `(series index, value, marker)`, where a `marker` replaces a
/// missing bar with its text (e.g. the OS limit that stopped that size).
type Bar = (usize, Option<f64>, Option<String>);

/// Grouped vertical bars on a log or linear value axis. `groups` are the x categories, each
/// with its bars.
struct Bars<'a> {
    title: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    log: bool,
    series: Vec<String>,
    groups: Vec<(String, Vec<Bar>)>,
}

fn draw_bars(b: &Bars<'_>) -> Result<String, String> {
    // A value the axis cannot draw is left out, as if it were missing.
    let drawable = |v: f64| {
        if b.log {
            on_log_axis(v)
        } else {
            on_linear_axis(v)
        }
    };
    let groups: Vec<(String, Vec<Bar>)> = b
        .groups
        .iter()
        .map(|(name, bars)| {
            let bars = bars
                .iter()
                .map(|(s, v, m)| (*s, v.filter(|v| drawable(*v)), m.clone()))
                .collect();
            (name.clone(), bars)
        })
        .collect();
    let b = &Bars {
        title: b.title,
        x_desc: b.x_desc,
        y_desc: b.y_desc,
        log: b.log,
        series: b.series.clone(),
        groups,
    };
    let values = b
        .groups
        .iter()
        .flat_map(|(_, v)| v.iter().filter_map(|x| x.1));
    let (lo, hi) = if b.log {
        log_bounds(values).ok_or("no values")?
    } else {
        (0.0, values.fold(0.0, f64::max).max(1e-9) * 1.25)
    };
    let n = b.groups.len();
    let k = b.series.len().max(1);
    let labels: Vec<String> = b.groups.iter().map(|g| g.0.clone()).collect();
    draw_svg(|root| {
        let builder = |root| {
            let mut cb = ChartBuilder::on(root);
            cb.caption(b.title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(64);
            cb
        };
        let x_range = 0f64..n as f64;
        let fmt_x = |v: &f64| {
            let i = v.floor() as usize;
            if (v - v.floor() - 0.5).abs() < 1e-6 && i < labels.len() {
                labels[i].clone()
            } else {
                String::new()
            }
        };
        macro_rules! body {
            ($chart:expr, $base:expr, $marker_y:expr) => {{
                let chart = &mut $chart;
                chart
                    .configure_mesh()
                    .label_style(("sans-serif", 14))
                    .axis_desc_style(("sans-serif", 15))
                    .disable_x_mesh()
                    .light_line_style(WHITE)
                    .x_desc(b.x_desc)
                    .y_desc(b.y_desc)
                    .x_labels(2 * n + 1)
                    .x_label_formatter(&fmt_x)
                    .y_label_formatter(&|v| sig3(*v))
                    .draw()
                    .map_err(|e| e.to_string())?;
                let width = 0.8 / k as f64;
                for (s, name) in b.series.iter().enumerate() {
                    let c = SERIES[s % SERIES.len()];
                    let rects: Vec<_> = b
                        .groups
                        .iter()
                        .enumerate()
                        .flat_map(|(gi, (_, vals))| {
                            vals.iter()
                                .filter(|v| v.0 == s)
                                .filter_map(move |v| v.1.map(|y| (gi, y)))
                        })
                        .map(|(gi, y)| {
                            let x0 = gi as f64 + 0.1 + s as f64 * width;
                            Rectangle::new([(x0, $base), (x0 + width * 0.92, y)], c.filled())
                        })
                        .collect();
                    chart
                        .draw_series(rects)
                        .map_err(|e| e.to_string())?
                        .label(name.as_str())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled())
                        });
                }
                // Markers where a bar is missing, written up the empty slot: the limit that
                // stopped that size (red), or why there is no bar (grey).
                for (gi, (_, vals)) in b.groups.iter().enumerate() {
                    for (s, v, marker) in vals {
                        if let (None, Some(text)) = (v, marker) {
                            let x0 = gi as f64 + 0.1 + (*s as f64 + 0.25) * width;
                            let c = if text == NOT_RUN {
                                RGBColor(130, 130, 130)
                            } else {
                                RED
                            };
                            chart
                                .draw_series([Text::new(
                                    format!("✕ {text}"),
                                    (x0, $marker_y),
                                    ("sans-serif", 14)
                                        .into_font()
                                        .transform(FontTransform::Rotate270)
                                        .color(&c),
                                )])
                                .map_err(|e| e.to_string())?;
                        }
                    }
                }
                legend(chart, SeriesLabelPosition::UpperRight)
            }};
        }
        if b.log {
            let mut chart = builder(root)
                .build_cartesian_2d(x_range, (lo..hi).log_scale())
                .map_err(|e| e.to_string())?;
            body!(chart, lo, lo * 1.2)
        } else {
            let mut chart = builder(root)
                .build_cartesian_2d(x_range, lo..hi)
                .map_err(|e| e.to_string())?;
            body!(chart, 0.0, hi * 0.02)
        }
    })
}

/// Memory per waiting greet, KiB, for the models that keep one thread, task or process per
/// job ([`Shape::PerJob`]), at each N the sweep ran at its longest latency, with the OS limit
/// named where one stopped a size.
pub fn memory_per_greet(results: &Results) -> Result<Option<Chart>, String> {
    let waiting = results.waiting_runs();
    let models = results.pick(waiting.iter().map(|e| e.request().model.clone()), |m| {
        m.shape == Shape::PerJob
    });
    let runs: Vec<&RunResult> = waiting
        .into_iter()
        .filter(|e| models.contains(&e.request().model))
        .collect();
    let mut sizes: Vec<usize> = runs.iter().map(|e| e.request().count).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let Some(first) = runs.first() else {
        return Ok(None);
    };
    let find = |m: &str, n: usize| {
        runs.iter()
            .copied()
            .find(|e| e.request().model == m && e.request().count == n)
    };
    let per = |m: &str, n: usize| Results::ok_record(find(m, n)).map(|r| r.kib_per_job());
    let series: Vec<String> = sizes.iter().map(|n| format!("N = {n}")).collect();
    let groups = models
        .iter()
        .map(|m| {
            let vals = sizes
                .iter()
                .enumerate()
                .map(|(s, n)| match find(m, *n) {
                    Some(e) => match per(m, *n) {
                        Some(kib) => (s, Some(kib), None),
                        None => (s, None, Some(stopped_by(e))),
                    },
                    None => (s, None, Some(NOT_RUN.into())),
                })
                .collect();
            (m.clone(), vals)
        })
        .collect();
    let title = format!(
        "Memory per waiting greet (RSS growth ÷ N), greet at {}",
        human_latency(first.request().hosts.latency)
    );
    let svg = draw_bars(&Bars {
        title: &title,
        x_desc: "model",
        y_desc: "KiB of resident memory per waiting greet",
        log: false,
        series,
        groups,
    })?;
    // Threads against the async models, at the largest N where the threads model and at
    // least one async model completed.
    let threads = results.per_job_threads();
    let asyncs = results.async_models();
    let compared = threads.and_then(|t| {
        sizes.iter().rev().find_map(|&n| {
            let tm = per(&t.name, n)?;
            let tasks: Vec<(&str, f64)> = asyncs
                .iter()
                .filter_map(|a| Some((a.name.as_str(), per(&a.name, n)?)))
                .collect();
            (!tasks.is_empty()).then_some((t.name.as_str(), n, tm, tasks))
        })
    });
    let mut caption = match compared {
        Some((t, n, tm, tasks)) => format!(
            "Notice the {t} bars: each waiting thread keeps a stack and a kernel task, each \
             waiting task only its state. At N = {n}, a waiting thread cost {} KiB; a waiting \
             task cost {}.",
            sig3(tm),
            tasks
                .iter()
                .map(|(m, k)| format!(
                    "{} KiB on {m} ({})",
                    sig3(*k),
                    if *k > 0.0 {
                        format!("{}× less", sig3(tm / k))
                    } else {
                        "no measurable growth".into()
                    }
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => {
            "Notice the bars of the thread-per-job model against the async models' bars.".into()
        }
    };
    let stopped: Vec<String> = runs
        .iter()
        .filter(|e| e.status() != Status::Ok)
        .map(|e| {
            let q = e.request();
            match e.record() {
                Some(r) => format!(
                    "{} at N = {} ({}: {} of {} greets ok)",
                    q.model,
                    q.count,
                    stopped_by(e),
                    r.ok,
                    q.count
                ),
                None => format!(
                    "{} at N = {} ({}: no figures)",
                    q.model,
                    q.count,
                    stopped_by(e)
                ),
            }
        })
        .collect();
    if stopped.is_empty() {
        caption += " No size was stopped by an OS limit.";
    } else {
        caption += &format!(
            " A red ✕ names what stopped a size: {}.",
            stopped.join("; ")
        );
    }
    let undescribed: Vec<&str> = models
        .iter()
        .filter(|m| results.model(m).is_none())
        .map(String::as_str)
        .collect();
    if !undescribed.is_empty() {
        caption += &format!(
            " {} {} no description in these results, so {} shown last.",
            undescribed.join(", "),
            if undescribed.len() == 1 {
                "has"
            } else {
                "have"
            },
            if undescribed.len() == 1 {
                "it is"
            } else {
                "they are"
            },
        );
    }
    Ok(Some(Chart {
        id: "memory".into(),
        title,
        svg,
        caption,
    }))
}

/// The cost of starting one unit of concurrency (criterion group `spawn`), as bars on a log
/// axis.
pub fn spawn_cost(results: &Results) -> Result<Option<Chart>, String> {
    let costs = results.spawn_costs();
    if costs.is_empty() {
        return Ok(None);
    }
    let title = "Spawn cost: start one unit of concurrency and wait for it";
    let svg = draw_bars(&Bars {
        title,
        x_desc: "what is started",
        y_desc: "median time per spawn + wait, µs (log)",
        log: true,
        series: vec!["median per spawn".into()],
        groups: costs
            .iter()
            .map(|(k, ns)| (k.clone(), vec![(0, Some(ns / 1e3), None)]))
            .collect(),
    })?;
    let cheapest = costs.iter().min_by(|a, b| a.1.total_cmp(&b.1));
    let dearest = costs.iter().max_by(|a, b| a.1.total_cmp(&b.1));
    let caption = match (cheapest, dearest) {
        (Some(c), Some(d)) => format!(
            "Notice the log axis: each gridline is ten times the last. The cheapest start here is \
             {} ({}), the dearest {} ({}), {}× as much.",
            c.0,
            human_ns(c.1),
            d.0,
            human_ns(d.1),
            sig3(d.1 / c.1)
        ),
        _ => "Notice the log axis.".into(),
    };
    Ok(Some(Chart {
        id: SPAWN.into(),
        title: title.into(),
        svg,
        caption,
    }))
}

/// Shared state: time per update for each method at each thread count (group
/// `shared_state`).
pub fn shared_state(results: &Results) -> Result<Option<Chart>, String> {
    let group = SHARED_STATE;
    let methods = results.functions(group);
    if methods.is_empty() {
        return Ok(None);
    }
    let threads = results.sizes(group);
    let per_update = |e: &crate::results::Estimate| {
        e.median_ns / e.elements.filter(|n| *n > 0).unwrap_or(1) as f64
    };
    let unit = if results.group(group).all(|e| e.elements.is_some()) {
        "ns per counter update (log)"
    } else {
        "ns per batch (log)"
    };
    let series: Vec<String> = threads.iter().map(|t| format!("{t} threads")).collect();
    let groups = methods
        .iter()
        .map(|m| {
            let vals = threads
                .iter()
                .enumerate()
                .map(|(s, t)| (s, results.estimate(group, m, *t).map(per_update), None))
                .collect();
            (m.clone(), vals)
        })
        .collect();
    let title = "Shared state: one counter, updated from several threads";
    let svg = draw_bars(&Bars {
        title,
        x_desc: "how the threads share the counter",
        y_desc: unit,
        log: true,
        series,
        groups,
    })?;
    let top = threads.last().copied().unwrap_or(1);
    let at_top: Vec<(String, f64)> = methods
        .iter()
        .filter_map(|m| {
            results
                .estimate(group, m, top)
                .map(|e| (m.clone(), per_update(e)))
        })
        .collect();
    let caption = match (
        at_top.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
        at_top.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        (Some(c), Some(d)) => format!(
            "Notice how contention costs: with {top} threads, {} took {} per update and {} {}, \
             {}× as much. Sharing nothing until the end avoids the lock entirely.",
            c.0,
            human_ns(c.1),
            d.0,
            human_ns(d.1),
            sig3(d.1 / c.1)
        ),
        _ => "Notice how contention costs.".into(),
    };
    Ok(Some(Chart {
        id: "shared_state".into(),
        title: title.into(),
        svg,
        caption,
    }))
}

/// Every chart the data allows, in page order; a chart that failed to draw is left out with a
/// warning.
pub fn all(results: &Results) -> Vec<(String, Option<Chart>)> {
    let mut out = Vec::new();
    let mut push = |key: String, c: Result<Option<Chart>, String>| {
        let chart = c
            .map_err(|e| crate::warn(&format!("warning: chart {key} not drawn: {e}")))
            .ok()
            .flatten();
        out.push((key, chart));
    };
    let io = results.io_groups();
    if io.is_empty() {
        // The io charts' place on the page, saying how to measure them.
        push(crate::results::IO_PREFIX.into(), Ok(None));
    }
    for g in io {
        let what = Results::io_latency(&g).map_or_else(
            || "greet".into(),
            |l| format!("greet at L = {}", human_latency(l)),
        );
        let c = time_vs_n(results, &g, &what);
        push(g, c);
    }
    push("cpu_speedup".into(), cpu_speedup(results));
    for g in [CPU_ONE_WORKER, CPU_ALL_CORES] {
        let c = time_vs_n(results, g, "crunch");
        push(g.into(), c);
    }
    push(MIXED.into(), time_vs_n(results, MIXED, "greet then crunch"));
    push("memory".into(), memory_per_greet(results));
    push(SPAWN.into(), spawn_cost(results));
    push(SHARED_STATE.into(), shared_state(results));
    out
}

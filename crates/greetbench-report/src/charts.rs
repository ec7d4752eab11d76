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

use greet_core::record::{RunRecord, RunResult, Status};
use greet_core::{Lang, Shape};

use crate::Results;
use crate::results::{CPU_ALL_CORES, CPU_ONE_WORKER, MIXED, SHARED_STATE, SPAWN, Spread};

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

pub(crate) const WIDTH: u32 = 760;
pub(crate) const HEIGHT: u32 = 420;

/// A fixed colour per model: its place in [`Results::model_names`] (the registry's order, then
/// undescribed models), so a model keeps its colour in every chart; any other name by hash.
pub fn colour(results: &Results, name: &str) -> RGBColor {
    // Enough for every model greetbench has (twelve Rust, six Python) to keep its own.
    const COLOURS: [RGBColor; 18] = [
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
        RGBColor(0, 0, 0),
        RGBColor(0, 128, 128),
        RGBColor(128, 0, 0),
        RGBColor(0, 0, 128),
        RGBColor(218, 165, 32),
        RGBColor(128, 128, 0),
        RGBColor(199, 21, 133),
        RGBColor(70, 130, 180),
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
    if run.unavailable().is_some() {
        return NOT_AVAILABLE.into();
    }
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
pub(crate) fn draw_svg(
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    draw_svg_sized(HEIGHT, f)
}

/// [`draw_svg`], `height` pixels high.
pub(crate) fn draw_svg_sized(
    height: u32,
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
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
pub(crate) fn sig3(v: f64) -> String {
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
pub(crate) fn log_bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| on_log_axis(*v))
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    (lo <= hi).then(|| (lo / 2.0, hi * 2.0))
}

/// One series of a line chart: the line, a dot at each point, and its legend entry.
pub(crate) fn line_with_points<'a, DB, X, Y>(
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
pub(crate) fn legend<'a, DB, X, Y>(
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
    cpu_speedup_titled(results, "", "cpu_speedup")
}

/// [`cpu_speedup`] with `prefix` before its title and `id` as its anchor.
fn cpu_speedup_titled(results: &Results, prefix: &str, id: &str) -> Result<Option<Chart>, String> {
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
    let title =
        format!("{prefix}CPU-bound crunch: speedup over sequential vs workers ({cores} cores)");
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
        id: id.into(),
        title,
        svg,
        caption,
    }))
}

/// The marker of a size that was not swept for a model.
const NOT_RUN: &str = "not run";

/// The marker of a model that could not run on the machine that ran the sweep: its runtime is
/// not installed, or the kernel refuses what it needs (io_uring).
pub const NOT_AVAILABLE: &str = "not available here";

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
    // Threads against the async models of the same language, at the largest N where the
    // threads model and at least one async model completed. (Python's pair has a sentence of
    // its own, below.)
    let threads = results.per_job_threads();
    let same_lang = |a: &&greet_core::Description| threads.is_some_and(|t| t.lang == a.lang);
    let asyncs: Vec<_> = results
        .async_models()
        .into_iter()
        .filter(same_lang)
        .collect();
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
    if let Some(py) = other_lang_memory(results, threads.map(|t| t.lang)) {
        caption += &py;
    }
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

/// The memory chart's sentence for the other language: its waiting thread against its
/// waiting task, at the largest N where both completed. `None` without one of each.
fn other_lang_memory(results: &Results, first: Option<Lang>) -> Option<String> {
    let lang = [Lang::Rust, Lang::Python]
        .into_iter()
        .find(|l| Some(*l) != first && results.has_lang(*l))?;
    let view = results.for_lang(lang);
    let (n, thread, task) = waiting_pair(&view)?;
    Some(format!(
        " In {}: a waiting thread ({}) cost {} KiB, a waiting task ({}) {} KiB, at N = {n}.",
        lang_name(lang),
        thread.0,
        sig3(thread.1),
        task.0,
        sig3(task.1)
    ))
}

/// In `view`, the thread-per-job model and the first async model, each with its KiB per
/// waiting greet, at the largest N where both completed.
type Waiting = (usize, (String, f64), (String, f64));

fn waiting_pair(view: &Results) -> Option<Waiting> {
    let t = view.per_job_threads()?;
    let asyncs = view.async_models();
    let per =
        |m: &str, n: usize| {
            Results::ok_record(view.sweep_waiting(m, n).filter(|e| {
                Some(e.request().hosts.latency) == view.sweep_latencies().last().copied()
            }))
            .filter(|k| Results::all_waited(k))
            .map(RunRecord::kib_per_job)
        };
    let mut sizes: Vec<usize> = view
        .waiting_runs()
        .iter()
        .map(|e| e.request().count)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.iter().rev().find_map(|&n| {
        let tk = per(&t.name, n)?;
        let (a, ak) = asyncs
            .iter()
            .find_map(|a| Some((a.name.clone(), per(&a.name, n)?)))?;
        Some((n, (t.name.clone(), tk), (a, ak)))
    })
}

/// A language's name in the page's words.
pub fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "Rust",
        Lang::Python => "Python",
    }
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

// --- Rust beside Python --------------------------------------------------------------------

/// The colour of each language's bars: Rust's rust, Python's blue.
const LANG_COLOURS: [RGBColor; 2] = [RGBColor(206, 66, 43), RGBColor(55, 118, 171)];

/// The languages, in the order of [`LANG_COLOURS`] and of every legend.
const LANGS: [Lang; 2] = [Lang::Rust, Lang::Python];

fn lang_index(lang: Lang) -> usize {
    LANGS.iter().position(|l| *l == lang).unwrap_or(0)
}

/// One bar of a horizontal bar chart: its label, its language, its value with the spread of
/// its repeats, or the marker that says why it has no bar.
struct HBar {
    label: String,
    lang: Lang,
    value: Option<f64>,
    spread: Option<(f64, f64)>,
    marker: Option<String>,
}

impl HBar {
    /// A bar for `label` from the spread of its repeats, or `marker` when there is none.
    fn of(label: String, lang: Lang, spread: Option<Spread>, marker: Option<String>) -> HBar {
        HBar {
            label,
            lang,
            value: spread.map(|s| s.median),
            spread: spread.filter(|s| s.n > 1).map(|s| (s.min, s.max)),
            marker: if spread.is_some() { None } else { marker },
        }
    }
}

/// Horizontal bars, one row each, coloured by language, with a whisker from the fastest to
/// the slowest repeat: the shape of every side-by-side chart.
struct HBars<'a> {
    title: &'a str,
    x_desc: &'a str,
    log: bool,
    rows: Vec<HBar>,
}

fn draw_hbars(b: &HBars<'_>) -> Result<String, String> {
    let n = b.rows.len();
    let values = b.rows.iter().flat_map(|r| {
        r.value
            .into_iter()
            .chain(r.spread.into_iter().flat_map(|(lo, hi)| [lo, hi]))
    });
    let (lo, hi) = if b.log {
        let (lo, hi) = log_bounds(values).ok_or("no values")?;
        (lo, hi * 4.0)
    } else {
        (0.0, values.fold(0.0, f64::max).max(1e-9) * 1.5)
    };
    let labels: Vec<String> = b.rows.iter().map(|r| r.label.clone()).collect();
    // Row i is drawn from the top: at y = n - 1 - i.
    let fmt_y = |v: &f64| {
        let k = v.floor();
        let i = n as f64 - 1.0 - k;
        if (v - k - 0.5).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    let height = (n as u32 * 26 + 130).max(HEIGHT);
    draw_svg_sized(height, |root| {
        macro_rules! body {
            ($chart:expr, $base:expr, $marker_x:expr) => {{
                let chart = &mut $chart;
                chart
                    .configure_mesh()
                    .label_style(("sans-serif", 14))
                    .axis_desc_style(("sans-serif", 15))
                    .disable_y_mesh()
                    .light_line_style(WHITE)
                    .x_desc(b.x_desc)
                    .y_labels(2 * n + 1)
                    .y_label_formatter(&fmt_y)
                    .x_label_formatter(&|v| sig3(*v))
                    .draw()
                    .map_err(|e| e.to_string())?;
                for (l, lang) in LANGS.iter().enumerate() {
                    let c = LANG_COLOURS[l];
                    let rects: Vec<_> = b
                        .rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.lang == *lang)
                        .filter_map(|(i, r)| Some((n - 1 - i, r.value?)))
                        .map(|(y, v)| {
                            let y = y as f64;
                            Rectangle::new([($base, y + 0.18), (v, y + 0.82)], c.filled())
                        })
                        .collect();
                    chart
                        .draw_series(rects)
                        .map_err(|e| e.to_string())?
                        .label(lang_name(*lang))
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled())
                        });
                }
                for (i, r) in b.rows.iter().enumerate() {
                    let y = (n - 1 - i) as f64 + 0.5;
                    if let Some((lo, hi)) = r.spread {
                        let whisker = [
                            PathElement::new(vec![(lo, y), (hi, y)], BLACK.stroke_width(1)),
                            PathElement::new(vec![(lo, y - 0.2), (lo, y + 0.2)], BLACK),
                            PathElement::new(vec![(hi, y - 0.2), (hi, y + 0.2)], BLACK),
                        ];
                        chart.draw_series(whisker).map_err(|e| e.to_string())?;
                    }
                    if let (None, Some(text)) = (r.value, &r.marker) {
                        chart
                            .draw_series([Text::new(
                                format!("✕ {text}"),
                                ($marker_x, y + 0.3),
                                ("sans-serif", 13).into_font().color(&RGBColor(150, 40, 40)),
                            )])
                            .map_err(|e| e.to_string())?;
                    }
                }
                legend(chart, SeriesLabelPosition::UpperRight)
            }};
        }
        let builder = |root| {
            let mut cb = ChartBuilder::on(root);
            cb.caption(b.title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(170);
            cb
        };
        if b.log {
            let mut chart = builder(root)
                .build_cartesian_2d((lo..hi).log_scale(), 0f64..n as f64)
                .map_err(|e| e.to_string())?;
            body!(chart, lo, lo * 1.1)
        } else {
            let mut chart = builder(root)
                .build_cartesian_2d(lo..hi, 0f64..n as f64)
                .map_err(|e| e.to_string())?;
            body!(chart, 0.0, hi * 0.01)
        }
    })
}

/// `names` in side-by-side order: the Rust models in registry order, each followed by the
/// models of another language with the same family, shape and threading (its counterpart),
/// then any model with no counterpart.
pub fn paired(results: &Results, names: Vec<String>) -> Vec<String> {
    let names = results.in_model_order(names);
    let key = |n: &str| results.model(n).map(|d| (d.family, d.shape, d.one_thread));
    let (rust, others): (Vec<String>, Vec<String>) = names
        .into_iter()
        .partition(|n| results.lang_of(n) == Lang::Rust);
    let mut placed = vec![false; others.len()];
    let mut out = Vec::new();
    for r in rust {
        let k = key(&r);
        out.push(r);
        for (i, o) in others.iter().enumerate() {
            if !placed[i] && k.is_some() && key(o) == k {
                out.push(o.clone());
                placed[i] = true;
            }
        }
    }
    out.extend(
        others
            .into_iter()
            .zip(placed)
            .filter(|(_, p)| !p)
            .map(|(o, _)| o),
    );
    out
}

/// The greet points the side-by-side chart compares: the sweep's shortest latency, at the
/// largest N both languages greeted there.
pub fn lang_greet_point(results: &Results) -> Option<(usize, Duration)> {
    let latency = *results.sweep_latencies().first()?;
    let counts = |lang: Lang| -> Vec<usize> {
        results
            .runs()
            .map(RunResult::request)
            .filter(|q| q.workload == greet_core::Workload::Greet && q.hosts.latency == latency)
            .filter(|q| results.lang_of(&q.model) == lang)
            .map(|q| q.count)
            .collect()
    };
    let (rust, python) = (counts(Lang::Rust), counts(Lang::Python));
    let n = rust.iter().filter(|n| python.contains(n)).max()?;
    Some((*n, latency))
}

/// The spread of the ok repeats' wall times, s, and what stopped the first run if none was ok.
fn wall_spread(runs: &[&RunResult]) -> (Option<Spread>, Option<String>) {
    let walls = runs
        .iter()
        .filter_map(|e| Results::ok_record(Some(e)))
        .map(|k| k.wall_s);
    (Spread::of(walls), runs.first().map(|e| stopped_by(e)))
}

/// Greet at N = 1,000 (the sweep's I/O points), every model, Rust beside Python: the median
/// of each model's fresh-child runs, with the fastest and slowest.
pub fn lang_greet(results: &Results) -> Result<Option<Chart>, String> {
    let Some((n, latency)) = lang_greet_point(results) else {
        return Ok(None);
    };
    let names: Vec<String> = results
        .runs()
        .map(|e| e.request())
        .filter(|q| q.workload == greet_core::Workload::Greet)
        .filter(|q| q.count == n && q.hosts.latency == latency)
        .map(|q| q.model.clone())
        .collect();
    let mut best: [Option<(String, Spread)>; 2] = [None, None];
    let rows: Vec<HBar> = paired(results, names)
        .into_iter()
        .map(|m| {
            let runs = results.greet_repeats(&m, n, latency);
            let (spread, marker) = wall_spread(&runs);
            let lang = results.lang_of(&m);
            let slot = &mut best[lang_index(lang)];
            if let Some(s) = spread
                && slot.as_ref().is_none_or(|(_, b)| s.median < b.median)
            {
                *slot = Some((m.clone(), s));
            }
            HBar::of(m, lang, spread, marker)
        })
        .collect();
    let title = format!(
        "Greet, N = {n} at L = {}: Rust beside Python (median of fresh-child runs)",
        human_latency(latency)
    );
    let svg = draw_hbars(&HBars {
        title: &title,
        x_desc: "wall time of the batch, s (log); whiskers: fastest to slowest run",
        log: true,
        rows,
    })?;
    let mut caption = "Notice that each Python model sits beside the Rust model of the same \
        shape: the same kind of waiting pays the same floor, in either language."
        .to_string();
    if let [Some((r, rs)), Some((p, ps))] = &best {
        caption += &format!(
            " The fastest Rust model here, {r}, took {} (median of {}); the fastest Python \
             model, {p}, {} (median of {}): {}× as long.",
            human_ns(rs.median * 1e9),
            rs.n,
            human_ns(ps.median * 1e9),
            ps.n,
            sig3(ps.median / rs.median.max(1e-12))
        );
    }
    Ok(Some(Chart {
        id: "lang_greet".into(),
        title,
        svg,
        caption,
    }))
}

/// Each model's crunch point with every core: `(workers as requested, N)`. A pool measured
/// with one worker and with every core is shown with every core.
pub fn crunch_point(results: &Results, model: &str) -> Option<(usize, usize)> {
    results
        .runs()
        .map(RunResult::request)
        .filter(|q| q.model == model && q.workload == greet_core::Workload::Crunch)
        .map(|q| (q.workers.unwrap_or(0), q.count))
        .max_by_key(|(w, _)| if *w == 0 { usize::MAX } else { *w })
}

/// CPU time (user + system) per crunch job of `model`, µs, start-up excluded: the spread over
/// its repeats at its [`crunch_point`], and the work per job.
pub fn cpu_per_job(results: &Results, model: &str) -> Option<(Spread, u32)> {
    let (workers, count) = crunch_point(results, model)?;
    let runs = results.crunch_runs(model, workers, count);
    let work = runs.first()?.request.work?;
    // The jobs' CPU alone: starting an interpreter (or a runtime) is not a crunch job's cost.
    let per_job = runs.iter().map(|k| {
        let jobs = k.cpu_user_s + k.cpu_sys_s - k.start_cpu_s.unwrap_or(0.0);
        jobs.max(0.0) / k.request.count.max(1) as f64 * 1e6
    });
    Some((Spread::of(per_job)?, work))
}

/// CPU per crunch job, every model, Rust beside Python (log axis).
pub fn lang_cpu(results: &Results) -> Result<Option<Chart>, String> {
    let names: Vec<String> = results
        .runs()
        .map(|e| e.request())
        .filter(|q| q.workload == greet_core::Workload::Crunch)
        .map(|q| q.model.clone())
        .collect();
    if !LANGS
        .iter()
        .all(|l| names.iter().any(|n| results.lang_of(n) == *l))
    {
        return Ok(None);
    }
    let mut work = None;
    let rows: Vec<HBar> = paired(results, names)
        .into_iter()
        .map(|m| {
            let found = cpu_per_job(results, &m);
            work = work.or(found.map(|f| f.1));
            let marker = results
                .runs()
                .find(|e| {
                    e.request().model == m && e.request().workload == greet_core::Workload::Crunch
                })
                .map(stopped_by);
            let lang = results.lang_of(&m);
            HBar::of(m, lang, found.map(|f| f.0), marker)
        })
        .collect();
    let title = format!(
        "CPU per crunch job ({} rounds), Rust beside Python",
        work.unwrap_or_default()
    );
    let svg = draw_hbars(&HBars {
        title: &title,
        x_desc: "CPU time (user + system) per job, start-up excluded, µs (log); whiskers: fastest to slowest run",
        log: true,
        rows,
    })?;
    let mut caption = "Notice the log axis: each gridline is ten times the last. The same \
        kernel, the same work, the same checksum."
        .to_string();
    let base = |lang| {
        let view = results.for_lang(lang);
        let b = view.baseline()?;
        Some((b.name.clone(), cpu_per_job(results, &b.name)?.0))
    };
    if let (Some((r, rs)), Some((p, ps))) = (base(Lang::Rust), base(Lang::Python)) {
        caption += &format!(
            " One job cost {} of CPU on {r} and {} on {p}: {}× as much in the interpreter.",
            human_ns(rs.median * 1e3),
            human_ns(ps.median * 1e3),
            sig3(ps.median / rs.median.max(1e-12))
        );
    }
    Ok(Some(Chart {
        id: "lang_cpu".into(),
        title,
        svg,
        caption,
    }))
}

/// Memory per waiting greet of the models with one thread or task per job, Rust beside
/// Python, at the largest N that both languages' runs completed.
pub fn lang_memory(results: &Results) -> Result<Option<Chart>, String> {
    let waiting = results.waiting_runs();
    let models = results.pick(waiting.iter().map(|e| e.request().model.clone()), |m| {
        m.shape == Shape::PerJob
    });
    // The largest N at which both languages completed runs, and every completed run's greets
    // all waited at once: memory per *waiting* greet is comparable only there.
    let at = |n: usize| -> Vec<&RunRecord> {
        waiting
            .iter()
            .filter(|e| e.request().count == n && models.contains(&e.request().model))
            .filter_map(|e| Results::ok_record(Some(e)))
            .collect()
    };
    let comparable = |n: usize| {
        let runs = at(n);
        LANGS
            .iter()
            .all(|l| runs.iter().any(|k| results.lang_of(&k.request.model) == *l))
            && runs.iter().all(|k| Results::all_waited(k))
    };
    let mut sizes: Vec<usize> = waiting.iter().map(|e| e.request().count).collect();
    sizes.sort_unstable();
    let Some(n) = sizes.into_iter().rev().find(|&n| comparable(n)) else {
        return Ok(None);
    };
    let rows: Vec<HBar> = paired(results, models)
        .into_iter()
        .map(|m| {
            let run = results.sweep_waiting(&m, n);
            let kib = Results::ok_record(run).map(RunRecord::kib_per_job);
            let lang = results.lang_of(&m);
            let spread = kib.and_then(|k| Spread::of([k]));
            HBar::of(
                m,
                lang,
                spread,
                Some(run.map_or(NOT_RUN.into(), stopped_by)),
            )
        })
        .collect();
    let latency = results
        .sweep_latencies()
        .last()
        .copied()
        .unwrap_or_default();
    let title = format!(
        "Memory per waiting greet, N = {n} at L = {}: Rust beside Python",
        human_latency(latency)
    );
    let svg = draw_hbars(&HBars {
        title: &title,
        x_desc: "KiB of resident memory per waiting greet ((peak − baseline) ÷ N)",
        log: false,
        rows,
    })?;
    let mut caption = "Notice the thread bars against the task bars, in each language: a \
        waiting thread keeps a stack and a kernel task, a waiting task only its state."
        .to_string();
    let late: Vec<String> = waiting
        .iter()
        .filter_map(|e| Results::ok_record(Some(e)))
        .filter(|k| k.request.count > n && !Results::all_waited(k))
        .map(|k| format!("{} at N = {}", k.request.model, k.request.count))
        .collect();
    if !late.is_empty() {
        caption += &format!(
            " Larger N is not shown: these runs were still starting greets when the first \
             replies came, so their greets never all waited at once: {}.",
            late.join(", ")
        );
    }
    for lang in LANGS {
        if let Some((n, (t, tk), (a, ak))) = waiting_pair(&results.for_lang(lang)) {
            caption += &format!(
                " {}: a waiting thread ({t}) {} KiB, a waiting task ({a}) {} KiB, at N = {n}.",
                lang_name(lang),
                sig3(tk),
                sig3(ak)
            );
        }
    }
    Ok(Some(Chart {
        id: "lang_memory".into(),
        title,
        svg,
        caption,
    }))
}

/// Spawn costs, Rust's (criterion's `spawn` group) beside Python's (`spawn_cost.py`), each
/// kind's two rows together.
pub fn lang_spawn(results: &Results) -> Result<Option<Chart>, String> {
    let Some(py) = results.sweep.as_ref().and_then(|s| s.python.as_ref()) else {
        return Ok(None);
    };
    let rust = results.for_lang(Lang::Rust);
    let rust_costs = rust.spawn_costs();
    let interval = |kind: &str| {
        let e = rust
            .group(SPAWN)
            .filter(|e| e.function == kind)
            .min_by_key(|e| e.size.unwrap_or(1))?;
        let size = e.size.unwrap_or(1).max(1) as f64;
        Some((e.median_lo_ns / size / 1e3, e.median_hi_ns / size / 1e3))
    };
    let mut kinds: Vec<String> = rust_costs.iter().map(|(k, _)| k.clone()).collect();
    for c in &py.spawn {
        if !kinds.contains(&c.kind) {
            kinds.push(c.kind.clone());
        }
    }
    let mut rows = Vec::new();
    for k in &kinds {
        if let Some((_, ns)) = rust_costs.iter().find(|(r, _)| r == k) {
            rows.push(HBar {
                label: format!("{k} (Rust)"),
                lang: Lang::Rust,
                value: Some(ns / 1e3),
                spread: interval(k),
                marker: None,
            });
        }
        if let Some(c) = py.spawn.iter().find(|c| &c.kind == k) {
            rows.push(HBar {
                label: format!("{k} (Python)"),
                lang: Lang::Python,
                value: Some(c.median_ns / 1e3),
                spread: Some((c.min_ns / 1e3, c.max_ns / 1e3)),
                marker: None,
            });
        }
    }
    let title = "Spawn cost: start one unit of concurrency and wait for it, Rust beside Python";
    let svg = draw_hbars(&HBars {
        title,
        x_desc: "time per start + wait, µs (log); whiskers: Rust's 95% interval, Python's fastest to slowest",
        log: true,
        rows,
    })?;
    let mut caption = format!(
        "Notice the log axis. This Python ({}) starts its multiprocessing workers with {} by \
         default (Linux's default was fork up to Python 3.13 and is forkserver from 3.14).",
        py.python, py.default_start_method
    );
    let pair = |k: &str| {
        let r = rust_costs.iter().find(|(r, _)| r == k)?.1;
        let p = py.spawn.iter().find(|c| c.kind == k)?.median_ns;
        Some((r, p))
    };
    for k in kinds.iter().filter_map(|k| Some((k, pair(k)?))) {
        let (kind, (r, p)) = k;
        caption += &format!(
            " A {kind}: {} in Rust, {} in Python.",
            human_ns(r),
            human_ns(p)
        );
    }
    Ok(Some(Chart {
        id: "lang_spawn".into(),
        title: title.into(),
        svg,
        caption,
    }))
}

/// The side-by-side charts, Rust beside Python, in page order; empty when the results
/// describe no Python model. A chart that failed to draw is left out with a warning.
pub fn side_by_side(results: &Results) -> Vec<(String, Option<Chart>)> {
    if !results.has_lang(Lang::Python) {
        return Vec::new();
    }
    let speedup = |lang: Lang, id: &str| {
        let prefix = format!("{}: ", lang_name(lang));
        cpu_speedup_titled(&results.for_lang(lang), &prefix, id)
    };
    let drawn = [
        ("lang_greet", lang_greet(results)),
        (
            "lang_speedup_rust",
            speedup(Lang::Rust, "lang_speedup_rust"),
        ),
        (
            "lang_speedup_python",
            speedup(Lang::Python, "lang_speedup_python"),
        ),
        ("lang_cpu", lang_cpu(results)),
        ("lang_memory", lang_memory(results)),
        ("lang_spawn", lang_spawn(results)),
    ];
    drawn
        .into_iter()
        .map(|(key, c)| {
            let chart = c
                .map_err(|e| eprintln!("warning: chart {key} not drawn: {e}"))
                .ok()
                .flatten();
            (key.to_string(), chart)
        })
        .collect()
}

//! "To the OS limits": the scale sweep in the report. Each model held N greets waiting at once,
//! from 1,000 up to the limit that stopped it ([`crate::results::Sweep::scale`]); each point
//! records memory per waiting greet in user space and in the kernel (slab, kernel stacks, page
//! tables, TCP buffers), and a point that stopped names the OS limit. This module reads those
//! points, draws memory per waiting greet against N with each model's stopping point marked
//! and named, lists the largest N each model held, and checks the course's claim that async
//! handles thousands of connections where threads get expensive.
//!
//! A point is **held** when every greet ended ok (`ok == count`) and all of them waited at once
//! (the record's `scale.peak_waiting >= count`), the sweep's own rule (`held_all` in the
//! greetbench crate). A model's **stop** is the smallest N above its largest held N that was
//! not held: an OS limit (from the failure's `limit`, or from the record's errors by kind), a
//! model that is not available here, greets that did not all wait at once, or a plain failure. A model with no such point was not stopped: the sweep went no further.

use std::fmt::Write as _;

use greet_core::record::{RunRecord, RunResult, ScaleFigures, Status};
use greet_core::{Description, OsLimit};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::Results;
use crate::charts::{
    Chart, colour, draw_svg_sized, legend, log_bounds, on_linear_axis, on_log_axis, sig3,
};
use crate::html::{escape, verdict_class};
use crate::verdicts::{Claim, Verdict};

/// What "thousands" means in the claim.
pub const THOUSANDS: usize = 1_000;
/// How many times a waiting thread must cost a waiting task for threads to "get expensive".
pub const EXPENSIVE: f64 = 2.0;

/// Why a model stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// An OS limit stopped it.
    Limit(OsLimit),
    /// The model cannot run here (its runtime, or the kernel feature it needs, is missing).
    Unavailable(String),
    /// Every greet ended ok, but fewer than N waited at once (the server's own count).
    NotAllWaited {
        /// The most greets that waited together.
        waited: u64,
        /// N, the greets the point ran.
        count: usize,
    },
    /// It failed otherwise.
    Failed(String),
}

impl Stop {
    /// In a few words, for the chart and the table.
    pub fn label(&self) -> String {
        match self {
            Stop::Limit(l) => l.label().to_string(),
            Stop::Unavailable(_) => "not available here".into(),
            Stop::NotAllWaited { waited, count } => {
                format!("not all waited at once ({waited} of {count})")
            }
            Stop::Failed(_) => "failed".into(),
        }
    }

    /// In a sentence's words, with the reason where there is one.
    pub fn words(&self) -> String {
        match self {
            Stop::Limit(l) => format!("the {} limit", l.label()),
            Stop::Unavailable(why) => format!("not available here ({why})"),
            Stop::NotAllWaited { waited, count } => {
                format!("greets not all waiting at once ({waited} of {count} together)")
            }
            Stop::Failed(why) => format!("a failure ({why})"),
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
    /// Its memory and CPU per waiting greet, if the record has them.
    pub figures: Option<&'a ScaleFigures>,
}

/// One model's scale points.
#[derive(Debug, Clone)]
pub struct ScaleModel<'a> {
    /// The model.
    pub model: String,
    /// The points held (`ok == count` and `peak_waiting >= count`), smallest N first.
    pub held: Vec<Held<'a>>,
    /// Where and why it stopped, if it did.
    pub stop: Option<(usize, Stop)>,
}

impl<'a> ScaleModel<'a> {
    /// The largest N held.
    pub fn largest(&self) -> Option<Held<'a>> {
        self.held.last().copied()
    }

    /// The largest N held that has memory figures.
    pub fn largest_measured(&self) -> Option<(usize, &'a ScaleFigures)> {
        self.held.iter().rev().find_map(|h| Some((h.n, h.figures?)))
    }

    /// Its figures at N, if it held N with figures.
    pub fn at(&self, n: usize) -> Option<&'a ScaleFigures> {
        self.held.iter().find(|h| h.n == n).and_then(|h| h.figures)
    }

    /// The limit that stopped it, if an OS limit did.
    pub fn limit(&self) -> Option<OsLimit> {
        match self.stop {
            Some((_, Stop::Limit(l))) => Some(l),
            _ => None,
        }
    }

    /// "held up to N = 16000, stopped at N = 17000 by the threads limit".
    pub fn reach(&self) -> String {
        let held = self.largest().map_or("held no size".to_string(), |h| {
            format!("held up to N = {}", h.n)
        });
        match &self.stop {
            Some((n, stop)) => format!("{held} and stopped at N = {n} by {}", stop.words()),
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
    match run.status() {
        Status::Ok => run.record().and_then(|k| {
            let count = k.request.count;
            if k.ok != count {
                return Some(Stop::Failed(format!("{} of {count} greets ok", k.ok)));
            }
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

/// The scale sweep, one entry per model, in model order.
pub fn models(results: &Results) -> Vec<ScaleModel<'_>> {
    let runs: Vec<&RunResult> = results.sweep.iter().flat_map(|s| &s.scale).collect();
    let names = results.in_model_order(runs.iter().map(|e| e.request().model.clone()));
    names
        .into_iter()
        .map(|model| {
            let mut mine: Vec<&RunResult> = runs
                .iter()
                .copied()
                .filter(|e| e.request().model == model)
                .collect();
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
            ScaleModel { model, held, stop }
        })
        .collect()
}

/// Whether these results hold a scale sweep.
pub fn measured(results: &Results) -> bool {
    results.sweep.as_ref().is_some_and(|s| !s.scale.is_empty())
}

/// One panel of the scale chart: KiB per waiting greet against N (log), one line per model.
struct Panel<'a> {
    title: &'a str,
    y_desc: &'a str,
    value: fn(&ScaleFigures) -> f64,
    marks: bool,
}

fn draw_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    results: &Results,
    models: &[ScaleModel<'_>],
    (x_lo, x_hi): (f64, f64),
    p: &Panel<'_>,
) -> Result<(), String> {
    let series: Vec<(&str, Vec<(f64, f64)>)> = models
        .iter()
        .map(|m| {
            let pts = m
                .held
                .iter()
                .filter_map(|h| Some((h.n as f64, (p.value)(h.figures?))))
                .filter(|&(x, y)| on_log_axis(x) && on_linear_axis(y))
                .collect();
            (m.model.as_str(), pts)
        })
        .collect();
    let y_hi = series
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|q| q.1))
        .fold(0.0, f64::max)
        .max(1e-3)
        * 1.3;
    let mut chart = ChartBuilder::on(area)
        .caption(p.title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((x_lo..x_hi).log_scale(), 0f64..y_hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(WHITE)
        .x_desc("N, greets waiting at once (log)")
        .y_desc(p.y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| sig3(*v))
        .draw()
        .map_err(|e| e.to_string())?;
    for (model, pts) in &series {
        if pts.is_empty() {
            continue;
        }
        let c = colour(results, model);
        let drawn = chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        if p.marks {
            drawn.label(*model).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
            });
        }
        chart
            .draw_series(pts.iter().map(|&q| Circle::new(q, 3, c.filled())))
            .map_err(|e| e.to_string())?;
    }
    if !p.marks {
        return Ok(());
    }
    // Each stop: an × at the N that was not held, level with the model's last point, and
    // the limit's name beside it. A model that is not available here has no point and no ×:
    // the table names it.
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for m in models {
        let Some((n, stop)) = &m.stop else {
            continue;
        };
        if matches!(stop, Stop::Unavailable(_)) {
            continue;
        }
        let x = *n as f64;
        if !(x_lo..=x_hi).contains(&x) {
            continue;
        }
        let y = m
            .largest_measured()
            .map(|(_, f)| (p.value)(f))
            .filter(|v| on_linear_axis(*v))
            .unwrap_or(y_hi * 0.05);
        let c = colour(results, &m.model);
        // Stops at (about) the same N stack their labels upwards instead of overprinting.
        let below = placed
            .iter()
            .filter(|(px, py)| (px / x).ln().abs() < 0.3 && (py - y).abs() < y_hi * 0.08)
            .count();
        placed.push((x, y));
        let dy = -6 - 16 * i32::try_from(below).unwrap_or(0);
        let right = x > (x_lo * x_hi).sqrt();
        let anchor = if right { HPos::Right } else { HPos::Left };
        let dx = if right { -8 } else { 8 };
        let text = format!("{}: {}", m.model, stop.label());
        let font = ("sans-serif", 13)
            .into_font()
            .color(&RGBColor(180, 0, 0))
            .pos(Pos::new(anchor, VPos::Bottom));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, y))
                    + Cross::new((0, 0), 7, c.stroke_width(3))
                    + Text::new(text, (dx, dy), font),
            ))
            .map_err(|e| e.to_string())?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Memory per waiting greet against N, up to each model's limit: the total (user + kernel)
/// on top with each stop marked × and named, user space and kernel below it.
pub fn scale_chart(results: &Results) -> Result<Option<Chart>, String> {
    let models = models(results);
    let xs = models.iter().flat_map(|m| {
        m.held
            .iter()
            .filter(|h| h.figures.is_some())
            .map(|h| h.n as f64)
            .chain(
                m.stop
                    .as_ref()
                    .filter(|s| !matches!(s.1, Stop::Unavailable(_)))
                    .map(|s| s.0 as f64),
            )
    });
    let Some((x_lo, x_hi)) = log_bounds(xs) else {
        return Ok(None);
    };
    if !models.iter().any(|m| m.largest_measured().is_some()) {
        return Ok(None);
    }
    let (x_lo, x_hi) = (x_lo.max(0.5) * 1.4, x_hi / 1.4);
    let title = "Memory per waiting greet against N, up to each model's limit";
    let svg = draw_svg_sized(820, |root| {
        let root = root
            .titled(title, ("sans-serif", 18))
            .map_err(|e| e.to_string())?;
        let (top, bottom) = root.split_vertically(440);
        let (user, kernel) = bottom.split_horizontally(crate::charts::WIDTH / 2);
        draw_panel(
            &top,
            results,
            &models,
            (x_lo, x_hi),
            &Panel {
                title: "total (user + kernel); × marks where a model stopped",
                y_desc: "KiB per waiting greet",
                value: |f| f.total_kib_per_greet,
                marks: true,
            },
        )?;
        draw_panel(
            &user,
            results,
            &models,
            (x_lo, x_hi),
            &Panel {
                title: "user space (PSS across processes)",
                y_desc: "KiB per waiting greet",
                value: |f| f.user_kib_per_greet,
                marks: false,
            },
        )?;
        draw_panel(
            &kernel,
            results,
            &models,
            (x_lo, x_hi),
            &Panel {
                title: "kernel (slab, stacks, page tables, TCP)",
                y_desc: "KiB per waiting greet",
                value: |f| f.kernel_kib_per_greet,
                marks: false,
            },
        )
    })?;
    let stops: Vec<String> = models
        .iter()
        .filter_map(|m| {
            let (n, stop) = m.stop.as_ref()?;
            (!matches!(stop, Stop::Unavailable(_)))
                .then(|| format!("{} at N = {n} ({})", m.model, stop.label()))
        })
        .collect();
    let absent: Vec<&str> = models
        .iter()
        .filter(|m| matches!(m.stop, Some((_, Stop::Unavailable(_)))))
        .map(|m| m.model.as_str())
        .collect();
    let mut caption = "Notice how far each line goes before its ×, and how high it sits: a \
        waiting thread keeps a user stack and a 16 KiB kernel stack, a waiting task only its \
        state, and every waiting socket keeps kernel buffers whatever the model."
        .to_string();
    if stops.is_empty() {
        caption += " No model was stopped: the sweep went no further.";
    } else {
        let _ = write!(caption, " Stopped: {}.", stops.join("; "));
    }
    if !absent.is_empty() {
        let _ = write!(
            caption,
            " Not available here, so not drawn: {}.",
            absent.join(", ")
        );
    }
    Ok(Some(Chart {
        id: "scale".into(),
        title: title.into(),
        svg,
        caption,
    }))
}

/// "12.3" KiB, or "-".
fn kib(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or("-".into(), |v| format!("{} KiB", sig3(v)))
}

/// The "To the OS limits" section: the chart, the largest-N table and the claim's verdict.
pub fn section(h: &mut String, results: &Results) {
    h.push_str("<h2 id=\"scale\">To the OS limits: memory per waiting greet against N</h2>\n");
    let claim = thousands_claim(results, THOUSANDS_CLAIM);
    if !measured(results) {
        let _ = writeln!(
            h,
            "<p class=\"none\">Not measured in this run: these results hold no scale sweep \
             (run <code>greetbench sweep --scale</code>).</p>\n<p>{}: <b>{}</b>.</p>",
            escape(claim.claim),
            claim.verdict.label()
        );
        return;
    }
    let models = models(results);
    h.push_str(
        "<p class=\"small\">Each point is one run in a fresh child process with N greets \
         waiting at once (the latency is long enough that all N wait together). User space is \
         the client's growth over its baseline as PSS, summed over the client's processes \
         (shared pages counted once); kernel is the growth of the whole machine's slab, kernel \
         stacks, page tables and TCP buffers (<code>/proc/meminfo</code>, \
         <code>/proc/net/sockstat</code>) at the peak, the look with the most greets waiting, \
         so it includes the server's sockets. Both are divided by N. A size is held when every \
         greet ended ok and all N waited at once (the server's own count); a model's × is the \
         first size above its largest held one that was not, named by what stopped it. A model \
         that is not available here has no × and is named in the table.</p>\n",
    );
    h.push_str("<div class=\"pair\">\n");
    match scale_chart(results) {
        Ok(Some(c)) => {
            let _ = writeln!(
                h,
                "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>",
                escape(&c.id),
                c.svg,
                escape(&c.caption)
            );
        }
        Ok(None) => h.push_str(
            "<p class=\"none\">No point of the scale sweep has memory figures to draw.</p>\n",
        ),
        Err(e) => {
            crate::warn(&format!("warning: chart scale not drawn: {e}"));
            h.push_str("<p class=\"none\">The chart could not be drawn.</p>\n");
        }
    }
    largest_table(h, &models);
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p><b>{}</b> <span class=\"{}\"><b>{}</b></span>: {}</p>",
        escape(claim.claim),
        verdict_class(claim.verdict),
        claim.verdict.label(),
        escape(&claim.evidence)
    );
    if let Some(line) = past_one_process(results, &models) {
        let _ = writeln!(h, "<p>{}</p>", escape(&line));
    }
}

/// The largest N each model held, with its memory per waiting greet there and what stopped it.
fn largest_table(h: &mut String, models: &[ScaleModel<'_>]) {
    h.push_str("<table id=\"largest\">\n<tr><th class=\"l\">model</th><th>largest N held (ok = count, all waited at once)</th><th>user per greet</th><th>kernel per greet</th><th>total per greet</th><th>kernel share</th><th>CPU per greet</th><th>processes (client / server)</th><th class=\"l\">stopped at</th><th class=\"l\">how past the limits</th></tr>\n");
    for m in models {
        let largest = m.largest();
        let f = largest.and_then(|l| l.figures);
        let share = f
            .map(|f| f.kernel_kib_per_greet / f.total_kib_per_greet)
            .filter(|s| s.is_finite())
            .map_or("-".into(), |s| format!("{:.0} %", s * 100.0));
        let stop = match &m.stop {
            Some((n, s)) => format!(
                "<span class=\"limit\">N = {n}: {}</span>{}",
                escape(&s.label()),
                match s {
                    Stop::Limit(_) | Stop::NotAllWaited { .. } => String::new(),
                    Stop::Unavailable(why) | Stop::Failed(why) =>
                        format!("<br><span class=\"small\">{}</span>", escape(why)),
                }
            ),
            None => "not stopped (the sweep's largest N)".into(),
        };
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{stop}</td><td class=\"l\">{}</td></tr>",
            escape(&m.model),
            largest.map_or("none".into(), |l| l.n.to_string()),
            kib(f.map(|f| f.user_kib_per_greet)),
            kib(f.map(|f| f.kernel_kib_per_greet)),
            kib(f.map(|f| f.total_kib_per_greet)),
            share,
            f.map(|f| f.cpu_us_per_greet)
                .filter(|v| v.is_finite())
                .map_or("-".into(), |v| format!("{} µs", sig3(v))),
            f.map_or("-".into(), |f| format!(
                "{} / {}",
                f.client_processes, f.server_processes
            )),
            f.and_then(|f| f.past_limits.as_deref())
                .map_or("-".into(), escape),
        );
    }
    h.push_str("</table>\n");
}

/// The sentence on the models that went past one process: those of the processes family
/// (their jobs run in several worker processes, by their descriptions) whose largest held point
/// ran on more than one client process, with how far that took them, against the most one
/// process held. (A Python model's interpreter is a second process, but one process runs its
/// greets: it is not past one process.) A model the results do not describe counts by its
/// process count alone.
fn past_one_process(results: &Results, models: &[ScaleModel<'_>]) -> Option<String> {
    // A model the results do not describe is taken at its process count.
    let spread = |name: &str| {
        results
            .models
            .iter()
            .find(|d| d.name == name)
            .is_none_or(|d| d.family == greet_core::Family::Processes)
    };
    let single: Vec<(&str, usize)> = models
        .iter()
        .filter(|m| {
            m.largest()
                .and_then(|l| l.figures)
                .is_some_and(|f| f.client_processes <= 1)
        })
        .filter_map(|m| Some((m.model.as_str(), m.largest()?.n)))
        .collect();
    let most = single.iter().map(|x| x.1).max();
    let multi: Vec<String> = models
        .iter()
        .filter(|m| spread(&m.model))
        .filter_map(|m| {
            let l = m.largest()?;
            let f = l.figures?;
            (f.client_processes > 1).then(|| {
                format!(
                    "{} held N = {} over {} client processes and {} server processes{}",
                    m.model,
                    l.n,
                    f.client_processes,
                    f.server_processes,
                    f.past_limits
                        .as_deref()
                        .map_or(String::new(), |p| format!(" ({p})"))
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
            ", where one process held at most N = {n} ({})",
            who.join(", ")
        )
    });
    Some(format!("Past one process: {}{at_most}.", multi.join("; ")))
}

/// The course's claim, as [`crate::verdicts::claims`] lists it.
pub const THOUSANDS_CLAIM: &str =
    "Async handles thousands of connections where threads get expensive.";

/// The claim that async handles thousands of connections where threads get expensive, from
/// the scale sweep: the thread-per-job model against the async models, by memory per waiting
/// greet (user + kernel) at the largest N both held, and by how far each got before a limit.
pub fn thousands_claim(r: &Results, claim: &'static str) -> Claim {
    let none = |what: &str| Claim {
        claim,
        evidence: format!("No {what} in these results."),
        verdict: Verdict::NotMeasured,
    };
    if !measured(r) {
        return none("scale sweep");
    }
    let models = models(r);
    let find = |d: &Description| models.iter().find(|m| m.model == d.name);
    let Some((td, t)) = r.per_job_threads().and_then(|d| Some((d, find(d)?))) else {
        return none("scale sweep of a threads model with one thread per job");
    };
    let asyncs: Vec<&ScaleModel<'_>> = r.async_models().into_iter().filter_map(find).collect();
    if asyncs.is_empty() {
        return none("scale sweep of an async model");
    }
    let reach = |m: &ScaleModel<'_>| m.largest().map_or(0, |l| l.n);
    // Among those that got as far, the first in the registry's order (Rust before Python).
    let Some(far) = asyncs.iter().copied().rev().max_by_key(|m| reach(m)) else {
        return none("scale sweep of an async model");
    };
    let (t_max, a_max) = (reach(t), reach(far));
    // The largest N the threads and at least one async model held with memory figures, and
    // there the cheapest async model.
    let common = t.held.iter().rev().find_map(|th| {
        let tf = th.figures?;
        let best = asyncs
            .iter()
            .filter_map(|a| Some((a.model.as_str(), a.at(th.n)?)))
            .min_by(|a, b| a.1.total_kib_per_greet.total_cmp(&b.1.total_kib_per_greet))?;
        Some((th.n, tf, best))
    });
    let mut evidence = String::new();
    let mut ratio = None;
    if let Some((n, tf, (a, af))) = common {
        let rt = tf.total_kib_per_greet / af.total_kib_per_greet;
        ratio = rt.is_finite().then_some(rt);
        let _ = write!(
            evidence,
            "At N = {n}, the largest both held, a waiting thread ({}) cost {} KiB (user {} + \
             kernel {}) and a waiting task ({a}) {} KiB (user {} + kernel {}){}. ",
            td.name,
            sig3(tf.total_kib_per_greet),
            sig3(tf.user_kib_per_greet),
            sig3(tf.kernel_kib_per_greet),
            sig3(af.total_kib_per_greet),
            sig3(af.user_kib_per_greet),
            sig3(af.kernel_kib_per_greet),
            ratio.map_or(String::new(), |x| format!(
                ": {}× as much for the thread",
                sig3(x)
            ))
        );
    }
    let _ = write!(
        evidence,
        "{} {}; {} {}.",
        td.name,
        t.reach(),
        far.model,
        far.reach()
    );
    let threads_limited = t.limit().is_some();
    let verdict = if a_max < THOUSANDS {
        evidence += &format!(" No async model held {THOUSANDS} waiting greets.");
        Verdict::DoesNotHold
    } else if ratio.is_some_and(|x| x >= EXPENSIVE) || (threads_limited && a_max > t_max) {
        Verdict::Holds
    } else if ratio.is_some_and(|x| x > 1.0) {
        evidence += &format!(
            " Threads cost more, but under {}× as much, and no limit stopped them first.",
            sig3(EXPENSIVE)
        );
        Verdict::HoldsWithCaveat
    } else if ratio.is_some() {
        evidence += " A waiting thread cost no more than a waiting task here.";
        Verdict::DoesNotHold
    } else {
        evidence += " They held no size in common to compare.";
        Verdict::NotMeasured
    };
    Claim {
        claim,
        evidence,
        verdict,
    }
}

//! "Under load": the rate sweep in the report. Each model ran open loop (`greetbench load`)
//! at offered rates from low to past saturation ([`crate::results::Sweep::rates`]); latency runs
//! from each greet's *intended* start, so a model that falls behind shows it as time queued
//! instead of hiding it (coordinated omission). This module reads those runs, draws p99
//! latency against offered rate with each model's predicted knee on its line, measures the
//! knee, sets it against the prediction, and finds each model's highest sustained rate.
//!
//! The definitions, stated on the page as well:
//! - A rate is **sustained** when every greet ended ok, p99 ≤ [`BOUND_FACTOR`] × L +
//!   [`BOUND_SLACK_MS`] (L the hosts' latency), and the achieved rate is at least [`ACHIEVED`]
//!   of what a model that keeps up achieves (`offered × D / (D + L)`: the last greet ends one
//!   latency after the last arrival, D the arrivals' duration).
//! - The **measured knee** lies between the highest sustained rate below the first rate that
//!   was not sustained, and that first rate; its estimate is their geometric mean (the grid is
//!   geometric). The **highest sustained rate** of a model is that lower end: every rate
//!   offered up to it held.
//! - The **prediction holds** when it lies between those two rates, or the estimate is within
//!   [`KNEE_FACTOR`]× of it either way. When one end is missing (the lowest rate already fell
//!   behind, or no rate did), the verdict says which side of the prediction the data lies on.
//! - The **predicted knee** of a line is the median of its runs' own predictions (for an even
//!   count, the lower of the middle two: one run's, with that run's basis). Each run states
//!   one: `K / L` for a pool, else the CPU limit it measured, which moves from run to run
//!   (fixed costs weigh more at a low rate, a busy machine costs more per greet), so the lowest
//!   rate's alone would tie the verdict to whichever point the grid happened to start at.
//! - The **machine's limit** is its cores divided by the CPU one greet costs with client and
//!   server sharing the cores: the cheapest `cpu_us_per_job` (client CPU, start-up excluded,
//!   plus the server's, per greet) of any sustained run here.

use std::fmt::Write as _;
use std::time::Duration;

use greet_core::Shape;
use greet_core::arrivals::Pattern;
use greet_core::record::{LoadFigures, RunRecord, RunResult};
use plotters::prelude::*;

use crate::Results;
use crate::charts::{
    self, Chart, colour, draw_svg, human_latency, legend, line_with_points, log_bounds,
    on_log_axis, sig3,
};
use crate::html::{escape, verdict_class};
use crate::verdicts::Verdict;

/// p99 may be at most this many latencies ...
pub const BOUND_FACTOR: f64 = 2.0;
/// ... plus this many milliseconds (room for a loaded machine's scheduling at L = 0).
pub const BOUND_SLACK_MS: f64 = 10.0;
/// The share of a keeping-up model's achieved rate a sustained rate must reach.
pub const ACHIEVED: f64 = 0.95;
/// How far (either way) the measured knee may be from the prediction for it to hold: the
/// width of one step of a doubling grid.
pub const KNEE_FACTOR: f64 = 2.0;

/// One open-loop run with figures.
#[derive(Debug, Clone)]
pub struct RatePoint<'a> {
    /// The run.
    pub record: &'a RunRecord,
    /// Its open-loop figures.
    pub load: &'a LoadFigures,
    /// Whether the rate was sustained (see the module's definitions).
    pub sustained: bool,
}

impl RatePoint<'_> {
    /// The offered rate, greets/s.
    pub fn offered(&self) -> f64 {
        self.load.offered_rate
    }

    /// p99 latency from the intended start, ms.
    pub fn p99_ms(&self) -> Option<f64> {
        self.load.latency_p99_ms
    }
}

/// One model at one pool size, latency and arrival pattern: a line of the chart.
#[derive(Debug, Clone)]
pub struct RateLine<'a> {
    /// The model.
    pub model: String,
    /// Its pool size, for a model that `--workers` sizes.
    pub workers: Option<usize>,
    /// The hosts' latency.
    pub latency: Duration,
    /// How arrivals were spaced.
    pub pattern: Pattern,
    /// Its runs with figures, lowest offered rate first.
    pub points: Vec<RatePoint<'a>>,
    /// Its runs without figures (or without open-loop figures).
    pub failures: Vec<&'a RunResult>,
}

/// Where the knee was seen: between the last rate held and the first that was not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredKnee {
    /// The highest sustained rate below `failed`; `None` when the lowest rate offered already
    /// fell behind.
    pub held: Option<f64>,
    /// The lowest offered rate not sustained; `None` when every rate was sustained.
    pub failed: Option<f64>,
}

impl MeasuredKnee {
    /// The estimate: the geometric mean of the two ends, when both are known.
    pub fn estimate(&self) -> Option<f64> {
        match (self.held, self.failed) {
            (Some(h), Some(f)) => Some((h * f).sqrt()),
            _ => None,
        }
    }
}

/// The bound p99 must stay under at latency `latency`, ms.
pub fn p99_bound_ms(latency: Duration) -> f64 {
    BOUND_FACTOR * latency.as_secs_f64() * 1e3 + BOUND_SLACK_MS
}

/// Whether `k`'s rate was sustained (see the module's definitions).
pub fn sustained(k: &RunRecord, load: &LoadFigures) -> bool {
    let l = k.request.hosts.latency.as_secs_f64();
    let d = load.duration_s;
    let keeping_up = if d.is_finite() && d > 0.0 {
        load.offered_rate * d / (d + l)
    } else {
        load.offered_rate
    };
    k.errors == 0
        && k.ok == k.request.count
        && load
            .latency_p99_ms
            .is_some_and(|p| p.is_finite() && p <= p99_bound_ms(k.request.hosts.latency))
        && load.achieved_rate.is_finite()
        && load.achieved_rate >= ACHIEVED * keeping_up
}

impl<'a> RateLine<'a> {
    /// The line's name on the chart: the model, with its pool size, latency and pattern when
    /// the model has more than one line.
    pub fn label(&self, lines: &[RateLine<'_>]) -> String {
        let siblings = lines.iter().filter(|l| l.model == self.model).count();
        if siblings <= 1 {
            return self.model.clone();
        }
        let mut s = format!("{} (", self.model);
        if let Some(k) = self.workers {
            let _ = write!(s, "K = {k}, ");
        }
        let _ = write!(s, "L = {}", human_latency(self.latency));
        if self.pattern == Pattern::Poisson {
            s.push_str(", poisson");
        }
        s.push(')');
        s
    }

    /// The runs' own predicted knees, greets/s, with their bases, lowest offered rate first.
    pub fn predictions(&self) -> Vec<(f64, &str)> {
        self.points
            .iter()
            .filter_map(|p| {
                let v = p.load.predicted_knee_rate?;
                (v.is_finite() && v > 0.0).then_some((v, p.load.knee_basis.as_str()))
            })
            .collect()
    }

    /// The line's predicted knee, greets/s, and its basis: the median of its runs' predictions
    /// (for an even count, the lower of the middle two: one run's prediction with its basis).
    /// One rule for every line: a pool's runs all predict `K / L`; a model bound by the CPU
    /// predicts a limit each run measures, and no single run's is the right one.
    pub fn predicted(&self) -> Option<(f64, &str)> {
        let mut all = self.predictions();
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = all.len();
        if n == 0 {
            return None;
        }
        Some(all[(n - 1) / 2])
    }

    /// The lowest and highest of the runs' predictions, when they differ by more than 1 %.
    pub fn prediction_range(&self) -> Option<(f64, f64)> {
        let all = self.predictions();
        let lo = all.iter().map(|p| p.0).reduce(f64::min)?;
        let hi = all.iter().map(|p| p.0).reduce(f64::max)?;
        (hi > lo * 1.01).then_some((lo, hi))
    }

    /// Where the knee was seen.
    pub fn knee(&self) -> Option<MeasuredKnee> {
        if self.points.is_empty() {
            return None;
        }
        let first_failed = self.points.iter().position(|p| !p.sustained);
        let below = &self.points[..first_failed.unwrap_or(self.points.len())];
        Some(MeasuredKnee {
            held: below.last().map(RatePoint::offered),
            failed: first_failed.map(|i| self.points[i].offered()),
        })
    }

    /// The highest rate up to which every rate offered was sustained.
    pub fn highest_sustained(&self) -> Option<f64> {
        self.knee().and_then(|k| k.held)
    }

    /// CPU per greet over its runs, µs, client and server: the cheapest sustained run's
    /// `cpu_us_per_job` (measured by the run itself, start-up excluded).
    pub fn cpu_us_per_greet(&self) -> Option<f64> {
        self.points
            .iter()
            .filter(|p| p.sustained)
            .filter_map(|p| p.load.cpu_us_per_job)
            .filter(|c| c.is_finite() && *c > 0.0)
            .min_by(f64::total_cmp)
    }
}

/// The rate sweep's lines, in model order.
pub fn lines(results: &Results) -> Vec<RateLine<'_>> {
    let mut out: Vec<RateLine<'_>> = Vec::new();
    for run in results.sweep.iter().flat_map(|s| s.rates.iter()) {
        let q = run.request();
        let pooled = results
            .model(&q.model)
            .is_some_and(|m| m.shape == Shape::Pool);
        let workers = q.workers.filter(|_| pooled);
        let figures = run.record().and_then(|k| Some((k, k.load.as_ref()?)));
        let pattern = figures.map_or(Pattern::default(), |(_, l)| l.arrivals);
        let same = |l: &RateLine<'_>| {
            l.model == q.model
                && l.workers == workers
                && l.latency == q.hosts.latency
                && (figures.is_none() || l.pattern == pattern)
        };
        let i = match out.iter().position(same) {
            Some(i) => i,
            None => {
                out.push(RateLine {
                    model: q.model.clone(),
                    workers,
                    latency: q.hosts.latency,
                    pattern,
                    points: Vec::new(),
                    failures: Vec::new(),
                });
                out.len() - 1
            }
        };
        match figures {
            Some((k, load)) if load.offered_rate.is_finite() && load.offered_rate > 0.0 => {
                out[i].points.push(RatePoint {
                    record: k,
                    load,
                    sustained: sustained(k, load),
                });
            }
            _ => out[i].failures.push(run),
        }
    }
    for l in &mut out {
        l.points.sort_by(|a, b| a.offered().total_cmp(&b.offered()));
    }
    out.sort_by_key(|l| (results.rank(&l.model), l.workers, l.latency));
    out
}

/// The machine's limit from these runs, client and server sharing its cores: `(greets/s,
/// client + server CPU µs per greet, the model that did it cheapest)`. `None` without a
/// sustained run that states its CPU per job.
pub fn machine_limit<'a>(
    results: &Results,
    lines: &'a [RateLine<'a>],
) -> Option<(f64, f64, &'a str)> {
    let cores = results.provenance.logical_cores.max(1) as f64;
    let (cpu, model) = lines
        .iter()
        .filter_map(|l| Some((l.cpu_us_per_greet()?, l.model.as_str())))
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let limit = cores * 1e6 / cpu;
    limit.is_finite().then_some((limit, cpu, model))
}

/// A rate in the page's words: `40/s`, `1.2k/s`.
pub fn rate_words(r: f64) -> String {
    if !r.is_finite() {
        "-".into()
    } else if r >= 1e4 {
        format!("{:.0}k/s", r / 1e3)
    } else if r >= 1e3 {
        format!("{:.1}k/s", r / 1e3)
    } else {
        format!("{}/s", sig3(r))
    }
}

/// A fraction as the sustained table shows it: two decimals from 0.1 up, two significant
/// digits below (so that a slow model's `0.0017` does not read `0.00`).
pub fn fraction(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        return if v == 0.0 { "0".into() } else { "-".into() };
    }
    if v >= 0.1 {
        return format!("{v:.2}");
    }
    // 0.0017: the first significant digit is the third decimal, so four decimals.
    let decimals = (1.0 - v.log10().floor()).clamp(2.0, 17.0) as usize;
    format!("{v:.decimals$}")
}

/// The knee measured against the knee predicted, for one line: the verdict and its sentence.
pub fn knee_verdict(line: &RateLine<'_>, label: &str) -> (Verdict, String) {
    let Some(knee) = line.knee() else {
        return (
            Verdict::NotMeasured,
            format!("{label}: no open-loop run with figures."),
        );
    };
    let seen = match (knee.held, knee.failed) {
        (Some(h), Some(f)) => format!(
            "held {} and fell behind at {}: measured knee ≈ {}",
            rate_words(h),
            rate_words(f),
            rate_words((h * f).sqrt())
        ),
        (None, Some(f)) => format!(
            "fell behind already at the lowest rate offered, {}",
            rate_words(f)
        ),
        (Some(h), None) => format!(
            "held every rate offered, up to {}: the knee was not reached",
            rate_words(h)
        ),
        // Not reached: a line with points has a rate held or one that failed.
        (None, None) => return (Verdict::NotMeasured, format!("{label}: no rate to judge.")),
    };
    let Some((pred, basis)) = line.predicted() else {
        return (
            Verdict::NotMeasured,
            format!("{label}: {seen}; the runs state no predicted knee to set it against."),
        );
    };
    let mut predicted = if basis.is_empty() {
        format!("predicted {}", rate_words(pred))
    } else {
        format!("predicted {} ({})", rate_words(pred), basis)
    };
    if let Some((lo, hi)) = line.prediction_range() {
        let _ = write!(
            predicted,
            ", the median of {} runs' predictions from {} to {}",
            line.predictions().len(),
            rate_words(lo),
            rate_words(hi)
        );
    }
    let (verdict, judged) = match (knee.held, knee.failed) {
        (Some(h), Some(f)) => {
            let ratio = (h * f).sqrt() / pred;
            let bracketed = h <= pred && pred <= f;
            let near = (1.0 / KNEE_FACTOR..=KNEE_FACTOR).contains(&ratio);
            if bracketed || near {
                (
                    Verdict::Holds,
                    format!(
                        "{}× the prediction: within {}×, the knee came where predicted",
                        sig3(ratio),
                        sig3(KNEE_FACTOR)
                    ),
                )
            } else {
                (
                    Verdict::DoesNotHold,
                    format!(
                        "{}× the prediction: not within {}×, the knee came {} than predicted",
                        sig3(ratio),
                        sig3(KNEE_FACTOR),
                        if ratio < 1.0 { "earlier" } else { "later" }
                    ),
                )
            }
        }
        (None, Some(f)) if f >= pred => (
            Verdict::HoldsWithCaveat,
            "consistent: the sweep began at or past the predicted knee".to_string(),
        ),
        (None, Some(f)) => (
            Verdict::DoesNotHold,
            format!(
                "it fell behind at {}× below the predicted knee",
                sig3(pred / f)
            ),
        ),
        (Some(h), None) if h <= KNEE_FACTOR * pred => (
            Verdict::HoldsWithCaveat,
            format!(
                "consistent as far as it went: it held up to {}× the prediction, within {}×",
                sig3(h / pred),
                sig3(KNEE_FACTOR)
            ),
        ),
        (Some(h), None) => (
            Verdict::DoesNotHold,
            format!(
                "it held {}× the predicted knee without falling behind",
                sig3(h / pred)
            ),
        ),
        (None, None) => (Verdict::NotMeasured, "no rate to judge".to_string()),
    };
    (verdict, format!("{label}: {predicted}; {seen}; {judged}."))
}

/// An axis label: whole numbers without decimals, smaller ones to three digits.
fn whole(v: f64) -> String {
    if v >= 1.0 { format!("{v:.0}") } else { sig3(v) }
}

/// Where a line's predicted knee sits on it: `(rate, p99 interpolated on log-log axes)`,
/// clamped to the line's ends.
fn knee_on_line(pts: &[(f64, f64)], knee: f64) -> Option<(f64, f64)> {
    let first = *pts.first()?;
    let last = *pts.last()?;
    if knee <= first.0 {
        return Some((knee, first.1));
    }
    if knee >= last.0 {
        return Some((knee, last.1));
    }
    let w = pts.windows(2).find(|w| w[0].0 <= knee && knee <= w[1].0)?;
    let (a, b) = (w[0], w[1]);
    let t = (knee / a.0).ln() / (b.0 / a.0).ln();
    let t = if t.is_finite() { t } else { 0.0 };
    Some((knee, (a.1.ln() + t * (b.1 / a.1).ln()).exp()))
}

/// One line as drawn: `(model, label, (rate, p99) points, predicted knee)`, each value one
/// the log axes can draw.
type Drawn = (String, String, Vec<(f64, f64)>, Option<f64>);

/// p99 latency against offered rate, log-log, one line per model, each predicted knee marked
/// on its line with a triangle.
pub fn rate_chart(results: &Results) -> Result<Option<Chart>, String> {
    let lines = lines(results);
    let drawn: Vec<Drawn> = lines
        .iter()
        .map(|l| {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter_map(|p| Some((p.offered(), p.p99_ms()?)))
                .filter(|&(x, y)| on_log_axis(x) && on_log_axis(y))
                .collect();
            let knee = l.predicted().map(|k| k.0).filter(|k| on_log_axis(*k));
            (l.model.clone(), l.label(&lines), pts, knee)
        })
        .filter(|(_, _, pts, _)| !pts.is_empty())
        .collect();
    let xs = drawn
        .iter()
        .flat_map(|(_, _, p, k)| p.iter().map(|q| q.0).chain(*k));
    let Some((x_lo, x_hi)) = log_bounds(xs) else {
        return Ok(None);
    };
    // The bound of a sustained rate, drawn when every line shares one latency.
    let latencies: Vec<Duration> = {
        let mut v: Vec<Duration> = lines.iter().map(|l| l.latency).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let bound = match latencies.as_slice() {
        [l] => Some(p99_bound_ms(*l)).filter(|b| on_log_axis(*b)),
        _ => None,
    };
    let ys = drawn
        .iter()
        .flat_map(|(_, _, p, _)| p.iter().map(|q| q.1))
        .chain(bound);
    let Some((y_lo, y_hi)) = log_bounds(ys) else {
        return Ok(None);
    };
    // Room above the lines for the legend: the data takes the lower 60 % of the log axis.
    let y_hi = y_lo * (y_hi / y_lo).powf(1.0 / 0.6);
    if !on_log_axis(y_hi) {
        return Ok(None);
    }
    let title = "p99 latency against offered rate (open loop, from the intended start)";
    let svg = draw_svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(WHITE)
            .x_desc("offered rate, greets/s (log)")
            .y_desc("p99 latency, ms (log)")
            .x_label_formatter(&|v| whole(*v))
            .y_label_formatter(&|v| whole(*v))
            .draw()
            .map_err(|e| e.to_string())?;
        if let Some(b) = bound {
            let grey = RGBColor(120, 120, 120);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_lo, b), (x_hi, b)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label(format!(
                    "sustained bound: p99 ≤ {}L + {} ms",
                    sig3(BOUND_FACTOR),
                    sig3(BOUND_SLACK_MS)
                ))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], grey));
        }
        for (model, label, pts, _) in &drawn {
            line_with_points(&mut chart, label, pts, colour(results, model))?;
        }
        let knees: Vec<(RGBColor, (f64, f64))> = drawn
            .iter()
            .filter_map(|(m, _, pts, k)| Some((colour(results, m), knee_on_line(pts, (*k)?)?)))
            .filter(|(_, (x, y))| on_log_axis(*x) && on_log_axis(*y))
            .collect();
        if !knees.is_empty() {
            // A black triangle with the line's colour inside: the model's own predicted knee.
            chart
                .draw_series(
                    knees
                        .iter()
                        .map(|(_, p)| TriangleMarker::new(*p, 11, BLACK.filled())),
                )
                .map_err(|e| e.to_string())?
                .label("predicted knee (K/L, or the CPU limit)")
                .legend(|(x, y)| TriangleMarker::new((x + 9, y), 7, BLACK.filled()));
            chart
                .draw_series(
                    knees
                        .iter()
                        .map(|(c, p)| TriangleMarker::new(*p, 7, ShapeStyle::from(*c).filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })?;
    let caption = format!(
        "Notice where each line leaves the floor: below its knee a model keeps up and p99 stays \
         near L; past it arrivals outpace it, greets queue, and p99 grows with the time queued. \
         Each triangle is the model's predicted knee on its own line (past a line's last \
         rate, level with its last point). A rate counts as \
         sustained while p99 ≤ {}L + {} ms, every greet is ok and the achieved rate keeps up.",
        sig3(BOUND_FACTOR),
        sig3(BOUND_SLACK_MS)
    );
    Ok(Some(Chart {
        id: "load".into(),
        title: title.into(),
        svg,
        caption,
    }))
}

/// The "Under load" section: the chart, the sustained-rate table and the knee verdicts.
pub fn section(h: &mut String, results: &Results) {
    h.push_str("<h2 id=\"load\">Under load: latency against offered rate</h2>\n");
    let lines = lines(results);
    if lines.is_empty() {
        h.push_str(
            "<p class=\"none\">Not measured in this run: these results hold no rate sweep \
             (open-loop runs of <code>greetbench load</code> at rising rates).</p>\n",
        );
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"small\">Each point is one open-loop run: greets arrive at fixed intended \
         start times whatever the model is doing, and each greet's latency runs from its \
         intended start, so time spent queued behind a busy model counts (no coordinated \
         omission). A pool of K at latency L completes at most K/L greets per second; past that \
         rate, its knee, the queue grows for as long as arrivals go on. A rate is \
         <b>sustained</b> when every greet was ok, p99 ≤ {}L + {} ms, and the achieved rate \
         reached {:.0} % of a keeping-up model's (offered × D / (D + L)). The <b>measured \
         knee</b> lies between the highest sustained rate and the first rate above it that was \
         not; its estimate is their geometric mean, and the prediction holds when it lies \
         between the two or within {}× of the estimate. Each run predicts its own knee: K/L for \
         a pool, else the CPU limit it measured (its cores over the client and server CPU per \
         greet), which moves from run to run; a line's prediction is the median of its runs' \
         (the lower middle one for an even count). The machine's limit is its {} cores \
         divided by the CPU of the cheapest greet measured here, client and server together \
         (they share the cores; start-up excluded).</p>",
        sig3(BOUND_FACTOR),
        sig3(BOUND_SLACK_MS),
        ACHIEVED * 100.0,
        sig3(KNEE_FACTOR),
        results.provenance.logical_cores,
    );
    h.push_str("<div class=\"pair\">\n");
    match rate_chart(results) {
        Ok(Some(c)) => charts_figure(h, &c),
        Ok(None) => {
            h.push_str("<p class=\"none\">No run of the rate sweep has a p99 to draw.</p>\n")
        }
        Err(e) => {
            crate::warn(&format!("warning: chart load not drawn: {e}"));
            h.push_str("<p class=\"none\">The chart could not be drawn.</p>\n");
        }
    }
    sustained_table(h, results, &lines);
    h.push_str("</div>\n<ul class=\"verdicts\">\n");
    for l in &lines {
        let (verdict, line) = knee_verdict(l, &l.label(&lines));
        let _ = writeln!(
            h,
            "<li><span class=\"{}\"><b>{}</b></span> {}</li>",
            verdict_class(verdict),
            verdict.label(),
            escape(&line)
        );
    }
    h.push_str("</ul>\n");
}

fn charts_figure(h: &mut String, c: &Chart) {
    let _ = writeln!(
        h,
        "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>",
        escape(&c.id),
        c.svg,
        escape(&c.caption)
    );
}

/// Each line's highest sustained rate, as a fraction of the best line's and of the machine's
/// limit, with its knee predicted and measured.
fn sustained_table(h: &mut String, results: &Results, lines: &[RateLine<'_>]) {
    let best = lines
        .iter()
        .filter_map(RateLine::highest_sustained)
        .fold(0.0, f64::max);
    let limit = machine_limit(results, lines);
    h.push_str("<table id=\"sustained\">\n<tr><th class=\"l\">model</th><th>K</th><th>L</th><th>rates run</th><th>predicted knee</th><th>measured knee</th><th>highest sustained</th><th>p99 there</th><th>× best</th><th>× machine limit</th><th>CPU per greet (client + server)</th><th class=\"l\">not run or failed</th></tr>\n");
    for l in lines {
        let knee = l.knee();
        let highest = l.highest_sustained();
        let at = highest.and_then(|r| l.points.iter().find(|p| p.offered() == r));
        let frac = |of: f64| {
            highest
                .filter(|_| of > 0.0 && of.is_finite())
                .map_or("-".into(), |r| fraction(r / of))
        };
        let measured = match knee {
            Some(MeasuredKnee {
                held: Some(h),
                failed: Some(f),
            }) => format!(
                "≈ {} ({} – {})",
                rate_words((h * f).sqrt()),
                rate_words(h),
                rate_words(f)
            ),
            Some(MeasuredKnee {
                held: None,
                failed: Some(f),
            }) => format!("below {}", rate_words(f)),
            Some(MeasuredKnee {
                held: Some(h),
                failed: None,
            }) => format!("above {}", rate_words(h)),
            _ => "-".into(),
        };
        let failures = l
            .failures
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    charts::stopped_by(e),
                    e.message().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&l.label(lines)),
            l.workers.map_or("-".into(), |k| k.to_string()),
            human_latency(l.latency),
            l.points.len(),
            l.predicted().map_or("-".into(), |(k, basis)| format!(
                "{}<br><span class=\"small\">{}{}</span>",
                rate_words(k),
                escape(basis),
                l.prediction_range()
                    .map_or(String::new(), |(lo, hi)| format!(
                        "<br>median of {} runs' ({} – {})",
                        l.predictions().len(),
                        rate_words(lo),
                        rate_words(hi)
                    ))
            )),
            measured,
            highest.map_or("none".into(), rate_words),
            at.and_then(RatePoint::p99_ms)
                .map_or("-".into(), |p| format!("{} ms", sig3(p))),
            frac(best),
            frac(limit.map_or(0.0, |l| l.0)),
            l.cpu_us_per_greet()
                .map_or("-".into(), |c| format!("{} µs", sig3(c))),
            if failures.is_empty() {
                "-".into()
            } else {
                escape(&failures)
            }
        );
    }
    h.push_str("</table>\n");
    let _ = writeln!(
        h,
        "<p class=\"small\">{}</p>",
        match limit {
            Some((rate, cpu, model)) => escape(&format!(
                "The machine's limit: {} cores ÷ {} µs of CPU per greet, client and server \
                 (the cheapest measured, {model}'s) = {}; × machine limit is each model's \
                 highest sustained rate over it. × best is over the best one's ({}).",
                results.provenance.logical_cores,
                sig3(cpu),
                rate_words(rate),
                rate_words(best)
            )),
            None => "The machine's limit: not measured in this run (no sustained run states \
                     its CPU per greet)."
                .to_string(),
        }
    );
}

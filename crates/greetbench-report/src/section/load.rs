//! "A fixed offered rate": the rate sweep. Each model ran open loop (`greetbench load`) at
//! offered rates from low to past saturation ([`crate::results::Sweep::rates`]); latency runs
//! from each greet's *intended* start, so a model that falls behind shows it as time queued
//! instead of hiding it (coordinated omission). This section draws p99 latency against offered
//! rate with each model's predicted knee on its line, measures the knee, sets it against the
//! prediction, and finds each model's highest sustained rate.
//!
//! The definitions, stated on the page as well:
//! - A rate is **sustained** when every greet ended ok, p99 ≤ [`BOUND_FACTOR`] × L +
//!   [`BOUND_SLACK_MS`], and the achieved rate is at least [`ACHIEVED`] of what a model that
//!   keeps up achieves (`offered × D / (D + L)`, D the arrivals' duration).
//! - The **measured knee** lies between the highest sustained rate below the first rate that
//!   was not sustained, and that first rate: an interval from the grid, its estimate their
//!   geometric mean.
//! - The **prediction holds** when it lies inside that interval, or within [`KNEE_FACTOR`]× of
//!   the estimate; a knee outside the rates run, or a line run on a busy machine, is
//!   inconclusive. When the runs' predictions differ, the verdict must hold for the lowest
//!   and the highest of them alike: a range that puts the ratio across the band is
//!   inconclusive, never holds or does not hold.
//! - A line's **predicted knee** is the median of its runs' own predictions (the lower middle
//!   one for an even count): `K / L` for a pool, else the CPU limit each run measured.
//! - The **machine's limit** is its cores divided by the cheapest CPU per greet (client and
//!   server) of any sustained run.

use std::time::Duration;

use askama::Template;
use greet_core::Shape;
use greet_core::arrivals::Pattern;
use greet_core::record::{LoadFigures, Noise, RunRecord, RunResult};

use crate::chart::lines::{Lines, Mark, Point, Reference, Series};
use crate::chart::{Axis, Marker, Scale, style};
use crate::format;
use crate::section::{Cell, Figure, Table};
use crate::stats::Interval;
use crate::verdict::{Verdict, Why};
use crate::view::{View, stopped_by};

/// p99 may be at most this many latencies ...
pub const BOUND_FACTOR: f64 = 2.0;
/// ... plus this many milliseconds (room for a loaded machine's scheduling at L = 0).
pub const BOUND_SLACK_MS: f64 = 10.0;
/// The share of a keeping-up model's achieved rate a sustained rate must reach.
pub const ACHIEVED: f64 = 0.95;
/// How far (either way) the measured knee may be from the prediction for it to hold.
pub const KNEE_FACTOR: f64 = 2.0;

/// One open-loop run with figures.
#[derive(Debug, Clone)]
pub struct RatePoint<'a> {
    /// The run.
    pub record: &'a RunRecord,
    /// Its open-loop figures.
    pub load: &'a LoadFigures,
    /// Whether the rate was sustained.
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
    /// Its runs without (open-loop) figures.
    pub failures: Vec<&'a RunResult>,
}

/// Where the knee was seen: between the last rate held and the first that was not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredKnee {
    /// The highest sustained rate below `failed`.
    pub held: Option<f64>,
    /// The lowest offered rate not sustained.
    pub failed: Option<f64>,
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

impl RateLine<'_> {
    /// The line's name: the model, with its pool size, latency and pattern when the model has
    /// more than one line.
    pub fn label(&self, lines: &[RateLine<'_>]) -> String {
        let siblings = lines.iter().filter(|l| l.model == self.model).count();
        if siblings <= 1 {
            return self.model.clone();
        }
        let mut s = format!("{} (", self.model);
        if let Some(k) = self.workers {
            s += &format!("K = {k}, ");
        }
        s += &format!("L = {}", format::latency(self.latency));
        if self.pattern == Pattern::Poisson {
            s.push_str(", poisson");
        }
        s.push(')');
        s
    }

    /// The runs' own predicted knees, greets/s, with their bases.
    pub fn predictions(&self) -> Vec<(f64, &str)> {
        self.points
            .iter()
            .filter_map(|p| {
                let v = p.load.predicted_knee_rate?;
                (v.is_finite() && v > 0.0).then_some((v, p.load.knee_basis.as_str()))
            })
            .collect()
    }

    /// The line's predicted knee and its basis: the median of its runs' predictions (the
    /// lower middle one for an even count).
    pub fn predicted(&self) -> Option<(f64, &str)> {
        let mut all = self.predictions();
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = all.len();
        (n > 0).then(|| all[(n - 1) / 2])
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

    /// CPU per greet, client and server: the cheapest sustained run's, µs.
    pub fn cpu_us_per_greet(&self) -> Option<f64> {
        self.points
            .iter()
            .filter(|p| p.sustained)
            .filter_map(|p| p.load.cpu_us_per_job)
            .filter(|c| c.is_finite() && *c > 0.0)
            .min_by(f64::total_cmp)
    }

    /// The noise of the busiest of its runs, if one was measured on a busy machine.
    pub fn busy(&self) -> Option<Noise> {
        self.points
            .iter()
            .filter_map(|p| p.record.noise)
            .filter(Noise::busy)
            .max_by(|a, b| (a.other_busy + a.steal).total_cmp(&(b.other_busy + b.steal)))
    }
}

/// The rate sweep's lines, in model order (one pass over the runs, a map per line).
pub fn lines<'a>(view: &View<'a>) -> Vec<RateLine<'a>> {
    let mut out: Vec<RateLine<'a>> = Vec::new();
    let mut index: std::collections::HashMap<(String, Option<usize>, Duration), Vec<usize>> =
        Default::default();
    for run in view.results.sweep.iter().flat_map(|s| s.rates.iter()) {
        let q = run.request();
        let pooled = view
            .describe(&q.model)
            .is_some_and(|m| m.shape == Shape::Pool);
        let workers = q.workers.filter(|_| pooled);
        let figures = run.record().and_then(|k| Some((k, k.load.as_ref()?)));
        let pattern = figures.map_or(Pattern::default(), |(_, l)| l.arrivals);
        let same = index
            .entry((q.model.clone(), workers, q.hosts.latency))
            .or_default();
        // A run without figures joins the line of its model's first pattern.
        let found = same
            .iter()
            .copied()
            .find(|&i| figures.is_none() || out[i].pattern == pattern);
        let i = match found {
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
                same.push(out.len() - 1);
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
    out.sort_by_key(|l| (view.rank_of(&l.model), l.workers, l.latency));
    out
}

/// The knee measured against the knee predicted, for one line: its verdict and sentence.
pub fn knee_verdict(line: &RateLine<'_>, label: &str) -> (Verdict, String) {
    let Some(knee) = line.knee() else {
        return (
            Verdict::NotMeasured,
            format!("{label}: no open-loop run with figures."),
        );
    };
    let seen = match (knee.held, knee.failed) {
        (Some(h), Some(f)) => format!(
            "held {} and fell behind at {}: the knee lies between",
            format::rate(h),
            format::rate(f)
        ),
        (None, Some(f)) => format!(
            "fell behind already at the lowest rate offered, {}",
            format::rate(f)
        ),
        (Some(h), None) => format!("held every rate offered, up to {}", format::rate(h)),
        (None, None) => return (Verdict::NotMeasured, format!("{label}: no rate to judge.")),
    };
    let Some((pred, basis)) = line.predicted() else {
        return (
            Verdict::NotMeasured,
            format!("{label}: {seen}; the runs state no predicted knee."),
        );
    };
    let mut predicted = if basis.is_empty() {
        format!("predicted {}", format::rate(pred))
    } else {
        format!("predicted {} ({basis})", format::rate(pred))
    };
    if let Some((lo, hi)) = line.prediction_range() {
        predicted += &format!(
            ", the median of {} runs' predictions from {} to {}",
            line.predictions().len(),
            format::rate(lo),
            format::rate(hi)
        );
    }
    let (verdict, judged) = match (knee.held, knee.failed) {
        (Some(h), Some(f)) => {
            let estimate = (h * f).sqrt();
            let ratio = estimate / pred;
            // The runs' predictions differ (each measured its own CPU cost): the knee is
            // judged against every one of them, and only a verdict all of them agree on
            // is given.
            let (plo, phi) = line.prediction_range().unwrap_or((pred, pred));
            let ratios = Interval {
                lo: estimate / phi,
                hi: estimate / plo,
            };
            // A prediction holds inside [h, f] or within the band around the estimate: both
            // contain the estimate, so together they are one range of predictions.
            let holds_from = h.min(estimate / KNEE_FACTOR);
            let holds_to = f.max(estimate * KNEE_FACTOR);
            let spread = if plo < phi {
                format!(
                    " [{}–{}] over the runs' predictions",
                    format::sig3(ratios.lo),
                    format::sig3(ratios.hi)
                )
            } else {
                String::new()
            };
            if holds_from <= plo && phi <= holds_to {
                (
                    Verdict::Holds,
                    format!(
                        "the knee came where predicted ({} the prediction{spread}, within {})",
                        format::ratio(ratio),
                        format::chosen_ratio(KNEE_FACTOR)
                    ),
                )
            } else if phi < holds_from || holds_to < plo {
                (
                    Verdict::DoesNotHold,
                    format!(
                        "the knee came {} than predicted ({} the prediction{spread})",
                        if ratio < 1.0 { "earlier" } else { "later" },
                        format::ratio(ratio)
                    ),
                )
            } else {
                let threshold = if ratios.lo < 1.0 / KNEE_FACTOR {
                    1.0 / KNEE_FACTOR
                } else {
                    KNEE_FACTOR
                };
                (
                    Verdict::Inconclusive(Why::Straddles { threshold }),
                    format!(
                        "the runs' predictions put the knee on both sides of the band: {} \
                         the prediction{spread}, across {}",
                        format::ratio(ratio),
                        format::ratio(threshold)
                    ),
                )
            }
        }
        (None, Some(f)) if f < pred / KNEE_FACTOR => (
            Verdict::DoesNotHold,
            format!(
                "it fell behind {} below the predicted knee",
                format::ratio(pred / f)
            ),
        ),
        (Some(h), None) if h > pred * KNEE_FACTOR => (
            Verdict::DoesNotHold,
            format!(
                "it held {} the predicted knee without falling behind",
                format::ratio(h / pred)
            ),
        ),
        _ => (
            Verdict::Inconclusive(Why::OutOfRange(
                "the knee lies outside the rates run".into(),
            )),
            "the rates run do not bracket the knee".to_string(),
        ),
    };
    let verdict = match (line.busy(), verdict) {
        (Some(n), v) if v.decided() => Verdict::Inconclusive(Why::Busy(n)),
        (_, v) => v,
    };
    (verdict, format!("{label}: {predicted}; {seen}; {judged}."))
}

/// The machine's limit from these runs: `(greets/s, CPU µs per greet, the model)`.
pub fn machine_limit<'a>(
    view: &View<'_>,
    lines: &'a [RateLine<'a>],
) -> Option<(f64, f64, &'a str)> {
    let cores = view.results.provenance.logical_cores.max(1) as f64;
    let (cpu, model) = lines
        .iter()
        .filter_map(|l| Some((l.cpu_us_per_greet()?, l.model.as_str())))
        .min_by(|a, b| a.0.total_cmp(&b.0))?;
    let limit = cores * 1e6 / cpu;
    limit.is_finite().then_some((limit, cpu, model))
}

/// One knee verdict, for the list.
#[derive(Debug, Clone, PartialEq)]
pub struct KneeLine {
    /// The verdict.
    pub verdict: Verdict,
    /// Its sentence.
    pub words: String,
}

/// The load section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "load.html")]
pub struct Load {
    /// Whether a rate sweep ran.
    pub measured: bool,
    /// The definitions' numbers, in words.
    pub bound: String,
    /// The achieved share, in words.
    pub achieved: String,
    /// The knee factor, in words.
    pub knee_factor: String,
    /// The key chart.
    pub figure: Option<Figure>,
    /// The sustained rates.
    pub table: Table,
    /// The machine's limit, in a sentence.
    pub limit: String,
    /// The knee verdicts.
    pub knees: Vec<KneeLine>,
}

impl askama::filters::HtmlSafe for Load {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Load {
    let lines = lines(view);
    let limit = machine_limit(view, &lines);
    let best = lines
        .iter()
        .filter_map(RateLine::highest_sustained)
        .fold(0.0, f64::max);
    // Five columns (six when a run failed), so that the table fits beside the chart at
    // 1280 px: a line's pool size and latency sit under its name, the rates run under the
    // knee, p99 under the highest rate sustained, and CPU per greet under the machine limit.
    let failed = lines.iter().any(|l| !l.failures.is_empty());
    let mut head = vec![
        "model",
        "predicted knee",
        "measured knee",
        "highest sustained",
        "× machine limit",
    ];
    if failed {
        head.push("not run or failed");
    }
    let mut table = Table::new("sustained", &head).left(&["not run or failed"]);
    for l in &lines {
        let knee = l.knee();
        let highest = l.highest_sustained();
        let at = highest.and_then(|r| l.points.iter().find(|p| p.offered() == r));
        let measured = match knee.map(|k| (k.held, k.failed)) {
            // One unit for both ends: "1.28k–2.56k/s".
            Some((Some(h), Some(f))) => format!(
                "{}–{}",
                format::rate(h).trim_end_matches("/s"),
                format::rate(f)
            ),
            Some((None, Some(f))) => format!("below {}", format::rate(f)),
            Some((Some(h), None)) => format!("above {}", format::rate(h)),
            _ => "-".into(),
        };
        let setting = match l.workers {
            Some(k) => format!("K = {k}, L = {}", format::latency(l.latency)),
            None => format!("L = {}", format::latency(l.latency)),
        };
        let mut row = vec![
            Cell::name(l.label(&lines)).note(setting),
            Cell::num(l.predicted().map_or("-".into(), |(k, _)| format::rate(k)))
                .note(l.predicted().map_or(String::new(), |(_, b)| b.to_owned())),
            Cell::num(measured).note(format!("{} rates run", l.points.len())),
            Cell::num(highest.map_or("none".into(), format::rate)).note(
                at.and_then(RatePoint::p99_ms).map_or(String::new(), |p| {
                    format!("p99 {}", format::time_ns(p * 1e6))
                }),
            ),
            Cell::num(match (highest, limit) {
                (Some(h), Some((m, _, _))) if m > 0.0 => format::sig3(h / m),
                _ => "-".into(),
            })
            .note(l.cpu_us_per_greet().map_or(String::new(), |c| {
                format!("CPU {} per greet", format::time_ns(c * 1e3))
            })),
        ];
        if failed {
            let failures = l
                .failures
                .iter()
                .map(|e| format!("{}: {}", stopped_by(e), e.message().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("; ");
            row.push(Cell::words(if failures.is_empty() {
                "-".into()
            } else {
                failures
            }));
        }
        table.push(row);
    }
    let limit_words = match limit {
        Some((rate, cpu, model)) => format!(
            "The machine's limit: {} cores ÷ {} of CPU per greet, client and server (the \
             cheapest measured, {model}'s) = {}; the best model sustained {}. Where the two \
             figures come from: a line's predicted knee divides the cores by the CPU per job \
             its runs measured, each at its own offered rate, and takes the median over the \
             runs, so the low rates weigh in; CPU per greet falls under load (the runtime's \
             fixed costs, its timers and wake-ups, spread over more greets), so this limit, \
             from the cheapest sustained run, lies above such a prediction, and a model can \
             sustain more than its predicted knee without a contradiction.",
            view.results.provenance.logical_cores,
            format::time_ns(cpu * 1e3),
            format::rate(rate),
            format::rate(best)
        ),
        None => "The machine's limit: not measured in this run (no sustained run states its \
                 CPU per greet)."
            .into(),
    };
    let knees = lines
        .iter()
        .map(|l| {
            let (verdict, words) = knee_verdict(l, &l.label(&lines));
            KneeLine { verdict, words }
        })
        .collect();
    Load {
        measured: !lines.is_empty(),
        bound: format!(
            "{}L + {}",
            crate::chart::number(BOUND_FACTOR),
            format::chosen_time_ns(BOUND_SLACK_MS * 1e6)
        ),
        achieved: format::chosen_percent(ACHIEVED),
        knee_factor: format::chosen_ratio(KNEE_FACTOR),
        figure: chart(view, &lines),
        table,
        limit: limit_words,
        knees,
    }
}

/// Where a line's predicted knee sits on it: interpolated on log-log axes, clamped to its ends.
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

/// p99 latency against offered rate, log-log, one line per model, each predicted knee marked
/// on its line.
fn chart(view: &View<'_>, lines: &[RateLine<'_>]) -> Option<Figure> {
    let ok = |v: f64| crate::chart::drawable(Scale::Log, v);
    let drawn: Vec<(Series, Option<(f64, f64)>)> = lines
        .iter()
        .map(|l| {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .filter_map(|p| Some((p.offered(), p.p99_ms()?)))
                .filter(|&(x, y)| ok(x) && ok(y))
                .collect();
            let knee = l
                .predicted()
                .map(|k| k.0)
                .filter(|k| ok(*k))
                .and_then(|k| knee_on_line(&pts, k));
            let index = view.model(&l.model).map_or(0, |m| m.index);
            (
                Series {
                    label: l.label(lines),
                    style: style(index),
                    points: pts
                        .iter()
                        .map(|&(x, y)| Point {
                            x,
                            y,
                            interval: None,
                        })
                        .collect(),
                },
                knee,
            )
        })
        .filter(|(s, _)| !s.points.is_empty())
        .collect();
    let latencies: Vec<Duration> = {
        let mut v: Vec<Duration> = lines.iter().map(|l| l.latency).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let bound = match latencies.as_slice() {
        [l] => Some(p99_bound_ms(*l)).filter(|b| ok(*b)),
        _ => None,
    };
    let x = Axis::over(
        Scale::Log,
        drawn
            .iter()
            .flat_map(|(s, k)| s.points.iter().map(|p| p.x).chain(k.map(|k| k.0))),
        "offered rate, greets/s (log)",
        crate::chart::number,
    )?;
    let y = Axis::over(
        Scale::Log,
        drawn
            .iter()
            .flat_map(|(s, _)| s.points.iter().map(|p| p.y))
            .chain(bound),
        "p99 latency, ms (log)",
        crate::chart::number,
    )?;
    let marks = drawn
        .iter()
        .filter_map(|(s, k)| {
            Some(Mark {
                at: (*k)?,
                style: s.style,
                marker: Some(Marker::Ring),
                text: String::new(),
            })
        })
        .collect();
    let references = bound
        .map(|b| Reference {
            points: vec![(x.lo, b), (x.hi, b)],
            label: format!(
                "sustained while p99 ≤ {}L + {}",
                crate::chart::number(BOUND_FACTOR),
                format::chosen_time_ns(BOUND_SLACK_MS * 1e6)
            ),
        })
        .into_iter()
        .collect();
    let chart = Lines {
        label: "p99 latency against offered rate".into(),
        x,
        y,
        series: drawn.into_iter().map(|(s, _)| s).collect(),
        marks,
        references,
        plot_height: 300,
        mark_legend: Some((
            Marker::Ring,
            "predicted knee (K/L, or the CPU limit)".into(),
        )),
    };
    Some(Figure::of(
        "load-chart",
        "p99 latency against offered rate (open loop, from each greet's intended start)",
        &chart,
        "Notice where each line leaves the floor: below its knee a model keeps up and p99 stays \
         near L; past it arrivals outpace it, greets queue, and p99 grows with the time queued. \
         Each ring is the model's predicted knee on its own line.",
    ))
}

//! "Which model, when?": the decision table that opens the page. One row per situation, one
//! pick per language (and interpreter), each with its evidence as one number and its interval,
//! and how sure it is. Each row links to the section that holds its evidence.
//!
//! # How a pick is made
//! Each situation names the figure that decides it (wall time of a batch, memory per waiting
//! greet, ...) and the kinds of model the course recommends there, in order. The pick is the
//! first model, in that order, that is not clearly worse than the best one measured: a model
//! is clearly worse when the whole 95 % interval of its figure over the best one's lies past
//! [`TIE`]. A recommended model within that band is picked; one clearly worse is passed over;
//! one whose interval straddles the band, or that was measured on a busy machine, leaves the
//! row without a pick ("inconclusive"), never with a guess. When the recommended model is the
//! best itself, it is compared with the runner-up in the same way: one run each (no
//! interval) or a busy run leaves the row inconclusive too, and so does a model measured
//! alone from one run, so `greetbench compare`, which runs each model once, shows no sure
//! pick. So the measurement decides whether
//! the course's recommendation stands, and a second run cannot swap a pick without a real
//! change of more than the band.

use askama::Template;
use greet_core::{Description, Family, Lang, Shape};

use crate::format;
use crate::results::Results;
use crate::section::Section;
use crate::section::busy::and_list;
use crate::verdict::{Confidence, Side, TIE, Why, side};
use crate::view::{Column, Comparison, Figure, Question, View, Workers};

/// The memory-tight situation's words (the reading reads it only from the scale sweep).
pub const MEMORY_TIGHT: &str = "Memory-tight";

/// One language's (and interpreter's) pick for one situation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// The model picked; `None` when not measured or not decided.
    pub model: Option<String>,
    /// How sure the pick is.
    pub confidence: Confidence,
    /// The evidence: one number with its interval.
    pub evidence: String,
}

impl Pick {
    fn not_measured(what: &str) -> Pick {
        Pick {
            model: None,
            confidence: Confidence::NotMeasured,
            evidence: format!("not measured: {what}"),
        }
    }
}

/// One situation.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation {
    /// The situation, in a few words.
    pub what: &'static str,
    /// The measurement that decides it (`N = 1000, L = 10 ms`).
    pub setting: String,
    /// The section holding the evidence.
    pub section: Section,
    /// One pick per column.
    pub picks: Vec<Pick>,
}

/// The answer section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "answer.html")]
pub struct Answer {
    /// The columns' headings.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Situation>,
    /// The band within which a model counts as tied with the best.
    pub tie: String,
    /// The picks against a baseline run, when the report has one.
    pub against: Option<crate::section::baseline::PickColumn>,
    /// The reading's sentences on the I/O point (what each kind of model waited, the CPU),
    /// from [`crate::reading::Reading::of`]: the same words `greetbench compare` prints.
    pub notes: Vec<String>,
}

impl askama::filters::HtmlSafe for Answer {}

/// Builds the answer from the view.
pub fn build(view: &View<'_>) -> Answer {
    let columns = view.columns().to_vec();
    let several = columns.len() > 2;
    let rows = vec![
        io(view, &columns),
        thousands(view, &columns),
        cpu(view, &columns),
        mixed(view, &columns),
        rate(view, &columns),
        killable(view, &columns),
        flaky(view, &columns),
        memory(view, &columns),
    ];
    Answer {
        columns: columns.iter().map(|c| c.heading(several)).collect(),
        rows,
        tie: format::chosen_ratio(TIE),
        against: None,
        notes: Vec::new(),
    }
}

/// The result of [`choose`].
struct Chosen<'v> {
    pick: Option<&'v Figure>,
    confidence: Confidence,
    /// The comparison that decided (or failed to decide) it, against the best.
    against_best: Option<Comparison<'v>>,
}

/// The pick among `figures` (lower is better), by `preference` (lower first, then model
/// order): see the module's doc.
fn choose<'v>(
    view: &View<'_>,
    figures: &[&'v Figure],
    preference: impl Fn(&Description) -> usize,
) -> Chosen<'v> {
    let Some(best) = figures
        .iter()
        .copied()
        .min_by(|a, b| a.median.total_cmp(&b.median))
    else {
        return Chosen {
            pick: None,
            confidence: Confidence::NotMeasured,
            against_best: None,
        };
    };
    let mut ordered: Vec<&Figure> = figures.to_vec();
    ordered.sort_by_key(|f| {
        (
            view.describe(&f.row.model).map_or(usize::MAX, &preference),
            view.rank_of(&f.row.model),
        )
    });
    for f in ordered {
        if std::ptr::eq(f, best) {
            return chosen_best(view, figures, best);
        }
        let Some(c) = view.compare(f, best) else {
            continue;
        };
        match side(&c, TIE) {
            Side::Below => {
                return Chosen {
                    pick: Some(f),
                    confidence: Confidence::Sure,
                    against_best: Some(c),
                };
            }
            Side::Above => continue,
            Side::Unsure(why) => {
                return Chosen {
                    pick: None,
                    confidence: Confidence::Unsure(why),
                    against_best: Some(c),
                };
            }
        }
    }
    Chosen {
        pick: None,
        confidence: Confidence::NotMeasured,
        against_best: None,
    }
}

/// The pick when the recommended model is the best measured: sure only when it is clear of
/// the band against the runner-up (the model closest to it), so that one run each, or a busy
/// run, cannot make a pick sure (no interval, or noise, reads inconclusive). Alone, it is sure
/// only when it was measured more than once and not on a busy machine.
fn chosen_best<'v>(view: &View<'_>, figures: &[&'v Figure], best: &'v Figure) -> Chosen<'v> {
    let runner_up = figures
        .iter()
        .copied()
        .filter(|f| !std::ptr::eq(*f, best))
        .min_by(|a, b| a.median.total_cmp(&b.median));
    let (confidence, against) = match runner_up.and_then(|r| view.compare(best, r)) {
        Some(c) => match side(&c, TIE) {
            Side::Below => (Confidence::Sure, None),
            // A best over the band against a slower model: the interval and the medians
            // disagree (too few samples); undecided.
            Side::Above => (
                Confidence::Unsure(Why::Straddles { threshold: TIE }),
                Some(c),
            ),
            Side::Unsure(why) => (Confidence::Unsure(why), Some(c)),
        },
        None if runner_up.is_some() => (Confidence::Unsure(Why::NoInterval), None),
        // Alone: nothing to be clear of, so sure only when measured more than once, quietly.
        None => match best.busy() {
            Some(n) => (Confidence::Unsure(Why::Busy(n)), None),
            None if best.runs() < 2 => (Confidence::Unsure(Why::NoInterval), None),
            None => (Confidence::Sure, None),
        },
    };
    Chosen {
        pick: matches!(confidence, Confidence::Sure).then_some(best),
        confidence,
        against_best: against,
    }
}

/// The figures of `question` in `column` that have samples or a stored median.
fn measured<'v>(view: &'v View<'_>, question: &'v Question, column: &'v Column) -> Vec<&'v Figure> {
    view.in_column(question, column).collect()
}

/// For I/O: async first, then one thread per job, then pools, then processes, then one at a
/// time.
fn io_preference(d: &Description) -> usize {
    match (d.family, d.shape) {
        (Family::Async, _) => 0,
        (Family::Threads, Shape::PerJob) => 1,
        (Family::Processes, _) => 3,
        (Family::Sequential, _) | (_, Shape::OneAtATime) => 4,
        _ => 2,
    }
}

/// For CPU: a data-parallel pool first, then thread pools, threads, processes, async, and one
/// at a time last. Under a global interpreter lock (`gil`: the column's interpreter holds one)
/// a model whose threads share it cannot crunch in parallel, so processes come before it, as
/// the course says ("use multiprocessing").
fn cpu_preference(d: &Description, gil: bool) -> usize {
    let parallel_threads = !(gil && d.gil);
    match (d.family, d.shape) {
        (Family::DataParallel, _) => 0,
        (Family::Threads, Shape::Pool) if parallel_threads => 1,
        (Family::Threads, _) if parallel_threads => 2,
        (Family::Processes, _) => 3,
        (Family::Threads, _) => 4,
        (Family::Async, _) => 5,
        _ => 6,
    }
}

/// The speedup over `base` of a figure of `figures` that exceeds the machine's cores, if
/// any: the work cannot go faster than that, so the baseline's noise made it, and a CPU pick
/// resting on those figures reads inconclusive
/// ([`verdict::speedup_side`](crate::verdict::speedup_side) for the claims).
fn above_cores(view: &View<'_>, figures: &[&Figure], base: Option<&Figure>) -> Option<Why> {
    let cores = view.results.provenance.logical_cores;
    let base = base?;
    let impossible = figures
        .iter()
        .any(|f| cores > 0 && f.median > 0.0 && base.median / f.median > cores as f64);
    impossible.then(|| Why::OutOfRange(crate::verdict::above_cores(cores)))
}

/// For mixed work: async runtimes that crunch off their event loop first, then threads, then
/// the rest; an event loop on one thread last.
fn mixed_preference(d: &Description) -> usize {
    match d.family {
        Family::Async if !d.one_thread => 0,
        Family::Threads => 1,
        Family::DataParallel | Family::Processes => 2,
        Family::Async => 3,
        Family::Sequential => 4,
    }
}

/// A pick from a chosen figure, with its evidence against the situation's alternative.
fn pick_words(
    view: &View<'_>,
    chosen: Chosen<'_>,
    alternative: Option<&Figure>,
    words: impl Fn(&Comparison<'_>) -> String,
) -> Pick {
    let Chosen {
        pick,
        mut confidence,
        against_best,
    } = chosen;
    // "A takes 1.73× [1.38–2.05] B's time": which way the ratio goes, in the figure's terms.
    let directed = |c: &Comparison<'_>| {
        let owner = |r: &crate::view::Row| {
            let name = r.to_string();
            if name.ends_with('s') {
                format!("{name}'")
            } else {
                format!("{name}'s")
            }
        };
        let (verb, what) = match c.a.unit {
            crate::view::Unit::Ns => ("takes", "time"),
            crate::view::Unit::Kib => ("uses", "memory"),
        };
        format!(
            "{} {verb} {} {} {what}",
            c.a.row,
            c.words(),
            owner(&c.b.row)
        )
    };
    // The figures the evidence shows count as much as the ones that decided: a busy one
    // (any run behind it busy, [`Figure::busy`]) leaves the pick inconclusive because busy.
    let shown = match (pick, alternative) {
        (Some(p), Some(alt)) if alt.row != p.row => view.compare(alt, p),
        _ => None,
    };
    let busy = shown
        .as_ref()
        .and_then(Comparison::busy)
        .or_else(|| pick.and_then(Figure::busy));
    if let (Some(n), Confidence::Sure) = (busy, &confidence) {
        confidence = Confidence::Unsure(Why::Busy(n));
    }
    let evidence = match (pick, alternative, &shown) {
        (_, _, Some(c)) => words(c),
        (Some(p), Some(alt), None) if alt.row != p.row => p.words(),
        (Some(p), _, _) => match against_best {
            Some(c) => format!(
                "{} within {} of the best: {}",
                p.row,
                format::chosen_ratio(TIE),
                directed(&c)
            ),
            None => format!("{}: {}", p.row, p.words()),
        },
        (None, _, _) => match against_best {
            Some(c) => directed(&c),
            None => "no model measured".into(),
        },
    };
    // Whose run was busy, so that the noise the confidence gives is attributed to a row.
    let mut evidence = evidence;
    if let Confidence::Unsure(Why::Busy(n)) = &confidence {
        let whose = [against_best, shown]
            .into_iter()
            .flatten()
            .filter_map(|c| c.busy_side())
            .chain(pick.and_then(|p| Some((p, p.busy()?))))
            .find(|(_, m)| m == n);
        if let Some((f, _)) = whose {
            let runs = if f.runs() > 1 { "runs" } else { "run" };
            evidence += &format!(" (the busy {runs}: {}'s)", f.row);
        }
    }
    Pick {
        model: pick
            .filter(|_| matches!(confidence, Confidence::Sure))
            .map(|p| p.row.model.clone()),
        confidence,
        evidence,
    }
}

/// The figure of the first model of `column` whose description satisfies `keep`.
fn first_figure<'v>(
    view: &'v View<'_>,
    question: &Question,
    column: &Column,
    keep: impl Fn(&Description) -> bool,
) -> Option<&'v Figure> {
    view.models_where(column.lang, keep)
        .into_iter()
        .find_map(|m| view.figure(question, &view.row_in(&m.name, column)))
}

fn io(view: &View<'_>, columns: &[Column]) -> Situation {
    let question = view.greet_point();
    let setting = match &question {
        Some(Question::Greet { count, latency }) => format!(
            "N = {} greets, L = {}",
            format::count(*count as u64),
            format::latency(*latency)
        ),
        _ => String::new(),
    };
    let picks = columns
        .iter()
        .map(|col| {
            let Some(q) = &question else {
                return Pick::not_measured("no greet runs in the sweep");
            };
            let figures = measured(view, q, col);
            if figures.is_empty() {
                return Pick::not_measured("no greet runs");
            }
            let chosen = choose(view, &figures, io_preference);
            let threads = first_figure(view, q, col, |d| {
                d.family == Family::Threads && d.shape == Shape::PerJob
            });
            pick_words(view, chosen, threads, |c| {
                format!("{} {} faster than {}", c.b.row, c.words(), c.a.row)
            })
        })
        .collect();
    Situation {
        what: "Many greets waiting on I/O",
        setting,
        section: Section::Io,
        picks,
    }
}

fn thousands(view: &View<'_>, columns: &[Column]) -> Situation {
    let reach = crate::section::memory::reaches(view);
    let picks = columns
        .iter()
        .map(|col| {
            let mine: Vec<_> = reach
                .iter()
                .filter(|m| col.holds(&view.row(&m.model, None)))
                .filter(|m| m.largest().is_some())
                .collect();
            let Some(most) = mine.iter().filter_map(|m| m.largest()).map(|l| l.n).max() else {
                return Pick::not_measured("no scale sweep");
            };
            // Every model that held the largest N: one is the pick; several are tied, since
            // the sweep cannot tell apart what went equally far.
            let mut top: Vec<_> = mine
                .iter()
                .filter(|m| m.largest().is_some_and(|l| l.n == most))
                .collect();
            top.sort_by_key(|m| {
                (
                    view.describe(&m.model).map_or(usize::MAX, io_preference),
                    view.rank_of(&m.model),
                )
            });
            let Some(best) = top.first() else {
                return Pick::not_measured("no scale sweep");
            };
            // The reach tells models apart only where some model met a limit below what the
            // sweep tried; where none did, there is no pick (the course's preference alone
            // would decide it).
            let limited = mine.iter().any(|m| {
                m.stop.as_ref().is_some_and(|(_, s)| {
                    !matches!(s, crate::section::memory::Stop::Unavailable(_))
                })
            });
            if !limited {
                return Pick {
                    model: None,
                    confidence: Confidence::Unsure(Why::OutOfRange(
                        "every model held the largest N run: no limit was reached".into(),
                    )),
                    evidence: format!(
                        "{} held {} waiting; no model met a limit at the sizes run",
                        best.model,
                        format::count(most as u64)
                    ),
                };
            }
            if top.len() > 1 {
                let names: Vec<String> = top.iter().map(|m| m.model.clone()).collect();
                let stops: Vec<String> = top
                    .iter()
                    .map(|m| match &m.stop {
                        Some((n, s)) => {
                            format!("stopped at {} ({})", format::count(*n as u64), s.label())
                        }
                        None => "went no further: the sweep stopped there".into(),
                    })
                    .collect();
                let how = if stops.iter().all(|s| *s == stops[0]) {
                    format!(
                        "each held {} waiting and {}",
                        format::count(most as u64),
                        stops[0]
                    )
                } else {
                    format!(
                        "each held {} waiting; {}",
                        format::count(most as u64),
                        top.iter()
                            .zip(&stops)
                            .map(|(m, s)| format!("{} {s}", m.model))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let evidence = format!("{} tied: {how}", and_list(&names));
                return Pick {
                    model: None,
                    confidence: Confidence::Unsure(Why::Tied(format!(
                        "{} went equally far",
                        and_list(&names)
                    ))),
                    evidence,
                };
            }
            // Against one thread per greet where it was measured, else the next furthest.
            let threads = mine.iter().find(|m| {
                view.describe(&m.model)
                    .is_some_and(|d| d.family == Family::Threads && d.shape == Shape::PerJob)
            });
            let next = threads.filter(|t| t.model != best.model).or_else(|| {
                mine.iter()
                    .filter(|m| m.model != best.model)
                    .max_by_key(|m| m.largest().map_or(0, |l| l.n))
            });
            let mut evidence =
                format!("{} held {} waiting", best.model, format::count(most as u64));
            match next {
                Some(t) => evidence += &format!("; {} {}", t.model, t.reach_words()),
                None => {
                    if let Some((n, s)) = &best.stop {
                        evidence +=
                            &format!("; stopped at {} ({})", format::count(*n as u64), s.label());
                    }
                }
            }
            Pick {
                model: Some(best.model.clone()),
                confidence: Confidence::Sure,
                evidence,
            }
        })
        .collect();
    Situation {
        what: "Tens of thousands waiting at once",
        setting: "the largest N held, up to each model's OS limit".into(),
        section: Section::Memory,
        picks,
    }
}

fn cpu(view: &View<'_>, columns: &[Column]) -> Situation {
    let mut settings = Vec::new();
    let picks = columns
        .iter()
        .map(|col| {
            let Some(q) = view.crunch_point(col, Workers::All) else {
                return Pick::not_measured("no crunch runs in the sweep");
            };
            if let Question::Crunch { count, work, .. } = &q {
                let s = format!("{count} jobs × {} rounds", format::count(u64::from(*work)));
                if !settings.contains(&s) {
                    settings.push(s);
                }
            }
            let figures = measured(view, &q, col);
            let gil = col.lang == Lang::Python && view.gil_off(col) != Some(true);
            let mut chosen = choose(view, &figures, |d| cpu_preference(d, gil));
            let base = first_figure(view, &q, col, |d| d.family == Family::Sequential);
            // The pick's evidence is still shown; only its confidence goes.
            if let Some(why) = above_cores(view, &figures, base) {
                chosen.confidence = Confidence::Unsure(why);
            }
            pick_words(view, chosen, base, |c| {
                format!("{} {} the speed of {}", c.b.row, c.words(), c.a.row)
            })
        })
        .collect();
    Situation {
        what: "CPU-bound work",
        setting: format!(
            "crunch on {} cores: {}",
            view.results.provenance.logical_cores,
            settings.join("; ")
        ),
        section: Section::Cpu,
        picks,
    }
}

fn mixed(view: &View<'_>, columns: &[Column]) -> Situation {
    let group = crate::group::Group::Mixed;
    let size = view
        .figures()
        .iter()
        .filter_map(|f| match f.question {
            Question::Bench { group: g, size } if g == group => Some(size),
            _ => None,
        })
        .max();
    let picks = columns
        .iter()
        .map(|col| {
            let Some(size) = size else {
                return Pick::not_measured("no mixed benchmark");
            };
            let q = Question::Bench { group, size };
            let figures = measured(view, &q, col);
            if figures.is_empty() {
                return Pick::not_measured("criterion times Rust only");
            }
            let chosen = choose(view, &figures, mixed_preference);
            let one_loop =
                first_figure(view, &q, col, |d| d.family == Family::Async && d.one_thread);
            pick_words(view, chosen, one_loop, |c| {
                format!("{} {} faster than {}", c.b.row, c.words(), c.a.row)
            })
        })
        .collect();
    Situation {
        what: "Mixed: greet, then crunch",
        setting: size.map_or(String::new(), |n| format!("N = {n}")),
        section: Section::Mixed,
        picks,
    }
}

fn rate(view: &View<'_>, columns: &[Column]) -> Situation {
    let lines = crate::section::load::lines(view);
    let picks = columns
        .iter()
        .map(|col| {
            let mine: Vec<_> = lines
                .iter()
                .filter(|l| col.holds(&view.row(&l.model, l.points.first().map(|p| p.record))))
                .filter_map(|l| Some((l, l.knee()?)))
                .collect();
            let held = |k: &crate::section::load::MeasuredKnee| k.held.unwrap_or(0.0);
            let Some(best) = mine.iter().map(|(_, k)| held(k)).reduce(f64::max) else {
                return Pick::not_measured("no rate sweep");
            };
            // Lines whose knee may lie above the best's highest sustained rate cannot be told
            // from it: they are tied, and a tie has no pick (the course's preference only
            // orders the names).
            let (tied, behind): (Vec<_>, Vec<_>) = mine
                .iter()
                .partition(|(_, k)| k.failed.is_none_or(|f| f > best));
            let Some((pick, pk)) = tied.iter().copied().copied().min_by_key(|(l, _)| {
                (
                    view.describe(&l.model).map_or(usize::MAX, io_preference),
                    view.rank_of(&l.model),
                )
            }) else {
                return Pick::not_measured("no rate sweep");
            };
            let mut names: Vec<&str> = vec![pick.model.as_str()];
            names.extend(
                tied.iter()
                    .filter(|(l, _)| !std::ptr::eq(*l, pick))
                    .map(|(l, _)| l.model.as_str()),
            );
            let confidence = match mine.iter().find_map(|(l, _)| l.busy()) {
                Some(n) => Confidence::Unsure(Why::Busy(n)),
                None if tied.len() > 1 => Confidence::Unsure(Why::Tied(format!(
                    "{} sustained the same highest rate",
                    and_list(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                ))),
                None => Confidence::Sure,
            };
            let runner = behind
                .iter()
                .max_by(|a, b| held(&a.1).total_cmp(&held(&b.1)));
            let mut evidence = if tied.len() > 1 {
                let rates: Vec<String> = tied
                    .iter()
                    .map(|(_, k)| k.held.map_or("none".into(), format::rate))
                    .collect();
                let each = if rates.iter().all(|r| *r == rates[0]) {
                    format!("each sustained {}", rates[0])
                } else {
                    tied.iter()
                        .zip(&rates)
                        .map(|((l, _), r)| format!("{} sustained {r}", l.model))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "{} tied: {each}; the rates offered do not tell them apart",
                    and_list(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                )
            } else {
                format!(
                    "{} sustained {}",
                    pick.model,
                    pk.held.map_or("none".into(), format::rate)
                )
            };
            if let Some((r, rk)) = runner {
                evidence += &format!(
                    "; {} sustained {} and fell behind at {}",
                    r.model,
                    rk.held.map_or("none".into(), format::rate),
                    rk.failed.map_or("-".into(), format::rate)
                );
            }
            Pick {
                model: matches!(confidence, Confidence::Sure).then(|| pick.model.clone()),
                confidence,
                evidence,
            }
        })
        .collect();
    Situation {
        what: "A fixed offered rate",
        setting: "the highest rate sustained (open loop)".into(),
        section: Section::Load,
        picks,
    }
}

fn killable(view: &View<'_>, columns: &[Column]) -> Situation {
    let picks = columns
        .iter()
        .map(|col| match col.lang {
            Lang::Rust => rust_kill(view.results),
            Lang::Python => python_kill(view.results),
        })
        .collect();
    Situation {
        what: "Work that must be cancellable or killable",
        setting: "stuck on a host that never replies".into(),
        section: Section::Kill,
        picks,
    }
}

fn rust_kill(r: &Results) -> Pick {
    let Some(k) = r.sweep.as_ref().and_then(|s| s.kill.as_ref()) else {
        return Pick::not_measured("no kill probe");
    };
    let (Some(task), Some(thread)) = (k.aborted_task.ran(), k.detached_thread.ran()) else {
        return Pick::not_measured("the probe's experiments did not run");
    };
    if !(task.as_claimed() && thread.as_claimed()) {
        return Pick {
            model: None,
            confidence: Confidence::Unsure(Why::NoInterval),
            evidence: "the probe did not observe what the course says".into(),
        };
    }
    Pick {
        model: Some("an async task (abort)".into()),
        confidence: Confidence::Sure,
        evidence: format!(
            "abort dropped the task in {}; a thread ran to its {} timeout",
            task.dropped_after_ms
                .map_or("-".into(), |ms| format::time_ns(ms * 1e6)),
            format::time_ns(thread.timeout_ms * 1e6)
        ),
    }
}

fn python_kill(r: &Results) -> Pick {
    let Some(k) = r
        .sweep
        .as_ref()
        .and_then(|s| s.python.as_ref())
        .and_then(|p| p.kill.as_ref())
    else {
        return Pick::not_measured("no Python kill probe");
    };
    if !k.process_killed {
        return Pick {
            model: None,
            confidence: Confidence::Unsure(Why::NoInterval),
            evidence: "the killed process was not reaped before its timeout".into(),
        };
    }
    Pick {
        model: Some("a process (kill)".into()),
        confidence: Confidence::Sure,
        evidence: format!(
            "SIGKILL reaped it in {}; a thread ended only by its {} timeout",
            format::time_ns(k.process_kill_ms * 1e6),
            format::time_s(k.thread_timeout_s)
        ),
    }
}

fn flaky(view: &View<'_>, columns: &[Column]) -> Situation {
    let r = view.results;
    let levels = r.fault_levels();
    let retries = r.fault_retries();
    let (Some(&top), Some(&none), Some(&most)) = (levels.last(), retries.first(), retries.last())
    else {
        return Situation {
            what: "A flaky network",
            setting: String::new(),
            section: Section::Faults,
            picks: columns
                .iter()
                .map(|_| Pick::not_measured("no runs under faults"))
                .collect(),
        };
    };
    let picks = columns
        .iter()
        .map(|col| {
            // Kept greets summed over the models of this column, with the fewest and the most
            // retries, at the highest fault level.
            let kept = |k: u32| -> (u64, u64) {
                r.fault_runs()
                    .filter(|e| {
                        e.request().retries == k
                            && (crate::results::Results::fault_level(e) - top).abs() < 1e-9
                    })
                    .filter(|e| col.holds(&view.row_of(e)))
                    .filter_map(|e| e.record())
                    .filter(|k| crate::view::adds_up(k))
                    .fold((0, 0), |(ok, n), k| {
                        (ok + k.ok as u64, n + k.request.count as u64)
                    })
            };
            let (with, without) = (kept(most), kept(none));
            let (Some(iw), Some(io)) = (
                crate::stats::wilson(with.0, with.1),
                crate::stats::wilson(without.0, without.1),
            ) else {
                return Pick::not_measured("no runs under faults");
            };
            if most == none {
                return Pick::not_measured("no runs with retries");
            }
            let confidence = if iw.lo > io.hi {
                Confidence::Sure
            } else {
                Confidence::Unsure(Why::Straddles { threshold: 1.0 })
            };
            Pick {
                model: matches!(confidence, Confidence::Sure)
                    .then(|| format!("any model, --retries {most}")),
                confidence,
                evidence: format!(
                    "kept {} [{}–{}] with {most} retries, {} without",
                    format::percent(with.0 as f64 / with.1 as f64),
                    format::sig3(iw.lo * 100.0),
                    format::sig3(iw.hi * 100.0),
                    format::percent(without.0 as f64 / without.1 as f64),
                ),
            }
        })
        .collect();
    Situation {
        what: "A flaky network",
        setting: format!(
            "{} of greets broken on purpose",
            format::chosen_percent(top / 100.0)
        ),
        section: Section::Faults,
        picks,
    }
}

/// The memory-tight row's figures in `column`: memory per waiting greet of the models that
/// keep one greet per unit (threads, tasks), and the pick among them.
fn memory_chosen<'v>(view: &'v View<'_>, column: &Column) -> Option<Chosen<'v>> {
    let figures: Vec<&Figure> = view
        .figures()
        .iter()
        .filter(|f| f.question == Question::MemoryPerWaitingGreet && column.holds(&f.row))
        .filter(|f| {
            view.describe(&f.row.model)
                .is_none_or(|d| d.shape == Shape::PerJob)
        })
        .collect();
    (!figures.is_empty()).then(|| choose(view, &figures, io_preference))
}

/// The model the memory-tight row picks in `column`, if it picks one: the claim "async
/// handles thousands" sets threads against the same figure, so the page gives one number
/// for one question.
pub fn memory_pick<'v>(view: &'v View<'_>, column: &Column) -> Option<&'v Figure> {
    memory_chosen(view, column)?.pick
}

fn memory(view: &View<'_>, columns: &[Column]) -> Situation {
    let q = Question::MemoryPerWaitingGreet;
    let picks = columns
        .iter()
        .map(|col| {
            let Some(chosen) = memory_chosen(view, col) else {
                return Pick::not_measured("no memory per waiting greet");
            };
            let threads = first_figure(view, &q, col, |d| {
                d.family == Family::Threads && d.shape == Shape::PerJob
            });
            pick_words(view, chosen, threads, |c| {
                format!("{} {} less memory than {}", c.b.row, c.words(), c.a.row)
            })
        })
        .collect();
    Situation {
        what: MEMORY_TIGHT,
        setting: "resident memory per waiting greet".into(),
        section: Section::Memory,
        picks,
    }
}

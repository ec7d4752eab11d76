//! The course's claims, checked: one row per claim, one column per language (and per Python
//! interpreter), each verdict computed from that column's rows only, with its evidence as
//! ratios and 95 % intervals. A claim about Python's GIL that fails in a language without one
//! reads as the lesson it is, not as a failure.

use askama::Template;
use greet_core::{Description, Family, Lang, Shape};

use crate::format;
use crate::group::spawn;
use crate::results::Results;
use crate::verdict::{self, SPEEDUP, Side, TIE, Verdict, Why};
use crate::view::{Column, Comparison, Figure, Question, View, Workers};

/// How many times a waiting thread must cost a waiting task for threads to "get expensive".
pub const EXPENSIVE: f64 = 2.0;

/// How many times a fresh process must cost a thread for processes to be "slower to spawn".
pub const SLOWER_TO_SPAWN: f64 = 2.0;

/// What share of a fresh process a fork may cost to be "lightweight".
pub const LIGHTWEIGHT: f64 = 0.5;

/// One claim in one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The verdict.
    pub verdict: Verdict,
    /// The evidence, with its numbers.
    pub evidence: String,
}

/// One claim, every column.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRow {
    /// The claim, as the course makes it.
    pub claim: &'static str,
    /// One per column.
    pub cells: Vec<Checked>,
}

/// The claims section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "claims.html")]
pub struct Claims {
    /// The columns' headings.
    pub columns: Vec<String>,
    /// The claims.
    pub rows: Vec<ClaimRow>,
    /// The speedup threshold, in words.
    pub speedup: String,
}

impl askama::filters::HtmlSafe for Claims {}

/// The claims, as the course states them, in page order.
pub const CLAIMS: [&str; 7] = [
    "Threads give no CPU speedup (the GIL).",
    "For CPU-bound work, for all intents and purposes, use multiprocessing.",
    "Processes are slower to spawn than threads.",
    "fork is lightweight on Linux.",
    "Async is not parallel, so it gives no CPU speedup.",
    "Async handles thousands of connections where threads get expensive.",
    "A thread cannot be killed, but a process can.",
];

/// Builds the section.
pub fn build(view: &View<'_>) -> Claims {
    let columns = view.columns().to_vec();
    let several = columns.len() > 2;
    let rows = CLAIMS
        .iter()
        .enumerate()
        .map(|(i, claim)| ClaimRow {
            claim,
            cells: columns.iter().map(|c| check(view, c, i)).collect(),
        })
        .collect();
    Claims {
        columns: columns.iter().map(|c| c.heading(several)).collect(),
        rows,
        speedup: format::chosen_ratio(SPEEDUP),
    }
}

/// The claim numbered `i` of [`CLAIMS`], in `column`.
pub fn check(view: &View<'_>, column: &Column, i: usize) -> Checked {
    match i {
        0 => threads_give_no_speedup(view, column),
        1 => use_multiprocessing(view, column),
        2 => processes_slower_to_spawn(view, column),
        3 => fork_is_lightweight(view, column),
        4 => async_is_not_parallel(view, column),
        5 => async_handles_thousands(view, column),
        _ => threads_cannot_be_killed(view, column),
    }
}

fn not_measured(what: &str) -> Checked {
    Checked {
        verdict: Verdict::NotMeasured,
        evidence: format!("No {what} in these results."),
    }
}

/// Whether no model of `column` runs under a global interpreter lock: a claim resting on the
/// GIL then reads as the lesson.
fn gil_free(view: &View<'_>, column: &Column) -> bool {
    view.gil_off(column).unwrap_or_else(|| {
        !view
            .models()
            .iter()
            .any(|m| m.lang() == column.lang && m.is(|d| d.gil))
    })
}

/// Each model of `column` that `keep` selects with its speedup over the baseline, every core.
fn speedups<'v>(
    view: &'v View<'_>,
    column: &Column,
    keep: impl Fn(&Description) -> bool,
) -> Option<(Question, Vec<Comparison<'v>>)> {
    let q = view.crunch_point(column, Workers::All)?;
    let base = view.baseline(column.lang)?;
    let bf = view.figure(&q, &view.row_in(&base.name, column))?;
    let out = view
        .models_where(column.lang, keep)
        .into_iter()
        .filter_map(|m| view.figure(&q, &view.row_in(&m.name, column)))
        .filter_map(|f| view.compare(bf, f))
        .collect();
    Some((q, out))
}

/// "threads 1.21× [1.20–1.25] on one OS thread per job".
fn credited(view: &View<'_>, cs: &[Comparison<'_>]) -> String {
    cs.iter()
        .map(|c| {
            let on = view
                .describe(&c.b.row.model)
                .map(|d| d.crunch_on.as_str())
                .filter(|s| !s.is_empty());
            match on {
                Some(on) => format!("{} {} ({on})", c.b.row, c.words()),
                None => format!("{} {}", c.b.row, c.words()),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The crunch's size and the machine's cores, in words.
fn crunch_words(view: &View<'_>, q: &Question) -> String {
    match q {
        Question::Crunch { count, work, .. } => format!(
            "{count} crunch jobs × {} rounds on {} cores",
            format::count(u64::from(*work)),
            view.results.provenance.logical_cores
        ),
        _ => String::new(),
    }
}

/// One core cannot speed anything up: the CPU claims need two.
fn one_core(view: &View<'_>) -> Option<Checked> {
    (view.results.provenance.logical_cores < 2).then(|| Checked {
        verdict: Verdict::NotMeasured,
        evidence: "Measured on one core, where no model can speed CPU work up: it takes at \
                   least two cores to test this claim."
            .into(),
    })
}

/// The first undecided reason among `sides`.
fn first_unsure(sides: &[Side]) -> Option<Why> {
    sides.iter().find_map(|s| match s {
        Side::Unsure(w) => Some(w.clone()),
        _ => None,
    })
}

fn threads_give_no_speedup(view: &View<'_>, column: &Column) -> Checked {
    if let Some(c) = one_core(view) {
        return c;
    }
    let Some((q, threads)) =
        speedups(view, column, |d| d.family == Family::Threads).filter(|(_, t)| !t.is_empty())
    else {
        return not_measured("crunch run with every core of a threads model and its baseline");
    };
    let base = threads[0].a.row.model.clone();
    let cores = view.results.provenance.logical_cores;
    let sides: Vec<Side> = threads
        .iter()
        .map(|c| verdict::speedup_side(c, cores))
        .collect();
    let (sped, rest): (Vec<_>, Vec<_>) = threads
        .iter()
        .zip(&sides)
        .partition(|(_, s)| **s == Side::Above);
    let sped: Vec<Comparison<'_>> = sped.into_iter().map(|(c, _)| *c).collect();
    let rest: Vec<Comparison<'_>> = rest.into_iter().map(|(c, _)| *c).collect();
    let mut evidence = format!(
        "Speed over {base}'s, {} (a speedup counts from {}, its whole interval above it): ",
        crunch_words(view, &q),
        format::chosen_ratio(SPEEDUP)
    );
    let verdict = if !sped.is_empty() {
        // Only what cleared the threshold is cited for the verdict; the rest is named apart.
        evidence += &format!("{}.", credited(view, &sped));
        if !rest.is_empty() {
            evidence += &format!(
                " Not counted (under or across {}): {}.",
                format::chosen_ratio(SPEEDUP),
                credited(view, &rest)
            );
        }
        if gil_free(view, column) {
            evidence += &format!(
                " {} sped up past {}: no global lock holds these threads to one core.",
                sped.iter()
                    .map(|c| c.b.row.model.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                format::chosen_ratio(SPEEDUP)
            );
            Verdict::Lesson(format!(
                "a lesson: no GIL in {}, so threads run in parallel",
                column.heading(true)
            ))
        } else {
            evidence += " Threads under a GIL sped up: an interpreter without one, or its GIL off.";
            Verdict::DoesNotHold
        }
    } else if sides.iter().all(|s| *s == Side::Below) {
        evidence += &format!(
            "{}. Every one stayed under {}.",
            credited(view, &threads),
            format::chosen_ratio(SPEEDUP)
        );
        Verdict::Holds
    } else {
        evidence += &format!("{}.", credited(view, &threads));
        Verdict::Inconclusive(first_unsure(&sides).unwrap_or(Why::NoInterval))
    };
    Checked { verdict, evidence }
}

fn use_multiprocessing(view: &View<'_>, column: &Column) -> Checked {
    if let Some(c) = one_core(view) {
        return c;
    }
    let Some(q) = view.crunch_point(column, Workers::All) else {
        return not_measured("crunch run with every core");
    };
    let fig = |d: &Description| view.figure(&q, &view.row_in(&d.name, column));
    let procs: Vec<&Figure> = view
        .models_where(column.lang, |d| d.family == Family::Processes)
        .into_iter()
        .filter_map(|m| fig(m.description.as_ref()?))
        .collect();
    let Some(best) = procs
        .iter()
        .copied()
        .min_by(|a, b| a.median.total_cmp(&b.median))
    else {
        return not_measured("crunch run with every core of a processes model");
    };
    // The rivals: every other model that could use more than one core for the crunch.
    let rivals: Vec<Comparison<'_>> = view
        .models_where(column.lang, |d| {
            !matches!(d.family, Family::Processes | Family::Sequential) && !d.one_thread
        })
        .into_iter()
        .filter_map(|m| fig(m.description.as_ref()?))
        .filter_map(|f| view.compare(f, best))
        .collect();
    let base = view
        .baseline(column.lang)
        .and_then(|b| view.figure(&q, &view.row_in(&b.name, column)));
    let proc_speedup = base.and_then(|b| view.compare(b, best));
    let mut evidence = format!(
        "{} (processes count as a speedup from {}; another model ties with them within {} of their time): ",
        crunch_words(view, &q),
        format::chosen_ratio(SPEEDUP),
        format::chosen_ratio(TIE)
    );
    if let Some(s) = &proc_speedup {
        evidence += &format!("{} reached {} its baseline's speed. ", best.row, s.words());
    }
    if rivals.is_empty() {
        return Checked {
            verdict: Verdict::NotMeasured,
            evidence: evidence + "No other parallel model to set it against.",
        };
    }
    evidence += &format!(
        "Time of each other model over {}'s: {}.",
        best.row,
        rivals
            .iter()
            .map(|c| format!("{} {}", c.a.row, c.words()))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let cores = view.results.provenance.logical_cores;
    if let Some(Side::Unsure(why)) = proc_speedup.map(|s| verdict::speedup_side(&s, cores))
        && matches!(why, Why::OutOfRange(_))
    {
        return Checked {
            verdict: Verdict::Inconclusive(why),
            evidence,
        };
    }
    if let Some(Side::Below) = proc_speedup.map(|s| verdict::speedup_side(&s, cores)) {
        evidence += " Processes did not speed the crunch up here.";
        return Checked {
            verdict: Verdict::DoesNotHold,
            evidence,
        };
    }
    let sides: Vec<Side> = rivals.iter().map(|c| verdict::side(c, TIE)).collect();
    let verdict = if sides.contains(&Side::Below) {
        if gil_free(view, column) {
            evidence += &format!(
                " Without processes, a model came within {} of them: its threads use the cores, and processes add start-up and pipes.",
                format::chosen_ratio(TIE)
            );
            Verdict::Lesson(format!(
                "a lesson: no GIL in {}, so threads do it in one process",
                column.heading(true)
            ))
        } else {
            Verdict::DoesNotHold
        }
    } else if sides.iter().all(|s| *s == Side::Above) {
        evidence += &format!(
            " Every other model took over {} as long.",
            format::chosen_ratio(TIE)
        );
        Verdict::Holds
    } else {
        Verdict::Inconclusive(first_unsure(&sides).unwrap_or(Why::NoInterval))
    };
    Checked { verdict, evidence }
}

/// The spawn figure of `kind` in `column`.
fn spawn_figure<'v>(view: &'v View<'_>, column: &Column, kind: &str) -> Option<&'v Figure> {
    view.figures().iter().find(|f| {
        matches!(&f.question, Question::Spawn { kind: k } if k == kind) && column.holds(&f.row)
    })
}

fn processes_slower_to_spawn(view: &View<'_>, column: &Column) -> Checked {
    let (Some(p), Some(t)) = (
        spawn_figure(view, column, spawn::PROCESS),
        spawn_figure(view, column, spawn::THREAD),
    ) else {
        return not_measured("spawn costs of both a process and a thread");
    };
    let Some(c) = view.compare(p, t) else {
        return not_measured("spawn costs to compare");
    };
    Checked {
        verdict: verdict::claim(&c, SLOWER_TO_SPAWN, true),
        evidence: format!(
            "Starting a fresh process and waiting for it took {}, a thread {}: {} as long (the claim needs over {}).",
            format::time_ns(p.median),
            format::time_ns(t.median),
            c.words(),
            format::chosen_ratio(SLOWER_TO_SPAWN)
        ),
    }
}

fn fork_is_lightweight(view: &View<'_>, column: &Column) -> Checked {
    let (Some(f), Some(p)) = (
        spawn_figure(view, column, spawn::FORK),
        spawn_figure(view, column, spawn::PROCESS),
    ) else {
        return not_measured("spawn costs of a fork and a fresh process");
    };
    let Some(c) = view.compare(f, p) else {
        return not_measured("spawn costs to compare");
    };
    let mut evidence = format!(
        "A fork took {}, a fresh process (fork and exec) {}: {} as long (lightweight: under {})",
        format::time_ns(f.median),
        format::time_ns(p.median),
        c.words(),
        format::chosen_ratio(LIGHTWEIGHT)
    );
    if let Some(t) = spawn_figure(view, column, spawn::THREAD)
        && let Some(ct) = view.compare(f, t)
    {
        evidence += &format!("; still {} a thread's cost", ct.words());
    }
    evidence.push('.');
    Checked {
        verdict: verdict::claim(&c, LIGHTWEIGHT, false),
        evidence,
    }
}

fn async_is_not_parallel(view: &View<'_>, column: &Column) -> Checked {
    if let Some(c) = one_core(view) {
        return c;
    }
    let Some((q, one)) = speedups(view, column, |d| d.family == Family::Async && d.one_thread)
        .filter(|(_, v)| !v.is_empty())
    else {
        return not_measured("crunch run of an async model on one thread, and its baseline");
    };
    let several = speedups(view, column, |d| d.family == Family::Async && !d.one_thread)
        .map(|(_, v)| v)
        .unwrap_or_default();
    let cores = view.results.provenance.logical_cores;
    let sides: Vec<Side> = one
        .iter()
        .map(|c| verdict::speedup_side(c, cores))
        .collect();
    let mut evidence = format!(
        "Speed over the baseline's, {}, with every task on one thread (a speedup counts from {}): {}.",
        crunch_words(view, &q),
        format::chosen_ratio(SPEEDUP),
        credited(view, &one)
    );
    if !several.is_empty() {
        evidence += &format!(
            " Async runtimes with several threads speed up through the threads they crunch on: {}.",
            credited(view, &several)
        );
    }
    let verdict = if sides.contains(&Side::Above) {
        evidence += " An event loop on one thread sped up: parallel after all.";
        Verdict::DoesNotHold
    } else if sides.iter().all(|s| *s == Side::Below) {
        evidence += &format!(" It stayed under {}.", format::chosen_ratio(SPEEDUP));
        Verdict::Holds
    } else {
        Verdict::Inconclusive(first_unsure(&sides).unwrap_or(Why::NoInterval))
    };
    Checked { verdict, evidence }
}

fn async_handles_thousands(view: &View<'_>, column: &Column) -> Checked {
    let q = Question::MemoryPerWaitingGreet;
    let fig = |d: &Description| view.figure(&q, &view.row_in(&d.name, column));
    let Some(threads) = view
        .models_where(column.lang, |d| {
            d.family == Family::Threads && d.shape == Shape::PerJob
        })
        .into_iter()
        .find_map(|m| fig(m.description.as_ref()?))
    else {
        return not_measured("memory per waiting greet of a thread-per-job model");
    };
    let asyncs: Vec<&Figure> = view
        .models_where(column.lang, |d| d.family == Family::Async)
        .into_iter()
        .filter_map(|m| fig(m.description.as_ref()?))
        .collect();
    // The async model the answer's memory-tight row picks, so that the claim and the answer
    // give one figure for one question; the cheapest async model where it picks none.
    let picked = crate::section::answer::memory_pick(view, column)
        .filter(|p| asyncs.iter().any(|a| std::ptr::eq(*a, *p)));
    let Some(cheapest) = picked.or_else(|| {
        asyncs
            .iter()
            .copied()
            .min_by(|a, b| a.median.total_cmp(&b.median))
    }) else {
        return not_measured("memory per waiting greet of an async model");
    };
    let which = if picked.is_some() {
        "the answer's memory pick"
    } else {
        "the cheapest async model"
    };
    let Some(c) = view.compare(threads, cheapest) else {
        return not_measured("memory figures to compare");
    };
    let reach = crate::section::memory::reaches(view);
    let reach_of = |name: &str| {
        reach
            .iter()
            .find(|m| m.model == name)
            .map(|m| m.reach_words())
    };
    let mut evidence = format!(
        "A waiting thread ({}) cost {}, a waiting task ({}, {which}) {}: {} as much (the claim \
         needs over {}; {} of {}). ",
        threads.row,
        threads.words(),
        cheapest.row,
        cheapest.words(),
        c.words(),
        format::chosen_ratio(EXPENSIVE),
        "memory per waiting greet, the median over the sizes each held",
        threads.source.words()
    );
    if let (Some(t), Some(a)) = (reach_of(&threads.row.model), reach_of(&cheapest.row.model)) {
        evidence += &format!("{} {t}; {} {a}.", threads.row, cheapest.row);
    }
    Checked {
        verdict: verdict::claim(&c, EXPENSIVE, true),
        evidence,
    }
}

fn threads_cannot_be_killed(view: &View<'_>, column: &Column) -> Checked {
    match column.lang {
        Lang::Rust => rust_kill_claim(view.results),
        Lang::Python => python_kill_claim(view.results),
    }
}

fn rust_kill_claim(r: &Results) -> Checked {
    let Some(k) = r.sweep.as_ref().and_then(|s| s.kill.as_ref()) else {
        return not_measured("kill probe (it runs with the sweep)");
    };
    // The claim rests on the probe's first experiment, a thread nothing stopped, and its
    // fourth, a process SIGKILL did; its fifth can refute it (a thread that died alone was
    // killed). The other experiments are the ways out the course teaches instead: the kill
    // section shows them, with the probe's own numbers. Here the three shown are numbered
    // (1) to (3) as they appear.
    const SHOWN: [usize; 3] = [0, 3, 4];
    let (blocked, killed, signalled) = (1, 2, 3);
    let rows = k.rows();
    let mut evidence = SHOWN
        .iter()
        .enumerate()
        .filter_map(|(n, &i)| {
            rows.get(i)
                .map(|r| format!("({}) {}: {}", n + 1, r.tried, r.figure))
        })
        .collect::<Vec<_>>()
        .join("; ");
    evidence.push('.');
    let (Some(thread), Some(process)) = (k.detached_thread.ran(), k.killed_process.ran()) else {
        return Checked {
            verdict: Verdict::NotMeasured,
            evidence,
        };
    };
    let mut against = Vec::new();
    if !thread.as_claimed() {
        against.push(format!(
            "the detached thread did not stay blocked until its own timeout ({blocked})"
        ));
    }
    if !process.as_claimed() {
        against.push(format!(
            "the worker process was not seen killed by SIGKILL, reaped and disconnected ({killed})"
        ));
    }
    if k.signalled_thread.ran().is_some_and(|s| !s.as_claimed()) {
        against.push(format!(
            "a signal to one thread did not end the whole process ({signalled})"
        ));
    }
    let verdict = if against.is_empty() {
        Verdict::Holds
    } else {
        evidence += &format!(" Against the claim: {}.", against.join("; "));
        Verdict::DoesNotHold
    };
    Checked { verdict, evidence }
}

fn python_kill_claim(r: &Results) -> Checked {
    let Some(k) = r
        .sweep
        .as_ref()
        .and_then(|s| s.python.as_ref())
        .and_then(|p| p.kill.as_ref())
    else {
        return not_measured("Python kill probe (python/spawn_cost.py)");
    };
    let by_timeout = k.thread_ended_after_s >= 0.9 * k.thread_timeout_s;
    let evidence = format!(
        "A thread stuck on a silent host ended after {}, its own timeout being {}; a worker process sent SIGKILL was reaped after {}{}.",
        format::time_s(k.thread_ended_after_s),
        format::time_s(k.thread_timeout_s),
        format::time_ns(k.process_kill_ms * 1e6),
        if k.process_killed {
            ""
        } else {
            ", but not before its own timeout"
        }
    );
    let verdict = if by_timeout && k.process_killed {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    };
    Checked { verdict, evidence }
}

//! "At the floor: what the harness costs": each model of a thread or task per greet beside the
//! bare client of its kind (one OS thread per greet, tokio tasks, asyncio's gather...), run in
//! interleaved pairs against the same hosts by the sweep. A model's wall time over its floor
//! client's is what greetbench's harness and the model's own choices cost.
//!
//! The ratio and its interval are greet-core's ([`FloorPairs::ratio`], order statistics of
//! the pairs' ratios), the same that `greetbench compare --floor` prints; with fewer than six
//! pairs no interval reaches 95 % and the row says so. Floor clients count only the replies
//! they got, so no pick or claim rests on them: this section only reports.

use askama::Template;
use greet_core::Family;
use greet_core::floor::{self, FloorPair, FloorPairs, Ratio, Verdict};

use crate::format;
use crate::section::{Cell, Table};
use crate::view::View;

/// The floor section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "floor.html")]
pub struct Floor {
    /// One row per model measured beside its floor client.
    pub table: Option<Table>,
    /// N and L in words.
    pub setting: String,
    /// The io_uring model against the tokio model, when both were measured.
    pub uring: Option<String>,
}

impl askama::filters::HtmlSafe for Floor {}

/// The ratio of `p` in the page's words, and whether its interval reaches 95 %.
fn ratio_words(r: &Ratio) -> (String, bool) {
    let sure = r.coverage >= floor::COVERAGE;
    let words = format!(
        "{} [{}–{}]",
        format::ratio(r.median),
        format::sig3(r.low),
        format::sig3(r.high)
    );
    if sure {
        (words, true)
    } else {
        (
            format!(
                "{words}: too few pairs ({}) for a 95 % interval; the range covers the median \
                 with {}",
                r.n,
                format::percent(r.coverage)
            ),
            false,
        )
    }
}

/// Builds the section.
pub fn build(view: &View<'_>) -> Floor {
    let all: &[FloorPairs] = view.results.sweep.as_ref().map_or(&[], |s| &s.floor);
    let Some(first) = all.first() else {
        return Floor {
            table: None,
            setting: String::new(),
            uring: None,
        };
    };
    let mut t = Table::new(
        "floor-table",
        &[
            "model",
            "floor client",
            "pairs kept",
            "model, median",
            "floor, median",
            "model ÷ floor, median [95 %]",
            "target",
        ],
    )
    .left(&["floor client", "model ÷ floor, median [95 %]", "target"]);
    let mut pairs: Vec<&FloorPairs> = all.iter().collect();
    pairs.sort_by_key(|p| view.rank_of(&p.model));
    for p in pairs {
        let median = |f: fn(&FloorPair) -> f64| {
            Ratio::of(p.pairs.iter().map(f)).map_or("-".into(), |r| format::time_s(r.median))
        };
        let target = floor::target(view.lang_of(&p.model));
        let (ratio, verdict) = match p.ratio() {
            Some(r) => {
                let (words, sure) = ratio_words(&r);
                let v = if sure {
                    r.against(target)
                } else {
                    Verdict::Inconclusive
                };
                let class = match v {
                    Verdict::Within => "holds",
                    Verdict::Over => "nothold",
                    Verdict::Inconclusive => "unsure",
                };
                (
                    Cell::words(words),
                    Cell::words(format!("{}: {}", format::ratio(target), v.word())).class(class),
                )
            }
            None => (Cell::words("no pair kept").class("none"), Cell::words("-")),
        };
        let mut kept = Cell::num(format!(
            "{} of {}",
            p.pairs.len(),
            p.pairs.len() + p.dropped.len()
        ));
        if let Some(why) = p.dropped.first() {
            kept = kept.note(why.clone());
        }
        t.push(vec![
            Cell::name(p.model.clone()),
            Cell::words(p.floor.name()),
            kept,
            Cell::num(median(|x| x.model_wall_s)),
            Cell::num(median(|x| x.floor_wall_s)),
            ratio,
            verdict,
        ]);
    }
    Floor {
        table: Some(t),
        setting: format!(
            "N = {} greets, L = {}",
            format::count(first.count as u64),
            format::time_s(first.latency_s)
        ),
        uring: uring(view, all),
    }
}

/// The io_uring model (the async model on compio's runtime crate) against the first other
/// async model on several threads measured beside the same floor client (in the registry's
/// order: tokio's), in one sentence of what the results hold.
fn uring(view: &View<'_>, all: &[FloorPairs]) -> Option<String> {
    let is_async = |p: &FloorPairs| {
        view.describe(&p.model)
            .is_some_and(|d| d.family == Family::Async && !d.one_thread)
    };
    let on_uring = |p: &FloorPairs| {
        view.describe(&p.model)
            .and_then(|d| d.runtime.as_ref())
            .is_some_and(|r| r.name == crate::provenance::URING_RUNTIME)
    };
    let first = |keep: &dyn Fn(&FloorPairs) -> bool| {
        all.iter()
            .filter(|p| is_async(p) && keep(p))
            .min_by_key(|p| view.rank_of(&p.model))
            .and_then(|p| Some((p, p.ratio()?)))
    };
    let (u, ur) = first(&on_uring)?;
    let (e, er) = first(&|p: &FloorPairs| !on_uring(p) && p.floor == u.floor)?;
    let (uw, _) = ratio_words(&ur);
    let (ew, _) = ratio_words(&er);
    Some(format!(
        "{} (io_uring: completion-based, each greet's operations submitted to a ring) took \
         {uw} the time of its floor client ({}); {} (epoll) took {ew} beside the same client. \
         What each does per greet in system calls and ring submissions is counted with perf or \
         strace, not by this file.",
        u.model,
        u.floor.name(),
        e.model,
    ))
}

//! The busy banner under the title: which measurements of this run were taken on a busy machine
//! (criterion's groups by name, the sweep's runs by count), that the figures from them read
//! inconclusive, and how many of the answer's picks that leaves undecided. It is computed from
//! the view and from the answer the page shows, so it cannot say "every comparison" while the
//! answer below it gives sure picks from quiet measurements.

use greet_core::record::{Noise, RunResult};

use crate::format;
use crate::section::answer::Answer;
use crate::section::busy_threshold;
use crate::verdict::{Confidence, Why};
use crate::view::View;

/// The banner, when any group or sweep run was measured on a busy machine.
pub fn banner(view: &View<'_>, answer: &Answer) -> Option<String> {
    let r = view.results;
    let groups: Vec<String> = r
        .noise
        .iter()
        .filter(|g| g.busy())
        .map(|g| {
            format!(
                "{} (others' CPU {})",
                g.group,
                format::noise(g.noise.other_busy)
            )
        })
        .collect();
    let noted: Vec<Noise> = r
        .runs()
        .chain(r.fault_runs())
        .chain(r.sweep.iter().flat_map(|s| s.rates.iter()))
        .filter_map(RunResult::record)
        .filter_map(|k| k.noise)
        .collect();
    let busy_runs = noted.iter().filter(|n| n.busy()).count();
    if groups.is_empty() && busy_runs == 0 {
        return None;
    }
    let mut parts = Vec::new();
    if !groups.is_empty() {
        parts.push(format!(
            "criterion's group{} {}",
            if groups.len() == 1 { "" } else { "s" },
            and_list(&groups)
        ));
    }
    if busy_runs > 0 {
        parts.push(format!(
            "{} of the {} sweep runs that recorded their noise",
            format::count(busy_runs as u64),
            format::count(noted.len() as u64)
        ));
    }
    let picks: Vec<_> = answer.rows.iter().flat_map(|s| s.picks.iter()).collect();
    let unsure = picks
        .iter()
        .filter(|p| matches!(p.confidence, Confidence::Unsure(Why::Busy(_))))
        .count();
    let answer_words = match unsure {
        0 => "None of the answer's picks reads inconclusive for this: the figures it decided \
              on were measured quietly."
            .to_string(),
        n => format!(
            "{} of the answer's {} picks read inconclusive for this (◐).",
            format::count(n as u64),
            format::count(picks.len() as u64)
        ),
    };
    let whole = view
        .run_noise()
        .map(|n| {
            format!(
                " Over the whole run, weighted by wall time: others' CPU {}, steal {}.",
                format::noise(n.other_busy),
                format::noise(n.steal)
            )
        })
        .unwrap_or_default();
    Some(format!(
        "Part of this run was measured on a busy machine ({}): {}. Every comparison with a \
         figure from them reads inconclusive; run again on a quiet machine to decide it. \
         {answer_words}{whole}",
        busy_threshold(),
        parts.join("; ")
    ))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

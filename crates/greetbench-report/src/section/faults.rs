//! "A flaky network": every model under faults the greet server injects on purpose, with and
//! without retries. Each model's share of greets kept comes with Wilson's 95 % interval; a run
//! whose counts do not add up (`ok + errors != count`) is shown as such, never as a share.

use askama::Template;
use greet_core::record::{RunRecord, RunResult};

use crate::format;
use crate::results::Results;
use crate::section::{Cell, Table};
use crate::stats;
use crate::view::{View, adds_up};

/// The faults section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "faults.html")]
pub struct Faults {
    /// What the runs were, in a sentence.
    pub setup: Option<String>,
    /// Kept shares at the highest level, with the fewest and the most retries.
    pub summary: Option<Table>,
    /// Every model at every level and number of retries.
    pub grid: Option<Table>,
}

impl askama::filters::HtmlSafe for Faults {}

/// "kept 90.1 % [88.2–91.8]", or why there is no share.
fn kept(k: &RunRecord) -> String {
    if !adds_up(k) {
        return format!(
            "counts do not add up: {} ok + {} errors ≠ {} asked",
            k.ok, k.errors, k.request.count
        );
    }
    match stats::wilson(k.ok as u64, k.request.count as u64) {
        Some(i) => format!(
            "{} [{}–{}]",
            format::percent(k.ok as f64 / k.request.count as f64),
            format::sig3(i.lo * 100.0),
            format::sig3(i.hi * 100.0)
        ),
        None => "no greets asked".into(),
    }
}

/// One cell of the grid.
fn cell(run: Option<&RunResult>) -> Cell {
    let Some(e) = run else {
        return Cell::num("-");
    };
    let Some(k) = e.record() else {
        return Cell::words(format!("no figures: {}", e.message().unwrap_or_default()))
            .class("limit");
    };
    let kinds = k
        .errors_by_kind
        .iter()
        .map(|(kind, n)| {
            let name = serde_json::to_string(kind).unwrap_or_default();
            format!("{} {n}", name.trim_matches('"'))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let c = Cell::num(format!(
        "{} ok, {} errors {}",
        k.ok,
        k.errors,
        if adds_up(k) { "✓" } else { "✗" }
    ))
    .note(format!(
        "{}; wall {}, p99 {}",
        if kinds.is_empty() {
            "no errors".into()
        } else {
            kinds
        },
        format::time_s(k.wall_s),
        k.latency_p99_ms
            .map_or("-".into(), |v| format::time_ns(v * 1e6))
    ));
    if adds_up(k) { c } else { c.class("limit") }
}

/// Builds the section.
pub fn build(view: &View<'_>) -> Faults {
    let r = view.results;
    let levels = r.fault_levels();
    let retries = r.fault_retries();
    let Some(sample) = r
        .fault_runs()
        .max_by(|a, b| Results::fault_level(a).total_cmp(&Results::fault_level(b)))
    else {
        return Faults {
            setup: None,
            summary: None,
            grid: None,
        };
    };
    // One pass: each run under its (model, level, retries).
    let mut runs: std::collections::HashMap<(String, u64, u32), &RunResult> = Default::default();
    for e in r.fault_runs() {
        let q = e.request();
        runs.entry((
            q.model.clone(),
            Results::fault_level(e).to_bits(),
            q.retries,
        ))
        .or_insert(e);
    }
    let mut models: Vec<String> = runs.keys().map(|k| k.0.clone()).collect();
    models.sort_by_key(|m| (view.rank_of(m), m.clone()));
    models.dedup();
    let q = sample.request();
    let total = q.hosts.faults.per_greet_total();
    let mix = q
        .hosts
        .faults
        .rates
        .iter()
        .filter(|(_, rate)| **rate > 0.0)
        .map(|(k, rate)| format!("{k} {}", format::chosen_percent(rate / total.max(1e-9))))
        .collect::<Vec<_>>()
        .join(", ");
    let setup = format!(
        "Each model ran {} greets over {} hosts at L = {}, while the greet server broke a share \
         of them on purpose (--fault, seed {}), with no retries and with retries (--retries: \
         exponential backoff with jitter, every attempt bounded by the {} timeout). The mix of \
         faults: {mix}.",
        q.count,
        q.hosts.hosts,
        format::latency(q.hosts.latency),
        q.hosts.faults.seed,
        format::latency(q.timeout)
    );
    let get = |m: &str, level: f64, k: u32| runs.get(&(m.to_owned(), level.to_bits(), k)).copied();
    let summary = match (levels.last(), retries.first(), retries.last()) {
        (Some(&top), Some(&none), Some(&most)) => {
            let mut head = vec![
                "model".to_string(),
                format!(
                    "kept at {} faults, {none} retries [95 %]",
                    format::chosen_percent(top / 100.0)
                ),
            ];
            if most != none {
                head.push(format!("with {most} retries [95 %]"));
            }
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            let mut t = Table::new("faults-summary", &head);
            for m in &models {
                let mut cells = vec![Cell::name(m.clone())];
                for k in [none, most]
                    .into_iter()
                    .take(if most == none { 1 } else { 2 })
                {
                    cells.push(match get(m, top, k).and_then(RunResult::record) {
                        Some(rec) => {
                            let c = Cell::num(kept(rec));
                            if adds_up(rec) { c } else { c.class("limit") }
                        }
                        None => Cell::num("-"),
                    });
                }
                t.push(cells);
            }
            Some(t)
        }
        _ => None,
    };
    let mut head = vec!["model".to_string()];
    for level in &levels {
        for k in &retries {
            head.push(format!(
                "{} faults, {k} retries",
                format::chosen_percent(level / 100.0)
            ));
        }
    }
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut grid = Table::new("faults-grid", &head);
    for m in &models {
        let mut cells = vec![Cell::name(m.clone())];
        for level in &levels {
            for k in &retries {
                cells.push(cell(get(m, *level, *k)));
            }
        }
        grid.push(cells);
    }
    Faults {
        setup: Some(setup),
        summary,
        grid: Some(grid),
    }
}

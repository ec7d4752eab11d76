//! "Appendix: every run of the sweep": one row per run, in a closed box. Each row is one run
//! in a fresh child process; a run whose counts do not add up says so.

use askama::Template;
use greet_core::record::{RunRecord, Status};
use greet_core::{Family, Workload};

use crate::format;
use crate::section::{Cell, Table, TableRow};
use crate::view::{View, adds_up, all_waited, stopped_by};

/// The most rows the appendix shows; the rest are counted, not listed.
pub const MOST_ROWS: usize = 2_000;

/// The sweep appendix's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "sweep.html")]
pub struct SweepTable {
    /// The runs.
    pub table: Option<Table>,
    /// How many runs there are.
    pub runs: usize,
    /// How many were left out past [`MOST_ROWS`].
    pub left_out: usize,
}

impl askama::filters::HtmlSafe for SweepTable {}

/// The threads that could have run at once in `k`: one for a model that runs every job on one
/// thread, else its peak threads, at most the machine's cores. A tick-sampled CPU sum above
/// wall × this is the sampling's error, not a figure.
fn threads(view: &View<'_>, k: &RunRecord) -> u64 {
    let one = view
        .describe(&k.request.model)
        .is_some_and(|d| d.one_thread || d.family == Family::Sequential);
    if one {
        1
    } else {
        let cores = view.results.provenance.logical_cores.max(1) as u64;
        k.peak_threads.clamp(1, cores)
    }
}

/// (peak − baseline RSS) ÷ N, only for a greet run whose N greets all waited at once (the only
/// runs where it is a cost per waiting greet; #memory's figure also counts kernel memory and
/// shared pages once, so the two differ); "–" elsewhere, and where the peak fell under the
/// baseline (never a 0 from an underflow). Test: `tests/reread.rs`.
fn growth_per_waiting(k: &RunRecord) -> String {
    let greet = k.request.workload == Workload::Greet;
    if !greet || !all_waited(k) || k.peak_rss_kib < k.baseline_rss_kib {
        return "–".into();
    }
    format::sig3(k.kib_per_job())
}

/// Builds the section.
pub fn build(view: &View<'_>) -> SweepTable {
    let r = view.results;
    let Some(s) = &r.sweep else {
        return SweepTable {
            table: None,
            runs: 0,
            left_out: 0,
        };
    };
    let mut t = Table::new(
        "sweep-table",
        &[
            "model",
            "workload",
            "N",
            "L",
            "K",
            "wall",
            "CPU, start-up included (exact total; ≈: tick-sampled, older records)",
            "peak RSS",
            "RSS growth ÷ N, KiB (where all N waited at once)",
            "peak threads",
            "ctx vol / invol",
            "others' CPU",
            "outcome",
        ],
    )
    .left(&["workload", "outcome"]);
    for e in s.entries.iter().take(MOST_ROWS) {
        let q = e.request();
        let mut cells = vec![
            Cell::name(q.model.clone()),
            Cell::words(q.workload.name()),
            Cell::num(format::count(q.count as u64)),
            Cell::num(format::latency(q.hosts.latency)),
            Cell::num(q.workers.map_or("-".into(), |k| k.to_string())),
        ];
        match e.record() {
            Some(k) => cells.extend([
                Cell::num(format::time_s(k.wall_s)),
                // The exact total where the record keeps it; older records only have the
                // kernel's tick-sampled user/system split, whose sum is approximate.
                Cell::num(match k.cpu_total_s {
                    Some(total) => format::time_s(total),
                    None if k.cpu_s() - k.start_cpu_s.unwrap_or(0.0)
                        > k.wall_s * threads(view, k) as f64 =>
                    {
                        "≈ – (ticks above wall × threads)".into()
                    }
                    None => format!("≈ {}", format::time_s(k.cpu_s())),
                }),
                Cell::num(format::kib(k.peak_rss_kib as f64)),
                Cell::num(growth_per_waiting(k)),
                Cell::num(k.peak_threads.to_string()),
                Cell::num(format!("{} / {}", k.ctx_voluntary, k.ctx_involuntary)),
                Cell::num(k.noise.map_or("-".into(), |n| format::noise(n.other_busy))),
            ]),
            None => cells.extend((0..7).map(|_| Cell::num("-"))),
        }
        let outcome = match (e.status(), e.record()) {
            (_, Some(k)) if !adds_up(k) => Cell::words(format!(
                "counts do not add up: {} ok + {} errors ≠ {}",
                k.ok, k.errors, q.count
            ))
            .class("limit"),
            (Status::Ok, _) => Cell::words("ok"),
            (_, Some(k)) => Cell::words(format!(
                "{} ({} ok, {} errors)",
                stopped_by(e),
                k.ok,
                k.errors
            ))
            .note(e.message().unwrap_or_default())
            .class("limit"),
            (_, None) => Cell::words(stopped_by(e)).note(e.message().unwrap_or_default()),
        };
        cells.push(outcome);
        let busy = e.record().and_then(|k| k.noise).is_some_and(|n| n.busy());
        t.push(TableRow {
            cells,
            class: if busy { "busy" } else { "" },
        });
    }
    SweepTable {
        table: Some(t),
        runs: s.entries.len(),
        left_out: s.entries.len().saturating_sub(MOST_ROWS),
    }
}

//! "Stopping stuck work": the kill probe's experiments, each something stuck on a host that
//! never replies and one way of stopping it from outside, with what was observed; and
//! Python's own probe (a stuck thread, a killed worker process).

use askama::Template;

use crate::format;
use crate::section::{Cell, Table};
use crate::view::View;

/// The kill section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "kill.html")]
pub struct Kill {
    /// The Rust experiments, one row each.
    pub table: Option<Table>,
    /// How precise the host's side is.
    pub resolution: Option<String>,
    /// Python's probe, in a sentence.
    pub python: Option<String>,
}

impl askama::filters::HtmlSafe for Kill {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Kill {
    let sweep = view.results.sweep.as_ref();
    let probe = sweep.and_then(|s| s.kill.as_ref());
    let table = probe.map(|k| {
        let mut t = Table::new(
            "kill-table",
            &[
                "#",
                "stuck on a silent host, and what was tried",
                "as the course says?",
                "what happened",
            ],
        )
        .left(&[
            "stuck on a silent host, and what was tried",
            "as the course says?",
            "what happened",
        ]);
        for (i, row) in k.rows().iter().enumerate() {
            let (class, words) = match row.as_claimed {
                Some(true) => ("holds", "yes"),
                Some(false) => ("nothold", "no"),
                None => ("none", "not run"),
            };
            t.push(vec![
                Cell::num((i + 1).to_string()),
                Cell::words(row.tried),
                Cell::words(words).class(class),
                Cell::words(row.figure.clone()),
            ]);
        }
        t
    });
    let python = sweep
        .and_then(|s| s.python.as_ref())
        .and_then(|p| p.kill.as_ref())
        .map(|k| {
            format!(
                "Python: a thread stuck on a silent host ended after {} (its own timeout: {}); \
                 a multiprocessing worker sent SIGKILL was reaped after {}{}.",
                format::time_s(k.thread_ended_after_s),
                format::time_s(k.thread_timeout_s),
                format::time_ns(k.process_kill_ms * 1e6),
                if k.process_killed {
                    ""
                } else {
                    ", but only by its own timeout"
                }
            )
        });
    Kill {
        table,
        resolution: probe.and_then(|k| k.resolution()),
        python,
    }
}

//! "The machine and the models": where the results were measured (machine, toolchain,
//! versions, commit, date), how busy the rest of the machine was while each criterion group
//! ran, and every model as the registry described it.

use askama::Template;
use greet_core::record::Noise;
use greet_core::{Lang, Shape};

use crate::format;
use crate::group::Group;
use crate::section::{Cell, Table, busy_threshold};
use crate::view::{View, lang_name};

/// The machine section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "machine.html")]
pub struct Machine {
    /// The machine, toolchain and versions.
    pub machine: Table,
    /// Every model.
    pub models: Table,
    /// Each criterion group's noise.
    pub noise: Option<Table>,
    /// The sweep's runs' noise, in a sentence.
    pub sweep_noise: String,
    /// The busy threshold, in words.
    pub threshold: String,
    /// What gathering left out, one line each.
    pub notes: Vec<String>,
}

impl askama::filters::HtmlSafe for Machine {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Machine {
    let r = view.results;
    let p = &r.provenance;
    let mut machine = Table::new("machine-table", &["", ""]).left(&[""]);
    machine.head.clear();
    let mut row = |k: &str, v: String| machine.push(vec![Cell::name(k), Cell::words(v)]);
    row("CPU", p.cpu_model.clone());
    row(
        "cores",
        format!(
            "{} logical, {} physical",
            p.logical_cores,
            p.physical_cores
                .map_or_else(|| "unknown".to_string(), |n| n.to_string())
        ),
    );
    row("memory", format::kib(p.memory_mib as f64 * 1024.0));
    row("OS", p.os.clone());
    row("kernel", format!("{} ({})", p.kernel, p.arch));
    row("rustc", p.rustc.clone());
    row(
        "crates",
        p.crates
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(py) = r.sweep.as_ref().and_then(|s| s.python.as_ref()) {
        row(
            "python",
            format!(
                "{} (python3), multiprocessing start method {} by default, uvloop {}",
                py.python,
                py.default_start_method,
                py.uvloop.as_deref().unwrap_or("not installed")
            ),
        );
    }
    row("git commit", p.git_commit.clone());
    row("report date (UTC)", p.date_utc.clone());
    if let Some(s) = &r.sweep {
        row(
            "sweep",
            format!(
                "profile {}, {} runs in {}, at commit {} on {}",
                s.profile,
                s.entries.len(),
                format::time_s(s.wall_s),
                s.provenance.git_commit,
                s.provenance.date_utc
            ),
        );
    }
    let mut models = Table::new(
        "models-table",
        &[
            "model",
            "family",
            "language",
            "greets waiting at once",
            "crunch runs on",
            "runtime",
        ],
    )
    .left(&[
        "family",
        "language",
        "greets waiting at once",
        "crunch runs on",
        "runtime",
    ]);
    for m in view.models() {
        let Some(d) = &m.description else {
            models.push(vec![
                Cell::name(m.name.clone()),
                Cell::words("not described in these results: shown after the described models"),
            ]);
            continue;
        };
        let shape = match d.shape {
            Shape::OneAtATime => "one",
            Shape::Pool => "K (--workers)",
            Shape::PerJob => "N: one per greet",
        };
        let runtime = d.runtime.as_ref().map_or("std".to_string(), |k| {
            format!("{} {}", k.name, k.version.as_deref().unwrap_or(""))
                .trim_end()
                .to_string()
        });
        let mut name = Cell::name(d.name.clone()).note(d.about.clone());
        if let Some(why) = &d.historical {
            name = name.note(format!("{} (historical: {why})", d.about));
        }
        models.push(vec![
            name,
            Cell::words(d.family.name()),
            Cell::words(match d.lang {
                Lang::Rust => lang_name(Lang::Rust).to_owned(),
                lang => format!("{}{}", lang_name(lang), if d.gil { ", GIL" } else { "" }),
            }),
            Cell::words(shape),
            Cell::words(d.crunch_on.clone()),
            Cell::words(runtime),
        ]);
    }
    let noise = (!r.noise.is_empty()).then(|| {
        let mut t = Table::new(
            "noise-table",
            &["criterion group", "wall", "others' CPU", "steal", ""],
        )
        .left(&[""]);
        for g in &r.noise {
            let busy = g.noise.busy();
            t.push(crate::section::TableRow {
                cells: vec![
                    Cell::name(g.group.clone()),
                    Cell::num(format::time_s(g.wall_s)),
                    Cell::num(format::noise(g.noise.other_busy)),
                    Cell::num(format::noise(g.noise.steal)),
                    Cell::words(if busy {
                        "busy: its comparisons read inconclusive"
                    } else {
                        "quiet"
                    }),
                ],
                class: if busy { "busy" } else { "" },
            });
        }
        // Groups the results have estimates for but no noise: say so.
        let mut unrecorded: Vec<String> = r
            .criterion
            .iter()
            .filter(|e| !r.noise.iter().any(|n| n.group == e.group))
            .filter(|e| Group::parse(&e.group).is_some())
            .map(|e| e.group.clone())
            .collect();
        unrecorded.sort();
        unrecorded.dedup();
        for g in unrecorded {
            t.push(vec![Cell::name(g), Cell::words("not recorded")]);
        }
        t
    });
    let with_noise: Vec<Noise> = r
        .runs()
        .filter_map(|e| e.record().and_then(|k| k.noise))
        .collect();
    let busy = with_noise.iter().filter(|n| n.busy()).count();
    let sweep_noise = if r.noise.is_empty() && with_noise.is_empty() {
        "These results record no noise: nothing here can be marked busy.".to_string()
    } else {
        format!(
            "Sweep: {} of {} runs recorded their noise; {busy} of them were busy.",
            with_noise.len(),
            r.runs().count()
        )
    };
    Machine {
        machine,
        models,
        noise,
        sweep_noise,
        threshold: busy_threshold(),
        notes: r.notes.clone(),
    }
}

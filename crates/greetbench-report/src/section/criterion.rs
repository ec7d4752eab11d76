//! "Appendix: every criterion benchmark": each group's medians with their 95 % intervals,
//! linked to criterion's own pages, and the benchmarks the time budget skipped.

use askama::Template;

use crate::format;
use crate::group::Group;
use crate::section::{Cell, Options, Table};
use crate::view::{Question, Row, View};

/// One group's table.
#[derive(Debug, Clone)]
pub struct GroupTable {
    /// The group's name.
    pub name: String,
    /// Its noise, in words.
    pub noise: String,
    /// Functions × sizes.
    pub table: Table,
}

/// The criterion appendix's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "criterion.html")]
pub struct Criterion {
    /// One table per group.
    pub groups: Vec<GroupTable>,
    /// The benchmarks the budget skipped.
    pub skipped: Option<Table>,
    /// Whether the file stores raw samples.
    pub raw: bool,
    /// What its intervals are in this file ([`View::interval_note`]).
    pub intervals: String,
}

impl askama::filters::HtmlSafe for Criterion {}

/// Builds the section.
pub fn build(view: &View<'_>, options: &Options) -> Criterion {
    let r = view.results;
    let mut groups: Vec<Group> = r
        .criterion
        .iter()
        .filter_map(|e| Group::parse(&e.group))
        .collect();
    groups.sort();
    groups.dedup();
    let tables = groups
        .into_iter()
        .map(|g| {
            let mut sizes: Vec<u64> = r
                .criterion
                .iter()
                .filter(|e| Group::parse(&e.group) == Some(g))
                .filter_map(|e| e.size)
                .collect();
            sizes.sort_unstable();
            sizes.dedup();
            let mut functions: Vec<&str> = r
                .criterion
                .iter()
                .filter(|e| Group::parse(&e.group) == Some(g))
                .map(|e| e.function.as_str())
                .collect();
            functions.sort_by_key(|f| view.rank_of(f));
            functions.dedup();
            let mut head = vec!["median [95 %]".to_string()];
            head.extend(sizes.iter().map(|n| match g {
                Group::SharedState => format!("{n} threads"),
                _ => format!("N = {n}"),
            }));
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            let mut table = Table::new(&format!("criterion-{g}"), &head);
            for f in functions {
                let mut cells = vec![Cell::name(f)];
                for n in &sizes {
                    let q = match g {
                        Group::Spawn => Question::Spawn { kind: f.into() },
                        _ => Question::Bench { group: g, size: *n },
                    };
                    cells.push(match view.figure(&q, &Row::rust(f)) {
                        Some(fig) => {
                            let c = Cell::num(fig.words());
                            match &fig.dir {
                                Some(d) => {
                                    c.link(format!("{}/{d}/report/index.html", options.link_base))
                                }
                                None => c,
                            }
                        }
                        None => Cell::num("-"),
                    });
                }
                table.push(cells);
            }
            GroupTable {
                name: g.name(),
                noise: view
                    .group_noise(g)
                    .map_or("noise not recorded".into(), |n| {
                        format!(
                            "others' CPU {}, steal {}{}",
                            format::noise(n.other_busy),
                            format::noise(n.steal),
                            if n.busy() { ": busy" } else { "" }
                        )
                    }),
                table,
            }
        })
        .collect();
    let skipped = (!r.skipped.is_empty()).then(|| {
        let mut t = Table::new(
            "skipped",
            &["group", "model", "N", "predicted per iteration"],
        )
        .left(&["model"]);
        for s in &r.skipped {
            t.push(vec![
                Cell::name(s.group.clone()),
                Cell::words(s.model.clone()),
                Cell::num(format::count(s.size)),
                Cell::num(format::time_s(s.predicted_s)),
            ]);
        }
        t
    });
    Criterion {
        groups: tables,
        skipped,
        raw: r.criterion.iter().any(|e| !e.samples_ns.is_empty()),
        intervals: view.interval_note(crate::view::Source::Criterion),
    }
}

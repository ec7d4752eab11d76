//! "Against the baseline" (`greetbench report --baseline OLD`) and "Since the last run" (what
//! `cargo bench` shows from its second run on): the [`Diff`] of the report's run against
//! another, as a section, and one column of the answer table saying which picks changed. The
//! diff is computed once ([`crate::diff`]); this file only lays it out.

use askama::Template;

use crate::diff::{Against, Baseline, Change, Compared, Diff, text};
use crate::section::answer::Answer;

/// The answer table's extra column: one cell per situation, in the answer's order.
#[derive(Debug, Clone, PartialEq)]
pub struct PickColumn {
    /// The heading ("since the last run").
    pub heading: String,
    /// One cell per row of the answer: `same`, or which picks changed.
    pub cells: Vec<String>,
}

impl PickColumn {
    /// The cell of row `i` (empty past the end).
    pub fn cell(&self, i: &usize) -> &str {
        self.cells.get(*i).map_or("", String::as_str)
    }
}

/// The answer's column for `baseline`: for each situation, `same`, or `Rust: was rayon`.
pub fn column(baseline: &Baseline, answer: &Answer) -> PickColumn {
    let cells = answer
        .rows
        .iter()
        .map(|row| {
            let Some(diff) = baseline.diff() else {
                return "nothing to compare".to_owned();
            };
            let mine: Vec<_> = diff
                .picks
                .iter()
                .filter(|p| p.situation == row.what)
                .collect();
            let changed: Vec<String> = mine
                .iter()
                .filter(|p| p.changed)
                .map(|p| format!("{}: was {}", p.column, p.old))
                .collect();
            match (mine.is_empty(), changed.is_empty()) {
                (true, _) => "not in both runs".to_owned(),
                (false, true) => "same".to_owned(),
                (false, false) => changed.join("; "),
            }
        })
        .collect();
    PickColumn {
        heading: baseline.kind.column().to_owned(),
        cells,
    }
}

/// One row of the section's tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The question.
    pub what: String,
    /// The model.
    pub model: String,
    /// OLD's figure.
    pub old: String,
    /// NEW's figure.
    pub new: String,
    /// NEW / OLD with its interval.
    pub ratio: String,
    /// The word, with why when inconclusive.
    pub word: String,
    /// The cell's class for its colour.
    pub class: &'static str,
}

impl Line {
    fn of(r: &Compared) -> Line {
        Line {
            what: r.what.clone(),
            model: r.model.clone(),
            old: r.unit.words(r.old.median),
            new: r.unit.words(r.new.median),
            ratio: r.ratio_words(),
            word: r.verdict_words(),
            class: match r.change {
                Change::Better => "holds",
                Change::Worse => "nothold",
                Change::Inconclusive(_) => "unsure",
                Change::NoChange => "",
            },
        }
    }
}

/// The section's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "baseline.html")]
pub struct Section {
    /// The anchor.
    pub id: &'static str,
    /// The heading.
    pub title: &'static str,
    /// Why there is nothing to compare, when there is not.
    pub nothing: Option<String>,
    /// The two runs, one line each.
    pub runs: Vec<String>,
    /// The sentence saying the runs come from two machines.
    pub machines: Option<String>,
    /// The groups whose rows moved together, with how far ([`text::moved_sentence`]).
    pub moved: Option<String>,
    /// The setup's differences: (what, OLD, NEW).
    pub setup: Vec<(String, String, String)>,
    /// The picks that changed, as sentences.
    pub picks: Vec<String>,
    /// How many picks both runs made and kept.
    pub same_picks: usize,
    /// The rows that read faster, slower, smaller or larger.
    pub changed: Vec<Line>,
    /// The rows that read inconclusive.
    pub unsure: Vec<Line>,
    /// The rows only one run has, one sentence each.
    pub lone: Vec<String>,
    /// The one-line summary.
    pub summary: String,
    /// The threshold, in words.
    pub threshold: String,
}

impl askama::filters::HtmlSafe for Section {}

/// Builds the section from `baseline`.
pub fn build(baseline: &Baseline) -> Section {
    let kind = baseline.kind;
    let empty = Section {
        id: kind.section().id(),
        title: kind.section().title(),
        nothing: None,
        runs: Vec::new(),
        machines: None,
        moved: None,
        setup: Vec::new(),
        picks: Vec::new(),
        same_picks: 0,
        changed: Vec::new(),
        unsure: Vec::new(),
        lone: Vec::new(),
        summary: String::new(),
        threshold: String::new(),
    };
    let d: &Diff = match &baseline.against {
        Against::Nothing(why) => {
            return Section {
                nothing: Some(why.clone()),
                ..empty
            };
        }
        Against::Diff(d) => d,
    };
    let runs = [("OLD", &d.old), ("NEW", &d.new)]
        .into_iter()
        .map(|(name, r)| {
            format!(
                "{name}: {} (commit {}, {}; {})",
                r.label,
                r.commit,
                r.date,
                text::noise_words(r)
            )
        })
        .collect();
    let (changed, unsure): (Vec<&Compared>, Vec<&Compared>) = d
        .rows
        .iter()
        .filter(|r| r.change != Change::NoChange)
        .partition(|r| r.change.flagged());
    let lines = |rows: Vec<&Compared>| rows.into_iter().map(Line::of).collect();
    let lone = [("OLD", &d.only_in_old), ("NEW", &d.only_in_new)]
        .into_iter()
        .flat_map(|(name, list)| {
            list.iter().map(move |l| {
                format!(
                    "only in {name}: {}, {}: {}{}",
                    l.what,
                    l.model,
                    l.unit.words(l.figure.median),
                    l.other
                        .as_ref()
                        .map_or_else(String::new, |w| format!(" (the other run: {w})"))
                )
            })
        })
        .collect();
    Section {
        nothing: if d.disjoint() {
            Some("the two runs share no measured row: nothing to compare".into())
        } else {
            None
        },
        runs,
        machines: text::machines_sentence(d),
        moved: text::moved_sentence(d),
        setup: d
            .setup
            .iter()
            .map(|x| (x.what.clone(), x.old.clone(), x.new.clone()))
            .collect(),
        picks: d.changed_picks().map(|p| p.sentence()).collect(),
        same_picks: d.picks.iter().filter(|p| !p.changed).count(),
        changed: lines(changed),
        unsure: lines(unsure),
        lone,
        summary: d.summary.line(),
        threshold: crate::format::chosen_percent(d.threshold),
        ..empty
    }
}

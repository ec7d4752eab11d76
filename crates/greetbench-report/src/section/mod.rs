//! The page's sections, one file each, behind [`Section`]. Each section builds its typed view
//! (rows, chart series, caption numbers, its verdict) once from the [`View`] and renders it
//! through its own template (`templates/<section>.html`), which escapes every value it is
//! given. Tables and charts share two small templates ([`Table`], [`Figure`]).
//!
//! # Layout
//! - [`answer`]: "Which model, when?", the decision table that opens the page.
//! - [`baseline`]: "Against the baseline" / "Since the last run": the diff against another
//!   run, right after the answer when the report has one (not in [`Section::ALL`]).
//! - [`claims`]: the course's claims, one column per language (and interpreter).
//! - [`floor`]: each model beside the bare client of its kind (what the harness costs).
//! - [`io`], [`memory`], [`cpu`], [`mixed`], [`load`], [`kill`], [`faults`], [`spawn`],
//!   [`shared`]: one question each, with its key chart and its source.
//! - [`waiting`]: the traced runs' timelines.
//! - [`machine`], [`glossary`], [`sweep`], [`criterion`]: the machine and models, the terms,
//!   and the appendices.

pub mod answer;
pub mod baseline;
pub mod busy;
pub mod claims;
pub mod cpu;
pub mod criterion;
pub mod faults;
pub mod floor;
pub mod glossary;
pub mod io;
pub mod kill;
pub mod load;
pub mod machine;
pub mod memory;
pub mod mixed;
pub mod shared;
pub mod spawn;
pub mod sweep;
pub mod waiting;

use std::fmt;

use askama::Template;
use greet_core::Lang;
use greet_core::record::Noise;

use crate::chart::{Draw, Svg};
use crate::format;
use crate::view::{Row, View};

/// Everything a reader sees, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Which model, when? The decision table.
    Answer,
    /// The course's claims, checked per language.
    Claims,
    /// Many greets waiting on I/O.
    Io,
    /// Each model beside the bare client of its kind.
    Floor,
    /// Memory per waiting greet, and how far each model goes.
    Memory,
    /// CPU-bound work.
    Cpu,
    /// Greet, then crunch.
    Mixed,
    /// Open-loop load: latency against offered rate.
    Load,
    /// Stopping stuck work.
    Kill,
    /// Under faults, with and without retries.
    Faults,
    /// The cost of starting a thread, a process, a task.
    Spawn,
    /// One counter shared by several threads.
    Shared,
    /// What waiting looks like: the traced runs.
    Waiting,
    /// The machine, its noise, and the models.
    Machine,
    /// The terms the page uses.
    Glossary,
    /// Every run of the sweep.
    Sweep,
    /// Every criterion benchmark.
    Criterion,
    /// Against a baseline run (`greetbench report --baseline`): only with one.
    Baseline,
    /// Since `cargo bench`'s previous run: only at the end of a bench.
    SinceLastRun,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Section; 17] = [
        Section::Answer,
        Section::Claims,
        Section::Io,
        Section::Floor,
        Section::Memory,
        Section::Cpu,
        Section::Mixed,
        Section::Load,
        Section::Kill,
        Section::Faults,
        Section::Spawn,
        Section::Shared,
        Section::Waiting,
        Section::Machine,
        Section::Glossary,
        Section::Sweep,
        Section::Criterion,
    ];

    /// The anchor.
    pub fn id(self) -> &'static str {
        match self {
            Section::Answer => "answer",
            Section::Claims => "claims",
            Section::Io => "io",
            Section::Floor => "floor",
            Section::Memory => "memory",
            Section::Cpu => "cpu",
            Section::Mixed => "mixed",
            Section::Load => "load",
            Section::Kill => "kill",
            Section::Faults => "faults",
            Section::Spawn => "spawn",
            Section::Shared => "shared",
            Section::Waiting => "waiting",
            Section::Machine => "machine",
            Section::Glossary => "glossary",
            Section::Sweep => "sweep",
            Section::Criterion => "criterion",
            Section::Baseline => "baseline",
            Section::SinceLastRun => "since",
        }
    }

    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            Section::Answer => "Which model, when?",
            Section::Claims => "The course's claims, checked",
            Section::Io => "Many greets waiting on I/O",
            Section::Floor => "At the floor: what the harness costs",
            Section::Memory => "Thousands waiting at once: memory and OS limits",
            Section::Cpu => "CPU-bound work",
            Section::Mixed => "Mixed: greet, then crunch",
            Section::Load => "A fixed offered rate: latency under load",
            Section::Kill => "Stopping stuck work",
            Section::Faults => "A flaky network: faults and retries",
            Section::Spawn => "Starting a thread, a process, a task",
            Section::Shared => "Sharing one counter",
            Section::Waiting => "What waiting looks like",
            Section::Machine => "The machine and the models",
            Section::Glossary => "Glossary",
            Section::Sweep => "Appendix: every run of the sweep",
            Section::Criterion => "Appendix: every criterion benchmark",
            Section::Baseline => "Against the baseline",
            Section::SinceLastRun => "Since the last run",
        }
    }

    /// Builds the section's view and renders it.
    pub fn render(self, view: &View<'_>, options: &Options) -> Result<String, askama::Error> {
        match self {
            Section::Answer => answer_html(view, answer::build(view), options),
            Section::Claims => claims::build(view).render(),
            Section::Io => io::build(view).render(),
            Section::Floor => floor::build(view).render(),
            Section::Memory => memory::build(view).render(),
            Section::Cpu => cpu::build(view).render(),
            Section::Mixed => mixed::build(view).render(),
            Section::Load => load::build(view).render(),
            Section::Kill => kill::build(view).render(),
            Section::Faults => faults::build(view).render(),
            Section::Spawn => spawn::build(view).render(),
            Section::Shared => shared::build(view).render(),
            Section::Waiting => waiting::build(view).render(),
            Section::Machine => machine::build(view).render(),
            Section::Glossary => glossary::build(view).render(),
            Section::Sweep => sweep::build(view).render(),
            Section::Criterion => criterion::build(view, options).render(),
            Section::Baseline | Section::SinceLastRun => options
                .baseline
                .as_ref()
                .map_or(Ok(String::new()), |b| baseline::build(b).render()),
        }
    }
}

/// How to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Where criterion's per-benchmark pages are, as seen from the page
    /// (e.g. `../target/criterion`).
    pub link_base: String,
    /// The run to compare against ("Against the baseline", "Since the last run"), if any.
    pub baseline: Option<crate::diff::Baseline>,
}

/// Rendered HTML, safe to insert as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Html(pub String);

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Html {}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// The words.
    pub text: String,
    /// A second, smaller line.
    pub note: String,
    /// Left-aligned (words), not right-aligned (numbers).
    pub left: bool,
    /// A class for its colour (`holds`, `nothold`, `lesson`, `unsure`, `none`, `limit`).
    pub class: &'static str,
    /// A link.
    pub href: Option<String>,
    /// A header cell (a row's name).
    pub head: bool,
}

impl Cell {
    /// A number, right-aligned.
    pub fn num(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// Words, left-aligned.
    pub fn words(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            left: true,
            ..Cell::default()
        }
    }

    /// A row's name.
    pub fn name(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            left: true,
            head: true,
            ..Cell::default()
        }
    }

    /// With a class.
    pub fn class(mut self, class: &'static str) -> Cell {
        self.class = class;
        self
    }

    /// With a second line.
    pub fn note(mut self, note: impl Into<String>) -> Cell {
        self.note = note.into();
        self
    }

    /// With a link.
    pub fn link(mut self, href: impl Into<String>) -> Cell {
        self.href = Some(href.into());
        self
    }

    /// The classes of its element.
    pub fn classes(&self) -> String {
        let mut c = String::new();
        if self.left {
            c.push('l');
        }
        if !self.class.is_empty() {
            if !c.is_empty() {
                c.push(' ');
            }
            c.push_str(self.class);
        }
        c
    }
}

/// A table row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableRow {
    /// Its cells.
    pub cells: Vec<Cell>,
    /// A class for the whole row (`busy`).
    pub class: &'static str,
}

impl From<Vec<Cell>> for TableRow {
    fn from(cells: Vec<Cell>) -> TableRow {
        TableRow { cells, class: "" }
    }
}

/// A table, inside a box that scrolls sideways on its own when it is wider than the page.
#[derive(Debug, Clone, PartialEq, Default, Template)]
#[template(path = "table.html")]
pub struct Table {
    /// An id for the table.
    pub id: String,
    /// The header: words, and whether left-aligned.
    pub head: Vec<Cell>,
    /// The rows.
    pub rows: Vec<TableRow>,
}

impl askama::filters::HtmlSafe for Table {}

impl Table {
    /// A table with these column headings (the first left-aligned, the others right).
    pub fn new(id: &str, head: &[&str]) -> Table {
        Table {
            id: id.to_owned(),
            head: head
                .iter()
                .enumerate()
                .map(|(i, h)| Cell {
                    text: (*h).to_owned(),
                    left: i == 0,
                    ..Cell::default()
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Marks the columns whose headings are in `words` as left-aligned.
    pub fn left(mut self, words: &[&str]) -> Table {
        for h in &mut self.head {
            if words.contains(&h.text.as_str()) {
                h.left = true;
            }
        }
        self
    }

    /// Adds a row.
    pub fn push(&mut self, row: impl Into<TableRow>) {
        self.rows.push(row.into());
    }
}

/// A chart as the page shows it: its title, the drawing, and what to notice.
#[derive(Debug, Clone, PartialEq, Template)]
#[template(path = "figure.html")]
pub struct Figure {
    /// An anchor.
    pub id: String,
    /// The title.
    pub title: String,
    /// The drawing.
    pub svg: Svg,
    /// What to notice, computed from the data.
    pub caption: String,
}

impl askama::filters::HtmlSafe for Figure {}

impl Figure {
    /// A figure of `chart`.
    pub fn of(
        id: &str,
        title: impl Into<String>,
        chart: &impl Draw,
        caption: impl Into<String>,
    ) -> Figure {
        Figure {
            id: id.to_owned(),
            title: title.into(),
            svg: chart.draw(),
            caption: caption.into(),
        }
    }
}

/// The busy threshold in the page's words.
pub fn busy_threshold() -> String {
    format!(
        "others' CPU plus steal over {} of all cores",
        format::chosen_percent(Noise::BUSY)
    )
}

/// A bar's fill class by language: solid for Rust, hatched-looking for Python.
pub fn fill(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "b-rust",
        Lang::Python => "b-py",
    }
}

/// The fills' legend for a chart that has rows of `langs`.
pub fn fills(langs: &[Lang]) -> Vec<(String, &'static str)> {
    [Lang::Rust, Lang::Python]
        .into_iter()
        .filter(|l| langs.contains(l))
        .map(|l| (crate::view::lang_name(l).to_owned(), fill(l)))
        .collect()
}

/// `rows` in side-by-side order: Rust rows in model order, each followed by the other
/// languages' rows of the same family, shape and threading, then rows with no counterpart.
pub fn paired(view: &View<'_>, rows: Vec<Row>) -> Vec<Row> {
    let key = |r: &Row| {
        view.describe(&r.model)
            .map(|d| (d.family, d.shape, d.one_thread))
    };
    let (rust, others): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.lang == Lang::Rust);
    let mut placed = vec![false; others.len()];
    let mut out = Vec::new();
    for r in rust {
        let k = key(&r);
        out.push(r);
        for (i, o) in others.iter().enumerate() {
            if !placed[i] && k.is_some() && key(o) == k {
                out.push(o.clone());
                placed[i] = true;
            }
        }
    }
    out.extend(
        others
            .into_iter()
            .zip(placed)
            .filter(|(_, p)| !p)
            .map(|(o, _)| o),
    );
    out
}

/// The answer, with its column against the baseline when the report has one.
fn answer_html(
    view: &View<'_>,
    mut answer: answer::Answer,
    options: &Options,
) -> Result<String, askama::Error> {
    // The reading's waits and CPU lines, the same strings `compare` prints under its table.
    let reading = crate::reading::Reading::of(view, &answer);
    answer.notes = reading.waits.into_iter().chain(reading.cpu).collect();
    let baseline = options.baseline.as_ref();
    answer.against = baseline.map(|b| baseline::column(b, &answer));
    answer.render()
}

/// The page: every section in order, the answer first.
#[derive(Debug, Template)]
#[template(path = "page.html")]
pub struct Page {
    /// The stylesheet.
    pub style: Html,
    /// When and where the results were measured.
    pub date: String,
    /// A banner when part of the run was measured on a busy machine ([`busy::banner`]).
    pub busy: Option<String>,
    /// The sections, rendered, with their ids and titles for the contents.
    pub sections: Vec<(Section, Html)>,
}

/// Renders the whole page from `view`.
pub fn page(view: &View<'_>, options: &Options) -> Result<String, askama::Error> {
    let mut order = Section::ALL.to_vec();
    if let Some(b) = &options.baseline {
        order.insert(1, b.kind.section());
    }
    // The answer is built once: the page shows it and the busy banner reads it.
    let answer = answer::build(view);
    let busy = busy::banner(view, &answer);
    let mut answer = Some(answer);
    let sections = order
        .into_iter()
        .map(|s| {
            let html = match (s, answer.take_if(|_| s == Section::Answer)) {
                (Section::Answer, Some(a)) => answer_html(view, a, options)?,
                _ => s.render(view, options)?,
            };
            Ok((s, Html(html)))
        })
        .collect::<Result<Vec<_>, askama::Error>>()?;
    Page {
        style: Html(STYLE.to_owned()),
        date: view.results.provenance.date_utc.clone(),
        busy,
        sections,
    }
    .render()
}

/// The page's stylesheet: readable at 500 px, tables scroll inside their own box, charts
/// scale to the width, and the series, fill and phase classes the charts use.
pub const STYLE: &str = "
body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 .8em;color:#222;line-height:1.4;font-size:15px}
h1{font-size:1.5em;margin:.2em 0} h2{border-bottom:1px solid #ccc;padding-bottom:.15em;margin:1.4em 0 .5em;font-size:1.25em}
h3{font-size:1.05em;margin:1em 0 .4em} p{margin:.4em 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:.3em 0} td,th{border:1px solid #ddd;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f4f4f4;font-weight:600} .l{text-align:left} td.small,.small{font-size:12.5px;color:#444;font-weight:400}
td:not(.l){white-space:nowrap} td .small{white-space:normal}
table.answer{font-size:13.5px} table.answer td,table.answer th{padding:4px 7px}
.holds{background:#e3f4e3} .nothold{background:#f8dcdc} .lesson{background:#dde9f8} .unsure{background:#fff3cd} .none{background:#eee}
.limit{color:#a00} .busy{color:#8a4b00} tr.busy td,tr.busy th{background:#fff8e1} .mark{font-size:1.1em}
nav#contents{font-size:13.5px;margin:.8em 0;padding:.4em .6em;background:#f7f7f7;border:1px solid #e5e5e5}
nav#contents a{margin-right:.9em;white-space:nowrap}
.pair{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.pair>figure{flex:1 1 560px;min-width:0;max-width:760px} .pair>.scroll{flex:1 1 360px}
figure{margin:.4em 0} figure svg{width:100%;height:auto;max-width:760px;display:block}
.ct{font-weight:600;font-size:14px;margin-bottom:.2em} figcaption{font-size:13px;color:#333;margin-top:.2em}
.grid3{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.6em}
.grid3 figure svg{max-width:380px}
details{margin:.5em 0} summary{cursor:pointer;color:#035}
dl.glossary{columns:2 380px;column-gap:2em;font-size:14px;margin:0} dl.glossary dt{font-weight:600;margin-top:.3em;break-after:avoid} dl.glossary dd{margin:0 0 0 1em;break-inside:avoid}
.swatch{display:inline-block;width:1.6em;height:.8em;vertical-align:middle;margin:0 .2em 0 .8em}
svg text{font-family:system-ui,sans-serif;fill:#222} .t{font-size:12px} .ts{font-size:11px} .tx{font-size:10px} text.warn{fill:#a00}
.grid{stroke:#ececec} .axis{stroke:#666} .ref{stroke:#777;stroke-dasharray:5 4;fill:none} .lane{stroke:#bbb}
.ln{fill:none;stroke-width:2} .wh{stroke:#222} .mk{stroke-width:1} .ms{fill:none;stroke-width:2}
.d1{stroke-dasharray:7 4} .d2{stroke-dasharray:2 3}
.s0{stroke:#0072b2;fill:#0072b2} .s1{stroke:#d55e00;fill:#d55e00} .s2{stroke:#009e73;fill:#009e73} .s3{stroke:#cc79a7;fill:#cc79a7} .s4{stroke:#e69f00;fill:#e69f00}
.s5{stroke:#56b4e9;fill:#56b4e9} .s6{stroke:#000;fill:#000} .s7{stroke:#8c564b;fill:#8c564b} .s8{stroke:#7f7f7f;fill:#7f7f7f} .s9{stroke:#6a3d9a;fill:#6a3d9a}
svg .ln,svg .ms{fill:none}
.b-rust{fill:#c8553d} .b-py{fill:#a9c8e8;stroke:#2f6ea8;stroke-dasharray:3 2} .b-one{fill:#5b7fa6}
.ph-q{fill:#aaa;background:#aaa} .ph-c{fill:#0072b2;background:#0072b2} .ph-s{fill:#6a3d9a;background:#6a3d9a} .ph-w{fill:#e69f00;background:#e69f00} .ph-k{fill:#d55e00;background:#d55e00}
@media (max-width:640px){body{font-size:14px} table{font-size:12px}}
";

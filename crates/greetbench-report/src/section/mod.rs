//! The page's sections, one file each, behind [`Section`]. Each section builds its typed view
//! (rows, chart series, caption numbers, its verdict) once from the [`View`](crate::view::View)
//! and renders it through its own template (`templates/<section>.html`), which escapes every
//! value it is given.
//!
//! # Layout
//! - [`answer`]: "Which model, when?", the decision table that opens the page.
//! - [`baseline`]: "Against the baseline" / "Since the last run": the diff against another run.

pub mod answer;
pub mod baseline;

/// Everything a reader sees, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Which model, when? The decision table.
    Answer,
    /// The course's claims, checked per language.
    Claims,
    /// Many greets waiting on I/O.
    Io,
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
}

impl Section {
    /// The anchor.
    pub fn id(self) -> &'static str {
        match self {
            Section::Answer => "answer",
            Section::Claims => "claims",
            Section::Io => "io",
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
        }
    }

    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            Section::Answer => "Which model, when?",
            Section::Claims => "The course's claims, checked",
            Section::Io => "Many greets waiting on I/O",
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
        }
    }
}

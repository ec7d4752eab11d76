//! `lesson.toml`: a lesson's data for the checker, every part optional.
//!
//! ```toml
//! title = "a thread pool and a message queue"     # the README's heading, after `Lesson NN: `
//! teaches = "a thread pool fed by a message queue"  # the course table's middle column
//! minutes = 40                                       # the table, and the README's **Time.**
//! objectives = "Build ..."                           # the README's **Objectives.** paragraph
//! no-run = "why `cargo lesson run NN` has nothing to measure here"   # or a [run] table
//!
//! [hang]
//! message = "what a timeout usually means in this lesson, and the fix"
//!
//! [run]                      # the standard run of `cargo lesson run NN`
//! count = 100                # greets
//! hosts = 8
//! latency_ms = 50
//! workers = 8                # the pool size (default 1)
//! timeout_ms = 5000          # each greet's timeout (default 5000)
//! idle_ms = 500              # started, with nothing to do, this long before the greets come (default 0)
//! waits = "workers"          # one | workers | all: how many greets wait at once, for the floor
//! reference = "thread-pool"  # greetbench's model to measure beside the learner's code
//!
//! [[predict]]                # a numeric question for `cargo lesson predict NN`
//! id = "wall"
//! question = "{count} greets at L = {latency_ms} ms on {workers} workers: how long?"
//! unit = "ms"
//! figure = "wall_ms"         # wall_ms | peak_in_flight | threads_added | cpu_ms
//! of = "yours"               # yours (default) | reference
//! ```
//!
//! A question may name `{count}`, `{hosts}`, `{latency_ms}`, `{workers}` and `{idle_ms}`, which
//! are filled in from `[run]`, so a question and the run that answers it can never disagree.

use std::collections::BTreeSet;

use lesson_measure::{Measurement, RunPlan, Waits};
use serde::Deserialize;

use crate::{Error, Result};

/// Everything in one `lesson.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LessonData {
    /// The lesson's title, as its README's heading gives it after `Lesson NN: `.
    pub title: Option<String>,
    /// What it teaches, in one line: the course table's middle column.
    pub teaches: Option<String>,
    /// About how long it takes, in minutes: the course table and the README's `**Time.**`.
    pub minutes: Option<u32>,
    /// What the learner can do after it: the README's `**Objectives.**` paragraph.
    pub objectives: Option<String>,
    /// Why the lesson has no standard run, when it has none.
    pub no_run: Option<String>,
    /// What a hang usually means in this lesson.
    pub hang: Option<Hang>,
    /// The standard run.
    pub run: Option<RunSpec>,
    /// The numeric predict questions.
    #[serde(default)]
    pub predict: Vec<Predict>,
}

/// `[hang]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hang {
    /// One or two sentences: the usual deadlock and its fix.
    pub message: String,
}

/// `[run]`: the lesson's standard run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Greets.
    pub count: usize,
    /// Hosts.
    pub hosts: usize,
    /// The hosts' latency.
    pub latency_ms: u64,
    /// The pool size.
    #[serde(default = "one")]
    pub workers: usize,
    /// Each greet's timeout.
    #[serde(default = "five_seconds")]
    pub timeout_ms: u64,
    /// How long the code under test has started and has nothing to do before the greets
    /// arrive (lesson 03: the pool's queue stands open and empty meanwhile).
    #[serde(default)]
    pub idle_ms: u64,
    /// How many greets the lesson's design keeps waiting at once.
    pub waits: Waits,
    /// greetbench's model to measure beside the learner's code.
    pub reference: Option<String>,
}

fn one() -> usize {
    1
}

fn five_seconds() -> u64 {
    5_000
}

impl RunSpec {
    /// The plan both sides run.
    pub fn plan(&self) -> RunPlan {
        RunPlan {
            count: self.count,
            hosts: self.hosts,
            latency_ms: self.latency_ms,
            workers: self.workers,
            timeout_ms: self.timeout_ms,
            idle_ms: self.idle_ms,
        }
    }

    /// The floor's formula, with the idle time first when there is one: `⌈N / K⌉ × L`, or
    /// `500 ms idle + ⌈N / K⌉ × L`.
    pub fn floor_formula(&self) -> String {
        match self.idle_ms {
            0 => self.waits.formula().to_owned(),
            idle => format!("{idle} ms idle + {}", self.waits.formula()),
        }
    }

    /// `100 greets over 8 hosts at L = 50 ms, 8 workers`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} greets over {} hosts at L = {} ms",
            self.count, self.hosts, self.latency_ms
        );
        if self.waits == Waits::Workers {
            s.push_str(&format!(", K = {} workers", self.workers));
        }
        if self.idle_ms > 0 {
            s.push_str(&format!(
                ", handed over after {} ms with nothing to do",
                self.idle_ms
            ));
        }
        s
    }
}

/// One `[[predict]]` question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predict {
    /// What `--answer ID=VALUE` calls it: lowercase letters, digits and dashes.
    pub id: String,
    /// The question, with `{count}`-style placeholders.
    pub question: String,
    /// The answer's unit, as shown: `ms`, `greets`, `threads`.
    pub unit: String,
    /// The measured figure that answers it.
    pub figure: Figure,
    /// Whose run answers it.
    #[serde(default)]
    pub of: Of,
}

/// A figure a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// The wall time, in milliseconds.
    WallMs,
    /// The most greets the server had waiting at once.
    PeakInFlight,
    /// The threads the code started, at its peak.
    ThreadsAdded,
    /// The CPU time (user + system) the code used, in milliseconds: near zero for code that
    /// waits, as much as the wall time per busy core for code that computes or spins.
    CpuMs,
}

impl Figure {
    /// This figure in `m`; `None` if it was not measured (no `/proc` for threads).
    pub fn of(self, m: &Measurement) -> Option<f64> {
        match self {
            Figure::WallMs => Some(m.wall_ms()),
            Figure::PeakInFlight => Some(m.peak_in_flight as f64),
            Figure::ThreadsAdded => m.threads_added().map(|t| t as f64),
            Figure::CpuMs => m.cpu_ms(),
        }
    }
}

/// Whose run answers a question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Of {
    /// The learner's exercise.
    #[default]
    Yours,
    /// greetbench's reference model.
    Reference,
}

impl LessonData {
    /// A question with its placeholders filled in from `[run]`.
    pub fn question(&self, p: &Predict) -> String {
        match &self.run {
            Some(run) => fill(&p.question, run),
            None => p.question.clone(),
        }
    }

    /// The `[hang]` message, if any.
    pub fn hang_message(&self) -> Option<&str> {
        self.hang.as_ref().map(|h| h.message.trim())
    }
}

/// Replaces `{count}`, `{hosts}`, `{latency_ms}`, `{workers}` and `{idle_ms}` in `text`.
fn fill(text: &str, run: &RunSpec) -> String {
    text.replace("{count}", &run.count.to_string())
        .replace("{hosts}", &run.hosts.to_string())
        .replace("{latency_ms}", &run.latency_ms.to_string())
        .replace("{workers}", &run.workers.to_string())
        .replace("{idle_ms}", &run.idle_ms.to_string())
}

/// Parses a `lesson.toml` and checks it: a valid run plan, a reason or a run but not both,
/// unique well-formed question ids, no unknown placeholders, and no questions without a run to
/// answer them. `source` names the file in error messages.
pub fn parse(text: &str, source: &str) -> Result<LessonData> {
    let data: LessonData = toml::from_str(text).map_err(|e| {
        Error::new(format!(
            "{source} is not valid: {}",
            e.to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ))
    })?;
    if data.run.is_some() && data.no_run.is_some() {
        return Err(Error::new(format!(
            "{source} has both [run] and no-run: keep one"
        )));
    }
    if let Some(run) = &data.run {
        run.plan()
            .validate()
            .map_err(|e| Error::new(format!("{source}: [run] {e}")))?;
    }
    let mut ids = BTreeSet::new();
    for p in &data.predict {
        let well_formed = !p.id.is_empty()
            && p.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(Error::new(format!(
                "{source}: predict id {:?} must be lowercase letters, digits and dashes",
                p.id
            )));
        }
        if !ids.insert(p.id.as_str()) {
            return Err(Error::new(format!(
                "{source}: predict id {:?} is used twice",
                p.id
            )));
        }
        let Some(run) = &data.run else {
            return Err(Error::new(format!(
                "{source}: predict {:?} needs a [run] to measure its answer",
                p.id
            )));
        };
        if p.of == Of::Reference && run.reference.is_none() {
            return Err(Error::new(format!(
                "{source}: predict {:?} asks about the reference, but [run] names none",
                p.id
            )));
        }
        if fill(&p.question, run).contains(['{', '}']) {
            return Err(Error::new(format!(
                "{source}: predict {:?} has an unknown placeholder; use {{count}}, {{hosts}}, \
                 {{latency_ms}}, {{workers}} or {{idle_ms}}",
                p.id
            )));
        }
    }
    Ok(data)
}

/// Reads `lesson.toml` at `file`; a lesson without one has no data.
pub fn load(file: &std::path::Path, source: &str) -> Result<LessonData> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(&text, source),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LessonData::default()),
        Err(e) => Err(Error::new(format!("cannot read {source}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[hang]
message = """
Is a sender still alive?"""

[run]
count = 100
hosts = 8
latency_ms = 50
workers = 8
waits = "workers"
reference = "thread-pool"

[[predict]]
id = "wall"
question = "{count} greets at {latency_ms} ms on {workers} workers over {hosts} hosts?"
unit = "ms"
figure = "wall_ms"

[[predict]]
id = "ref-threads"
question = "And the model?"
unit = "threads"
figure = "threads_added"
of = "reference"
"#;

    #[test]
    fn parses_and_fills_the_questions_from_the_run() {
        let data = parse(GOOD, "lesson.toml").unwrap();
        assert_eq!(data.hang_message(), Some("Is a sender still alive?"));
        let run = data.run.as_ref().unwrap();
        assert_eq!(run.timeout_ms, 5_000, "the default timeout");
        assert_eq!(run.plan().floor(run.waits).as_millis(), 650);
        assert_eq!(
            data.question(&data.predict[0]),
            "100 greets at 50 ms on 8 workers over 8 hosts?"
        );
        assert_eq!(data.predict[1].of, Of::Reference);
        assert_eq!(data.predict[0].of, Of::Yours);
        assert_eq!(
            run.describe(),
            "100 greets over 8 hosts at L = 50 ms, K = 8 workers"
        );
        assert_eq!(run.floor_formula(), "⌈N / K⌉ × L");
        let idle = RunSpec {
            idle_ms: 500,
            ..run.clone()
        };
        assert_eq!(idle.plan().floor(idle.waits).as_millis(), 1150);
        assert_eq!(idle.floor_formula(), "500 ms idle + ⌈N / K⌉ × L");
        assert!(idle.describe().ends_with("after 500 ms with nothing to do"));
        assert_eq!(fill("{idle_ms} ms", &idle), "500 ms");
    }

    #[test]
    fn figures_come_from_the_measurement() {
        let m = Measurement {
            jobs: 4,
            results: 4,
            ok: 4,
            wall_us: 2_500,
            served: 4,
            peak_in_flight: 3,
            threads_before: Some(2),
            peak_threads: Some(6),
            cpu_user_us: Some(30_000),
            cpu_sys_us: Some(10_000),
        };
        assert_eq!(Figure::WallMs.of(&m), Some(2.5));
        assert_eq!(Figure::PeakInFlight.of(&m), Some(3.0));
        assert_eq!(Figure::ThreadsAdded.of(&m), Some(4.0));
        assert_eq!(Figure::CpuMs.of(&m), Some(40.0), "user + system");
        let no_cpu = Measurement {
            cpu_sys_us: None,
            ..m.clone()
        };
        assert_eq!(Figure::CpuMs.of(&no_cpu), None);
        let no_proc = Measurement {
            peak_threads: None,
            ..m
        };
        assert_eq!(Figure::ThreadsAdded.of(&no_proc), None);
    }

    #[test]
    fn an_empty_file_is_no_data_and_a_missing_one_too() {
        assert_eq!(parse("", "x").unwrap(), LessonData::default());
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(
            load(&tmp.path().join("lesson.toml"), "x").unwrap(),
            LessonData::default()
        );
    }

    #[test]
    fn rejects_what_would_mislead_the_learner() {
        let err = |text: &str| parse(text, "l.toml").unwrap_err().to_string();
        let run = "[run]\ncount = 10\nhosts = 2\nlatency_ms = 5\nwaits = \"one\"\n";
        let q = |id: &str, question: &str| {
            format!(
                "[[predict]]\nid = \"{id}\"\nquestion = \"{question}\"\nunit = \"ms\"\nfigure = \"wall_ms\"\n"
            )
        };
        assert!(err(&format!("{run}{}{}", q("a", "x"), q("a", "y"))).contains("used twice"));
        assert!(err(&format!("{run}{}", q("A b", "x"))).contains("lowercase"));
        assert!(err(&format!("{run}{}", q("a", "{cuont} greets"))).contains("placeholder"));
        assert!(err(&q("a", "x")).contains("needs a [run]"));
        assert!(err(&format!("{run}{}of = \"reference\"\n", q("a", "x"))).contains("names none"));
        assert!(
            err("[run]\ncount = 0\nhosts = 2\nlatency_ms = 5\nwaits = \"one\"\n").contains("count")
        );
        assert!(err(&format!("no-run = \"x\"\n{run}")).contains("keep one"));
        assert!(err("[hang]\nmesage = \"x\"\n").contains("l.toml is not valid"));
        assert!(
            err("[run]\ncount = 3\nhosts = 2\nlatency_ms = 5\nwaits = \"some\"\n")
                .contains("not valid")
        );
    }
}

//! What a model *is*, said once: its [`Description`].
//!
//! Every fact about a model that a table, a chart, a verdict or a test needs (its family,
//! whether `--workers` sizes it, where its CPU work runs, its runtime, whether it is
//! historical) is stated by the model itself in [`crate::Model::describe`]. The registry adds
//! the runtime's locked version, the stored results carry the descriptions, and everything
//! downstream reads them. No other list of model names exists, so a new model needs no edit
//! outside its crate and its registry line.

use std::fmt;

/// The kind of concurrency a model uses: the course's five answers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// One job after another: the baseline.
    Sequential,
    /// OS threads, one per job or a pool of them.
    Threads,
    /// Worker processes.
    Processes,
    /// A work-stealing pool for data parallelism (rayon).
    DataParallel,
    /// Tasks on an event loop.
    Async,
}

impl Family {
    /// Every family, in the order tables list them.
    pub const ALL: [Family; 5] = [
        Family::Sequential,
        Family::Threads,
        Family::Processes,
        Family::DataParallel,
        Family::Async,
    ];

    /// The lower-case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Family::Sequential => "sequential",
            Family::Threads => "threads",
            Family::Processes => "processes",
            Family::DataParallel => "data-parallel",
            Family::Async => "async",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The language a model is written in. Every model speaks the same run request and record
/// (see ARCHITECTURE.md), so a model in another language can take part.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// A crate in this workspace.
    #[default]
    Rust,
    /// A script under `python/`.
    Python,
}

/// How many waiting greets a model keeps per unit of concurrency: what its memory per waiting
/// greet means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// One job at a time, on the calling thread.
    OneAtATime,
    /// A fixed pool of K (`--workers`): at most K greets wait at once.
    Pool,
    /// One thread, task or process per job: all N can wait at once.
    PerJob,
}

/// A model's runtime crate, with the version the build locked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Runtime {
    /// The crate's name, e.g. `tokio`.
    pub name: String,
    /// Its version from `Cargo.lock`, filled in by the registry.
    #[serde(default)]
    pub version: Option<String>,
}

/// Everything greetbench knows about a model, stated once by the model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Description {
    /// The short name used by `--model`.
    pub name: String,
    /// One line for `greetbench models`.
    pub about: String,
    /// Its kind of concurrency.
    pub family: Family,
    /// Rust, or another language speaking the same request and record.
    #[serde(default)]
    pub lang: Lang,
    /// How many greets can wait at once: one, a pool of K, or one per job.
    pub shape: Shape,
    /// Whether it runs every job on one OS thread (sequential, a current-thread event loop).
    pub one_thread: bool,
    /// Whether its threads run CPU work one at a time, whatever their number: Python's global
    /// interpreter lock. Such a model has threads but no parallelism.
    #[serde(default)]
    pub gil: bool,
    /// Where a crunch runs, in words: the credit line of its CPU speedup.
    pub crunch_on: String,
    /// The runtime crate, if the model has one beyond std.
    #[serde(default)]
    pub runtime: Option<Runtime>,
    /// Why the model is only of historical interest, if it is.
    #[serde(default)]
    pub historical: Option<String>,
}

impl Description {
    /// A Rust model of `family` and `shape`; `about` is its one line for `greetbench models`.
    pub fn new(name: &str, family: Family, shape: Shape, about: &str) -> Description {
        Description {
            name: name.to_owned(),
            about: about.to_owned(),
            family,
            lang: Lang::Rust,
            shape,
            one_thread: false,
            gil: false,
            crunch_on: String::new(),
            runtime: None,
            historical: None,
        }
    }

    /// Where its crunch runs (for example "tokio's blocking pool").
    pub fn crunch_on(mut self, words: &str) -> Description {
        self.crunch_on = words.to_owned();
        self
    }

    /// It runs every job on one OS thread.
    pub fn one_thread(mut self) -> Description {
        self.one_thread = true;
        self
    }

    /// It is written in `lang` (and speaks the same run request and record).
    pub fn lang(mut self, lang: Lang) -> Description {
        self.lang = lang;
        self
    }

    /// Its threads run CPU work one at a time (Python's global interpreter lock).
    pub fn gil(mut self) -> Description {
        self.gil = true;
        self
    }

    /// Its runtime crate.
    pub fn runtime(mut self, krate: &str) -> Description {
        self.runtime = Some(Runtime {
            name: krate.to_owned(),
            version: None,
        });
        self
    }

    /// It is kept for history only, for this reason.
    pub fn historical(mut self, why: &str) -> Description {
        self.historical = Some(why.to_owned());
        self
    }

    /// Whether `--workers` sizes it.
    pub fn uses_workers(&self) -> bool {
        self.shape == Shape::Pool
    }

    /// Whether it can run CPU work on more than one core at once.
    pub fn parallel(&self) -> bool {
        !self.one_thread && !self.gil
    }
}

/// Looks a model up by name in stored descriptions.
pub fn find<'a>(models: &'a [Description], name: &str) -> Option<&'a Description> {
    models.iter().find(|m| m.name == name)
}

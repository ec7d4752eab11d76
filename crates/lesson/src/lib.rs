//! The course checker behind `cargo lesson`: it finds the lessons under `lessons/`, runs an
//! exercise's checks one by one with a timeout each (stopping at the first hang), remembers the
//! learner's progress, prints tiered hints, measures the learner's code beside greetbench's
//! reference model, records the learner's predictions, and proves in CI that every exercise
//! ships unsolved and every solution works.
//!
//! ```text
//! cargo lesson list              the lessons, and which checks you have passed
//! cargo lesson check 03          build lesson 03's exercise, run each check, say what is next
//! cargo lesson hint 03 [--level K]
//! cargo lesson predict 03        your numeric answers to the predict questions
//! cargo lesson run 03            your code and greetbench's model on the standard run
//! cargo lesson verify            CI: stubs fail exactly their expected checks, solutions pass
//! ```
//!
//! It never writes inside `lessons/`: what it writes is in `target/`
//! (`lesson-progress.json`, `lesson-predictions.json`, `lesson-runs.json`).
//!
//! # Layout
//! - [`course`]: finding lessons by directory (`lessons/NN-topic/`) and resolving `03`.
//! - [`hints`]: `hints.toml`, parsed with serde.
//! - [`data`]: `lesson.toml`: a lesson's hang message, standard run and predict questions.
//! - [`expected`]: `expected-failures.txt`, and comparing it with what the stub did.
//! - [`runner`]: building test executables through cargo, listing and running each test
//!   alone with a timeout, and pulling the failure message out of libtest's output.
//! - [`progress`]: the learner's progress, in `target/lesson-progress.json`.
//! - [`store`]: reading and writing those JSON files; a corrupt one is reported and kept.
//! - [`measure`]: `cargo lesson run`: the learner's `lesson_run` test and `lesson-reference`.
//! - [`predict`]: the learner's predictions, and how they compare with the measurements.
//! - [`wrong`]: the lessons' known-wrong solutions, and proving the checks catch each one.
//! - [`cli`]: the commands.

pub mod cli;
pub mod course;
pub mod data;
pub mod expected;
pub mod hints;
pub mod measure;
pub mod predict;
pub mod progress;
pub mod runner;
pub mod store;
pub mod wrong;

/// Something the checker cannot do, as one line that names the fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

impl Error {
    /// An error with this message.
    pub fn new(msg: impl Into<String>) -> Error {
        Error(msg.into())
    }
}

/// The checker's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The course checker behind `cargo lesson`: it finds the lessons under `lessons/`, runs an
//! exercise's checks one by one with a timeout each, remembers the learner's progress, prints
//! tiered hints, and proves in CI that every exercise ships unsolved and every solution works.
//!
//! ```text
//! cargo lesson list              the lessons, and which checks you have passed
//! cargo lesson check 03          build lesson 03's exercise, run each check, say what is next
//! cargo lesson hint 03 [--level K]
//! cargo lesson verify            CI: stubs fail exactly their expected checks, solutions pass
//! ```
//!
//! It never writes inside `lessons/`: the only file it writes is
//! `target/lesson-progress.json`.
//!
//! # Layout
//! - [`course`]: finding lessons by directory (`lessons/NN-topic/`) and resolving `03`.
//! - [`hints`]: `hints.toml`, parsed with serde.
//! - [`expected`]: `expected-failures.txt`, and comparing it with what the stub did.
//! - [`runner`]: building test executables through cargo, listing and running each test
//!   alone with a timeout, and pulling the failure message out of libtest's output.
//! - [`progress`]: the learner's progress, in `target/lesson-progress.json`.
//! - [`cli`]: the four commands.

pub mod cli;
pub mod course;
pub mod expected;
pub mod hints;
pub mod progress;
pub mod runner;

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

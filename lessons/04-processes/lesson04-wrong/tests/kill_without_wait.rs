//! Lesson 04's checks, run against one known-wrong solution, `src/kill_without_wait.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::kill_without_wait::*;
}

include!("../../checks.rs");

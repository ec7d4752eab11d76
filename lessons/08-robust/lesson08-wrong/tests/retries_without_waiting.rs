//! Lesson 08's checks, run against one known-wrong solution, `src/retries_without_waiting.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::retries_without_waiting::*;
}

include!("../../checks.rs");

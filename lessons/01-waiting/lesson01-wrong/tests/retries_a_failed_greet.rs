//! Lesson 01's checks, run against one known-wrong solution, `src/retries_a_failed_greet.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson01 {
    pub use lesson01_wrong::retries_a_failed_greet::*;
}

include!("../../checks.rs");

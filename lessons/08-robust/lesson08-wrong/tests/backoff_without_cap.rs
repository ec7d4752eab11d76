//! Lesson 08's checks, run against one known-wrong solution, `src/backoff_without_cap.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::backoff_without_cap::*;
}

include!("../../checks.rs");

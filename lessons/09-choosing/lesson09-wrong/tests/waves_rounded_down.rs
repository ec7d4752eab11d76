//! Lesson 09's checks, run against one known-wrong solution, `src/waves_rounded_down.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson09 {
    pub use lesson09_wrong::waves_rounded_down::*;
}

include!("../../checks.rs");

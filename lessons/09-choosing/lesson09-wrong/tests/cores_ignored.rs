//! Lesson 09's checks, run against one known-wrong solution, `src/cores_ignored.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson09 {
    pub use lesson09_wrong::cores_ignored::*;
}

include!("../../checks.rs");

//! Lesson 04's checks, run against one known-wrong solution, `src/panics_when_a_worker_cannot_start.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::panics_when_a_worker_cannot_start::*;
}

include!("../../checks.rs");

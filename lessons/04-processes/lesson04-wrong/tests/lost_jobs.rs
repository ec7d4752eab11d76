//! Lesson 04's checks, run against one known-wrong solution, `src/lost_jobs.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::lost_jobs::*;
}

include!("../../checks.rs");

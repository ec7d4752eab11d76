//! Lesson 05's checks, run against one known-wrong solution, `src/install_per_job.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson05 {
    pub use lesson05_wrong::install_per_job::*;
}

include!("../../checks.rs");

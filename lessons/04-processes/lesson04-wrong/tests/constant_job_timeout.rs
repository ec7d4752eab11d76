//! Lesson 04's checks, run against one known-wrong solution, `src/constant_job_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::constant_job_timeout::*;
}

include!("../../checks.rs");

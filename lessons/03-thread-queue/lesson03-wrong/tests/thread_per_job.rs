//! Lesson 03's checks, run against one known-wrong solution, `src/thread_per_job.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson03 {
    pub use lesson03_wrong::thread_per_job::*;
}

include!("../../checks.rs");

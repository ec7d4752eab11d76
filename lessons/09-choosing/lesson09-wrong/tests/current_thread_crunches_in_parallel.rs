//! Lesson 09's checks, run against one known-wrong solution, `src/current_thread_crunches_in_parallel.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson09 {
    pub use lesson09_wrong::current_thread_crunches_in_parallel::*;
}

include!("../../checks.rs");

//! Lesson 02's checks, run against one known-wrong solution, `src/mutex_adds_each_threads_sum.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::mutex_adds_each_threads_sum::*;
}

include!("../../checks.rs");

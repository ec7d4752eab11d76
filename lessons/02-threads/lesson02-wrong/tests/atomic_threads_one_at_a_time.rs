//! Lesson 02's checks, run against one known-wrong solution, `src/atomic_threads_one_at_a_time.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::atomic_threads_one_at_a_time::*;
}

include!("../../checks.rs");

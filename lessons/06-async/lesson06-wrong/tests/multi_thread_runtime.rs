//! Lesson 06's checks, run against one known-wrong solution, `src/multi_thread_runtime.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::multi_thread_runtime::*;
}

include!("../../checks.rs");

//! Lesson 02's checks, run against one known-wrong solution, `src/one_thread_adds_for_all.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::one_thread_adds_for_all::*;
}

include!("../../checks.rs");

//! Lesson 01's checks, run against one known-wrong solution, `src/timeout_by_a_detached_thread.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson01 {
    pub use lesson01_wrong::timeout_by_a_detached_thread::*;
}

include!("../../checks.rs");

//! Lesson 06's checks, run against one known-wrong solution, `src/run_off_loop_polls_the_handle.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::run_off_loop_polls_the_handle::*;
}

include!("../../checks.rs");

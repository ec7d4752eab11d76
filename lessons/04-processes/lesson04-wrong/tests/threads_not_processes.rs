//! Lesson 04's checks, run against one known-wrong solution, `src/threads_not_processes.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::threads_not_processes::*;
}

include!("../../checks.rs");

//! Lesson 06's checks, run against one known-wrong solution, `src/os_threads.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::os_threads::*;
}

include!("../../checks.rs");

//! Lesson 05's checks, run against one known-wrong solution, `src/greets_on_threads.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson05 {
    pub use lesson05_wrong::greets_on_threads::*;
}

include!("../../checks.rs");

//! Lesson 04's checks, run against one known-wrong solution, `src/no_kill_on_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::no_kill_on_timeout::*;
}

include!("../../checks.rs");

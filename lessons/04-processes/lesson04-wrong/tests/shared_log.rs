//! Lesson 04's checks, run against one known-wrong solution, `src/shared_log.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::shared_log::*;
}

include!("../../checks.rs");

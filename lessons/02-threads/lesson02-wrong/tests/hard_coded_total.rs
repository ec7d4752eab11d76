//! Lesson 02's checks, run against one known-wrong solution, `src/hard_coded_total.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::hard_coded_total::*;
}

include!("../../checks.rs");

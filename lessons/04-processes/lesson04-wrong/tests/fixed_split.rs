//! Lesson 04's checks, run against one known-wrong solution, `src/fixed_split.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::fixed_split::*;
}

include!("../../checks.rs");

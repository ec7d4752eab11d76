//! Lesson 05's checks, run against one known-wrong solution, `src/two_halves.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson05 {
    pub use lesson05_wrong::two_halves::*;
}

include!("../../checks.rs");

//! Lesson 07's checks, run against one known-wrong solution, `src/unbounded.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson07 {
    pub use lesson07_wrong::unbounded::*;
}

include!("../../checks.rs");

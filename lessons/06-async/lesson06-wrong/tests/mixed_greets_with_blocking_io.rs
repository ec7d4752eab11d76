//! Lesson 06's checks, run against one known-wrong solution, `src/mixed_greets_with_blocking_io.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::mixed_greets_with_blocking_io::*;
}

include!("../../checks.rs");

//! Lesson 06's checks, run against one known-wrong solution, `src/mixed_crunches_inline.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::mixed_crunches_inline::*;
}

include!("../../checks.rs");

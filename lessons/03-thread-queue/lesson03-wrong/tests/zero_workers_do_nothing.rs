//! Lesson 03's checks, run against one known-wrong solution, `src/zero_workers_do_nothing.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson03 {
    pub use lesson03_wrong::zero_workers_do_nothing::*;
}

include!("../../checks.rs");

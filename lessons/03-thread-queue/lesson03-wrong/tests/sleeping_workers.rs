//! Lesson 03's checks, run against one known-wrong solution, `src/sleeping_workers.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson03 {
    pub use lesson03_wrong::sleeping_workers::*;
}

include!("../../checks.rs");

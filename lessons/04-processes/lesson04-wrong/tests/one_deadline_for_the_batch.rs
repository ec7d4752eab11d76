//! Lesson 04's checks, run against one known-wrong solution, `src/one_deadline_for_the_batch.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::one_deadline_for_the_batch::*;
}

include!("../../checks.rs");

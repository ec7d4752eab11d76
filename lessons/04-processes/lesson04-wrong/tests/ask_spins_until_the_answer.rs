//! Lesson 04's checks, run against one known-wrong solution, `src/ask_spins_until_the_answer.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson04 {
    pub use lesson04_wrong::ask_spins_until_the_answer::*;
}

include!("../../checks.rs");

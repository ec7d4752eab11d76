//! Lesson 06's checks, run against one known-wrong solution, `src/greet_all_ignores_the_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::greet_all_ignores_the_timeout::*;
}

include!("../../checks.rs");

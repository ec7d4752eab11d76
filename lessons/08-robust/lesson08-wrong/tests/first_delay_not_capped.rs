//! Lesson 08's checks, run against one known-wrong solution, `src/first_delay_not_capped.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::first_delay_not_capped::*;
}

include!("../../checks.rs");

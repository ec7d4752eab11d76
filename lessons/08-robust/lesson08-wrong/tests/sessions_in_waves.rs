//! Lesson 08's checks, run against one known-wrong solution, `src/sessions_in_waves.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::sessions_in_waves::*;
}

include!("../../checks.rs");

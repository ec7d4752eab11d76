//! Lesson 01's checks, run against one known-wrong solution, `src/stops_at_the_first_error.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson01 {
    pub use lesson01_wrong::stops_at_the_first_error::*;
}

include!("../../checks.rs");

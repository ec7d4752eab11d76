//! Lesson 07's checks, run against one known-wrong solution, `src/only_404_is_a_status_error.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson07 {
    pub use lesson07_wrong::only_404_is_a_status_error::*;
}

include!("../../checks.rs");

//! Lesson 05's checks, run against one known-wrong solution, `src/constant_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson05 {
    pub use lesson05_wrong::constant_timeout::*;
}

include!("../../checks.rs");

//! Lesson 02's checks, run against one known-wrong solution, `src/constant_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::constant_timeout::*;
}

include!("../../checks.rs");

//! Lesson 03's checks, run against one known-wrong solution, `src/constant_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson03 {
    pub use lesson03_wrong::constant_timeout::*;
}

include!("../../checks.rs");

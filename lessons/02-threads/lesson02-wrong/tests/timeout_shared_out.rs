//! Lesson 02's checks, run against one known-wrong solution, `src/timeout_shared_out.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::timeout_shared_out::*;
}

include!("../../checks.rs");

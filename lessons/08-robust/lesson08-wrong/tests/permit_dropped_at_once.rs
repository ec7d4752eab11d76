//! Lesson 08's checks, run against one known-wrong solution, `src/permit_dropped_at_once.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::permit_dropped_at_once::*;
}

include!("../../checks.rs");

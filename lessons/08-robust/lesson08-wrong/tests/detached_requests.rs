//! Lesson 08's checks, run against one known-wrong solution, `src/detached_requests.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::detached_requests::*;
}

include!("../../checks.rs");

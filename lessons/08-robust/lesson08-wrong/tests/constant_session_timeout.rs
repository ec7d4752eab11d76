//! Lesson 08's checks, run against one known-wrong solution, `src/constant_session_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::constant_session_timeout::*;
}

include!("../../checks.rs");

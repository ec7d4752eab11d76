//! Lesson 07's checks, run against one known-wrong solution, `src/a_client_per_request.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson07 {
    pub use lesson07_wrong::a_client_per_request::*;
}

include!("../../checks.rs");

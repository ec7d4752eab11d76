//! Lesson 08's checks, run against one known-wrong solution, `src/keeps_the_connection_after_a_timeout.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::keeps_the_connection_after_a_timeout::*;
}

include!("../../checks.rs");

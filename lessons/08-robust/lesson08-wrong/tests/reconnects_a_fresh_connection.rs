//! Lesson 08's checks, run against one known-wrong solution, `src/reconnects_a_fresh_connection.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson08 {
    pub use lesson08_wrong::reconnects_a_fresh_connection::*;
}

include!("../../checks.rs");

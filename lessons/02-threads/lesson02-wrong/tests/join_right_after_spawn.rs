//! Lesson 02's checks, run against one known-wrong solution, `src/join_right_after_spawn.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson02 {
    pub use lesson02_wrong::join_right_after_spawn::*;
}

include!("../../checks.rs");

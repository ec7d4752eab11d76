//! Lesson 06's checks, run against one known-wrong solution, `src/seed_ignores_the_reply.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson06 {
    pub use lesson06_wrong::seed_ignores_the_reply::*;
}

include!("../../checks.rs");

//! Lesson 09's checks, run against one known-wrong solution, `src/machine_cores.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson09 {
    pub use lesson09_wrong::machine_cores::*;
}

include!("../../checks.rs");

//! Lesson 03's checks, run against one known-wrong solution, `src/workers_quit_when_the_queue_is_idle.rs`.
//! The check that file names must fail; `cargo lesson verify` proves it does.
mod lesson03 {
    pub use lesson03_wrong::workers_quit_when_the_queue_is_idle::*;
}

include!("../../checks.rs");

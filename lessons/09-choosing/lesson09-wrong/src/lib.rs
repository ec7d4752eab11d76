//! Lesson 09's known-wrong solutions: plausible predictions with one piece of reasoning wrong.
//! Each module is one mistake, and says which check catches it; each test target in `tests/`
//! runs the lesson's checks against one module, and `cargo lesson verify` proves that check
//! fails. If a change to `../checks.rs` lets one of these pass, verify fails.
//!
//! # Layout
//! - [`given`]: the exercise's given `rank`, as a macro, so that each mistake ranks with its
//!   own `capacity` and `predict`.
//! - one module per mistake.
#![forbid(unsafe_code)]

pub mod given;

pub mod cores_ignored;
pub mod current_thread_crunches_in_parallel;
pub mod machine_cores;
pub mod waves_rounded_down;

//! Lesson 05's known-wrong solutions: plausible answers that run on the wrong threads, one job
//! at a time or in a fixed number of parts, use threads where the lesson's point is rayon's
//! pool, or ignore the timeout given. Each module is one
//! mistake, and says which check catches it; each test target in `tests/` runs the lesson's
//! checks against one module, and `cargo lesson verify` proves that check fails. If a change to
//! `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod constant_timeout;
pub mod global_pool;
pub mod greets_on_threads;
pub mod install_per_job;
pub mod sequential;
pub mod two_halves;

//! Lesson 03's known-wrong solutions: plausible `pool_greet`s that are not a pool fed by a
//! message queue. Each module is one mistake, and says which check catches it; each test target
//! in `tests/` runs the lesson's checks against one module, and `cargo lesson verify` proves that
//! check fails. If a change to `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod fixed_split;
pub mod thread_per_job;

//! Lesson 01's known-wrong solutions: plausible sequential greets that stop at a failure, do
//! not wait one at a time, trust any reply, or wait without a timeout or with one of their
//! own. Each module is one mistake, and says which check catches it; each test target in
//! `tests/` runs the lesson's checks against one module, and `cargo lesson verify` proves that
//! check fails. If a change to `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod concurrent;
pub mod constant_timeout;
pub mod no_timeout;
pub mod stops_at_the_first_error;
pub mod trusts_any_reply;

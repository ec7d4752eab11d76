//! Lesson 01's known-wrong solutions: plausible sequential greets that stop at a failure, do
//! not wait one at a time, trust any reply, wait without a timeout or with one of their own,
//! greet a failed host twice, or leave a timed-out greet waiting on a thread. Each module is
//! one mistake, and says which check catches it; each test target in `tests/` runs the
//! lesson's checks against one module, and `cargo lesson verify` proves that check fails. If a change to `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod concurrent;
pub mod constant_timeout;
pub mod no_timeout;
pub mod retries_a_failed_greet;
pub mod stops_at_the_first_error;
pub mod timeout_by_a_detached_thread;
pub mod trusts_any_reply;

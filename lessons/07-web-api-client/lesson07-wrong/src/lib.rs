//! Lesson 07's known-wrong solutions: plausible clients that trust what the API sends, make a
//! client of their own, or bound their concurrency wrongly. Each module is one mistake, and
//! says which check catches it; each test target in `tests/` runs the lesson's checks against
//! one module, and `cargo lesson verify` proves that check fails. If a change to
//! `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod a_client_per_request;
pub mod only_404_is_a_status_error;
pub mod trusts_the_body;
pub mod unbounded;
pub mod waves;

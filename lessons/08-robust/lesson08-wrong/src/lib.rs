//! Lesson 08's known-wrong solutions: plausible robust clients with one chore done wrong: a
//! backoff without its cap, retries without the wait, a session that keeps or replaces its
//! connection at the wrong moment or ignores its timeout, a permit let go at once, sessions in
//! waves, requests detached instead of cancelled. Each module is one mistake, and says which check catches it; each test target in
//! `tests/` runs the lesson's checks against one module, and `cargo lesson verify` proves that
//! check fails. If a change to `../checks.rs` lets one of these pass, verify fails.
//!
//! # Layout
//! - [`session`]: the given part of `Session` (a macro, since each mistake that changes how a
//!   session greets needs a `Session` type of its own).
//! - one module per mistake.
#![forbid(unsafe_code)]

pub mod session;

pub mod backoff_without_cap;
pub mod constant_session_timeout;
pub mod detached_requests;
pub mod first_delay_not_capped;
pub mod keeps_the_connection_after_a_timeout;
pub mod permit_dropped_at_once;
pub mod reconnects_a_fresh_connection;
pub mod reconnects_after_a_timeout;
pub mod retries_without_waiting;
pub mod sessions_in_waves;

//! Lesson 03's known-wrong solutions: plausible `run_pool`s that are not a pool fed by a
//! message queue, or not a well-behaved one. Each module is one mistake, and says which check
//! catches it; each test target in `tests/` runs the lesson's checks against one module, and
//! `cargo lesson verify` proves that check fails. If a change to `../checks.rs` lets one of
//! these pass, verify fails.
//!
//! # Layout
//! - [`given`]: the exercise's given `pool_greet`, as a macro, so that each mistake's
//!   `run_pool` is driven as the learner's is.
//! - one module per mistake.
#![forbid(unsafe_code)]

pub mod given;

pub mod constant_timeout;
pub mod detached_workers;
pub mod fixed_split;
pub mod no_queue;
pub mod sleeping_workers;
pub mod spinning_workers;
pub mod thread_per_job;
pub mod workers_quit_when_the_queue_is_idle;
pub mod zero_workers_do_nothing;

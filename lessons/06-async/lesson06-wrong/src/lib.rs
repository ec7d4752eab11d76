//! Lesson 06's known-wrong solutions: plausible answers that wait on many greets without an
//! event loop, or block the loop they have. Each module is one mistake, and says which check
//! catches it; each test target in `tests/` runs the lesson's checks against one module, and
//! `cargo lesson verify` proves that check fails. If a change to `../checks.rs` lets one of
//! these pass, verify fails.
#![forbid(unsafe_code)]

pub mod greet_all_ignores_the_timeout;
pub mod mixed_crunches_inline;
pub mod mixed_greets_with_blocking_io;
pub mod multi_thread_runtime;
pub mod os_threads;
pub mod run_off_loop_polls_the_handle;
pub mod run_off_loop_runs_on_the_loop;
pub mod seed_ignores_the_reply;

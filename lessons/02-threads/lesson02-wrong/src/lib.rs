//! Lesson 02's known-wrong solutions: plausible answers that get the right numbers without the
//! threads doing the work or sharing the counter increment by increment, start the threads one
//! at a time, or ignore or share out the timeout given. Each
//! module is one mistake, and says which check catches it; each test target in `tests/` runs
//! the lesson's checks against one module, and `cargo lesson verify` proves that check fails.
//! If a change to `../checks.rs` lets one of these pass, verify fails.
#![forbid(unsafe_code)]

pub mod atomic_adds_each_threads_sum;
pub mod atomic_threads_one_at_a_time;
pub mod constant_timeout;
pub mod hard_coded_total;
pub mod join_right_after_spawn;
pub mod mutex_adds_each_threads_sum;
pub mod mutex_threads_one_at_a_time;
pub mod one_thread_adds_for_all;
pub mod timeout_shared_out;

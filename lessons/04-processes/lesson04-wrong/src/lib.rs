//! Lesson 04's known-wrong solutions: plausible parent sides that do not kill a hung worker
//! properly, do not use the worker processes, share one log, lose jobs, split the jobs in
//! advance, share one deadline among the jobs, ignore the job timeout, wait out every timeout
//! or spin until the answer, or panic. Each module is one mistake, and says which check
//! catches it; each test target in `tests/` runs the lesson's checks against one module, and
//! `cargo lesson verify` proves that check fails. If a change to `../checks.rs` lets one of
//! these pass, verify fails.
//!
//! # Layout
//! - [`common`]: the reference parent side, with a wrong one's difference (what `ask` does to
//!   a worker that does not answer in time, how it waits, each job's timeout) as a parameter.
//! - one module per mistake.
#![forbid(unsafe_code)]

pub mod common;

pub mod ask_spins_until_the_answer;
pub mod ask_waits_the_whole_timeout;
pub mod constant_job_timeout;
pub mod fixed_split;
pub mod kill_without_wait;
pub mod lost_jobs;
pub mod no_kill_on_timeout;
pub mod one_deadline_for_the_batch;
pub mod panics_when_a_worker_cannot_start;
pub mod shared_log;
pub mod threads_not_processes;

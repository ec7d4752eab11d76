//! The greetbench command-line tool as a library, so that tests and benchmarks reach
//! everything the binary does.
//!
//! # Layout
//! - [`registry`]: every model by name, and its description. Adding a model is one line there.
//! - [`harness`]: runs one request against a `greetbench serve` child and measures it.
//! - [`child`]: runs one request in a fresh child process, with a deadline.
//! - [`sys`]: CPU time, memory, threads and limits from the OS.
//! - [`load`]: an open-loop run's figures (latency from each job's intended start, queues,
//!   the predicted knee), from its outcomes.
//! - [`memory`]: kernel and user memory (`/proc/meminfo`, `sockstat`, PSS) sampled at a scale
//!   point's peak.
//! - [`chrome`]: a run's timeline as Chrome trace-event JSON, for Perfetto.
//! - [`sweep`]: every model and size in a fresh child process, with its resource costs; and
//!   [`sweep::rates`], the rate sweep: each model under open-loop load, below to past its knee.
//! - [`scale`]: each model from 1,000 waiting greets up to the OS limit that stops it.
//! - [`probe`]: the kill probe: what stops a thread, a task or a process stuck on a silent host.
//! - [`soak`]: a million greets with faults through one model, every one accounted for.
//! - [`out`]: stdout and stderr without panics on a closed pipe or a full disk.
//! - [`cli`]: the subcommands `models`, `run`, `compare`, `serve`, `serve-api`, `sweep`,
//!   `report`, `soak` and `load`.
//!
//! Modules depend one way: `cli` → `sweep` → `sweep::rates`, `scale`, `child`; `cli` →
//! `chrome`; `cli` → `soak` → `harness`; and `cli` → `harness` → `load`, `memory`,
//! `registry`, `sys`, `child`. Nothing imports `cli`.

pub mod child;
pub mod chrome;
pub mod cli;
pub mod harness;
pub mod load;
pub mod memory;
pub mod out;
pub mod probe;
pub mod registry;
pub mod scale;
pub mod soak;
pub mod sweep;
pub mod sys;

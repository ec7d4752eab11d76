//! The greetbench command-line tool as a library, so that tests and benchmarks reach
//! everything the binary does.
//!
//! # Layout
//! - [`registry`]: every model by name. Adding a model is one line there.
//! - [`harness`]: runs a model against a `greetbench serve` child and measures it.
//! - [`sys`]: CPU time, memory, threads and limits from the OS.
//! - [`sweep`]: every model and size in a fresh child process, with its resource costs.
//! - [`probe`]: the kill probe: what stops a thread, a task or a process stuck on a silent host.
//! - [`cli`]: the subcommands `models`, `run`, `compare`, `serve`, `serve-api`, `sweep` and
//!   `report`.

pub mod cli;
pub mod harness;
pub mod probe;
pub mod registry;
pub mod sweep;
pub mod sys;

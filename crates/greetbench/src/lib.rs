//! The greetbench command-line tool as a library, so that tests and benchmarks reach
//! everything the binary does.
//!
//! # Layout
//! - [`cli`]: one file per subcommand (`models`, `run`, `compare`, `serve`, `serve-api`,
//!   `sweep`, `report`, `soak`, `load`, and the hidden `child` and `floor-child`), their
//!   shared flags, and the dispatch.
//! - [`registry`]: every model by name, and its description. Adding a model is one line there.
//! - [`pythons`]: the interpreters the Python rows run on (`--python`), and how a row names its
//!   interpreter.
//! - [`harness`]: runs one request against a `greetbench serve` child and measures it:
//!   `server`, `budget`, `measure`, and what it samples beside a run (`threads`, `noise`,
//!   `memory`).
//! - [`child`]: runs one request in a fresh child process, with a deadline (a model's run, or
//!   a floor client's).
//! - [`floor_pairs`]: each model beside the floor client of its kind, in interleaved pairs of
//!   runs against one server (`compare --floor`, and the sweep).
//! - [`load`]: an open-loop run's figures (latency from each job's intended start, queues,
//!   the predicted knee), from its outcomes.
//! - [`chrome`]: a run's timeline as Chrome trace-event JSON, for Perfetto.
//! - [`sweep`]: every point in a fresh child process: `resources` (every model and size, with
//!   its resource costs), `rates` (each model under open-loop load, below to past its knee),
//!   `scale` (each model from 1,000 waiting greets up to the OS limit that stops it) and
//!   `kill` (the kill probe: what stops a thread, a task or a process stuck on a silent host).
//! - [`soak`]: a million greets with faults through one model, every one accounted for.
//! - [`out`]: stdout and stderr without panics on a closed pipe or a full disk.
//!
//! Modules depend one way: `cli` → `sweep` → `child`; `cli`, `sweep` → `pythons` → `registry`;
//! `cli` → `chrome`; `cli` → `soak` → `harness`; `cli` and `sweep` → `floor_pairs` →
//! `harness`, `child`; and `cli` → `harness` → `load`, `registry`, `child`. Nothing imports
//! `cli`. Every question to the OS goes through the OS layer, [`greet_os`].

pub mod child;
pub mod chrome;
pub mod cli;
pub mod floor_pairs;
pub mod harness;
pub mod load;
pub mod out;
pub mod pythons;
pub mod registry;
pub mod soak;
pub mod sweep;

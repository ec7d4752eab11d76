//! The one place greetbench's shared parts live: the greet protocol, the three workloads,
//! the [`Model`] interface every concurrency model implements, and the result types.
//!
//! Each model crate (`model-threads`, `model-tokio`, …) depends on this crate and on its own
//! runtime, nothing else. Everything a model has in common with its siblings is here, so that
//! diffing two model crates shows only the concurrency.
//!
//! This crate starts no threads, processes or runtimes of its own: concurrency belongs to the
//! models. It does contain the *blocking* greet client ([`client::greet`]) that the five
//! blocking models share, and the runtime-agnostic job logic ([`run_job_async`]) that the four
//! async models drive with their own sockets.
//!
//! # Layout
//! - [`protocol`]: the bytes on the wire, its limits, and [`protocol::ReplyReader`], which
//!   turns a TCP byte stream back into one reply line.
//! - [`workload`]: greet, crunch and mixed; the CPU kernel [`workload::crunch`].
//! - [`plan`]: what to run ([`Plan`]) and where ([`Target`]).
//! - [`outcome`]: how each job ended ([`Outcome`], [`GreetError`]) and the run's [`Summary`].
//! - [`client`]: the blocking greet client.
//! - [`model`]: the [`Model`] trait and the job runners the models call.
//! - [`describe`]: what a model is ([`Description`]), said once by the model.
//! - [`record`]: the run request a harness sends and the run record it gets back: the
//!   contract every model implementation speaks, in any language.
//! - [`duration`]: parsing `50ms`, `1s`, `250us`.
//! - [`fault`]: the faults a host injects on purpose (`--fault reset=20%`), and their draw.
//! - [`floor`]: a model beside the bare client of its kind: which one, the pairs of runs,
//!   and their ratio with its interval.
//! - [`interpreter`]: the interpreter a Python model ran on, as its record states it.
//! - [`limits`]: OS limits a model must respect before it reaches them.
//! - [`wire`]: the processes model's messages over pipes.
//! - [`arrivals`]: open-loop runs, whose jobs are due over time ([`arrivals::Arrivals`]).
//! - [`trace`]: per-job timestamps and thread ids, and a run's timeline ([`trace::Trace`]).
//!
//! # Example
//! ```
//! use greet_core::workload::crunch;
//! // The CPU kernel is deterministic: every model gets the same checksum.
//! assert_eq!(crunch(1_000, 7), crunch(1_000, 7));
//! assert_ne!(crunch(1_000, 7), crunch(1_000, 8));
//! ```

pub mod arrivals;
pub mod client;
pub mod describe;
pub mod duration;
pub mod fault;
pub mod floor;
pub mod interpreter;
pub mod limits;
pub mod model;
pub mod outcome;
pub mod plan;
pub mod protocol;
pub mod record;
pub mod trace;
pub mod wire;
pub mod workload;

pub use arrivals::{Arrivals, Pattern};
pub use describe::{Description, Family, Lang, Shape};
pub use model::{Batch, FnRunner, Model, ModelError, Runner, run_job, run_job_async};
pub use outcome::{ErrorKind, GreetError, OpenLoop, OsLimit, Outcome, Summary};
pub use plan::{Concurrency, Plan, PlanError, Retry, Target};
pub use protocol::Reply;
pub use workload::Workload;

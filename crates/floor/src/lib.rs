//! The floor clients: for each way of waiting, the shortest client that greets the hosts
//! that way, with none of greetbench's harness.
//!
//! A model's wall time carries more than its concurrency: an [`Outcome`] per greet, trace
//! stamps, deadlines, retries, the thread budget, a checked reply. A floor client has none of
//! that. It greets (connect, send `Hello, world`, read the reply line, with a timeout), counts
//! the replies, and times the batch. `greetbench compare --floor` runs each model and the
//! floor client of its kind ([`FloorKind::of`]) in turns against the same hosts, each in a
//! fresh process, and shows the ratio of their wall times: what the harness and the model's
//! own choices cost on top of the bare way of waiting.
//!
//! Floor clients are measured, never registered as models: they keep no account of their
//! greets beyond a count, so no verdict may rest on them.
//!
//! # Layout
//! One file per client, each a few lines to diff against its model:
//! - [`sequential`]: one greet after another;
//! - [`threads`]: one OS thread per greet;
//! - [`thread_pool`]: K threads taking greets off a shared counter;
//! - [`tasks`]: one tokio task per greet, on the multi-thread or the current-thread runtime;
//! - [`greet`]: the bare greet, blocking and on tokio;
//! - the Python clients are `python/floor/*.py`, run by [`python`].
//!
//! [`Outcome`]: greet_core::Outcome
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use greet_core::floor::{FloorKind, FloorRun};

pub mod greet;
pub mod python;
pub mod sequential;
pub mod tasks;
pub mod thread_pool;
pub mod threads;

/// What a floor client runs: `count` greets over `addrs`, round-robin (greet `i` to
/// `addrs[i % addrs.len()]`, as the models do), each giving up after `timeout`.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The hosts.
    pub addrs: Vec<SocketAddr>,
    /// How many greets.
    pub count: usize,
    /// K: the pools' threads, and the tokio client's worker threads (as many as the executor
    /// threads of the model it stands beside).
    pub workers: usize,
    /// Each greet's timeout, connection included.
    pub timeout: Duration,
}

impl Batch {
    /// The host greet `i` goes to.
    pub fn addr(&self, i: usize) -> SocketAddr {
        self.addrs[i % self.addrs.len()]
    }
}

/// A floor client could not run.
#[derive(Debug, thiserror::Error)]
pub enum FloorError {
    /// The batch has no host, no greet, or a pool of no thread.
    #[error("a floor batch needs at least one host, one greet and one worker")]
    Empty,
    /// tokio's runtime did not start.
    #[error("the {kind} floor client could not start its runtime: {0}", kind = .1)]
    Runtime(std::io::Error, FloorKind),
    /// A Python floor client did not run or answered something else than its result.
    #[error("the {kind} floor client: {why}")]
    Python {
        /// Which client.
        kind: FloorKind,
        /// What went wrong, in one line.
        why: String,
    },
}

/// Runs `kind` once over `batch`, in this process (a Python kind in an interpreter it
/// starts): its wall time from the first greet started to the last one ended, set-up (a
/// runtime, an interpreter) excluded as the harness excludes a model's start.
pub fn run(kind: FloorKind, batch: &Batch) -> Result<FloorRun, FloorError> {
    if batch.addrs.is_empty() || batch.count == 0 || batch.workers == 0 {
        return Err(FloorError::Empty);
    }
    let built =
        |rt: std::io::Result<tokio::runtime::Runtime>| rt.map_err(|e| FloorError::Runtime(e, kind));
    // The clock starts once the client is ready to greet: after its runtime is built.
    let t0;
    let ok = match kind {
        FloorKind::Sequential => {
            t0 = Instant::now();
            sequential::run(batch)
        }
        FloorKind::Threads => {
            t0 = Instant::now();
            threads::run(batch)
        }
        FloorKind::ThreadPool => {
            t0 = Instant::now();
            thread_pool::run(batch)
        }
        FloorKind::Tokio => {
            let rt = built(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(batch.workers)
                    .enable_all()
                    .build(),
            )?;
            t0 = Instant::now();
            tasks::run(&rt, batch)
        }
        FloorKind::TokioCurrentThread => {
            let rt = built(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build(),
            )?;
            t0 = Instant::now();
            tasks::run(&rt, batch)
        }
        FloorKind::PySequential
        | FloorKind::PyThreads
        | FloorKind::PyThreadPool
        | FloorKind::PyAsyncio => return python::run(kind, batch),
    };
    Ok(FloorRun {
        wall_s: t0.elapsed().as_secs_f64(),
        ok,
        count: batch.count,
    })
}

//! The **tokio** models: one task per job on tokio's multi-thread runtime, in two variants
//! that differ only in where the crunch runs.
//!
//! A task is not a thread. A greet waiting for its reply is a suspended future that costs a
//! few hundred bytes, and the runtime's few worker threads (one per core) run whichever tasks
//! are ready. So thousands of greets wait at once for the price of thousands of small
//! allocations, and N greets finish in about L.
//!
//! CPU work is different: a task that crunches holds its worker thread, and every task
//! queued behind it waits. So [`Tokio`] runs crunch on tokio's blocking pool via
//! `spawn_blocking`, which keeps the workers free and lets crunches use every core. (rayon
//! would do as well for pure CPU work; `spawn_blocking` needs no second pool and is what
//! tokio's docs recommend for a blocking call inside async code.) [`TokioInline`] leaves the
//! crunch on the worker threads, to measure what that advice saves.
//!
//! Only the runtime is this crate's: the tasks, their greet and the loop that spawns and joins
//! them are `model-tokio-current-thread`'s [`run_tasks`], the same code on one thread or many.
//! Diffing the two crates shows the runtime each builds and where the crunch goes, nothing else.
#![forbid(unsafe_code)]

use greet_core::plan::default_workers;
use greet_core::workload::crunch;
use greet_core::{Batch, Concurrency, Description, Family, Model, ModelError, Plan, Runner, Shape};
use model_tokio_current_thread::{crunch_inline, run_tasks};
use tokio::runtime::Runtime;

/// One task per job on the multi-thread runtime; crunch on the blocking pool.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tokio;

/// The same runtime and tasks as [`Tokio`], with crunch run inline on the async workers.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioInline;

/// Where a tokio model runs its crunch: the one thing the two variants disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrunchOn {
    /// tokio's blocking pool (`spawn_blocking`), plain OS threads apart from the workers:
    /// the advice for any blocking call in async code, and what [`Tokio`] does.
    BlockingPool,
    /// The async worker threads themselves, inline, blocking them while it runs: what
    /// happens when the advice is ignored, and what [`TokioInline`] measures. Crunches run
    /// on at most as many cores as there are workers, and a greet whose reply arrives while
    /// every worker crunches waits for one to finish.
    Workers,
}

impl Model for Tokio {
    fn name(&self) -> &'static str {
        "tokio"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "one tokio task per greet on the multi-thread runtime; crunch via spawn_blocking",
        )
        .crunch_on(
            "tokio's blocking pool (spawn_blocking): plain OS threads, not the async workers",
        )
        .runtime("tokio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        start(self.name(), CrunchOn::BlockingPool)
    }
}

impl Model for TokioInline {
    fn name(&self) -> &'static str {
        "tokio-inline"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "tokio's multi-thread runtime with crunch left inline on its workers (no spawn_blocking)",
        )
        .crunch_on("tokio's async worker threads, inline: blocks them")
        .runtime("tokio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        // Every greet still waits at once; crunches run only as many at a time as there
        // are workers to block.
        Concurrency {
            io: plan.count,
            cpu: plan.count.min(worker_threads().unwrap_or(1)),
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        start(self.name(), CrunchOn::Workers)
    }
}

/// Builds the runtime: its async worker threads (see `worker_threads`), plus the blocking pool
/// on demand.
fn start(model: &str, crunch: CrunchOn) -> Result<Box<dyn Runner>, ModelError> {
    let start_error = |reason: String| ModelError::Start {
        model: model.into(),
        reason,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads().map_err(start_error)?)
        .enable_all()
        .build()
        .map_err(|e| start_error(e.to_string()))?;
    Ok(Box::new(TokioRunner { rt, crunch }))
}

/// How many async worker threads the runtime gets, by tokio's own rule:
/// `TOKIO_WORKER_THREADS` if set, else one per core. (tokio panics on a bad value; this says
/// how to fix it instead.)
fn worker_threads() -> Result<usize, String> {
    let Ok(value) = std::env::var("TOKIO_WORKER_THREADS") else {
        return Ok(default_workers());
    };
    match value.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "TOKIO_WORKER_THREADS={value:?} is not a thread count: unset it or set it to 1 or more"
        )),
    }
}

struct TokioRunner {
    rt: Runtime,
    crunch: CrunchOn,
}

impl Runner for TokioRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        // The tasks, their greet and the join loop are tokio-current-thread's, run on this
        // runtime's workers: what differs is the runtime, and where the crunch goes.
        let outcomes = match self.crunch {
            CrunchOn::BlockingPool => run_tasks(&self.rt, plan, crunch_blocking),
            CrunchOn::Workers => run_tasks(&self.rt, plan, crunch_inline),
        };
        Ok(Batch { outcomes })
    }

    fn executor_threads(&self) -> Option<usize> {
        Some(self.rt.metrics().num_workers())
    }
}

/// Crunch on the blocking pool, so the event loop's threads stay free for I/O.
async fn crunch_blocking(work: u32, seed: u64) -> u64 {
    match tokio::task::spawn_blocking(move || crunch(work, seed)).await {
        Ok(checksum) => checksum,
        // A crunch that panicked comes back as a JoinError: raise it again in this task, so
        // that the task's own JoinError counts it (never an ok job with checksum 0).
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model_tokio_current_thread::job;
    use std::sync::Arc;

    #[test]
    fn moving_the_crunch_to_the_blocking_pool_costs_a_waiting_greet_nothing() {
        // A task's future is as large as its largest state, and a greet waits before its
        // crunch: the blocking pool's JoinHandle shares its room with the greet. The size of
        // the whole task is printed and bounded by model-tokio-current-thread's tests/size.rs.
        let target = greet_core::Target {
            addr: "127.0.0.1:9".parse().unwrap(),
            host: None,
        };
        let plan = Arc::new(Plan::new(greet_core::Workload::Greet, 1, vec![target]));
        let on_pool = std::mem::size_of_val(&job(plan.clone(), 0, crunch_blocking));
        let inline = std::mem::size_of_val(&job(plan, 0, crunch_inline));
        assert_eq!(on_pool, inline);
    }
}

//! The interface every concurrency model implements, and the job runners they call.
//!
//! A model decides only *how jobs run concurrently*. What a job is lives here, once:
//! [`run_job`] for the blocking models and [`run_job_async`] for the async ones.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::client;
use crate::describe::Description;
use crate::outcome::{GreetError, Outcome};
use crate::plan::{Concurrency, Plan, PlanError};
use crate::protocol::Reply;
use crate::workload::{Workload, crunch, crunch_seed};

/// One concurrency model: the same workload, run its own way.
///
/// Running is split in two so that benchmarks never time set-up: [`Model::start`] builds
/// whatever the model needs (a runtime, a pool, worker processes), and [`Runner::run`] runs
/// one batch of jobs on it, as often as wanted. [`Model::run`] does both, for one-off runs.
///
/// Adding a model means one crate implementing this trait plus one line in greetbench's
/// registry.
pub trait Model: Send + Sync {
    /// The short name used by `--model`.
    fn name(&self) -> &'static str;

    /// What the model is: its family, shape, where its crunch runs, its runtime. Everything
    /// downstream (tables, charts, verdicts, tests) reads this instead of matching on names.
    fn describe(&self) -> Description;

    /// How many greets can wait, and how many crunches can run, at once under `plan`.
    fn concurrency(&self, plan: &Plan) -> Concurrency;

    /// Builds the runtime, pool or workers for plans like `plan` (same `workers`).
    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError>;

    /// Why this machine cannot run the model, if it cannot: its runtime is not installed (a
    /// Python model without `python3`, or without a package it needs). One line that names
    /// the fix. Not an error to report for a comparison: the row reads "not installed".
    fn unavailable(&self) -> Option<String> {
        None
    }

    /// Starts the model and runs every job of `plan` once.
    fn run(&self, plan: &Plan) -> Result<Batch, ModelError> {
        plan.validate()?;
        self.start(plan)?.run(plan)
    }
}

/// A started model, ready to run batches.
pub trait Runner {
    /// Runs every job of `plan` and returns one outcome per job, in any order.
    ///
    /// Individual failures (refused, timed out, an OS limit) are outcomes, not errors: only
    /// a failure to run the batch at all is a [`ModelError`]. `plan.workers` must be the
    /// value the model was started with.
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError>;

    /// Peak resident memory of any helper processes the model started, summed, in KiB: the
    /// processes model's workers, a Python model's interpreter and its workers. Asked after a
    /// batch, outside any timing.
    fn helpers_peak_rss_kib(&mut self) -> u64 {
        0
    }

    /// How many threads the model's executor runs, for the async models (their runtimes pick
    /// this themselves: every core, one, or an environment variable). `None` for the others.
    fn executor_threads(&self) -> Option<usize> {
        None
    }

    /// The helper processes the model started and runs its jobs in (an interpreter and its
    /// worker processes), so that the harness samples their threads and memory beside its
    /// own. Empty when the jobs run in this process. Asked once, after start.
    fn helper_pids(&self) -> Vec<u32> {
        Vec::new()
    }

    /// How the model started its worker processes, where it had a choice: Python's
    /// multiprocessing start method (fork, spawn or forkserver). `None` for the others.
    fn start_method(&self) -> Option<String> {
        None
    }

    /// How long one crunch of size `work` takes where the model runs its jobs, when that is
    /// not this process's Rust kernel (an interpreter's). `None`: the Rust kernel's time.
    fn crunch_time(&self, _work: u32) -> Option<Duration> {
        None
    }
}

/// A [`Runner`] for models with nothing to set up: a function of the plan.
pub struct FnRunner<F>(pub F);

impl<F: FnMut(&Plan) -> Vec<Outcome>> Runner for FnRunner<F> {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        Ok(Batch {
            outcomes: (self.0)(plan),
        })
    }
}

/// The result of [`Model::run`].
#[derive(Debug, Default)]
pub struct Batch {
    /// One per job.
    pub outcomes: Vec<Outcome>,
}

/// A model could not run the batch at all.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The plan is inconsistent.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The model could not start its runtime, pool or workers.
    #[error("could not start the {model} model: {reason}")]
    Start {
        /// Which model.
        model: String,
        /// What went wrong, and what to do about it.
        reason: String,
    },
    /// A job panicked: a bug in greetbench, not a counted error.
    #[error("a job panicked, which is a bug in greetbench: {0}")]
    Panicked(String),
}

/// Runs job `index` of `plan` on the calling thread, blocking until it ends.
///
/// The five blocking models call this from their threads, workers and pools.
pub fn run_job(plan: &Plan, index: usize) -> Outcome {
    let start = Instant::now();
    let result = match plan.workload {
        Workload::Crunch => Ok((None, crunch(plan.work, crunch_seed(index)))),
        Workload::Greet => {
            client::greet_target(plan.target(index), plan.timeout).map(|r| (Some(r), 0))
        }
        Workload::Mixed => client::greet_target(plan.target(index), plan.timeout)
            .map(|r| (Some(r), crunch(plan.work, r.seed(index)))),
    };
    Outcome::new(index, start.elapsed(), result)
}

/// Runs job `index` of `plan` with a runtime's own greet and crunch.
///
/// - `greet(addr, timeout)` greets one host with the runtime's socket. It must give up after
///   `timeout` and return [`GreetError::Timeout`].
/// - `crunch(work, seed)` runs [`crate::workload::crunch`]: inline on the event loop, or
///   moved to a blocking pool. That choice is the lesson of the mixed workload.
pub async fn run_job_async<G, GF, C, CF>(plan: &Plan, index: usize, greet: G, crunch: C) -> Outcome
where
    G: FnOnce(SocketAddr, Duration) -> GF,
    GF: Future<Output = Result<Reply, GreetError>>,
    C: FnOnce(u32, u64) -> CF,
    CF: Future<Output = u64>,
{
    let start = Instant::now();
    let result = match plan.workload {
        Workload::Crunch => Ok((None, crunch(plan.work, crunch_seed(index)).await)),
        Workload::Greet => {
            let target = plan.target(index);
            greet(target.addr, plan.timeout)
                .await
                .and_then(|r| target.check(r))
                .map(|r| (Some(r), 0))
        }
        Workload::Mixed => {
            let target = plan.target(index);
            match greet(target.addr, plan.timeout)
                .await
                .and_then(|r| target.check(r))
            {
                Ok(r) => Ok((Some(r), crunch(plan.work, r.seed(index)).await)),
                Err(e) => Err(e),
            }
        }
    };
    Outcome::new(index, start.elapsed(), result)
}

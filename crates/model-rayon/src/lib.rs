//! The **rayon** model: `par_iter` over the jobs, on a rayon pool of `workers` threads.
//!
//! rayon is built for *data parallelism*: split CPU work across cores with work stealing. It
//! is the right tool for crunch. For blocking I/O it is capped by its pool: each of its K
//! threads blocks in `read` for a whole greet, so N greets take about ceil(N/K)×L. That cap
//! is a result to show, not a bug to hide.
//!
//! An open-loop run (jobs due over time) is not data parallelism at all; see `run_open_loop`
//! for how it is fed to the pool anyway, and why.
#![forbid(unsafe_code)]

use std::panic::catch_unwind;
use std::sync::mpsc;

use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape, run_job,
};
use rayon::prelude::*;

/// `par_iter` on a pool of `plan.workers` threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rayon;

impl Model for Rayon {
    fn name(&self) -> &'static str {
        "rayon"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::DataParallel,
            Shape::Pool,
            "rayon par_iter on a pool of --workers threads: data parallelism, capped for blocking I/O",
        )
        .crunch_on("rayon's pool of K threads")
            .runtime("rayon")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.workers,
            cpu: plan.workers,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // A pool of exactly `workers` threads, so `--workers` means the same as for the other
        // pools. (rayon's global pool would be sized to the cores.)
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(plan.workers)
            .build()
            .map_err(|e| ModelError::Start {
                model: self.name().into(),
                reason: e.to_string(),
            })?;
        Ok(Box::new(RayonRunner(pool)))
    }
}

struct RayonRunner(rayon::ThreadPool);

impl Runner for RayonRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        if plan.arrivals.is_some() {
            return Ok(Batch {
                outcomes: run_open_loop(&self.0, plan),
            });
        }
        // `with_max_len(1)`: hand out one job at a time, so that blocking greets are spread
        // over every thread rather than handed out in batches. rayon would carry a job's
        // panic out of `install` to the caller, so each job catches its own and counts it.
        let outcomes = self.0.install(|| {
            (0..plan.count)
                .into_par_iter()
                .with_max_len(1)
                .map(|i| run_caught(plan, i))
                .collect()
        });
        Ok(Batch { outcomes })
    }
}

/// An open-loop run on the pool.
///
/// rayon is data parallelism: `par_iter` takes a collection that exists in full and splits it
/// over the pool. Jobs that *arrive over time* are not a collection, and rayon has no notion
/// of arrivals. What it does have is a task queue: `spawn_fifo` pushes one closure onto the
/// pool's queue, first in first out, and a free thread takes it. So the dispatcher (this
/// thread, outside the pool: `in_place_scope_fifo` runs it here, not on one of the K
/// threads) spawns each job when it is due, and a busy pool leaves it queued, exactly like the
/// thread-pool model. The scope ends once every spawned job has.
fn run_open_loop(pool: &rayon::ThreadPool, plan: &Plan) -> Vec<Outcome> {
    let (done, outcomes) = mpsc::channel();
    pool.in_place_scope_fifo(|scope| {
        for i in plan.jobs() {
            let done = done.clone();
            scope.spawn_fifo(move |_| {
                // The receiver lives until the scope has ended, so this cannot fail.
                let _ = done.send(run_caught(plan, i));
            });
        }
    });
    drop(done);
    outcomes.into_iter().collect()
}

/// Runs job `i`, counting a panic as the job's error.
fn run_caught(plan: &Plan, i: usize) -> Outcome {
    catch_unwind(|| run_job(plan, i))
        .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)))
}

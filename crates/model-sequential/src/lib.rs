//! The **sequential** model: one job after another, on the calling thread.
//!
//! This is the baseline the course starts from. Each greet spends nearly all of its time
//! waiting for the host, and nothing else happens meanwhile, so N greets at latency L take at
//! least N×L. Every other model is a way of not wasting that wait.
//!
//! ```
//! use greet_core::{Model, Plan, Workload};
//! let plan = Plan::new(Workload::Crunch, 4, vec![]);
//! let batch = model_sequential::Sequential.run(&plan).unwrap();
//! assert_eq!(batch.outcomes.len(), 4);
//! ```
#![forbid(unsafe_code)]

use std::panic::catch_unwind;

use greet_core::{
    Concurrency, Description, Family, FnRunner, GreetError, Model, ModelError, Outcome, Plan,
    Runner, Shape, run_job,
};

/// One job at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sequential;

impl Model for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Sequential,
            Shape::OneAtATime,
            "one greet after another on one thread: the baseline that waits N x L",
        )
        .one_thread()
        .crunch_on("the calling thread, one job after another")
    }

    fn concurrency(&self, _plan: &Plan) -> Concurrency {
        Concurrency { io: 1, cpu: 1 }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // Nothing to set up: a plain loop on the calling thread. Job i+1 starts only when
        // job i has finished waiting. In an open-loop run, `jobs()` also waits until each job
        // is due; a job that falls due while its predecessor still waits queues behind it,
        // and its latency (counted from when it was due) shows that.
        Ok(Box::new(FnRunner(|plan: &Plan| {
            plan.jobs().map(|i| run_caught(plan, i)).collect()
        })))
    }
}

/// Runs job `i`, counting a panic as the job's error. With no thread around the job, a panic
/// would unwind straight out of the loop and lose the batch: `catch_unwind` on the calling
/// thread is how this model surfaces one.
fn run_caught(plan: &Plan, i: usize) -> Outcome {
    catch_unwind(|| run_job(plan, i))
        .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)))
}

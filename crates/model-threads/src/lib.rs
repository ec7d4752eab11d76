//! The **threads** model: one OS thread per job, inside `std::thread::scope`.
//!
//! Threads are *preemptive*: the kernel decides when each runs, and a thread blocked in
//! `read` waiting for its host costs no CPU. So N greets all wait at once and finish in about
//! L. The price is memory and kernel bookkeeping per thread: each one has its own stack, and
//! a process can have only so many (about 16k here, capped by `vm.max_map_count`).
//!
//! Unlike Python, Rust has no GIL: threads running crunch really run in parallel, one per
//! core. And because `plan` is only shared by `&` reference, the compiler has checked that
//! nothing here is a data race.
#![forbid(unsafe_code)]

use std::thread;

use greet_core::{
    Concurrency, Description, Family, FnRunner, GreetError, Model, ModelError, Outcome, Plan,
    Runner, Shape, limits, run_job,
};

/// One thread per job.
#[derive(Debug, Default, Clone, Copy)]
pub struct Threads;

impl Model for Threads {
    fn name(&self) -> &'static str {
        "threads"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Threads,
            Shape::PerJob,
            "one OS thread per greet (std::thread::scope): preemptive concurrency",
        )
        .crunch_on("one OS thread per job")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // Nothing to set up: starting the threads is the model, so it happens per batch.
        Ok(Box::new(FnRunner(run_batch)))
    }
}

fn run_batch(plan: &Plan) -> Vec<Outcome> {
    thread::scope(|s| {
        // Start every thread first, so that all the greets wait at the same time...
        let mut handles = Vec::with_capacity(plan.count);
        let mut refused = Vec::new();
        // Past this many threads the process would run out of memory mappings, and a new
        // thread would abort the whole process instead of failing politely (see
        // greet_core::limits). Jobs past the budget are counted as thread-limit errors.
        let budget = limits::thread_budget().unwrap_or(usize::MAX);
        for i in 0..plan.count {
            if i >= budget {
                let why = limits::thread_budget_message(budget);
                refused.push(Outcome::failed(i, GreetError::ThreadLimit(why)));
                continue;
            }
            // Builder::spawn_scoped returns an error when the OS refuses another thread
            // (thread::scope's own spawn would panic). That job becomes a counted error.
            match thread::Builder::new().spawn_scoped(s, move || run_job(plan, i)) {
                Ok(h) => handles.push((i, h)),
                Err(e) => refused.push(Outcome::failed(i, GreetError::ThreadLimit(e.to_string()))),
            }
        }
        // ...then join them. Joining in order does not serialise anything: the threads
        // are already running, we only collect their results. A job that panicked ended its
        // own thread only; `join` hands back the panic, and it is counted as the job's error.
        let mut outcomes: Vec<Outcome> = handles
            .into_iter()
            .map(|(i, h)| {
                h.join()
                    .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)))
            })
            .collect();
        outcomes.extend(refused);
        outcomes
    })
}

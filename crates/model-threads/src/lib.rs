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

use std::thread::{self, ScopedJoinHandle};

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
        let mut handles: Vec<(usize, ScopedJoinHandle<Outcome>)> = Vec::with_capacity(plan.count);
        let mut outcomes = Vec::with_capacity(plan.count);
        // Past this many threads alive at once the process would run out of memory mappings,
        // and a new thread would abort the whole process instead of failing politely (see
        // greet_core::limits). Jobs past the budget are counted as thread-limit errors.
        let budget = limits::thread_budget().unwrap_or(usize::MAX);
        // A batch has every job due at once. In an open-loop run, `jobs()` waits until each
        // job is due, and the thread is started only then: one thread per arrival.
        for i in plan.jobs() {
            if plan.arrivals.is_some() {
                // Over time, threads end while others start. A scoped thread that has ended
                // keeps its stack until it is joined, so join the ended ones now: the budget
                // then bounds the threads alive at once, not every thread of the run.
                let ended = handles.extract_if(.., |(_, h)| h.is_finished());
                outcomes.extend(ended.map(join));
            }
            if handles.len() >= budget {
                let why = limits::thread_budget_message(budget);
                outcomes.push(Outcome::failed(i, GreetError::ThreadLimit(why)));
                continue;
            }
            // Builder::spawn_scoped returns an error when the OS refuses another thread
            // (thread::scope's own spawn would panic). That job becomes a counted error.
            match thread::Builder::new().spawn_scoped(s, move || run_job(plan, i)) {
                Ok(h) => handles.push((i, h)),
                Err(e) => outcomes.push(Outcome::failed(i, GreetError::ThreadLimit(e.to_string()))),
            }
        }
        // ...then join them. Joining in order does not serialise anything: the threads
        // are already running, we only collect their results.
        outcomes.extend(handles.into_iter().map(join));
        outcomes
    })
}

/// Waits for job `i`'s thread and takes its outcome. A job that panicked ended its own thread
/// only; `join` hands back the panic, and it is counted as the job's error.
fn join((i, h): (usize, ScopedJoinHandle<'_, Outcome>)) -> Outcome {
    h.join()
        .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)))
}

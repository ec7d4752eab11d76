//! `cargo lesson run`'s reference row: one of greetbench's models, found by name in its
//! registry, run on a lesson's standard plan and measured by [`lesson_measure`], the same code
//! that measures the learner's exercise.
//!
//! It is its own crate so that the checker (`crates/lesson`) does not build greetbench and its
//! nine models just to list lessons or give a hint: only `cargo lesson run` builds this.

use std::process::ExitCode;
use std::time::Duration;

use greet_core::arrivals::{Arrivals, Pattern};
use greet_core::{Model, Plan, Workload};
use lesson_measure::{MeasureError, Measurement, RunPlan};

/// Why the reference row could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// No greetbench model has that name.
    #[error(transparent)]
    UnknownModel(#[from] greetbench::registry::UnknownModel),
    /// The plan could not be read or the run could not be measured.
    #[error(transparent)]
    Measure(#[from] MeasureError),
}

/// Runs greetbench's model `model` on `plan`'s greets and measures it.
pub fn measure(model: &str, plan: &RunPlan) -> Result<Measurement, ReferenceError> {
    let model: Box<dyn Model> = greetbench::registry::find(model)?;
    lesson_measure::try_measure(plan, |jobs| {
        // The jobs' targets are already one per greet, so job i greets targets[i].
        let mut greets = Plan::new(Workload::Greet, jobs.targets.len(), jobs.targets.clone());
        greets.workers = jobs.workers;
        greets.timeout = jobs.timeout;
        if !jobs.idle.is_zero() {
            greets.arrivals = Some(all_due_after(jobs.idle, greets.count));
        }
        model.run(&greets).map(|batch| {
            batch
                .outcomes
                .iter()
                .map(|o| o.is_ok())
                .collect::<Vec<bool>>()
        })
    })
    .map_err(ReferenceError::from)
}

/// An open-loop schedule whose `count` jobs all arrive together, `idle` from now: the model
/// starts (its pool and its queue), waits with nothing to do, and gets every greet at once,
/// as the learner's code does when a lesson's run.rs sleeps `idle` before handing them over.
fn all_due_after(idle: Duration, count: usize) -> Arrivals {
    let at = u64::try_from(idle.as_micros()).unwrap_or(u64::MAX);
    Arrivals {
        epoch_us: 0,
        offsets_us: vec![at; count],
        duration_us: at.saturating_add(1),
        pattern: Pattern::Constant,
    }
    .start_in(Duration::ZERO)
}

/// `lesson-reference MODEL`, with the plan in `LESSON_RUN_PLAN`: prints the measurement line,
/// or one line on stderr saying why not.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model] = args.as_slice() else {
        eprintln!(
            "usage: lesson-reference MODEL (with the plan in {}); cargo lesson run NN starts it",
            lesson_measure::PLAN_ENV
        );
        return ExitCode::from(2);
    };
    let measured = RunPlan::from_env()
        .map_err(ReferenceError::from)
        .and_then(|plan| measure(model, &plan));
    match measured {
        Ok(m) => {
            println!("{}", m.to_line());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lesson-reference: {e}");
            ExitCode::FAILURE
        }
    }
}

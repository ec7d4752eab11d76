//! The prefork worker: one process, one thread, one tokio event loop over its share of the
//! greets. It reads orders from stdin (blocking, between batches: the loop is idle then) and
//! answers each job on stdout the moment it ends, so that a worker killed half-way has still
//! reported what it finished.

use std::error::Error;
use std::sync::Arc;

use greet_core::model::catch_panic;
use greet_core::wire::FromWorker;
use greet_core::{Outcome, Plan, run_job_async};
// Each worker is the tokio-current-thread model's event loop: the same greet on tokio's
// socket, the same crunch on the loop. What prefork adds is only the processes around it.
use model_tokio_current_thread::{crunch_inline, greet};

use crate::{Order, share};

/// The environment variable that puts the executable in prefork-worker mode.
pub const WORKER_ENV: &str = "GREETBENCH_PREFORK_WORKER";

/// Call first thing in `main` of every executable that can serve as a prefork worker. If this
/// process was started as one, it serves orders from stdin until stdin closes, then exits;
/// otherwise it returns at once.
pub fn run_worker_if_requested() {
    worker_process::serve_if_requested(WORKER_ENV, serve);
}

fn serve() -> Result<(), Box<dyn Error>> {
    // Each worker holds up to count / K sockets at once (15,000 of a 60,000 run on 4
    // workers): past the usual soft limit of 1,024 open files. A worker that still runs out
    // gets `EMFILE` at `connect`, and that greet is counted as a `GreetError::OpenFiles` error
    // like any other: the batch goes on.
    worker_process::raise_open_files_limit();
    // The one thread this process runs: `block_on` drives every task on the caller's thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    say(&worker_process::ready());
    for order in worker_process::orders(std::io::stdin().lock()) {
        match order? {
            Order::Run {
                plan,
                worker,
                workers,
            } => rt.block_on(run_share(Arc::from(plan), worker, workers)),
            Order::Report => say(&worker_process::report()),
        }
    }
    Ok(())
}

/// Runs this worker's share of `plan` on the event loop: one task per job, each answering
/// the parent as soon as it ends.
async fn run_share(plan: Arc<Plan>, worker: usize, workers: usize) {
    let mut tasks = Vec::new();
    for i in share(worker, workers, plan.count) {
        // Open loop: not before job i is due, on tokio's timer, so the loop keeps running
        // the tasks already started meanwhile. Never past the run's deadline: a job due after
        // it starts at once and ends as a deadline error. A batch never sleeps here.
        if let Some(wait) = plan.until_due(i) {
            let wait = plan.time_left().map_or(wait, |left| wait.min(left));
            tokio::time::sleep(wait).await;
        }
        let plan = plan.clone();
        tasks.push(tokio::spawn(async move {
            let job = run_job_async(&plan, i, greet, crunch_inline, tokio::time::sleep);
            // A job's panic is caught here and answered as its error: the worker lives on.
            let outcome = catch_panic(job)
                .await
                .unwrap_or_else(|e| Outcome::failed(i, e));
            say(&FromWorker::Done(outcome));
        }));
    }
    // Every task is running already; this only waits for the last to end. (A task cannot
    // fail: its panic was caught inside it.)
    for task in tasks {
        let _ = task.await;
    }
}

/// Writes one message to the parent, flushed. A write that fails means the parent is gone;
/// then stdin closes too and the worker exits, so the error is not acted on here.
fn say(msg: &FromWorker) {
    let _ = worker_process::say(&mut std::io::stdout().lock(), msg);
}

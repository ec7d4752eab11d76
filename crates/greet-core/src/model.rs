//! The interface every concurrency model implements, and the job runners they call.
//!
//! A model decides only *how jobs run concurrently*. What a job is lives here, once:
//! [`run_job`] for the blocking models and [`run_job_async`] for the async ones.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::client;
use crate::describe::Description;
use crate::outcome::{GreetError, OpenLoop, Outcome};
use crate::plan::{Concurrency, Plan, PlanError};
use crate::protocol::Reply;
use crate::trace::{Polls, Stamps, observe};
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
    /// the fix. Not an error to report for a comparison: the row reads "not available here".
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
    /// Individual failures (refused, timed out, an OS limit, a job that panicked) are
    /// outcomes, not errors: only a failure to run the batch at all is a [`ModelError`]. A
    /// job's panic never unwinds out of `run`. `plan.workers` must be the
    /// value the model was started with.
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError>;

    /// Peak resident memory of any helper processes the model started, summed, in KiB: the
    /// processes and prefork models' workers, a Python model's interpreter and its workers.
    /// Each as its peak PSS ([`crate::wire::peak_rss_kib`]), the measure the harness takes
    /// their baseline in, so that pages they share count once. Asked after a batch, outside any
    /// timing.
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

    /// The interpreter the model's jobs ran on, as it said at run time, for a model in another
    /// language (a Python model). `None` for the Rust models. Asked after a batch.
    fn interpreter(&self) -> Option<crate::interpreter::Interpreter> {
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
}

/// Awaits `future`, turning a panic that unwinds out of polling it into
/// [`GreetError::Panicked`]: `std::panic::catch_unwind` for an `.await`.
///
/// async-std's and smol's task handles re-raise a task's panic in whoever awaits them
/// (their executor catches it and stores it as the task's result); those two models await
/// each task through this, where tokio's `JoinHandle` hands back a `JoinError` instead.
///
/// A struct that holds `future` in place, not an `async fn`, which would keep a second copy of
/// it (its argument, and the pinned local) for as long as it waits.
pub fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic { future }
}

pin_project_lite::pin_project! {
    /// A future whose panic becomes [`GreetError::Panicked`]: what [`catch_panic`] returns.
    #[must_use = "a future does nothing unless awaited"]
    pub struct CatchPanic<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, GreetError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.project().future;
        // Once it has panicked the future is never polled again, so its state cannot be
        // observed half-updated: that is what makes the AssertUnwindSafe sound.
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => Poll::Ready(Err(GreetError::panicked(&*payload))),
        }
    }
}

/// Runs job `index` of `plan` on the calling thread, blocking until it ends.
///
/// The five blocking models call this from their threads, workers and pools. A greet that
/// fails is tried again as `plan.retry` says, each attempt with its own timeout (see
/// [`crate::Retry`]); the outcome counts the attempts.
pub fn run_job(plan: &Plan, index: usize) -> Outcome {
    if let Some(cut) = cut_before_start(plan, index) {
        return cut;
    }
    let start = Instant::now();
    let started_us = plan.arrivals.as_ref().map(|a| a.now_us());
    // Each step is stamped into the job's own outcome: no lock, nothing shared. With retries,
    // the client's marks are the last attempt's: earlier attempts and their backoffs read as
    // connecting.
    let mut stamps = Stamps::begin();
    let mut attempts = 0;
    let greet = |stamps: &mut Stamps, attempts: &mut u32| {
        let reply = greet_retrying(plan, index, attempts);
        stamps.greet_returned();
        reply
    };
    let result = match plan.workload {
        Workload::Crunch => plan.attempt_timeout().map(|_| {
            (
                None,
                stamps.crunch(|| crunch(plan.work, crunch_seed(index))),
            )
        }),
        Workload::Greet => greet(&mut stamps, &mut attempts).map(|r| (Some(r), 0)),
        Workload::Mixed => greet(&mut stamps, &mut attempts)
            .map(|r| (Some(r), stamps.crunch(|| crunch(plan.work, r.seed(index))))),
    };
    let mut outcome = Outcome::new(index, start.elapsed(), result);
    outcome.stamps = stamps.finish();
    outcome.attempts = attempts;
    outcome.open_loop = open_loop(plan, started_us);
    outcome
}

/// An open-loop job that comes up (is due, or leaves its queue) after the run's deadline never
/// starts: it was still queued when the run was cut, so it counts as a
/// [`GreetError::Deadline`] with no [`OpenLoop`] times. `None` otherwise, and always in a batch.
fn cut_before_start(plan: &Plan, index: usize) -> Option<Outcome> {
    plan.arrivals.as_ref()?;
    let cut = plan.attempt_timeout().is_err();
    cut.then(|| Outcome::failed(index, GreetError::Deadline))
}

/// An open-loop job's start (taken when it began) and end (now); `None` in a batch.
fn open_loop(plan: &Plan, started_us: Option<u64>) -> Option<OpenLoop> {
    let a = plan.arrivals.as_ref()?;
    Some(OpenLoop {
        started_us: started_us?,
        done_us: a.now_us(),
    })
}

/// The blocking greet of job `index`, with its retries. `attempts` counts the greets sent.
fn greet_retrying(plan: &Plan, index: usize, attempts: &mut u32) -> Result<Reply, GreetError> {
    let target = plan.target(index);
    loop {
        // Bounded: `after_failure` gives up after `1 + retries` attempts.
        let timeout = plan.attempt_timeout()?;
        *attempts += 1;
        let error = match client::greet_target(target, timeout) {
            Ok(reply) => return Ok(reply),
            Err(e) => e,
        };
        match plan.after_failure(error, *attempts, timeout, index) {
            (error, None) => return Err(error),
            (_, Some(wait)) => std::thread::sleep(wait),
        }
    }
}

/// Runs job `index` of `plan` with a runtime's own greet and crunch.
///
/// - `greet(addr, timeout)` greets one host with the runtime's socket. It must give up after
///   `timeout` and return [`GreetError::Timeout`]. It is called once per attempt: a failed
///   greet is tried again as `plan.retry` says (see [`crate::Retry`]).
/// - `crunch(work, seed)` runs [`crate::workload::crunch`]: inline on the event loop, or
///   moved to a blocking pool. That choice is the lesson of the mixed workload.
/// - `sleep(wait)` is the runtime's own timer, for the backoff between two attempts: a wait
///   that must not block the event loop, and this crate has no timer of its own (it starts no
///   threads and knows no runtime).
///
/// The future this returns is what an async model's task holds while its greet waits, once
/// per waiting greet, so it is kept flat: one body with the retries inline, rather than a
/// future per step nested in one another, each of which would keep its own copy of its
/// arguments. (`model-tokio-current-thread`'s `tests/size.rs` prints its size.)
pub async fn run_job_async<G, GF, C, CF, S, SF>(
    plan: &Plan,
    index: usize,
    greet: G,
    crunch: C,
    sleep: S,
) -> Outcome
where
    G: Fn(SocketAddr, Duration) -> GF,
    GF: Future<Output = Result<Reply, GreetError>>,
    C: FnOnce(u32, u64) -> CF,
    CF: Future<Output = u64>,
    S: Fn(Duration) -> SF,
    SF: Future<Output = ()>,
{
    if let Some(cut) = cut_before_start(plan, index) {
        return cut;
    }
    let start = Instant::now();
    let started_us = plan.arrivals.as_ref().map(|a| a.now_us());
    // The greet and the crunch are the runtime's: their steps are read off their polls, each
    // stamped with the thread that polled it (see `trace`). With retries, the greet's polls
    // are all its attempts' and backoffs'.
    let mut stamps = Stamps::begin();
    let mut attempts = 0;
    let greeted = if plan.workload.greets() {
        // The same steps as the blocking `greet_retrying`, with the runtime's greet and timer.
        let target = plan.target(index);
        let mut polls = Polls::default();
        let greeted = loop {
            // Bounded: `after_failure` gives up after `1 + retries` attempts.
            let timeout = match plan.attempt_timeout() {
                Ok(timeout) => timeout,
                Err(e) => break Err(e),
            };
            attempts += 1;
            let error = match observe(greet(target.addr, timeout), &mut polls)
                .await
                .and_then(|r| target.check(r))
            {
                Ok(reply) => break Ok(reply),
                Err(e) => e,
            };
            match plan.after_failure(error, attempts, timeout, index) {
                (error, None) => break Err(error),
                (_, Some(wait)) => observe(sleep(wait), &mut polls).await,
            }
        };
        stamps.greet_polled(&polls);
        Some(greeted)
    } else {
        None
    };
    // The crunch, of a crunch job or of a mixed job whose greet got its reply.
    let crunched = match (plan.workload, greeted) {
        (_, Some(Err(e))) => Err(e),
        (Workload::Mixed, Some(Ok(r))) => Ok((Some(r), Some(r.seed(index)))),
        (_, Some(Ok(r))) => Ok((Some(r), None)),
        (_, None) => plan
            .attempt_timeout()
            .map(|_| (None, Some(crunch_seed(index)))),
    };
    let result = match crunched {
        Ok((reply, Some(seed))) => {
            let mut polls = Polls::default();
            let checksum = observe(crunch(plan.work, seed), &mut polls).await;
            stamps.crunch_polled(&polls);
            Ok((reply, checksum))
        }
        Ok((reply, None)) => Ok((reply, 0)),
        Err(e) => Err(e),
    };
    let mut outcome = Outcome::new(index, start.elapsed(), result);
    outcome.stamps = stamps.finish();
    outcome.attempts = attempts;
    outcome.open_loop = open_loop(plan, started_us);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Context, Waker};

    /// Polls a future that needs no waking once.
    fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
        std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn an_open_loop_job_that_comes_up_after_the_deadline_never_starts() {
        use crate::arrivals::{Arrivals, Pattern};
        let target = crate::Target {
            addr: "127.0.0.1:9".parse().unwrap(),
            host: None,
        };
        let mut plan = Plan::new(Workload::Crunch, 2, vec![target]);
        plan.work = 10;
        plan.deadline = Some(std::time::SystemTime::now() - Duration::from_secs(1));
        // In a batch the job runs into the deadline as before: no open-loop stamps either way.
        assert_eq!(run_job(&plan, 0).error, Some(GreetError::Deadline));
        let a = Arrivals::new(Pattern::Constant, 100.0, Duration::from_millis(20), 0).unwrap();
        plan.arrivals = Some(a.start_in(Duration::ZERO));
        let cut_async = poll_once(run_job_async(
            &plan,
            1,
            |_, _| async { Err(GreetError::Refused) },
            |_, _| async { 0 },
            |_| async {},
        ));
        let Poll::Ready(cut_async) = cut_async else {
            panic!("a job cut before it starts returns at once")
        };
        for cut in [run_job(&plan, 1), cut_async] {
            assert_eq!(cut.error, Some(GreetError::Deadline));
            assert_eq!((cut.open_loop, cut.attempts), (None, 0));
        }
        // Before the deadline, the same job starts and is stamped.
        plan.deadline = None;
        let ran = run_job(&plan, 1);
        assert!(ran.is_ok() && ran.open_loop.is_some(), "{ran:?}");
    }

    #[test]
    fn catch_panic_counts_a_panic_and_passes_the_rest_through() {
        assert_eq!(poll_once(catch_panic(async { 7 })), Poll::Ready(Ok(7)));
        let panics = catch_panic(async { panic!("boom") });
        let Poll::Ready(Err(e)) = poll_once(panics) else {
            panic!("the panic was not caught")
        };
        assert_eq!(e, GreetError::Panicked("boom".into()));
        assert_eq!(e.kind(), crate::ErrorKind::Panicked);
    }
}

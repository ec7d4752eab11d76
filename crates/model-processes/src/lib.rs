//! The **processes** model: a pool of K worker *processes*, fed through a two-way message
//! queue over pipes. This is the course's objective 3 (Python's `multiprocessing.Pool`)
//! written in Rust.
//!
//! ```text
//!            stdin: ToWorker::Job(i) ──▶ ┌──────────┐
//!   parent ─────────────────────────────▶│ worker k │  (greetbench re-executed with
//!          ◀── stdout: FromWorker::Done ─└──────────┘   GREETBENCH_WORKER=1)
//! ```
//!
//! Each worker is a real child process of the same executable, started in worker mode; it
//! has its own memory, so nothing is shared and nothing can race. The price is start-up (an
//! exec per worker) and a pipe round-trip per job, with every message serialised.
//!
//! What a process gives that a thread cannot: it can be **killed**. A worker that dies is
//! noticed when its pipe closes; a worker that does not answer within its job's budget is
//! killed. Either way its jobs are counted as errors and the run goes on with the workers
//! that are left. Nothing is waited on forever.
//!
//! The plumbing (starting the workers, the pipes, reading them, kill and reap) is the
//! `worker_process` crate's, shared with the prefork model: this file is how jobs are handed
//! out. The executable must call [`run_worker_if_requested`] first thing in `main`. The
//! test-only ways to make a worker misbehave are in [`faults`].
#![forbid(unsafe_code)]

pub mod faults;

use std::collections::VecDeque;
use std::error::Error;
use std::panic::catch_unwind;
use std::time::{Duration, Instant};

use greet_core::wire::{FromWorker, ToWorker};
use greet_core::workload::crunch_time;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape, run_job,
};
use worker_process::{Event, WorkerError, Workers};

/// The environment variable that puts the executable in worker mode.
pub const WORKER_ENV: &str = "GREETBENCH_WORKER";

/// How many jobs a worker holds at once: the one it runs and the next. With only one, a worker
/// would sit idle for a pipe round trip after every job, waiting for the parent to send the
/// next; Python's `Pool` prefetches for the same reason. A worker still *runs* one job at a
/// time, so at most K greets are in flight. A batch only: an open-loop run sends a job only to
/// an idle worker (see `dispatch_due`).
const DEPTH: usize = 2;

/// A pool of worker processes.
#[derive(Debug, Default, Clone)]
pub struct Processes {
    /// Test-only: a fault for the workers to inject (see [`faults`]).
    pub fault: Option<faults::Fault>,
}

impl Model for Processes {
    fn name(&self) -> &'static str {
        "processes"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Processes,
            Shape::Pool,
            "--workers child processes fed over pipes: a two-way multi-process message queue",
        )
        .crunch_on("K worker processes")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.workers,
            cpu: plan.workers,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // Each worker is this executable again, in worker mode (see `run_worker_if_requested`).
        let exe = plan.worker_exe.as_deref();
        let mut cmd = worker_process::command(exe, WORKER_ENV).map_err(start_error)?;
        faults::pass_on(&mut cmd, self.fault);
        let workers = Workers::start(&mut cmd, plan.workers).map_err(start_error)?;
        let held = (0..plan.workers).map(|_| Held::new()).collect();
        Ok(Box::new(Pool { workers, held }))
    }
}

fn start_error(e: WorkerError) -> ModelError {
    let model = "processes".into();
    let reason = e.to_string();
    ModelError::Start { model, reason }
}

struct Pool {
    workers: Workers,
    /// What each worker holds, by worker number.
    held: Vec<Held>,
}

/// The jobs one worker holds.
struct Held {
    /// Sent to it and not yet answered, oldest (the one it is running) first.
    queue: VecDeque<usize>,
    /// When the oldest job in `queue` started, as far as the parent can tell.
    since: Instant,
}

impl Held {
    fn new() -> Held {
        let since = Instant::now();
        Held {
            queue: VecDeque::new(),
            since,
        }
    }
}

impl Runner for Pool {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        // A job that takes this long is considered hung: twice the greet timeout, plus ten
        // times what its crunch should take here, plus slack. Crunch time is not bounded by
        // the greet timeout, so it must be in the budget or long crunches would be "hung".
        let crunch = plan.workload.crunches().then(|| crunch_time(plan.work));
        let budget = plan.timeout * 2 + crunch.unwrap_or_default() * 10 + Duration::from_secs(1);
        // What is left over from an earlier batch belongs to no job of this one; a worker
        // that died since is killed before it is given a job.
        self.workers.clear_stale();
        let mut pending: Vec<usize> = (0..plan.count).rev().collect();
        let mut outcomes = Vec::with_capacity(plan.count);
        for k in 0..self.workers.count() {
            self.workers.send(k, &ToWorker::Plan(plan.clone()));
        }
        while outcomes.len() < plan.count {
            let next_due = match plan.arrivals {
                None => self.dispatch(&mut pending),
                Some(_) => self.dispatch_due(plan, &mut pending),
            };
            if !self.workers.any_alive() {
                // Nobody is left to run the rest. What dead workers still held (a failed write
                // can find one dead before its pipe-closed event arrives) and what was never
                // sent end as counted errors.
                let held = self.held.iter_mut().flat_map(|h| h.queue.drain(..));
                let why = || GreetError::WorkerDied("no worker process left".into());
                outcomes.extend(
                    held.chain(pending.drain(..))
                        .map(|i| Outcome::failed(i, why())),
                );
                break;
            }
            // Wait for the next message, but never past the earliest job deadline, nor past
            // when the next job is due.
            let busy = self.held.iter().filter(|h| !h.queue.is_empty());
            let deadline = busy.map(|h| h.since + budget).chain(next_due).min();
            let deadline = deadline.unwrap_or_else(|| Instant::now() + budget);
            match self.workers.recv(deadline) {
                Some((k, Event::Msg(FromWorker::Done(outcome)))) => {
                    let h = &mut self.held[k];
                    // Only an answer to a job this worker still holds counts: a job already
                    // written off (its worker was killed as hung) must not be reported twice.
                    if let Some(at) = h.queue.iter().position(|&i| i == outcome.index) {
                        h.queue.remove(at);
                        h.since = Instant::now();
                        outcomes.push(outcome);
                    }
                }
                Some((_, Event::Msg(_))) => {}
                Some((k, Event::Closed(garbage))) => {
                    // The worker exited, or broke the protocol. Either way it is finished:
                    // kill it if it still runs (bounded, unlike waiting for it to exit) and
                    // count the jobs it held.
                    let why = self.workers.why_closed(k, garbage);
                    self.write_off(k, GreetError::WorkerDied(why), &mut outcomes);
                }
                None => {
                    // Whoever is past its deadline is hung: kill it, which a thread could not
                    // be. Its current job counts as hung.
                    let now = Instant::now();
                    for k in 0..self.held.len() {
                        let h = &self.held[k];
                        if !h.queue.is_empty() && h.since + budget <= now {
                            self.write_off(k, GreetError::WorkerHung, &mut outcomes);
                        }
                    }
                }
            }
        }
        Ok(Batch { outcomes })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        // Ask every live worker for its peak memory and add up the answers.
        self.workers.peak_rss_kib(&ToWorker::Report)
    }
}

impl Pool {
    /// Sends job `i` to worker `k` and notes that it holds it; false if its pipe is broken.
    fn send_job(&mut self, k: usize, i: usize) -> bool {
        if !self.workers.send(k, &ToWorker::Job(i)) {
            return false;
        }
        let h = &mut self.held[k];
        if h.queue.is_empty() {
            h.since = Instant::now();
        }
        h.queue.push_back(i);
        true
    }

    /// Hands out jobs: first one to every live, idle worker, so that N <= K jobs run on N
    /// workers at once, then a second to each while jobs remain (see [`DEPTH`]). This is what
    /// makes it a queue: the next job goes to whichever worker finishes first. Returns `None`:
    /// in a batch, no job is due later.
    fn dispatch(&mut self, pending: &mut Vec<usize>) -> Option<Instant> {
        for depth in 1..=DEPTH {
            for k in 0..self.held.len() {
                if self.workers.alive(k) && self.held[k].queue.len() < depth {
                    let i = pending.pop()?;
                    if !self.send_job(k, i) {
                        pending.push(i);
                    }
                }
            }
        }
        None
    }

    /// The open-loop dispatcher: hands each job that is due to an idle worker, and returns when
    /// the next job falls due (`None`: it already has, or none is left). A job is never sent
    /// before it is due, and never to a busy worker: without [`DEPTH`]'s prefetch, a due job
    /// that finds every worker busy waits here, in `pending`, and goes to whichever worker
    /// frees first. Its wait is queueing, as in the thread-pool model; the worker stamps its
    /// start.
    fn dispatch_due(&mut self, plan: &Plan, pending: &mut Vec<usize>) -> Option<Instant> {
        // Bounded: each turn sends a job, or finds a worker's pipe broken and finishes with it.
        while let Some(&i) = pending.last() {
            if let Some(wait) = plan.until_due(i) {
                return Some(Instant::now() + wait);
            }
            let idle = |k: &usize| self.workers.alive(*k) && self.held[*k].queue.is_empty();
            let k = (0..self.held.len()).find(idle)?;
            if self.send_job(k, i) {
                pending.pop();
            }
        }
        None
    }

    /// Kills worker `k` and counts the jobs it held as failed: the oldest with `head`, the
    /// one waiting behind it as lost with it.
    fn write_off(&mut self, k: usize, head: GreetError, outcomes: &mut Vec<Outcome>) {
        self.workers.kill(k);
        let lost = GreetError::WorkerDied("queued on a worker that was lost".into());
        let mut held = self.held[k].queue.drain(..);
        outcomes.extend(held.next().map(|i| Outcome::failed(i, head)));
        outcomes.extend(held.map(|i| Outcome::failed(i, lost.clone())));
    }
}

/// Call first thing in `main` of every executable that can serve as a worker. If this process
/// was started as a worker, it serves jobs from stdin until stdin closes, then exits;
/// otherwise it returns at once.
pub fn run_worker_if_requested() {
    worker_process::serve_if_requested(WORKER_ENV, serve);
}

/// The worker's loop: read a message, act, answer.
fn serve() -> Result<(), Box<dyn Error>> {
    let mut faults = faults::Injector::from_env()?;
    let mut out = std::io::stdout().lock();
    worker_process::say(&mut out, &worker_process::ready())?;
    let mut plan = None;
    for order in worker_process::orders(std::io::stdin().lock()) {
        let reply = match order? {
            ToWorker::Plan(p) => {
                plan = Some(p);
                continue;
            }
            ToWorker::Report => worker_process::report(),
            ToWorker::Job(i) => {
                faults.before_job(&mut out)?;
                let plan = plan.as_ref().ok_or("a job arrived before its plan")?;
                // The worker catches a job's panic itself and answers with it as the job's
                // error, so the panic costs neither the worker nor the jobs queued behind it.
                let outcome = catch_unwind(|| run_job(plan, i))
                    .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)));
                FromWorker::Done(outcome)
            }
        };
        worker_process::say(&mut out, &reply)?;
    }
    Ok(())
}

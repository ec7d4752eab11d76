//! The **prefork** model: K worker processes, each running a one-thread tokio event loop over
//! its share of the greets. This is the shape of nginx, and of gunicorn with uvicorn workers:
//! start one process per core before the work arrives (here by re-executing this binary, as
//! the processes model does, not by `fork`), and let each hold thousands of waiting sockets
//! on its own loop.
//!
//! ```text
//!            stdin: Order::Run { plan, worker: k } ──▶ ┌──────────────────────────────┐
//!   parent ───────────────────────────────────────────▶│ worker k: one thread, one    │
//!          ◀── stdout: Done(outcome), as each ends ────│ event loop, jobs k, k+K, …   │
//!                                                      └──────────────────────────────┘
//! ```
//!
//! Why past one process: a process may hold only `RLIMIT_NOFILE` open files, so one event loop
//! stops near 20,000 waiting greets here. K processes hold K times that, and their loops run on
//! K cores at once, so crunch scales too (each worker's crunch still stalls its own loop).
//!
//! The split is **round-robin** (worker k takes jobs k, k+K, k+2K, …), not contiguous blocks:
//! in an open-loop run the jobs are in order of arrival, and round-robin gives every worker
//! every K-th arrival, so the load is spread over the workers *at every moment*; contiguous
//! blocks would give the first 1/K of the run to worker 0 alone. The split is static, as an
//! nginx connection stays with the worker that accepted it: a worker that dies takes its
//! share with it.
//!
//! Dead and hung workers are handled as in the processes model: a worker whose pipe closes is
//! killed and reaped, and whatever of its share had not been answered is counted as errors; a
//! worker still holding jobs when the batch's budget (or the run's deadline) runs out is killed
//! the same way. The plumbing (starting the workers, the pipes, reading them, kill and reap)
//! is the `worker_process` crate's, shared with the processes model. The worker side is in
//! [`worker`]; the executable must call [`run_worker_if_requested`] first thing in `main`.
#![forbid(unsafe_code)]

mod worker;

use std::time::{Duration, Instant};

use greet_core::wire::FromWorker;
use greet_core::workload::crunch_time;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape,
};

pub use worker::{WORKER_ENV, run_worker_if_requested};
use worker_process::{Event, WorkerError, Workers};

/// Parent to worker, one JSON line each.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
enum Order {
    /// Run jobs `worker, worker + workers, …` of `plan`, answering each as it ends.
    Run {
        plan: Box<Plan>,
        worker: usize,
        workers: usize,
    },
    /// Report your peak memory.
    Report,
}

/// Worker `k`'s share of `count` jobs among `workers`: round-robin (see the crate doc).
fn share(k: usize, workers: usize, count: usize) -> impl Iterator<Item = usize> {
    (k..count).step_by(workers)
}

/// K worker processes, each a one-thread tokio event loop.
#[derive(Debug, Default, Clone, Copy)]
pub struct Prefork;

impl Model for Prefork {
    fn name(&self) -> &'static str {
        "prefork"
    }

    fn describe(&self) -> Description {
        // Family: processes, because that is what the jobs run in and what lifts the
        // one-process limits. Shape: per job, because every greet is a task and all N wait at
        // once (--workers sets the processes, not how many wait). Not `one_thread`: each
        // worker is one thread, but the model runs K of them, in parallel.
        Description::new(
            self.name(),
            Family::Processes,
            Shape::PerJob,
            "--workers processes, each a one-thread tokio event loop over its share (nginx's shape)",
        )
        .crunch_on("each worker's event loop, inline: K loops on K cores")
        .runtime("tokio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.workers,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // Each worker is this executable again, in worker mode (see `run_worker_if_requested`).
        let exe = plan.worker_exe.as_deref();
        let mut cmd = worker_process::command(exe, WORKER_ENV).map_err(start_error)?;
        let workers = Workers::start(&mut cmd, plan.workers).map_err(start_error)?;
        Ok(Box::new(Pool {
            workers,
            held: vec![0; plan.workers],
        }))
    }
}

fn start_error(e: WorkerError) -> ModelError {
    let model = "prefork".into();
    let reason = e.to_string();
    ModelError::Start { model, reason }
}

/// The started workers, and how many jobs of the current batch each still holds.
struct Pool {
    workers: Workers,
    held: Vec<usize>,
}

/// How long a batch may take before the workers still holding jobs count as hung: until the
/// last arrival, plus every attempt's timeout and backoff, plus ten times the crunches one
/// loop runs in turn, plus slack. Bounded by the run's deadline (plus slack), if it has one.
fn give_up_at(plan: &Plan) -> (Instant, GreetError) {
    let r = plan.retry;
    let job = plan.timeout * 2 * (r.retries + 1) + r.max_backoff * r.retries;
    let crunch = plan.workload.crunches().then(|| crunch_time(plan.work));
    let per_loop = plan.count.div_ceil(plan.workers.max(1)) as u32;
    // `until_due(count)` is past the schedule: the time until the schedule's end.
    let last_due = plan.until_due(plan.count).unwrap_or_default();
    let budget =
        last_due + job + crunch.unwrap_or_default() * per_loop * 10 + Duration::from_secs(1);
    let deadline = plan.time_left().map(|left| left + Duration::from_secs(1));
    match deadline {
        Some(d) if d < budget => (Instant::now() + d, GreetError::Deadline),
        _ => (Instant::now() + budget, GreetError::WorkerHung),
    }
}

/// Every job of a batch is answered exactly once: by its worker, or written off with it.
struct Tally {
    answered: Vec<bool>,
    outcomes: Vec<Outcome>,
}

impl Tally {
    /// Takes a worker's answer, unless its job was answered already (written off with a worker
    /// that was killed, whose last lines were still in the pipe).
    fn answer(&mut self, o: Outcome) -> bool {
        let first = !std::mem::replace(&mut self.answered[o.index], true);
        if first {
            self.outcomes.push(o);
        }
        first
    }

    /// Kills worker `k` and counts every job of its `share` not answered yet as failed.
    fn write_off(
        &mut self,
        workers: &mut Workers,
        k: usize,
        share: impl Iterator<Item = usize>,
        why: GreetError,
    ) {
        workers.kill(k);
        for i in share {
            if !std::mem::replace(&mut self.answered[i], true) {
                self.outcomes.push(Outcome::failed(i, why.clone()));
            }
        }
    }
}

impl Runner for Pool {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let k_all = self.workers.count();
        let share_of = |k| share(k, k_all, plan.count);
        // Left over from an earlier batch: a worker that died since is finished with.
        self.workers.clear_stale();
        let mut tally = Tally {
            answered: vec![false; plan.count],
            outcomes: Vec::with_capacity(plan.count),
        };
        // Every worker gets its whole share at once: its own loop paces open-loop arrivals.
        for k in 0..k_all {
            let order = Order::Run {
                plan: Box::new(plan.clone()),
                worker: k,
                workers: k_all,
            };
            self.held[k] = share_of(k).count();
            if !self.workers.send(k, &order) {
                let why = GreetError::WorkerDied("its pipe was closed before the batch".into());
                self.held[k] = 0;
                tally.write_off(&mut self.workers, k, share_of(k), why);
            }
        }
        let (give_up, late) = give_up_at(plan);
        // Every wait is bounded by `give_up`, and every event either answers one job or ends
        // a worker (and its share) for good, so this loop ends.
        while self.held.iter().any(|&n| n > 0) {
            match self.workers.recv(give_up) {
                Some((k, Event::Msg(FromWorker::Done(o)))) => {
                    // Only an answer to a job of this worker's share, not answered yet, counts.
                    let mine = o.index < plan.count && o.index % k_all == k;
                    if mine && tally.answer(o) {
                        self.held[k] -= 1;
                    }
                }
                Some((_, Event::Msg(_))) => {}
                Some((k, Event::Closed(garbage))) => {
                    // It exited (crashed, was killed) or broke the protocol: kill it if it
                    // still runs, reap it, and count what it held.
                    let why = GreetError::WorkerDied(self.workers.why_closed(k, garbage));
                    self.held[k] = 0;
                    tally.write_off(&mut self.workers, k, share_of(k), why);
                }
                None => {
                    // Out of time: every worker still holding jobs is hung. Kill it, which a
                    // thread could not be, and count what it held.
                    for k in 0..k_all {
                        if std::mem::take(&mut self.held[k]) > 0 {
                            tally.write_off(&mut self.workers, k, share_of(k), late.clone());
                        }
                    }
                }
            }
        }
        Ok(Batch {
            outcomes: tally.outcomes,
        })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        self.workers.peak_rss_kib(&Order::Report)
    }

    fn helper_pids(&self) -> Vec<u32> {
        self.workers.pids()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greet_core::Target;
    use std::time::SystemTime;

    #[test]
    fn the_shares_cover_every_job_once_round_robin() {
        for (workers, count) in [(1, 5), (3, 10), (4, 2), (2, 0)] {
            let mut all: Vec<usize> = (0..workers)
                .flat_map(|k| share(k, workers, count))
                .collect();
            all.sort_unstable();
            assert_eq!(all, (0..count).collect::<Vec<_>>(), "{workers} x {count}");
        }
        assert_eq!(share(1, 3, 10).collect::<Vec<_>>(), [1, 4, 7]);
    }

    #[test]
    fn a_batch_gives_up_at_the_runs_deadline_when_that_comes_first() {
        let target = Target {
            addr: "127.0.0.1:9".parse().unwrap(),
            host: Some(0),
        };
        let mut p = Plan::new(greet_core::Workload::Greet, 4, vec![target]);
        let (budget, why) = give_up_at(&p);
        assert_eq!(why, GreetError::WorkerHung);
        p.deadline = Some(SystemTime::now() + Duration::from_secs(1));
        let (at, why) = give_up_at(&p);
        assert_eq!(why, GreetError::Deadline);
        // 1 s (+ 1 s of slack) away, against a budget of 2 x 10 s + 1 s.
        assert!(at < budget, "the deadline bounds the wait");
    }
}

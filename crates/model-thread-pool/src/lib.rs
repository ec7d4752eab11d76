//! The **thread-pool** model: K worker threads fed by a message queue, with results coming
//! back on a second queue. This is the course's objective 2 written in Rust.
//!
//! ```text
//!   caller ──jobs──▶ [ crossbeam channel ] ──▶ worker 1..K ──outcomes──▶ [ channel ] ──▶ caller
//! ```
//!
//! Only K greets wait at once, so N greets take about ceil(N/K)×L; raise `--workers` to wait
//! on more. Unlike one-thread-per-greet, the thread count stays at K however large N gets,
//! and the threads are started once and reused for every batch.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, Sender, unbounded};
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape, run_job,
};

/// K threads and two queues.
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadPool;

impl Model for ThreadPool {
    fn name(&self) -> &'static str {
        "thread-pool"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Threads,
            Shape::Pool,
            "--workers threads fed by a crossbeam-channel job queue, results on a second queue",
        )
        .crunch_on("the pool's K threads")
        .runtime("crossbeam-channel")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.workers,
            cpu: plan.workers,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // A job is the plan it belongs to plus its index; the plan is shared, not copied.
        let (jobs, jobs_rx) = unbounded::<(Arc<Plan>, usize)>();
        let (outcomes_tx, outcomes) = unbounded::<Outcome>();
        let mut workers = Vec::with_capacity(plan.workers);
        for k in 0..plan.workers {
            let (jobs_rx, outcomes_tx) = (jobs_rx.clone(), outcomes_tx.clone());
            // Each worker takes a job, runs it, sends the outcome back and takes the next,
            // until the job queue is closed.
            let worker = move || {
                for (plan, i) in jobs_rx {
                    // A panicking job must not take its worker down with it, or its outcome
                    // would never arrive: the worker catches the panic and sends it back as
                    // the job's error.
                    let outcome = std::panic::catch_unwind(|| run_job(&plan, i))
                        .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)));
                    if outcomes_tx.send(outcome).is_err() {
                        break;
                    }
                }
            };
            let spawned = thread::Builder::new()
                .name(format!("pool-{k}"))
                .spawn(worker);
            workers.push(spawned.map_err(|e| ModelError::Start {
                model: self.name().into(),
                reason: format!("{e}; lower --workers"),
            })?);
        }
        Ok(Box::new(Pool {
            jobs: Some(jobs),
            outcomes,
            workers,
        }))
    }
}

struct Pool {
    jobs: Option<Sender<(Arc<Plan>, usize)>>,
    outcomes: Receiver<Outcome>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Runner for Pool {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let plan = Arc::new(plan.clone());
        let jobs = self
            .jobs
            .as_ref()
            .expect("the job queue is open until drop");
        // Queue every job. The queue is unbounded, so this never waits on the workers. In an
        // open-loop run, `jobs()` queues each job only once it is due: a free worker picks it
        // at once, and when all K are busy it waits in the queue. Above K/L jobs a second
        // (K workers, latency L) jobs arrive faster than they leave, and that wait grows for
        // as long as the load lasts: queueing, the knee of a pool's latency curve.
        for i in plan.jobs() {
            if jobs.send((plan.clone(), i)).is_err() {
                break;
            }
        }
        // Collect exactly one outcome per job. Every job ends (each greet has a timeout),
        // so this ends; if every worker has died, the queue disconnects and the rest count
        // as errors.
        let mut outcomes: Vec<Outcome> = self.outcomes.iter().take(plan.count).collect();
        let mut seen = vec![false; plan.count];
        outcomes.iter().for_each(|o| seen[o.index] = true);
        let lost = seen.iter().enumerate().filter(|(_, s)| !**s);
        let died = || GreetError::Io("pool worker thread died".into());
        outcomes.extend(
            lost.map(|(i, _)| Outcome::failed(i, died()))
                .collect::<Vec<_>>(),
        );
        Ok(Batch { outcomes })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the job queue ends every worker's loop; then wait for them to exit.
        self.jobs.take();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

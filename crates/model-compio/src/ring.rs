//! The ring hosts: one thread per core, each holding a compio runtime (its io_uring ring, its
//! timers and its task queue) for as long as the model is started, and running its share of
//! every batch it is sent.
//!
//! Out of `lib.rs`, which is the lesson: this is the plumbing that gives each runtime its
//! thread and hands it plans, not the concurrency.
//!
//! Why threads of their own, when tokio-current-thread runs on the caller's: closing a ring
//! leaves kernel work queued for the thread that used it, and that work interrupts the
//! thread's next blocking socket call that has a timeout (EINTR). The benches and tests run
//! the models one after another on one thread, so no trace of a ring may reach it.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use compio::driver::{AsyncifyPool, DriverType, ProactorBuilder};
use compio::runtime::{Runtime, RuntimeBuilder};
use greet_core::{Outcome, Plan};
use rustix::io::Errno;

use crate::unavailable::{io_uring_disabled, why_no_io_uring};

/// How many threads compio's blocking pool may start for crunches, shared by every ring:
/// compio's own default, set here so that it is stated. Like tokio's (512) and smol's (500),
/// it is far above any core count, so `Model::concurrency` counts one crunch lane per job.
pub const BLOCKING_THREADS: usize = 256;

/// Which of a batch's jobs one ring runs: every `of`-th, from job `index`.
#[derive(Debug, Clone, Copy)]
pub struct Share {
    /// This ring's number, `0..of`.
    pub index: usize,
    /// How many rings share the batch.
    pub of: usize,
}

impl Share {
    /// The jobs of a batch of `count` that are this ring's, in order.
    pub fn jobs(self, count: usize) -> impl Iterator<Item = usize> {
        (self.index..count).step_by(self.of)
    }
}

/// The function a ring runs each batch with, on its own thread: its share's outcomes.
pub type RunShare = fn(&Runtime, &Plan, Share) -> Vec<Outcome>;

/// Started rings, ready to run batches.
pub struct Rings {
    hosts: Vec<Host>,
}

/// One ring's thread and the channels to it.
struct Host {
    /// Plans to run; dropping it tells the thread to drop its runtime and end.
    plans: Option<mpsc::Sender<Plan>>,
    /// Each batch's outcomes, in the order the plans were sent.
    outcomes: mpsc::Receiver<Vec<Outcome>>,
    thread: Option<JoinHandle<()>>,
}

impl Rings {
    /// Starts `count` rings (at least one), each on its own thread, and waits until every one
    /// is up: one `io_uring_setup` each, outside any timing. The reason, in one line, if one
    /// could not start.
    pub fn start(count: usize, run: RunShare) -> Result<Rings, String> {
        let pool = blocking_pool();
        let mut rings = Rings { hosts: Vec::new() };
        let of = count.max(1);
        for index in 0..of {
            rings
                .hosts
                .push(Host::start(Share { index, of }, pool.clone(), run)?);
        }
        Ok(rings)
    }

    /// How many rings run each batch (at least one).
    pub fn count(&self) -> usize {
        self.hosts.len()
    }

    /// Sends `plan` to every ring and gathers their outcomes. No timeout of its own: each
    /// share ends by its greets' timeouts and the plan's deadline; a ring's thread that dies
    /// drops its sender, and this returns at once.
    pub fn run(&mut self, plan: &Plan) -> Result<Vec<Outcome>, String> {
        for host in &self.hosts {
            let plans = host.plans.as_ref().ok_or("a ring's thread has stopped")?;
            plans
                .send(plan.clone())
                .map_err(|_| "a ring's thread has stopped")?;
        }
        let mut outcomes = Vec::with_capacity(plan.count);
        for host in &self.hosts {
            let share = host
                .outcomes
                .recv()
                .map_err(|_| "a ring's thread died during the batch")?;
            outcomes.extend(share);
        }
        Ok(outcomes)
    }
}

impl Host {
    fn start(share: Share, pool: AsyncifyPool, run: RunShare) -> Result<Host, String> {
        let (ready_tx, ready) = mpsc::channel();
        let (plans, plans_rx) = mpsc::channel::<Plan>();
        let (outcomes_tx, outcomes) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("compio-ring-{}", share.index))
            .spawn(move || {
                let rt = match io_uring_runtime(pool) {
                    Ok(rt) => rt,
                    Err(why) => return drop(ready_tx.send(Err(why))),
                };
                let _ = ready_tx.send(Ok(()));
                // Bounded: it ends when the runner drops its sender, or stops reading.
                for plan in plans_rx {
                    if outcomes_tx.send(run(&rt, &plan, share)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("could not start a ring's thread: {e}"))?;
        let host = Host {
            plans: Some(plans),
            outcomes,
            thread: Some(thread),
        };
        // Setting up a ring takes microseconds; a thread that never answers is a broken one.
        match ready.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => Ok(host),
            Ok(Err(why)) => Err(why),
            Err(_) => Err("a ring's thread did not set its ring up within 10 s".into()),
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; it drops the runtime (closing the ring)
        // on its own thread and returns.
        drop(self.plans.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The blocking pool every ring's `spawn_blocking` shares, [`BLOCKING_THREADS`] at most.
pub fn blocking_pool() -> AsyncifyPool {
    let mut proactor = ProactorBuilder::new();
    proactor.thread_pool_limit(BLOCKING_THREADS);
    proactor.create_or_get_thread_pool()
}

/// Builds a compio runtime on this thread and checks that its driver is io_uring; otherwise,
/// one line saying why not.
///
/// The ring is set up for a runtime that one thread owns (`SINGLE_ISSUER`), so the kernel
/// can defer the work of finished operations until that thread asks for completions
/// (`DEFER_TASKRUN`, Linux 6.1) instead of interrupting it for each. A kernel that refuses
/// those flags gets a ring without them.
pub fn io_uring_runtime(pool: AsyncifyPool) -> Result<Runtime, String> {
    let build = |flags: bool| {
        let mut proactor = ProactorBuilder::new();
        proactor.reuse_thread_pool(pool.clone());
        if flags {
            proactor.single_issuer(true).defer_taskrun(true);
        }
        RuntimeBuilder::new().with_proactor(proactor).build()
    };
    let rt = build(true)
        .or_else(|e| match Errno::from_io_error(&e) {
            // A kernel before 6.1 does not know the flags.
            Some(Errno::INVAL) => build(false),
            _ => Err(e),
        })
        .map_err(|e| why_no_io_uring(&e, io_uring_disabled()))?;
    match rt.driver_type() {
        DriverType::IoUring => Ok(rt),
        // Only if compio were built with its `polling` feature too (its `fusion` driver),
        // which would then pick epoll where io_uring is missing: never under this name.
        other => Err(format!(
            "io_uring is not available here: compio picked its {other:?} driver instead, \
             and this model runs io_uring only"
        )),
    }
}

//! The **compio** model: one task per job on compio, a *completion-based* runtime that
//! drives its sockets through Linux's io_uring, one runtime per core.
//!
//! Every other async model here is *readiness-based*: its reactor asks epoll "which sockets
//! can I read now?", then makes the `read` call itself. io_uring works the other way round:
//! the runtime hands the kernel the whole operation (connect, write, read, with the buffer)
//! on a shared submission ring, and later picks the finished result off a completion ring.
//! One `io_uring_enter` call can submit and reap many operations at once. Three things
//! follow, and they are the whole diff against `model-tokio-current-thread` and `model-smol`:
//!
//! - **Buffers are owned, not lent.** While the kernel works on a read, it owns the buffer,
//!   even if the task that asked for it is dropped (a greet that timed out). So compio's
//!   `read` and `write_all` take the buffer by value and hand it back with the result
//!   (`BufResult`), where tokio's borrow it (`&mut buf`).
//! - **One runtime per thread, one thread per core.** compio is built thread-per-core: a
//!   runtime, its ring and its tasks live on the one thread that calls `block_on` and are
//!   never sent to another, so the tasks share the plan through `Rc`, not `Arc`. To use every
//!   core, the model starts one runtime per core and deals the greets out round-robin
//!   (job `i` to ring `i % K`); tokio's runtime instead moves tasks between its workers.
//! - **The rings get threads of their own** (`ring`), never the caller's: closing a ring
//!   leaves kernel work for the thread that used it, which would interrupt that thread's next
//!   blocking socket call with a timeout.
//!
//! Crunch goes to compio's blocking pool (`spawn_blocking`), one pool for every ring, so
//! crunches use every core while the event loops stay free to reap completions.
//!
//! What it does to a batch: a greet here is four operations on the ring (open the socket,
//! connect, send, receive), and the task waits for each one's completion before it submits
//! the next. With every task spawned at once and polled in turn on one thread, all of them
//! open their sockets, then all connect, then all send: the greetings leave in bursts. tokio's
//! tasks make the socket, connect and send calls themselves in their first polls, so their
//! greetings leave while later tasks are still connecting. The ring saves system calls (one
//! `io_uring_enter` submits and reaps dozens of operations), but the kernel's TCP work per
//! greet is the same.
//!
//! # Which driver runs
//!
//! compio can also drive sockets with epoll (its `polling` driver, or the `fusion` driver that
//! picks one of the two at run time). This workspace builds it with io_uring alone, so there is
//! no silent fallback: [`Model::start`] checks which driver each runtime got and refuses to run
//! anything but io_uring under this name. Where io_uring cannot start (an old kernel,
//! `kernel.io_uring_disabled`, a container's seccomp profile), [`Model::unavailable`] says so in
//! one line, naming the errno (`unavailable`), and greetbench reports that line in the model's
//! row instead of running it.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::panic::resume_unwind;
use std::rc::Rc;
use std::time::Duration;

use compio::BufResult;
use compio::io::{AsyncRead, AsyncWriteExt};
use compio::net::TcpStream;
use compio::runtime::{JoinError, Runtime};
use greet_core::plan::default_workers;
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Reply,
    Runner, Shape, run_job_async,
};

mod ring;
mod unavailable;

pub use ring::BLOCKING_THREADS;
use ring::{Rings, Share};
pub use unavailable::why_no_io_uring;

/// One task per job on compio's io_uring runtimes, one per core.
#[derive(Debug, Default, Clone, Copy)]
pub struct Compio;

impl Model for Compio {
    fn name(&self) -> &'static str {
        "compio"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "one compio task per greet on its io_uring driver (completion-based I/O, no epoll \
             fallback), a runtime per core; crunch via spawn_blocking",
        )
        .crunch_on(
            "compio's blocking pool (spawn_blocking, up to 256 threads): the event loops stay \
             free to reap completions",
        )
        .runtime("compio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        let rings =
            Rings::start(default_workers(), run_share).map_err(|reason| ModelError::Start {
                model: self.name().into(),
                reason,
            })?;
        Ok(Box::new(CompioRunner(rings)))
    }

    fn unavailable(&self) -> Option<String> {
        // The one sure test is to try: set a ring up and drop it at once, on a thread of its
        // own, like the runner's.
        let probe = std::thread::Builder::new()
            .name("compio-probe".into())
            .spawn(|| ring::io_uring_runtime(ring::blocking_pool()).err());
        match probe.map(|t| t.join()) {
            Ok(Ok(why)) => why,
            Ok(Err(_)) => Some("io_uring is not available here: setting up a ring panicked".into()),
            Err(e) => Some(format!(
                "io_uring could not be tried here: no thread to set up a ring on: {e}"
            )),
        }
    }
}

/// A started model: its rings, each on its thread.
struct CompioRunner(Rings);

impl Runner for CompioRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let outcomes = self.0.run(plan).map_err(|why| ModelError::Start {
            model: "compio".into(),
            reason: format!("compio's runtime: {why}"),
        })?;
        Ok(Batch { outcomes })
    }

    fn executor_threads(&self) -> Option<usize> {
        // One thread per runtime, the one that calls `block_on`: by design, not by
        // configuration. The model starts one runtime per core.
        Some(self.0.count())
    }
}

/// Runs this ring's share of `plan` on `rt`, on this thread (the runtime's): one task per job.
fn run_share(rt: &Runtime, plan: &Plan, share: Share) -> Vec<Outcome> {
    // One shared copy of the plan for every task. Rc, not Arc: compio's tasks never leave the
    // thread that runs `block_on`.
    let plan = Rc::new(plan.clone());
    rt.block_on(async {
        // Spawn every task first, so that all the greets are waiting at once. In an open-loop
        // run, job i is spawned only once it is due: the loop sleeps on compio's timer until
        // then (a batch never sleeps).
        let mut tasks = Vec::new();
        for i in share.jobs(plan.count) {
            if let Some(wait) = plan.until_due(i) {
                compio::time::sleep(wait).await;
            }
            let plan = plan.clone();
            let task = compio::runtime::spawn(async move {
                run_job_async(&plan, i, greet, crunch_blocking, compio::time::sleep).await
            });
            tasks.push((i, task));
        }
        // ...then await them. Awaiting in order does not serialise anything: they are all
        // running already, this only collects.
        let mut outcomes = Vec::with_capacity(tasks.len());
        for (i, task) in tasks {
            outcomes.push(match task.await {
                Ok(outcome) => outcome,
                // compio catches a task's panic and hands it back as a JoinError, leaving the
                // other tasks running: it is counted as the job's error.
                Err(JoinError::Panicked(payload)) => {
                    Outcome::failed(i, GreetError::panicked(&*payload))
                }
                Err(e) => Outcome::failed(i, GreetError::Io(e.to_string())),
            });
        }
        outcomes
    })
}

/// Crunch on compio's blocking pool, so the event loop's thread stays free to reap
/// completions. A crunch that panics there comes back as this task's panic.
async fn crunch_blocking(work: u32, seed: u64) -> u64 {
    match compio::runtime::spawn_blocking(move || crunch(work, seed)).await {
        Ok(checksum) => checksum,
        Err(JoinError::Panicked(payload)) => resume_unwind(payload),
        Err(e) => panic!("compio dropped a crunch: {e}"),
    }
}

/// One greet with compio's socket. Each `.await` submits an operation to the ring and
/// suspends the task until its completion arrives.
async fn greet(addr: SocketAddr, timeout: Duration) -> Result<Reply, GreetError> {
    let greet = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        // The kernel owns a buffer while it works on it: the greeting is moved in (a
        // `'static` slice) and the result comes back with the buffer, as a `BufResult`.
        let BufResult(written, _) = stream.write_all(GREETING).await;
        written?;
        let mut reader = ReplyReader::new();
        let mut buf = [0u8; 64];
        loop {
            // One read may bring only part of the reply: read until the newline. The buffer
            // goes to the kernel and comes back filled.
            let BufResult(read, back) = stream.read(buf).await;
            buf = back;
            if let Some(reply) = reader.push(&buf[..read?])? {
                return Ok(reply);
            }
        }
    };
    compio::time::timeout(timeout, greet)
        .await
        .unwrap_or(Err(GreetError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use compio::driver::DriverType;

    #[test]
    fn the_runtime_start_builds_runs_the_io_uring_driver() {
        // The record calls this model io_uring: the runtime it starts must be just that.
        let rt = match ring::io_uring_runtime(ring::blocking_pool()) {
            // Where the kernel refuses a ring, skip; another driver than io_uring still fails.
            Err(why) if !why.contains("driver instead") => return eprintln!("skipped: {why}"),
            rt => rt.unwrap_or_else(|why| panic!("{why}")),
        };
        assert_eq!(rt.driver_type(), DriverType::IoUring);
    }

    #[test]
    fn the_rings_share_every_job_once() {
        let shares: Vec<Vec<usize>> = (0..3)
            .map(|index| Share { index, of: 3 }.jobs(8).collect())
            .collect();
        assert_eq!(shares, [vec![0, 3, 6], vec![1, 4, 7], vec![2, 5]]);
    }
}

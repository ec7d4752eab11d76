//! The **smol** model: one task per job on smol, async-std's successor.
//!
//! smol is a small runtime built from small crates (async-io for the reactor, async-executor
//! for tasks, blocking for the thread pool). Diff this crate against `model-async-std`: the
//! code changes only in the names of the runtime's functions, which is the whole migration.
//! What runs underneath changes more than the names:
//!
//! - smol's global executor runs **one thread** (`smol-1`) unless the `SMOL_THREADS`
//!   environment variable asks for more; async-std's runs one per core. Every task is polled
//!   on that one thread, which is plenty for greets that only wait.
//! - It starts on the first `smol::spawn`. `smol::block_on` does not start it: it runs one
//!   future on the calling thread and polls no spawned task.
//!
//! A waiting greet is a suspended task, not a blocked thread, and crunch goes to smol's
//! blocking pool (`unblock`), its own threads, so crunches still use every core while the
//! executor's one thread stays free.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use greet_core::model::catch_panic;
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Reply,
    Runner, Shape, run_job_async,
};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::TcpStream;

/// One task per job on smol's global executor.
#[derive(Debug, Default, Clone, Copy)]
pub struct Smol;

impl Model for Smol {
    fn name(&self) -> &'static str {
        "smol"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "one smol task per greet (async-std's successor); crunch via smol::unblock",
        )
        .crunch_on("smol's blocking pool (unblock)")
        .runtime("smol")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        let threads = executor_threads();
        if threads == 0 {
            // smol would start an executor with no thread, and every task would wait forever.
            return Err(ModelError::Start {
                model: self.name().into(),
                reason: "SMOL_THREADS=0 gives smol's executor no thread to run tasks on: \
                         unset it or set it to 1 or more"
                    .into(),
            });
        }
        // smol's global executor starts its threads on the first `smol::spawn`; spawn an
        // empty task now, so that its start-up is not part of the first batch.
        smol::block_on(smol::spawn(async {}));
        Ok(Box::new(SmolRunner { threads }))
    }
}

/// How many threads smol's global executor runs: smol's rule (smol 2.0 `spawn.rs`) is
/// `SMOL_THREADS` if it parses, else 1.
fn executor_threads() -> usize {
    let from_env = std::env::var("SMOL_THREADS").ok();
    let threads = from_env.and_then(|s| s.parse().ok());
    threads.unwrap_or(1)
}

struct SmolRunner {
    threads: usize,
}

impl Runner for SmolRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        Ok(Batch {
            outcomes: run_batch(plan),
        })
    }

    fn executor_threads(&self) -> Option<usize> {
        Some(self.threads)
    }
}

fn run_batch(plan: &Plan) -> Vec<Outcome> {
    // One shared copy of the plan for every task, not one copy each.
    let plan = Arc::new(plan.clone());
    smol::block_on(async {
        // Spawn every task first, so that all the greets are waiting at once...
        let mut tasks = Vec::with_capacity(plan.count);
        for i in 0..plan.count {
            // ...each once it is due, in an open-loop run (never, in a batch), sleeping on
            // smol's timer: `block_on` polls this loop on the calling thread, and the spawned
            // tasks run on the executor's thread meanwhile.
            if let Some(wait) = plan.until_due(i) {
                sleep(wait).await;
            }
            let plan = plan.clone();
            tasks.push(smol::spawn(async move {
                run_job_async(&plan, i, greet, crunch_blocking, sleep).await
            }));
        }
        // ...then await them. Awaiting in order does not serialise anything: they are all
        // running already, this only collects. A task that panicked re-raises its panic here,
        // in whoever awaits it; `catch_panic` counts it as the job's error.
        let mut outcomes = Vec::with_capacity(plan.count);
        for (i, t) in tasks.into_iter().enumerate() {
            outcomes.push(
                catch_panic(t)
                    .await
                    .unwrap_or_else(|e| Outcome::failed(i, e)),
            );
        }
        outcomes
    })
}

/// smol's timer, for the wait between two attempts of a retried greet.
async fn sleep(wait: Duration) {
    smol::Timer::after(wait).await;
}

/// Crunch on the blocking pool, so the event loop's threads stay free for I/O. (A crunch that
/// panics there re-raises its panic in this task when awaited.)
async fn crunch_blocking(work: u32, seed: u64) -> u64 {
    smol::unblock(move || crunch(work, seed)).await
}

/// One greet with smol's socket.
async fn greet(addr: SocketAddr, timeout: Duration) -> Result<Reply, GreetError> {
    let greet = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        stream.write_all(GREETING).await?;
        let mut reader = ReplyReader::new();
        let mut buf = [0u8; 64];
        loop {
            // One read may bring only part of the reply: read until the newline.
            let n = stream.read(&mut buf).await?;
            if let Some(reply) = reader.push(&buf[..n])? {
                return Ok(reply);
            }
        }
    };
    let timer = async {
        smol::Timer::after(timeout).await;
        Err(GreetError::Timeout)
    };
    smol::future::or(greet, timer).await
}

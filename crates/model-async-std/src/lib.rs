//! The **async-std** model: one task per job on async-std's global multi-threaded runtime.
//!
//! **Historical row.** async-std was discontinued by its authors in 2025
//! ([RUSTSEC-2025-0052](https://rustsec.org/advisories/RUSTSEC-2025-0052.html): "use smol
//! instead"). It is kept so that learners can see the migration: diff this crate against
//! `model-smol`. The code changes only in the names of the runtime's functions, but the
//! global executor underneath does not: async-std's runs one thread per core, smol's one
//! thread. Do not start new code on it.
//!
//! The shape is tokio's: a waiting greet is a suspended task, not a blocked thread, and crunch
//! goes to the runtime's blocking pool (`spawn_blocking`) so the event loop stays free. Like
//! tokio, its global executor runs one thread per core (`ASYNC_STD_THREAD_COUNT` overrides
//! it), and it starts the first time async-std runs anything, `block_on` included.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_std::io::{ReadExt, WriteExt};
use async_std::net::TcpStream;
use async_std::task;
use greet_core::model::catch_panic;
use greet_core::plan::default_workers;
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Reply,
    Runner, Shape, run_job_async,
};

/// One task per job on async-std's global runtime.
#[derive(Debug, Default, Clone, Copy)]
pub struct AsyncStd;

impl Model for AsyncStd {
    fn name(&self) -> &'static str {
        "async-std"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "one async-std task per greet; crunch via its blocking pool",
        )
        .crunch_on("async-std's blocking pool (spawn_blocking)")
        .runtime("async-std")
        .historical("discontinued (RUSTSEC-2025-0052): its authors say use smol instead")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // async-std's runtime is global and starts itself on first use, `block_on` included;
        // wake it now so that its start-up is not part of the first batch.
        task::block_on(async {});
        Ok(Box::new(AsyncStdRunner {
            threads: executor_threads(),
        }))
    }
}

/// How many threads async-std's global executor runs. async-std does not say, so this is its
/// rule (async-std 1.13 `rt/mod.rs`, async-global-executor 2.4 `config.rs`):
/// `ASYNC_STD_THREAD_COUNT` if it parses, else one per core, and never fewer than one.
fn executor_threads() -> usize {
    let from_env = std::env::var("ASYNC_STD_THREAD_COUNT").ok();
    let threads = from_env.and_then(|s| s.parse().ok());
    threads.unwrap_or_else(default_workers).max(1)
}

struct AsyncStdRunner {
    threads: usize,
}

impl Runner for AsyncStdRunner {
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
    task::block_on(async {
        // Spawn every task first, so that all the greets are waiting at once...
        let mut tasks = Vec::with_capacity(plan.count);
        for i in 0..plan.count {
            // ...each once it is due, in an open-loop run (never, in a batch), sleeping on the
            // runtime's timer: `block_on` polls this loop on the calling thread, and the
            // spawned tasks run on the executor's threads meanwhile.
            if let Some(wait) = plan.until_due(i) {
                task::sleep(wait).await;
            }
            let plan = plan.clone();
            tasks.push(task::spawn(async move {
                run_job_async(&plan, i, greet, crunch_blocking, task::sleep).await
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

/// Crunch on the blocking pool, so the event loop's threads stay free for I/O. (A crunch that
/// panics there re-raises its panic in this task when awaited.)
async fn crunch_blocking(work: u32, seed: u64) -> u64 {
    task::spawn_blocking(move || crunch(work, seed)).await
}

/// One greet with async-std's socket.
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
    async_std::future::timeout(timeout, greet)
        .await
        .unwrap_or(Err(GreetError::Timeout))
}

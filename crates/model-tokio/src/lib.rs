//! The **tokio** model: one task per job on tokio's multi-thread runtime.
//!
//! A task is not a thread. A greet waiting for its reply is a suspended future that costs a
//! few hundred bytes, and the runtime's few worker threads (one per core) run whichever tasks
//! are ready. So thousands of greets wait at once for the price of thousands of small
//! allocations, and N greets finish in about L.
//!
//! CPU work is different: a task that crunches holds its worker thread, and every task
//! queued behind it waits. So crunch runs on tokio's blocking pool via `spawn_blocking`,
//! which keeps the event loop free and lets crunches use every core. (rayon would do as well
//! for pure CPU work; `spawn_blocking` needs no second pool and is what tokio's docs
//! recommend for a blocking call inside async code.)
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Reply,
    Runner, Shape, run_job_async,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

/// One task per job on the multi-thread runtime.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tokio;

impl Model for Tokio {
    fn name(&self) -> &'static str {
        "tokio"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "one tokio task per greet on the multi-thread runtime; crunch via spawn_blocking",
        )
        .crunch_on(
            "tokio's blocking pool (spawn_blocking): plain OS threads, not the async workers",
        )
        .runtime("tokio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: plan.count,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // One worker thread per core (tokio's default), plus the blocking pool on demand.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| ModelError::Start {
                model: self.name().into(),
                reason: e.to_string(),
            })?;
        Ok(Box::new(TokioRunner(rt)))
    }
}

struct TokioRunner(Runtime);

impl Runner for TokioRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let plan = Arc::new(plan.clone());
        let outcomes = self.0.block_on(async {
            // Spawn every task first, so that all the greets are waiting at once...
            let tasks: Vec<_> = (0..plan.count)
                .map(|i| {
                    let plan = plan.clone();
                    tokio::spawn(
                        async move { run_job_async(&plan, i, greet, crunch_blocking).await },
                    )
                })
                .collect();
            // ...then await them. Awaiting in order does not serialise anything: they are all
            // running already, this only collects.
            let mut outcomes = Vec::with_capacity(plan.count);
            for (i, task) in tasks.into_iter().enumerate() {
                outcomes.push(match task.await {
                    Ok(outcome) => outcome,
                    // tokio catches a task's panic and hands it back as a JoinError, leaving
                    // the other tasks running: it is counted as the job's error.
                    Err(e) if e.is_panic() => {
                        Outcome::failed(i, GreetError::panicked(&*e.into_panic()))
                    }
                    Err(e) => Outcome::failed(i, GreetError::Io(e.to_string())),
                });
            }
            outcomes
        });
        Ok(Batch { outcomes })
    }

    fn executor_threads(&self) -> Option<usize> {
        Some(self.0.metrics().num_workers())
    }
}

/// Crunch on the blocking pool, so the event loop's threads stay free for I/O.
async fn crunch_blocking(work: u32, seed: u64) -> u64 {
    match tokio::task::spawn_blocking(move || crunch(work, seed)).await {
        Ok(checksum) => checksum,
        // A crunch that panicked comes back as a JoinError: raise it again in this task, so
        // that the task's own JoinError counts it (never an ok job with checksum 0).
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// One greet with tokio's socket. `.await` hands the thread back to the runtime while the
/// host takes its time.
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
    tokio::time::timeout(timeout, greet)
        .await
        .unwrap_or(Err(GreetError::Timeout))
}

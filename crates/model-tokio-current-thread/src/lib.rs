//! The **tokio-current-thread** model: tokio's single-threaded event loop, the direct
//! analogue of Python's asyncio.
//!
//! Every task runs on the one thread that calls `block_on`. Greets still wait concurrently
//! (a waiting greet is a suspended future, not a blocked thread) so N greets take about L,
//! just as with asyncio. But there is no parallelism: crunch runs *on the event loop*, as a
//! CPU-bound coroutine does in asyncio, so crunching N jobs takes as long as sequential, and
//! while one task crunches, no other task (and no reply) makes progress. That stall is what
//! the mixed workload shows. Compare with `model-tokio`, which moves crunch off the loop.
#![forbid(unsafe_code)]

use std::future::Future;
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

/// One task per job on a single-threaded runtime.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioCurrentThread;

impl Model for TokioCurrentThread {
    fn name(&self) -> &'static str {
        "tokio-current-thread"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Async,
            Shape::PerJob,
            "tokio's single-threaded event loop (like asyncio): concurrent waits, no parallelism",
        )
        .one_thread()
        .crunch_on("the event loop's one thread, inline: every other task waits")
        .runtime("tokio")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.count,
            cpu: 1,
        }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        // One thread: the caller's. Every task runs on it, taking turns at each `.await`.
        let rt = tokio::runtime::Builder::new_current_thread()
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
        Ok(Batch {
            outcomes: run_tasks(&self.0, plan, crunch_inline),
        })
    }

    fn executor_threads(&self) -> Option<usize> {
        // Always 1, the thread that calls `block_on`; asked of the runtime all the same.
        Some(self.0.metrics().num_workers())
    }
}

/// Runs every job of `plan` on `rt`, one task each, with `crunch` for the crunches. The whole
/// model once its runtime is built; `model-tokio` calls it with its multi-thread runtime, so
/// the two crates differ only in the runtime they build and where their crunch runs.
pub fn run_tasks<C, CF>(rt: &Runtime, plan: &Plan, crunch: C) -> Vec<Outcome>
where
    C: Fn(u32, u64) -> CF + Copy + Send + 'static,
    CF: Future<Output = u64> + Send + 'static,
{
    let plan = Arc::new(plan.clone());
    rt.block_on(async {
        // Spawn every task first, so that all the greets are waiting at once...
        let mut tasks = Vec::with_capacity(plan.count);
        for i in 0..plan.count {
            // ...each once it is due, in an open-loop run (never, in a batch). The wait must
            // be tokio's timer: this loop is a task too, and a blocking sleep here would stall
            // the tasks already spawned on the thread it runs on.
            if let Some(wait) = plan.until_due(i) {
                tokio::time::sleep(wait).await;
            }
            tasks.push(tokio::spawn(job(plan.clone(), i, crunch)));
        }
        // ...then await them. Awaiting in order does not serialise anything: they are all
        // running already, this only collects.
        let mut outcomes = Vec::with_capacity(plan.count);
        for (i, task) in tasks.into_iter().enumerate() {
            outcomes.push(match task.await {
                Ok(outcome) => outcome,
                // tokio catches a task's panic and hands it back as a JoinError, leaving the
                // other tasks running: it is counted as the job's error.
                Err(e) if e.is_panic() => {
                    Outcome::failed(i, GreetError::panicked(&*e.into_panic()))
                }
                Err(e) => Outcome::failed(i, GreetError::Io(e.to_string())),
            });
        }
        outcomes
    })
}

/// Job `i` of `plan` as its task runs it: what each waiting greet keeps, in a task of its own
/// (`tests/size.rs` prints its size).
// An `async move` block, not an `async fn`: that would keep a second copy of `plan` and `i`,
// 8 bytes that take tokio's task past a 128-byte step (896 B to 1 KiB per waiting greet).
#[allow(clippy::manual_async_fn)]
pub fn job<C, CF>(plan: Arc<Plan>, i: usize, crunch: C) -> impl Future<Output = Outcome>
where
    C: Fn(u32, u64) -> CF,
    CF: Future<Output = u64>,
{
    async move { run_job_async(&plan, i, greet, crunch, tokio::time::sleep).await }
}

/// Crunch right here, on the event loop, as asyncio would: no `.await` inside, so nothing
/// else on this runtime runs until it returns. (prefork's workers, one such loop each, use it
/// too.)
pub async fn crunch_inline(work: u32, seed: u64) -> u64 {
    crunch(work, seed)
}

/// One greet with tokio's socket. `.await` hands the thread back to the runtime while the
/// host takes its time.
pub async fn greet(addr: SocketAddr, timeout: Duration) -> Result<Reply, GreetError> {
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

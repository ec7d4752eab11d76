//! The **compio** model: one task per job on compio, a *completion-based* runtime that
//! drives its sockets through Linux's io_uring.
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
//! - **One runtime per thread.** compio is built thread-per-core: a runtime, its ring and its
//!   tasks live on the one thread that calls `block_on` and are never sent to another, so the
//!   tasks share the plan through `Rc`, not `Arc`. Every greet waits on that one thread.
//! - **The ring gets a thread of its own.** The runner keeps its runtime on its own thread
//!   and sends it each batch, where tokio-current-thread runs on the caller's: closing a ring
//!   leaves kernel work for the thread that used it, which interrupts that thread's next
//!   blocking socket call with a timeout (see `CompioRunner`).
//!
//! Crunch goes to compio's blocking pool (`spawn_blocking`), its own threads, so crunches use
//! every core while the event loop's thread stays free to reap completions.
//!
//! What it does to a batch: a greet here is four operations on the ring (open the socket,
//! connect, send, receive), and the task waits for each one's completion before it submits
//! the next. With every task spawned at once and polled in turn on one thread, all of them
//! open their sockets, then all connect, then all send: the greetings leave in one burst,
//! after the last connect. tokio's tasks make the socket, connect and send calls themselves
//! in their first polls, so their greetings leave while later tasks are still connecting.
//! The ring saves system calls (one `io_uring_enter` submits and reaps dozens of
//! operations), but the kernel's TCP work per greet is the same, so the CPU is about the
//! same and the first replies come later.
//!
//! # Which driver runs
//!
//! compio can also drive sockets with epoll (its `polling` driver, or the `fusion` driver that
//! picks one of the two at run time). This workspace builds it with io_uring alone, so there is
//! no silent fallback: [`Model::start`] checks which driver the runtime got and refuses to run
//! anything but io_uring under this name. Where io_uring cannot start (an old kernel,
//! `kernel.io_uring_disabled`, a container's seccomp profile),
//! [`Model::unavailable`] says so in one line and why, and greetbench reports that line in
//! the model's row instead of running it.
#![forbid(unsafe_code)]

use std::io;
use std::net::SocketAddr;
use std::panic::resume_unwind;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use compio::BufResult;
use compio::driver::{DriverType, ProactorBuilder};
use compio::io::{AsyncRead, AsyncWriteExt};
use compio::net::TcpStream;
use compio::runtime::{JoinError, Runtime, RuntimeBuilder};
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Reply,
    Runner, Shape, run_job_async,
};

/// How many threads compio's blocking pool may start for crunches: compio's own default, set
/// here so that it is stated. Like tokio's (512) and smol's (500), it is far above any core
/// count, so [`Model::concurrency`] counts one crunch lane per job, as theirs do.
pub const BLOCKING_THREADS: usize = 256;

/// One task per job on compio's io_uring runtime.
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
             fallback); crunch via spawn_blocking",
        )
        .crunch_on(
            "compio's blocking pool (spawn_blocking, up to 256 threads): the one event-loop \
             thread stays free to reap completions",
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
        let start_error = |reason: String| ModelError::Start {
            model: self.name().into(),
            reason,
        };
        CompioRunner::start().map_err(start_error)
    }

    fn unavailable(&self) -> Option<String> {
        // The one sure test is to try: set a ring up and drop it at once, on a thread of its
        // own, like the runner's (see `CompioRunner`).
        let probe = std::thread::Builder::new()
            .name("compio-probe".into())
            .spawn(|| io_uring_runtime().err());
        match probe.map(|t| t.join()) {
            Ok(Ok(why)) => why,
            Ok(Err(_)) => Some("io_uring is not available here: setting up a ring panicked".into()),
            Err(e) => Some(format!(
                "io_uring could not be tried here: no thread to set up a ring on: {e}"
            )),
        }
    }
}

/// Builds a compio runtime and checks that its driver is io_uring; otherwise, one line
/// saying why not.
fn io_uring_runtime() -> Result<Runtime, String> {
    let mut proactor = ProactorBuilder::new();
    proactor.thread_pool_limit(BLOCKING_THREADS);
    let rt = RuntimeBuilder::new()
        .with_proactor(proactor)
        .build()
        .map_err(|e| why_no_io_uring(&e, io_uring_disabled().as_deref()))?;
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

/// The `kernel.io_uring_disabled` sysctl (Linux 6.6 and later), if the kernel has it.
fn io_uring_disabled() -> Option<String> {
    let value = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled").ok()?;
    Some(value.trim().to_owned())
}

/// Why the io_uring driver could not start, in one line, from the error of setting it up and
/// the `kernel.io_uring_disabled` sysctl (`None` where the kernel has no such sysctl).
pub fn why_no_io_uring(error: &io::Error, disabled: Option<&str>) -> String {
    let sysctl = disabled.map(|v| format!("kernel.io_uring_disabled={v}"));
    // Linux's errno numbers, the same on every architecture: EPERM, EACCES, ENOMEM, ENOSYS.
    let (errno, cause) = match error.raw_os_error() {
        Some(1) => (
            "EPERM",
            match disabled {
                Some("2") => "kernel.io_uring_disabled=2: io_uring is off for every process".into(),
                Some("1") => "kernel.io_uring_disabled=1: only root and kernel.io_uring_group \
                              may use it"
                    .into(),
                _ => format!(
                    "{}: a seccomp filter or the container's policy refuses it",
                    sysctl.as_deref().unwrap_or("no io_uring_disabled sysctl")
                ),
            },
        ),
        Some(13) => ("EACCES", "a security module (LSM) refuses it".into()),
        Some(12) => (
            "ENOMEM",
            "kernels before 5.12 count the ring against RLIMIT_MEMLOCK: raise `ulimit -l`".into(),
        ),
        Some(38) => (
            "ENOSYS",
            "the kernel has no io_uring, or a seccomp filter hides it".into(),
        ),
        _ => {
            return format!(
                "io_uring is not available here: compio's io_uring driver did not start: {error}"
            );
        }
    };
    format!("io_uring is not available here: io_uring_setup returned {errno} ({cause})")
}

/// A started model: a thread of its own that holds the runtime (its ring, its timers and its
/// task queue) and runs each batch it is sent.
///
/// Why a thread of its own, when tokio-current-thread runs on the caller's: closing a ring
/// leaves kernel work queued for the thread that used it, and that work interrupts the
/// thread's next blocking socket call that has a timeout (EINTR). The benches and tests run
/// the models one after another on one thread, so no trace of the ring may reach it.
struct CompioRunner {
    /// Plans to run; dropping it tells the thread to drop its runtime and end.
    plans: Option<mpsc::Sender<Plan>>,
    /// Each batch's outcomes, in the order the plans were sent.
    outcomes: mpsc::Receiver<Vec<Outcome>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CompioRunner {
    /// Starts the runtime's thread and waits until its ring is up: one io_uring_setup call,
    /// outside any timing. The reason, in one line, if it could not be.
    fn start() -> Result<Box<dyn Runner>, String> {
        let (ready_tx, ready) = mpsc::channel();
        let (plans, plans_rx) = mpsc::channel::<Plan>();
        let (outcomes_tx, outcomes) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("compio-runtime".into())
            .spawn(move || {
                let rt = match io_uring_runtime() {
                    Ok(rt) => rt,
                    Err(why) => return drop(ready_tx.send(Err(why))),
                };
                let _ = ready_tx.send(Ok(()));
                // Bounded: it ends when the runner drops its sender, or stops reading.
                for plan in plans_rx {
                    if outcomes_tx.send(run_batch(&rt, plan)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("could not start the runtime's thread: {e}"))?;
        let runner = CompioRunner {
            plans: Some(plans),
            outcomes,
            thread: Some(thread),
        };
        // Setting up a ring takes microseconds; a thread that never answers is a broken one.
        match ready.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => Ok(Box::new(runner)),
            Ok(Err(why)) => Err(why),
            Err(_) => Err("compio's runtime thread did not set its ring up within 10 s".into()),
        }
    }
}

impl Runner for CompioRunner {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let stopped = |why: &str| ModelError::Start {
            model: "compio".into(),
            reason: format!("compio's runtime thread {why}"),
        };
        let plans = self.plans.as_ref().ok_or_else(|| stopped("has stopped"))?;
        plans
            .send(plan.clone())
            .map_err(|_| stopped("has stopped"))?;
        // No timeout of its own: the batch ends by the greets' timeouts and the plan's
        // deadline, as a batch on the caller's thread would; if the thread dies instead, its
        // sender is dropped and this returns at once.
        let outcomes = self
            .outcomes
            .recv()
            .map_err(|_| stopped("died during the batch"))?;
        Ok(Batch { outcomes })
    }

    fn executor_threads(&self) -> Option<usize> {
        // A compio runtime is one thread, the one that calls `block_on`: by design, not by
        // configuration (for more cores, compio runs one runtime per thread).
        Some(1)
    }
}

impl Drop for CompioRunner {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; it drops the runtime (closing the ring)
        // on its own thread and returns.
        drop(self.plans.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs every job of `plan` on `rt`, on this thread (the runtime's).
fn run_batch(rt: &Runtime, plan: Plan) -> Vec<Outcome> {
    // One shared copy of the plan for every task. Rc, not Arc: compio's tasks never leave the
    // thread that runs `block_on`.
    let plan = Rc::new(plan);
    rt.block_on(async {
        // Spawn every task first, so that all the greets are waiting at once. In an open-loop
        // run, job i is spawned only once it is due: the loop sleeps on compio's timer until
        // then (a batch never sleeps).
        let mut tasks = Vec::with_capacity(plan.count);
        for i in 0..plan.count {
            if let Some(wait) = plan.until_due(i) {
                compio::time::sleep(wait).await;
            }
            let plan = plan.clone();
            tasks.push(compio::runtime::spawn(async move {
                run_job_async(&plan, i, greet, crunch_blocking, compio::time::sleep).await
            }));
        }
        // ...then await them. Awaiting in order does not serialise anything: they are all
        // running already, this only collects.
        let mut outcomes = Vec::with_capacity(plan.count);
        for (i, task) in tasks.into_iter().enumerate() {
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

    #[test]
    fn each_refusal_names_its_errno_and_its_cause() {
        let why = |errno, sysctl| why_no_io_uring(&io::Error::from_raw_os_error(errno), sysctl);
        assert_eq!(
            why(1, Some("2")),
            "io_uring is not available here: io_uring_setup returned EPERM \
             (kernel.io_uring_disabled=2: io_uring is off for every process)"
        );
        assert!(why(1, Some("0")).contains("kernel.io_uring_disabled=0: a seccomp filter"));
        assert!(why(1, None).contains("EPERM (no io_uring_disabled sysctl"));
        assert!(why(38, None).contains("returned ENOSYS (the kernel has no io_uring"));
        assert!(why(12, None).contains("RLIMIT_MEMLOCK"));
        // Anything else is passed on as it came, still one line.
        let other = why(24, None);
        assert!(other.starts_with("io_uring is not available here: compio's io_uring driver"));
        assert!(!other.contains('\n'));
    }

    #[test]
    fn the_runtime_start_builds_runs_the_io_uring_driver() {
        // The record calls this model io_uring: the runtime it starts must be just that.
        let rt = match io_uring_runtime() {
            // Where the kernel refuses a ring, skip; another driver than io_uring still fails.
            Err(why) if !why.contains("driver instead") => return eprintln!("skipped: {why}"),
            rt => rt.unwrap_or_else(|why| panic!("{why}")),
        };
        assert_eq!(rt.driver_type(), DriverType::IoUring);
    }
}

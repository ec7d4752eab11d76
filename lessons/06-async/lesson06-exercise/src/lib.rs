//! Lesson 06, exercise: many greets on one thread with tokio's current-thread runtime, and
//! CPU work moved off its event loop. Read `../README.md`, fill in the four `todo!()`s below,
//! then run `cargo lesson check 06`.
#![forbid(unsafe_code)]

use std::time::Duration;

use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::workload::crunch;
use greet_core::{GreetError, Reply, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Given: greets one target with tokio's socket, giving up after `timeout`, and checks that
/// the reply names the host aimed at.
///
/// Every `.await` in here is a point where this task may be suspended and the thread handed
/// to another task: that is cooperative scheduling.
pub async fn greet(target: Target, timeout: Duration) -> Result<Reply, GreetError> {
    let exchange = async {
        let mut stream = TcpStream::connect(target.addr).await?;
        stream.set_nodelay(true)?;
        stream.write_all(GREETING).await?;
        let mut reader = ReplyReader::new();
        let mut buf = [0u8; 64];
        loop {
            // One read may bring only part of the reply: read until the newline.
            let n = stream.read(&mut buf).await?;
            if let Some(reply) = reader.push(&buf[..n])? {
                return Ok::<_, GreetError>(reply);
            }
        }
    };
    let reply = tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(GreetError::Timeout))?;
    match target.host {
        Some(expected) if expected != reply.host => Err(GreetError::WrongHost {
            expected,
            got: reply.host,
        }),
        _ => Ok(reply),
    }
}

/// Given: crunch *on* the event loop. It never reaches an `.await`, so no other task on this
/// thread runs until it returns: the loop is blocked.
pub async fn crunch_inline(work: u32, seed: u64) -> u64 {
    crunch(work, seed)
}

/// Greets every target at once on a single-threaded tokio runtime (one task per target, in a
/// `JoinSet`), and returns one result per target, in the targets' order.
pub fn greet_all(targets: &[Target], timeout: Duration) -> Vec<Result<Reply, GreetError>> {
    // TODO: every greet waiting at once, all on this one thread: a current-thread tokio
    // runtime, one task per target. The results come back in the targets' order.
    // (The `todo!`s name the parameters only so that the stubs compile without warnings: once
    // you replace one, the compiler warns about any parameter your code ignores.)
    todo!("greet_all({} targets, {timeout:?})", targets.len())
}

/// Runs the blocking function `f` on tokio's blocking-thread pool and waits for it without
/// blocking the event loop: other tasks keep running meanwhile.
pub async fn run_off_loop<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // TODO: run `f` on tokio's threads for blocking work, and await it there, so that the
    // event loop stays free meanwhile. If `f` panicked, the panic carries on here.
    todo!("run_off_loop({})", std::any::type_name_of_val(&f))
}

/// Crunches without blocking the event loop.
pub async fn crunch_off_loop(work: u32, seed: u64) -> u64 {
    // TODO: `crunch(work, seed)`, without blocking the event loop.
    todo!("crunch_off_loop({work}, {seed})")
}

/// The mixed job: greets `target`, then crunches `work` seeded by the reply
/// (`reply.seed(index)`), off the event loop. Returns the checksum.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    // TODO: greet `target`; then crunch `work`, seeded by the reply (`reply.seed(index)`), off
    // the event loop. A failed greet is the result.
    todo!(
        "mixed({}, job {index}, work {work}, {timeout:?})",
        target.addr
    )
}

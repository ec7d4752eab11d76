//! Lesson 06, reference solution: many greets on one thread with tokio's current-thread
//! runtime, and CPU work moved off its event loop.
#![doc = include_str!("../../README.md")]
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
    // The analogue of `asyncio.run(main())`: one thread, one event loop.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all() // the socket and timer drivers
        .build()
        .expect("a current-thread runtime starts");
    rt.block_on(async {
        // Spawn every greet first, so that they all wait at the same time...
        let mut set = tokio::task::JoinSet::new();
        for (i, t) in targets.iter().enumerate() {
            let t = t.clone();
            set.spawn(async move { (i, greet(t, timeout).await) });
        }
        // ...then collect them as they finish, and put each back in its target's place.
        let mut results: Vec<Result<Reply, GreetError>> =
            vec![Err(GreetError::Io("not run".into())); targets.len()];
        while let Some(done) = set.join_next().await {
            match done {
                Ok((i, r)) => results[i] = r,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
        results
    })
}

/// Runs the blocking function `f` on tokio's blocking-thread pool and waits for it without
/// blocking the event loop: other tasks keep running meanwhile.
pub async fn run_off_loop<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(value) => value,
        // `f` panicked: let the panic carry on in the caller, as if `f` had run here.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Crunches without blocking the event loop.
pub async fn crunch_off_loop(work: u32, seed: u64) -> u64 {
    run_off_loop(move || crunch(work, seed)).await
}

/// The mixed job: greets `target`, then crunches `work` seeded by the reply
/// (`reply.seed(index)`), off the event loop. Returns the checksum.
pub async fn mixed(
    target: Target,
    index: usize,
    work: u32,
    timeout: Duration,
) -> Result<u64, GreetError> {
    let reply = greet(target, timeout).await?;
    Ok(crunch_off_loop(work, reply.seed(index)).await)
}

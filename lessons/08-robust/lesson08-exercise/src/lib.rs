//! Lesson 08, exercise: the chores of a robust client. Timeouts, retries with backoff, a
//! session that reconnects, a semaphore that limits the sessions to one host, and cancelling
//! the requests nobody needs any more. Read `../README.md`, fill in the six `todo!()`s below,
//! one section at a time, then run `cargo lesson check 08`.
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

pub use greet_api::Greeting;
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::{GreetError, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------
// Retries with backoff
// ---------------------------------------------------------------------------------------

/// How long to wait before each retry: `first`, then `factor` times longer each time, never
/// longer than `max_delay`, for at most `retries` retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry.
    pub first: Duration,
    /// Each wait is this many times the one before.
    pub factor: u32,
    /// No wait is longer than this.
    pub max_delay: Duration,
    /// How many retries after the first attempt (0: try once).
    pub retries: u32,
}

impl Backoff {
    /// The waits before retry 1, 2, …, `retries`.
    pub fn delays(&self) -> Vec<Duration> {
        // TODO: `retries` delays: `first`, then each one `factor` times the one before, none
        // longer than `max_delay`. Use `Duration::saturating_mul`, so that 30 retries of
        // factor 10 cap at `max_delay` instead of overflowing.
        // (The `todo!`s name the parameters only so that the stubs compile without warnings:
        // once you replace one, the compiler warns about any parameter your code ignores.)
        todo!("Backoff::delays({self:?})")
    }
}

/// Calls `op` until it succeeds, waiting `backoff.delays()` between attempts. Returns the
/// first success, or the last error once the retries are used up.
#[allow(
    unused_mut,
    reason = "the stub never calls `op`; calling an `FnMut`, as your retry will, needs the `mut`"
)]
pub async fn retry<T, E, F, Fut>(backoff: &Backoff, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    // TODO: call `op().await`; while the result is an error and delays are left, sleep the
    // next delay (`tokio::time::sleep(d).await`) and call `op` again. Return the first
    // success, or the last error.
    todo!("retry({backoff:?}, {})", std::any::type_name_of_val(&op))
}

// ---------------------------------------------------------------------------------------
// A session to one host, with a timeout, that reconnects
// ---------------------------------------------------------------------------------------

/// A long-lived connection to one host, greeted again and again, like a session to a
/// network device. It connects on first use.
#[derive(Debug)]
pub struct Session {
    addr: SocketAddr,
    timeout: Duration,
    conn: Option<TcpStream>,
    connects: u32,
}

impl Session {
    /// Given: a session to `addr` whose greets give up after `timeout`. Nothing is sent yet.
    pub fn new(addr: SocketAddr, timeout: Duration) -> Session {
        Session {
            addr,
            timeout,
            conn: None,
            connects: 0,
        }
    }

    /// Given: how many connections this session has opened so far.
    pub fn connects(&self) -> u32 {
        self.connects
    }

    /// Given: one greet on the open connection, opening one first if there is none. No
    /// timeout: against a host that never answers, this waits for ever.
    #[allow(
        dead_code,
        reason = "given: the stub's greet_once does not call it yet; yours will. Nothing else is \
                  allowed: a field your code never reads (the timeout, say) gets rustc's warning"
    )]
    async fn exchange(&mut self) -> Result<Reply, GreetError> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.connects += 1;
            self.conn = Some(stream);
        }
        let Some(stream) = self.conn.as_mut() else {
            return Err(GreetError::Closed);
        };
        stream.write_all(GREETING).await?;
        let mut reader = ReplyReader::new();
        let mut buf = [0u8; 64];
        loop {
            // A read of 0 bytes (the host hung up) makes `push` return `Closed`.
            let n = stream.read(&mut buf).await?;
            if let Some(reply) = reader.push(&buf[..n])? {
                return Ok(reply);
            }
        }
    }

    /// One greet that gives up after the session's timeout. After any failure the connection
    /// is closed, so the next greet starts on a fresh one.
    pub async fn greet_once(&mut self) -> Result<Reply, GreetError> {
        // TODO: `self.exchange()`, given up after `self.timeout` (`GreetError::Timeout`). After
        // any failure, this connection must not be used again: why? (The README says.)
        // (The `todo!` reads `self.timeout` only so that the stub compiles without warnings:
        // once you replace it, rustc warns if your code never reads the session's timeout.)
        todo!("Session::greet_once(timeout {:?}, {self:?})", self.timeout)
    }

    /// Greets; if the connection turns out to be lost (the host closed or reset it since the
    /// last greet), reconnects once and greets again. Other errors are returned as they are.
    pub async fn greet(&mut self) -> Result<Reply, GreetError> {
        // TODO: `greet_once`; if that failed because a connection that was already open had
        // been lost (closed or reset by the host), greet once more, on a new one. Any other
        // result is returned as it is: never reconnect after a timeout.
        todo!("Session::greet({self:?})")
    }
}

// ---------------------------------------------------------------------------------------
// A semaphore as a lock on a shared resource
// ---------------------------------------------------------------------------------------

/// Runs `count` tasks that each open a [`Session`] to `addr` and greet once, with at most
/// `sessions` sessions open at once (0 counts as 1). One result per task, in task order.
pub async fn greet_limited(
    addr: SocketAddr,
    count: usize,
    sessions: usize,
    timeout: Duration,
) -> Vec<Result<Reply, GreetError>> {
    // TODO: `count` tasks, each opening a `Session` to `addr` and greeting once, with never
    // more than `sessions` of those sessions open at once. The results in task order, as in
    // lesson 06.
    todo!("greet_limited({addr}, {count} tasks, {sessions} sessions, {timeout:?})")
}

// ---------------------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------------------

/// Given: an HTTP client for the local API: no proxy, a timeout on every request.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a plain-HTTP client with no TLS always builds")
}

/// Given: one greeting from the JSON API, or `None` if the request failed in any way.
pub async fn fetch(client: &reqwest::Client, url: &str) -> Option<Greeting> {
    let reply = client.get(url).send().await.ok()?;
    if reply.status() != reqwest::StatusCode::OK {
        return None;
    }
    reply.json().await.ok()
}

/// Asks every URL at once and returns the first greeting that arrives (`None` if every
/// request fails). The requests still running then are cancelled: their connections close,
/// and the server stops working on them.
pub async fn first_greeting(client: &reqwest::Client, urls: &[String]) -> Option<Greeting> {
    // TODO: `fetch` every URL at once, each in a task of its own; return the first greeting
    // that arrives, and make sure the requests still running are cancelled, not left running.
    todo!("first_greeting({client:?}, {} urls)", urls.len())
}

//! Lesson 08, reference solution: the chores of a robust client. Timeouts, retries with
//! backoff, a session that reconnects, a semaphore that limits the sessions to one host, and
//! cancelling the requests nobody needs any more.
#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use greet_api::Greeting;
use greet_core::protocol::{GREETING, ReplyReader};
use greet_core::{GreetError, Reply};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

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
        let mut delay = self.first.min(self.max_delay);
        let mut out = Vec::with_capacity(self.retries as usize);
        for _ in 0..self.retries {
            out.push(delay);
            // Saturating: a long run of retries must not overflow into a panic.
            delay = delay.saturating_mul(self.factor).min(self.max_delay);
        }
        out
    }
}

/// Calls `op` until it succeeds, waiting `backoff.delays()` between attempts. Returns the
/// first success, or the last error once the retries are used up.
pub async fn retry<T, E, F, Fut>(backoff: &Backoff, mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut result = op().await;
    for delay in backoff.delays() {
        if result.is_ok() {
            break;
        }
        // An async sleep: the task waits without holding a thread.
        tokio::time::sleep(delay).await;
        result = op().await;
    }
    result
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
        let result = tokio::time::timeout(self.timeout, self.exchange())
            .await
            .unwrap_or(Err(GreetError::Timeout));
        if result.is_err() {
            // After a timeout the reply may still arrive later and would be read as the answer
            // to the *next* greet; after any other error the stream is dead. Either way: drop it.
            self.conn = None;
        }
        result
    }

    /// Greets; if the connection turns out to be lost (the host closed or reset it since the
    /// last greet), reconnects once and greets again. Other errors are returned as they are.
    pub async fn greet(&mut self) -> Result<Reply, GreetError> {
        let had_connection = self.conn.is_some();
        match self.greet_once().await {
            // Only a connection that was already open can have gone stale.
            Err(GreetError::Closed | GreetError::Reset) if had_connection => {
                self.greet_once().await
            }
            other => other,
        }
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
    // `sessions` permits: a task holds one for as long as its session is open.
    let permits = Arc::new(Semaphore::new(sessions.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let permits = permits.clone();
        tasks.spawn(async move {
            // Waits here while `sessions` other tasks hold a permit. The semaphore is never
            // closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await.expect("never closed");
            let mut session = Session::new(addr, timeout);
            (i, session.greet().await)
            // `_permit` and `session` drop here: the connection closes, the next task goes.
        });
    }
    let mut results = vec![Err(GreetError::Io("not run".into())); count];
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((i, r)) => results[i] = r,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results
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
    let mut racers = tokio::task::JoinSet::new();
    for url in urls {
        let (client, url) = (client.clone(), url.clone());
        racers.spawn(async move { fetch(&client, &url).await });
    }
    while let Some(done) = racers.join_next().await {
        if let Ok(Some(greeting)) = done {
            // Returning drops `racers`, which aborts every task still in it: each one's
            // request future is dropped mid-await, and with it the connection.
            return Some(greeting);
        }
    }
    None
}

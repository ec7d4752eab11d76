//! Every connection, watched below HTTP in the bytes hyper reads: the listener that holds
//! connections to the cap ([`Counted`], with the shared [`Limit`]), and the stream that
//! enforces the header and idle timeouts and the head's size ([`CountedStream`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use greet_server::limit::{Evict, Limit, Ticket};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};

use crate::{ApiErrorBody, MAX_HEAD, Stats};

/// The TCP listener, counting connections as they open and close, and holding them to the
/// connection cap.
pub(crate) struct Counted {
    pub(crate) inner: TcpListener,
    pub(crate) guard: Arc<Guard>,
}

/// What every connection shares: the cap with its queue of connections waiting for a
/// request, the timeouts, and the counters.
pub(crate) struct Guard {
    pub(crate) limit: Limit,
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) stats: Arc<Stats>,
}

impl Counted {
    /// The next connection, under a connection permit (at the cap, the connection that has
    /// waited longest for a request makes room).
    pub(crate) async fn accept(&mut self) -> CountedStream {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) => {
                    let permit = self.guard.limit.permit().await;
                    let _ = stream.set_nodelay(true);
                    let stats = &self.guard.stats;
                    stats.connections.fetch_add(1, Ordering::SeqCst);
                    stats.open_connections.fetch_add(1, Ordering::SeqCst);
                    return CountedStream::new(stream, self.guard.clone(), permit);
                }
                Err(e) => self.guard.limit.accept_failed(&e).await,
            }
        }
    }
}

/// Where a connection is in its request cycle, as seen from the bytes that pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of a request: the idle timeout runs.
    Idle,
    /// Part of a request head has come: the header timeout runs, and the head's size is
    /// counted.
    Head,
    /// The head is complete and the request is being answered: no timeout, never evicted.
    Busy,
}

/// A connection that counts itself closed when hyper drops it, and enforces the header and
/// idle timeouts and the head's size on the bytes hyper reads.
pub(crate) struct CountedStream {
    stream: TcpStream,
    guard: Arc<Guard>,
    _permit: OwnedSemaphorePermit,
    evict: Arc<Evict>,
    phase: Phase,
    /// The ticket of the current wait for a request (Idle or Head), if any.
    ticket: Option<Ticket>,
    /// Bytes of the current head, and the last three of them (to find `\r\n\r\n` across
    /// reads).
    head_bytes: usize,
    tail: [u8; 3],
    /// When the current phase's timeout fires.
    timer: Pin<Box<Sleep>>,
}

impl CountedStream {
    fn new(stream: TcpStream, guard: Arc<Guard>, permit: OwnedSemaphorePermit) -> CountedStream {
        let evict = Arc::new(Evict::default());
        let ticket = Some(guard.limit.wait_start(&evict));
        let timer = Box::pin(tokio::time::sleep(guard.idle_timeout));
        CountedStream {
            stream,
            guard,
            _permit: permit,
            evict,
            phase: Phase::Idle,
            ticket,
            head_bytes: 0,
            tail: [0; 3],
            timer,
        }
    }

    fn enter(&mut self, phase: Phase) {
        match phase {
            Phase::Idle => {
                self.timer
                    .as_mut()
                    .reset(Instant::now() + self.guard.idle_timeout);
                if self.ticket.is_none() {
                    self.ticket = Some(self.guard.limit.wait_start(&self.evict));
                }
            }
            Phase::Head => {
                self.timer
                    .as_mut()
                    .reset(Instant::now() + self.guard.header_read_timeout);
                self.head_bytes = 0;
                self.tail = [0; 3];
            }
            Phase::Busy => {
                if let Some(t) = self.ticket.take() {
                    self.guard.limit.wait_end(t);
                }
            }
        }
        self.phase = phase;
    }

    /// Follows the request head through `bytes`; an error once it is too long.
    fn watch_head(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.phase == Phase::Busy || bytes.is_empty() {
            return Ok(());
        }
        if self.phase == Phase::Idle {
            self.enter(Phase::Head);
        }
        // The head's bytes in this read: up to its end, if the end is here.
        let mut seen = bytes.len();
        let mut ended = false;
        for (i, &b) in bytes.iter().enumerate() {
            let end = self.tail == *b"\r\n\r" && b == b'\n';
            self.tail = [self.tail[1], self.tail[2], b];
            if end {
                (seen, ended) = (i + 1, true);
                break;
            }
        }
        // Counted whether or not the head ends here: a head that arrives whole is held to
        // the same size as one that never ends.
        self.head_bytes += seen;
        if self.head_bytes > MAX_HEAD {
            self.answer(
                "431 Request Header Fields Too Large",
                &format!("the request head is over {MAX_HEAD} bytes"),
            );
            return Err(self.closed("request head too long"));
        }
        if ended {
            self.enter(Phase::Busy);
        }
        Ok(())
    }

    /// Answers an unfinished request before closing its connection, with the same JSON
    /// error body as every other error. Best effort: a reply the socket cannot take at once
    /// is dropped, since the connection closes anyway.
    fn answer(&self, status: &str, message: &str) {
        let body = serde_json::to_string(&ApiErrorBody {
            error: message.to_owned(),
        })
        .unwrap_or_default();
        let reply = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = self.stream.try_write(reply.as_bytes());
    }

    fn closed(&self, why: &'static str) -> std::io::Error {
        self.guard.stats.timed_out.fetch_add(1, Ordering::SeqCst);
        std::io::Error::new(std::io::ErrorKind::TimedOut, why)
    }
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.guard.limit.wait_end(t);
        }
        self.guard
            .stats
            .open_connections
            .fetch_sub(1, Ordering::SeqCst);
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.evict.is_fired() {
            // Evicted while waiting for a request: end the connection like a client that
            // closed it.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.watch_head(&buf.filled()[before..])?;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.phase == Phase::Busy {
                    return Poll::Pending;
                }
                // Waiting for a request or the rest of its head: wake at the deadline, or
                // when evicted.
                if this.evict.poll_fired(cx).is_ready() {
                    return Poll::Ready(Ok(()));
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) if this.phase == Phase::Head => {
                        this.answer(
                            "408 Request Timeout",
                            "the request head did not arrive in time",
                        );
                        Poll::Ready(Err(this.closed("request head not complete in time")))
                    }
                    Poll::Ready(()) => Poll::Ready(Err(this.closed("idle too long"))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.stream).poll_write(cx, buf);
        // The reply has started: the connection now waits for its next request.
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) && this.phase == Phase::Busy {
            this.enter(Phase::Idle);
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

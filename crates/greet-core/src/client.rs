//! The blocking greet client, shared by the five blocking models (sequential, threads,
//! thread-pool, processes, rayon). The async models write the same steps with their own
//! runtime's socket; see [`crate::run_job_async`].

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::outcome::GreetError;
use crate::plan::Target;
use crate::protocol::{GREETING, Reply, ReplyReader};

/// One greet: connect, send `Hello, world`, **wait** for the reply, close.
///
/// The whole greet, connection included, gives up after `timeout`.
pub fn greet(addr: SocketAddr, timeout: Duration) -> Result<Reply, GreetError> {
    let deadline = Instant::now() + timeout;
    let mut conn = Connection::connect(addr, timeout)?;
    crate::trace::mark_connected();
    conn.greet_until(deadline)
}

/// One greet to `target`, checked: a reply from any host but the one aimed at is an error.
/// This is the greet every blocking model and lesson runs.
pub fn greet_target(target: &Target, timeout: Duration) -> Result<Reply, GreetError> {
    target.check(greet(target.addr, timeout)?)
}

/// A connection that can greet again and again (long-lived connections, ping-pong).
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    reader: ReplyReader,
}

impl Connection {
    /// Connects to `addr`, giving up after `timeout`.
    pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<Connection, GreetError> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        // Greets are tiny: send them at once rather than waiting to batch (Nagle).
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            reader: ReplyReader::new(),
        })
    }

    /// Greets once on this connection, giving up after `timeout`.
    pub fn greet(&mut self, timeout: Duration) -> Result<Reply, GreetError> {
        self.greet_until(Instant::now() + timeout)
    }

    fn greet_until(&mut self, deadline: Instant) -> Result<Reply, GreetError> {
        // No write timeout: 12 bytes go into a send buffer that holds kilobytes and is empty
        // (a fresh connection, or one whose last reply has been read), so the write returns
        // at once. Only the reads wait.
        remaining(deadline)?;
        self.stream.write_all(GREETING)?;
        crate::trace::mark_sent();
        let mut buf = [0u8; 64];
        loop {
            // Each read waits at most until the deadline. One read may return only part of
            // the reply: keep reading until the reader has seen the newline.
            self.stream.set_read_timeout(Some(remaining(deadline)?))?;
            let n = self.stream.read(&mut buf)?;
            if let Some(reply) = self.reader.push(&buf[..n])? {
                return Ok(reply);
            }
        }
    }
}

/// Time left before `deadline`, or a timeout error if none is.
fn remaining(deadline: Instant) -> Result<Duration, GreetError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(GreetError::Timeout)
    } else {
        Ok(left)
    }
}

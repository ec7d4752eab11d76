//! The greet protocol, defined once, with its limits.
//!
//! - The client sends exactly the 12 bytes `Hello, world`, as in the Python course.
//! - The host answers with one line naming itself: `Hello, world! from host 3\n`.
//! - The connection may greet again (long-lived connections, ping-pong).
//! - Anything that is not the greeting gets one `ERR ...\n` line and the connection is closed.
//!
//! # Why clients read until the newline
//! TCP is a byte stream, not a message stream. One `read` may return half a reply, or a reply
//! and a half. The course's Python client does a single `recv(1024)` and quietly assumes the
//! whole reply arrives at once; on loopback it usually does, across a real network it may not.
//! [`ReplyReader`] keeps reading until it has seen `\n`, and refuses to buffer more than
//! [`MAX_REPLY`] bytes, so a misbehaving host cannot make a client buffer without bound.

use crate::outcome::GreetError;

/// The greeting, byte for byte as the course sends it: no newline.
pub const GREETING: &[u8; 12] = b"Hello, world";

/// The longest reply line a client accepts, newline included.
pub const MAX_REPLY: usize = 256;

/// The line a host sends before closing a connection that sent something else.
pub const ERROR_LINE: &[u8] = b"ERR expected the 12 bytes 'Hello, world'\n";

/// Formats the reply of host `host`, newline included.
pub fn reply_line(host: u32) -> String {
    format!("Hello, world! from host {host}\n")
}

/// A parsed reply: which host answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    /// The host number the reply names.
    pub host: u32,
}

impl Reply {
    /// Parses one reply line (with or without its trailing newline).
    pub fn parse(line: &[u8]) -> Result<Reply, GreetError> {
        let text =
            std::str::from_utf8(line).map_err(|_| GreetError::BadReply("not UTF-8".into()))?;
        let text = text.trim_end_matches(['\n', '\r']);
        if let Some(rest) = text.strip_prefix("ERR") {
            return Err(GreetError::BadReply(format!(
                "host refused the greeting:{rest}"
            )));
        }
        text.strip_prefix("Hello, world! from host ")
            .and_then(|n| n.parse().ok())
            .map(|host| Reply { host })
            .ok_or_else(|| GreetError::BadReply(format!("unexpected reply {text:?}")))
    }

    /// The seed a mixed job feeds to its crunch: derived from the reply, so the CPU work
    /// depends on what the host said.
    pub fn seed(&self, index: usize) -> u64 {
        (u64::from(self.host) << 32) ^ index as u64
    }
}

/// Accumulates bytes from a stream until one full reply line has arrived.
///
/// ```
/// use greet_core::protocol::ReplyReader;
/// let mut r = ReplyReader::new();
/// // A reply split across two reads, as TCP is free to deliver it.
/// assert!(r.push(b"Hello, world! fr").unwrap().is_none());
/// let reply = r.push(b"om host 3\n").unwrap().unwrap();
/// assert_eq!(reply.host, 3);
/// ```
#[derive(Debug, Default)]
pub struct ReplyReader {
    buf: Vec<u8>,
}

impl ReplyReader {
    /// An empty reader. It allocates nothing until a reply comes in pieces: a waiting greet
    /// holds one, and most replies arrive whole.
    pub fn new() -> Self {
        ReplyReader { buf: Vec::new() }
    }

    /// Feeds the bytes one `read` returned. `Ok(Some(reply))` once the newline has arrived,
    /// `Ok(None)` if more bytes are needed. An empty slice means the peer closed the
    /// connection before finishing its line.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<Reply>, GreetError> {
        if bytes.is_empty() {
            return Err(GreetError::Closed);
        }
        // A whole line in one read, with nothing kept from before: parsed where it lies.
        if self.buf.is_empty()
            && let Some(end) = bytes.iter().position(|&b| b == b'\n')
        {
            self.buf.extend_from_slice(&bytes[end + 1..]);
            return Reply::parse(&bytes[..=end]).map(Some);
        }
        self.buf.extend_from_slice(bytes);
        match self.buf.iter().position(|&b| b == b'\n') {
            Some(end) => {
                let reply = Reply::parse(&self.buf[..=end]);
                self.buf.drain(..=end);
                reply.map(Some)
            }
            None if self.buf.len() >= MAX_REPLY => Err(GreetError::BadReply(format!(
                "no newline within {MAX_REPLY} bytes"
            ))),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_roundtrip() {
        assert_eq!(Reply::parse(reply_line(41).as_bytes()).unwrap().host, 41);
    }

    #[test]
    fn error_line_is_an_error() {
        assert!(matches!(
            Reply::parse(ERROR_LINE),
            Err(GreetError::BadReply(_))
        ));
    }

    #[test]
    fn reader_handles_byte_at_a_time() {
        let mut r = ReplyReader::new();
        let line = reply_line(7);
        let (last, head) = line.as_bytes().split_last().unwrap();
        for b in head {
            assert!(r.push(std::slice::from_ref(b)).unwrap().is_none());
        }
        assert_eq!(r.push(std::slice::from_ref(last)).unwrap().unwrap().host, 7);
    }

    #[test]
    fn a_reader_keeps_what_follows_a_whole_line_for_the_next_reply() {
        let mut r = ReplyReader::new();
        let two = format!("{}{}", reply_line(1), reply_line(2));
        let (first, rest) = two.as_bytes().split_at(reply_line(1).len() + 4);
        assert_eq!(r.push(first).unwrap().unwrap().host, 1);
        assert_eq!(r.push(rest).unwrap().unwrap().host, 2);
    }

    #[test]
    fn reader_is_bounded() {
        let mut r = ReplyReader::new();
        let junk = [b'x'; MAX_REPLY];
        assert!(matches!(r.push(&junk), Err(GreetError::BadReply(_))));
    }

    #[test]
    fn early_close_is_an_error() {
        assert!(matches!(
            ReplyReader::new().push(b""),
            Err(GreetError::Closed)
        ));
    }
}

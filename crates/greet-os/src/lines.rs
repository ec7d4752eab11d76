//! The bounded JSON-lines codec: one JSON value per line, and a cap on every line.
//!
//! Every pipe greetbench speaks over is a byte stream, and the newline is what marks where one
//! message ends: a child's request and result (`greetbench child`), a worker's orders and
//! messages, the interpreter's outcomes, a `serve` child's `stats` line. Each side reads with
//! a cap, so a peer that never sends a newline cannot make it buffer without bound: past the
//! cap the reader says so ([`LineError::TooLong`]) and drops the rest of that line.
//!
//! - [`encode`] and [`write`]: one value as one line (JSON never holds a raw newline).
//! - [`decode`]: one line back to a value.
//! - [`LineBuffer`]: the framing alone, for a reader that gets bytes its own way (a `poll`
//!   with a deadline, an async read): push bytes in, take whole lines out.
//! - [`LineReader`]: a blocking reader's lines, or its values.
//!
//! ```
//! use greet_os::lines::{self, LineError, LineReader};
//!
//! #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Ready { pid: u32 }
//!
//! let mut pipe = Vec::new();
//! lines::write(&mut pipe, &Ready { pid: 7 }).unwrap();
//! pipe.extend_from_slice(&[b'x'; 100]); // a line that never ends
//! let mut reader = LineReader::new(&pipe[..], 64);
//! assert_eq!(reader.read::<Ready>().unwrap(), Some(Ready { pid: 7 }));
//! assert!(matches!(reader.read::<Ready>(), Err(LineError::TooLong { cap: 64 })));
//! ```

use std::io::{Read, Write};

/// Why a line could not be read, or a value written.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// No newline within the cap: the peer is not speaking the protocol (or a message grew
    /// past what it may be).
    #[error("a line longer than {cap} bytes without a newline")]
    TooLong {
        /// The cap, bytes.
        cap: usize,
    },
    /// The line is not the JSON of what was expected.
    #[error("not a message: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading or writing the pipe failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// One value as one line, its newline included.
pub fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, LineError> {
    let mut line = serde_json::to_string(value)?;
    line.push('\n');
    Ok(line)
}

/// Writes one value as one line and flushes it, so that it does not wait in a buffer.
pub fn write<T: serde::Serialize + ?Sized>(
    out: &mut impl Write,
    value: &T,
) -> Result<(), LineError> {
    out.write_all(encode(value)?.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// One line (its newline, if any, ignored) back to a value.
pub fn decode<T: serde::de::DeserializeOwned>(
    line: &(impl AsRef<str> + ?Sized),
) -> Result<T, LineError> {
    Ok(serde_json::from_str(line.as_ref().trim_end())?)
}

/// The framing alone: bytes in, whole lines out, none longer than the cap.
#[derive(Debug)]
pub struct LineBuffer {
    pending: Vec<u8>,
    /// How much of `pending` is known to hold no newline: each byte is looked at once.
    scanned: usize,
    cap: usize,
    /// After a line past the cap: drop bytes until its newline.
    skipping: bool,
}

impl LineBuffer {
    /// A buffer whose lines are at most `cap` bytes, newline excluded.
    pub fn new(cap: usize) -> LineBuffer {
        LineBuffer {
            pending: Vec::new(),
            scanned: 0,
            cap,
            skipping: false,
        }
    }

    /// Adds bytes read from the pipe.
    pub fn push(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    /// The next whole line (without its newline), `Ok(None)` until one has arrived, or
    /// [`LineError::TooLong`] once for a line past the cap, whose rest is then dropped.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, LineError> {
        let newline = self.pending[self.scanned..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|at| self.scanned + at);
        self.scanned = self.pending.len();
        if self.skipping {
            let Some(at) = newline else {
                self.pending.clear();
                self.scanned = 0;
                return Ok(None);
            };
            self.take(at);
            self.skipping = false;
            return self.next_line();
        }
        match newline {
            Some(at) if at <= self.cap => {
                let mut line = self.take(at);
                line.pop();
                Ok(Some(line))
            }
            Some(at) => {
                self.take(at);
                Err(LineError::TooLong { cap: self.cap })
            }
            None if self.pending.len() > self.cap => {
                self.pending.clear();
                self.scanned = 0;
                self.skipping = true;
                Err(LineError::TooLong { cap: self.cap })
            }
            None => Ok(None),
        }
    }

    /// Takes the bytes up to and including `at`; what follows is not scanned yet.
    fn take(&mut self, at: usize) -> Vec<u8> {
        self.scanned = 0;
        self.pending.drain(..=at).collect()
    }

    /// What is left once the pipe has ended: a last line without its newline, if any.
    pub fn rest(&mut self) -> Option<Vec<u8>> {
        self.scanned = 0;
        let rest = std::mem::take(&mut self.pending);
        (!self.skipping && !rest.is_empty()).then_some(rest)
    }
}

/// The lines of a blocking reader (a child's stdout, a worker's stdin), each at most `cap`
/// bytes.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    buffer: LineBuffer,
    ended: bool,
}

impl<R: Read> LineReader<R> {
    /// Reads `inner`'s lines, each at most `cap` bytes.
    pub fn new(inner: R, cap: usize) -> LineReader<R> {
        LineReader {
            inner,
            buffer: LineBuffer::new(cap),
            ended: false,
        }
    }

    /// The next line without its newline; `Ok(None)` at the end of the stream (a last line
    /// without a newline is still a line).
    pub fn read_line(&mut self) -> Result<Option<Vec<u8>>, LineError> {
        let mut chunk = [0u8; 4096];
        // Bounded: each pass reads at least one byte, and a line holds at most `cap` of them
        // before it is a line or an error; an interrupted read is retried at most as often.
        for _ in 0..=self.buffer.cap.saturating_add(1) {
            if let Some(line) = self.buffer.next_line()? {
                return Ok(Some(line));
            }
            if self.ended {
                return Ok(self.buffer.rest());
            }
            match self.inner.read(&mut chunk) {
                Ok(0) => self.ended = true,
                Ok(n) => self.buffer.push(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(LineError::TooLong {
            cap: self.buffer.cap,
        })
    }

    /// The next line as a value; `Ok(None)` at the end of the stream. A blank line is skipped.
    pub fn read<T: serde::de::DeserializeOwned>(&mut self) -> Result<Option<T>, LineError> {
        // Bounded by the stream: every pass takes one line.
        loop {
            match self.read_line()? {
                None => return Ok(None),
                Some(line) if line.iter().all(u8::is_ascii_whitespace) => continue,
                Some(line) => return Ok(Some(serde_json::from_slice(&line)?)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_out_whole_whatever_pieces_the_bytes_arrive_in() {
        let mut b = LineBuffer::new(16);
        b.push(b"sta");
        assert_eq!(b.next_line().unwrap(), None);
        b.push(b"ts\nstats\nst");
        assert_eq!(b.next_line().unwrap(), Some(b"stats".to_vec()));
        assert_eq!(b.next_line().unwrap(), Some(b"stats".to_vec()));
        assert_eq!(b.next_line().unwrap(), None);
        assert_eq!(b.rest(), Some(b"st".to_vec()));
    }

    #[test]
    fn a_line_past_the_cap_is_an_error_once_and_the_next_line_reads_again() {
        let mut b = LineBuffer::new(4);
        b.push(b"0123456789");
        assert!(matches!(b.next_line(), Err(LineError::TooLong { cap: 4 })));
        b.push(b"still the same line");
        assert_eq!(b.next_line().unwrap(), None, "the rest of it is dropped");
        b.push(b"...\nok\n");
        assert_eq!(b.next_line().unwrap(), Some(b"ok".to_vec()));
        // Exactly at the cap is a line; one past it is not.
        b.push(b"abcd\nabcde\n");
        assert_eq!(b.next_line().unwrap(), Some(b"abcd".to_vec()));
        assert!(matches!(b.next_line(), Err(LineError::TooLong { .. })));
    }

    #[test]
    fn a_reader_gives_values_then_the_end_and_names_what_is_not_a_value() {
        let text = b"{\"a\":1}\n\n[2]\nnot json\n{\"a\":3}";
        let mut r = LineReader::new(&text[..], 64);
        assert_eq!(
            r.read::<serde_json::Value>().unwrap(),
            Some(serde_json::json!({"a": 1}))
        );
        assert_eq!(r.read::<Vec<u8>>().unwrap(), Some(vec![2]));
        assert!(matches!(
            r.read::<serde_json::Value>(),
            Err(LineError::Json(_))
        ));
        // The last line has no newline: still a line.
        assert_eq!(
            r.read::<serde_json::Value>().unwrap(),
            Some(serde_json::json!({"a": 3}))
        );
        assert_eq!(r.read::<serde_json::Value>().unwrap(), None);
        let line = encode(&serde_json::json!({"s": "two\nlines"})).unwrap();
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        assert_eq!(
            decode::<serde_json::Value>(&line).unwrap()["s"],
            "two\nlines"
        );
    }
}

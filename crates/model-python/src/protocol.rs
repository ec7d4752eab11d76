//! The harness and the interpreter talk in greet-core's wire style: one JSON object per line,
//! on the interpreter's stdin and stdout (`python/greetbench_py.py` is the other side).
//!
//! ```text
//!  -> {"Ready": {"pid": …, "interpreter": {…}, "workers": […], …}}   once, when started
//!  <- {"Plan": {…}}                                                 one batch
//!  -> {"Done": Outcome}  once per job  ·  {"Finished": {…}}  at the batch's end
//! ```
//!
//! The interpreter's stdout is read on a thread of its own into a channel, so that every wait
//! on it has a timeout; every line is capped at [`MAX_LINE`] bytes, and the last
//! [`STDERR_TAIL`] bytes of its stderr are kept for error messages.

use std::io::Read;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use greet_core::interpreter::Interpreter;
use greet_core::{Outcome, Plan};
use greet_os::lines::{self, LineError, LineReader};

/// The longest line the interpreter may write: far above any outcome, and a bound.
pub const MAX_LINE: usize = 1 << 20;

/// How much of the interpreter's stderr is kept, for error messages.
const STDERR_TAIL: usize = 4096;

/// The interpreter's messages.
#[derive(Debug, serde::Deserialize)]
pub enum FromPython {
    /// The model is started.
    Ready(Ready),
    /// A job has ended.
    Done(Outcome),
    /// The batch is over.
    Finished(Finished),
}

/// What the interpreter says once its model is started.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Ready {
    /// The interpreter's process id, as it says (checked: see [`crate::os::is_descendant`]).
    pub pid: u32,
    /// What the interpreter is, said once the model is started (its imports done).
    pub interpreter: Interpreter,
    /// The multiprocessing start method, for the processes model.
    #[serde(default)]
    pub start_method: Option<String>,
    /// The worker processes' ids, for the processes model (checked likewise).
    #[serde(default)]
    pub workers: Vec<u32>,
    /// Seconds per crunch round in this interpreter, when asked to calibrate.
    #[serde(default)]
    pub seconds_per_round: Option<f64>,
}

/// What the interpreter says at a batch's end. (It also says how many Python threads were
/// alive at most, for a person reading the stream; the harness counts threads itself.)
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Finished {
    /// Whether the GIL was on at the end: an extension imported during the batch can switch
    /// it back on in a free-threaded build.
    #[serde(default)]
    pub gil_enabled: Option<bool>,
}

/// The harness's one message: run this plan.
#[derive(serde::Serialize)]
pub enum ToPython<'a> {
    /// Run every job of it.
    Plan(&'a Plan),
}

/// What the reader thread forwards.
pub enum Line {
    /// A message.
    Msg(FromPython),
    /// A line that is not a message (its first 80 characters): nothing after it is trusted.
    Garbage(String),
    /// The interpreter's stdout closed: it exited.
    Closed,
}

/// Turns the interpreter's stdout into [`Line`]s on `tx`, so that waiting can time out.
/// The thread ends at the first line that is not a message, or when stdout closes.
pub fn spawn_reader(stdout: impl Read + Send + 'static, tx: Sender<Line>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("python-reader".into())
        .spawn(move || {
            let mut reader = LineReader::new(stdout, MAX_LINE);
            // Bounded: each pass consumes a line, and the pipe ends with the interpreter.
            loop {
                let line = read_line(&mut reader);
                let last = !matches!(line, Line::Msg(_));
                if tx.send(line).is_err() || last {
                    return;
                }
            }
        })
        .map(|_| ())
}

/// One line, at most [`MAX_LINE`] bytes (greet-os's codec): a longer one is garbage, not a
/// bigger buffer.
fn read_line(reader: &mut LineReader<impl Read>) -> Line {
    match reader.read_line() {
        Ok(None) | Err(LineError::Io(_)) => Line::Closed,
        Err(e) => Line::Garbage(e.to_string()),
        Ok(Some(bytes)) => {
            let text = String::from_utf8_lossy(&bytes);
            match lines::decode::<FromPython>(&text) {
                Ok(msg) => Line::Msg(msg),
                Err(_) => Line::Garbage(text.trim_end().chars().take(80).collect()),
            }
        }
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes of the interpreter's stderr in `tail`.
pub fn spawn_tail(
    stderr: impl Read + Send + 'static,
    tail: Arc<Mutex<String>>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("python-stderr".into())
        .spawn(move || {
            let mut stderr = stderr;
            let mut chunk = [0u8; 1024];
            // Bounded: the pipe ends with the interpreter.
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let Ok(mut t) = tail.lock() else { break };
                t.push_str(&String::from_utf8_lossy(&chunk[..n]));
                if t.len() > STDERR_TAIL {
                    let cut = t.len() - STDERR_TAIL;
                    let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                    t.drain(..cut);
                }
            }
        })
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_past_the_cap_is_garbage_and_the_reader_never_holds_more() {
        let long = vec![b'x'; MAX_LINE + 10];
        let mut reader = LineReader::new(&long[..], MAX_LINE);
        assert!(matches!(read_line(&mut reader), Line::Garbage(g) if g.contains("longer than")));
        let mut ok = LineReader::new(&b"{\"Finished\":{}}\n"[..], MAX_LINE);
        assert!(matches!(
            read_line(&mut ok),
            Line::Msg(FromPython::Finished(_))
        ));
        let mut junk = LineReader::new(&b"hello\n"[..], MAX_LINE);
        assert!(matches!(read_line(&mut junk), Line::Garbage(g) if g == "hello"));
        assert!(matches!(
            read_line(&mut LineReader::new(&b""[..], MAX_LINE)),
            Line::Closed
        ));
    }
}

//! Writing to stdout and stderr without ever panicking.
//!
//! `println!` panics when the write fails: `greetbench models | true` (a closed pipe) or
//! `greetbench report > /dev/full` (a full disk) ended in a panic and exit status 101. Every
//! line the CLI prints goes through [`say`] and [`warn`] instead:
//!
//! - a closed pipe on stdout ends the output quietly, as Unix tools do: the reader has gone,
//!   and nothing more is written there;
//! - any other write error on stdout gets one line on stderr, and [`failed`] turns the
//!   command's exit status into a failure;
//! - an error on stderr itself is dropped: there is nowhere left to report it.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static WRITE_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout (add the newline yourself) and flushes it.
pub fn say(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            WRITE_FAILED.store(true, Ordering::Relaxed);
            warn(&format!("error: cannot write to stdout: {e}\n"));
        }
    }
}

/// Writes `text` to stderr (add the newline yourself); errors are dropped.
pub fn warn(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// Whether a write to stdout failed for a reason other than a closed pipe.
pub fn failed() -> bool {
    WRITE_FAILED.load(Ordering::Relaxed)
}

/// Whether stdout's reader has gone (a closed pipe).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

//! `fork()` + `waitpid()`: what the spawn benchmark times as "fork". The one module of the
//! benches where unsafe code is allowed, because `fork` has no safe wrapper: duplicating a
//! multi-threaded process is only sound if the child does almost nothing, which no API can
//! check. The wait for the child is rustix's safe `waitpid`.
//!
//! The child calls `_exit(0)` at once, so what is measured is the cost of duplicating this
//! process (its page tables, copy-on-write) and reaping the child: the part of starting a
//! process that the course calls lightweight on Linux. Re-executing a program is timed
//! separately (the "process" kind).
#![allow(unsafe_code)]

use rustix::process::{Pid, WaitOptions, waitpid};

/// Forks; the child exits with status 0 at once and the parent waits for it.
///
/// Unix only. Errors are the OS's (or a child that did not exit with 0).
#[cfg(unix)]
pub fn fork_and_wait() -> std::io::Result<()> {
    // SAFETY: `fork` is safe to call in a multi-threaded process as long as the child only
    // calls async-signal-safe functions before it exits or execs. Our child calls `_exit`
    // (async-signal-safe, and unlike `exit` it runs no atexit handlers and flushes no stdio
    // buffers that belong to the parent) and nothing else.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: we are the child; `_exit` never returns and touches no shared state.
        unsafe { libc::_exit(0) };
    }
    let child = Pid::from_raw(pid).ok_or(std::io::ErrorKind::InvalidData)?;
    // Retry only when a signal interrupted the wait; a bounded number of times.
    for _ in 0..1000 {
        match waitpid(Some(child), WaitOptions::empty()) {
            Ok(Some((_, status))) if status.exit_status() == Some(0) => return Ok(()),
            Ok(Some((_, status))) => {
                let why = format!("the forked child ended with {status:?}");
                return Err(std::io::Error::other(why));
            }
            Ok(None) => return Err(std::io::ErrorKind::NotFound.into()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::ErrorKind::Interrupted.into())
}

#[cfg(all(test, unix))]
mod tests {
    use rustix::process::{WaitOptions, wait};

    #[test]
    fn the_child_exits_cleanly_and_is_reaped() {
        for _ in 0..3 {
            super::fork_and_wait().unwrap();
        }
        // Reaped: no child of ours is left to wait for.
        let left = wait(WaitOptions::NOHANG);
        assert_eq!(
            left.err(),
            Some(rustix::io::Errno::CHILD),
            "a forked child was left behind"
        );
    }
}

//! `fork()` + `waitpid()`: what the spawn benchmark times as "fork". The one module of the
//! benches where unsafe code is allowed, because `fork` has no safe wrapper in std.
//!
//! The child calls `_exit(0)` at once, so what is measured is the cost of duplicating this
//! process (its page tables, copy-on-write) and reaping the child: the part of starting a
//! process that the course calls lightweight on Linux. Re-executing a program is timed
//! separately (the "process" kind).
#![allow(unsafe_code)]

/// Forks; the child exits with status 0 at once and the parent waits for it.
///
/// Unix only. Errors are the OS's, with the call that failed.
#[cfg(unix)]
pub fn fork_and_wait() -> Result<(), String> {
    // SAFETY: `fork` is safe to call in a multi-threaded process as long as the child only
    // calls async-signal-safe functions before it exits or execs. Our child calls `_exit`
    // (async-signal-safe, and unlike `exit` it runs no atexit handlers and flushes no stdio
    // buffers that belong to the parent) and nothing else.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork failed: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: we are the child; `_exit` never returns and touches no shared state.
        unsafe { libc::_exit(0) };
    }
    let mut status: libc::c_int = 0;
    // Retry only when a signal interrupted the wait; a bounded number of times.
    let mut reaped = false;
    for _ in 0..1000 {
        // SAFETY: `pid` is our own child and `status` is a valid, writable c_int.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            reaped = true;
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waitpid failed: {err}"));
        }
    }
    if !reaped {
        return Err("waitpid was interrupted 1000 times in a row".into());
    }
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        Err(format!("the forked child ended with raw status {status}"))
    }
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_child_exits_cleanly_and_is_reaped() {
        for _ in 0..3 {
            super::fork_and_wait().unwrap();
        }
        // Reaped: no child of ours is left to wait for.
        // SAFETY: waitpid with WNOHANG on any child only reads our child table.
        let r = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        assert_eq!(r, -1, "a forked child was left behind");
    }
}

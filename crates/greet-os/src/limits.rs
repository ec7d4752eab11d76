//! Resource limits, read and set through rustix: the open-files limit (`RLIMIT_NOFILE`) a run
//! raises and the servers size their connection caps from, the tasks limit (`RLIMIT_NPROC`),
//! and a child's open-files limit lowered before it runs (`prlimit --nofile`).

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// A limit's soft value (in force) and hard value (the most the soft one may be raised to
/// without privilege); `None` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// In force.
    pub soft: Option<u64>,
    /// The ceiling.
    pub hard: Option<u64>,
}

impl From<Rlimit> for Limit {
    fn from(r: Rlimit) -> Limit {
        Limit {
            soft: r.current,
            hard: r.maximum,
        }
    }
}

/// This process's open-files limit.
pub fn open_files() -> Limit {
    getrlimit(Resource::Nofile).into()
}

/// Raises the soft open-files limit to the hard limit (no privilege needed), and returns the
/// limit now in force (`u64::MAX` for none). A run of 10,000 concurrent greets needs 10,000
/// sockets.
pub fn raise_open_files() -> u64 {
    let lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        let raised = Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return lim.maximum.unwrap_or(u64::MAX);
        }
    }
    lim.current.unwrap_or(u64::MAX)
}

/// The hard open-files limit, which a child raises its soft limit to; `u64::MAX` where there
/// is none.
pub fn open_files_hard() -> u64 {
    open_files().hard.unwrap_or(u64::MAX)
}

/// The soft limit on tasks (processes and threads) this user may run (`RLIMIT_NPROC`);
/// `None` where unlimited.
pub fn tasks() -> Option<u64> {
    getrlimit(Resource::Nproc).current
}

/// Makes the child that `cmd` starts run with both open-files limits (soft and hard) lowered
/// to `n`, as `prlimit --nofile=n` would: it and every process it starts then meet the
/// open-files limit at `n`. Only lowers (a child may not raise its hard limit). The scale
/// sweep's tests use it to reach the limit without 20,000 greets.
#[allow(unsafe_code)]
pub fn lower_open_files_in(cmd: &mut std::process::Command, n: u64) {
    use std::os::unix::process::CommandExt;
    let lim = Rlimit {
        current: Some(n),
        maximum: Some(n),
    };
    // SAFETY: no safe API runs code in the child between fork and exec; `pre_exec` is that
    // hook, and its closure may only make async-signal-safe calls. `setrlimit` here is one
    // raw system call (rustix's), which reads `lim` (copied into the closure) and neither
    // allocates nor takes a lock.
    unsafe {
        cmd.pre_exec(move || setrlimit(Resource::Nofile, lim).map_err(Into::into));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_the_open_files_limit_leaves_it_at_the_hard_limit() {
        let in_force = raise_open_files();
        let now = open_files();
        assert_eq!(now.soft.unwrap_or(u64::MAX), in_force);
        assert_eq!(now.soft, now.hard);
        assert_eq!(open_files_hard(), now.hard.unwrap_or(u64::MAX));
    }

    #[test]
    fn a_child_runs_with_the_lowered_limit() {
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.args(["-c", "ulimit -n; ulimit -Hn"]);
        lower_open_files_in(&mut cmd, 77);
        let Ok(out) = cmd.output() else {
            return; // no /bin/sh here
        };
        assert_eq!(String::from_utf8_lossy(&out.stdout), "77\n77\n");
    }
}

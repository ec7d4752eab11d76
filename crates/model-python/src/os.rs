//! The OS calls this crate makes, in one place, on greet-os (the workspace's OS layer): an
//! interpreter in a process group of its own (so that the whole group, grandchildren
//! included, dies with the run), a wait with a timeout, and whether a pid an interpreter
//! names is one of its own descendants.

use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use greet_os::proc::{self, Who};

/// How long a killed interpreter may take to be reaped before it is left to init.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);

/// Puts the process `cmd` starts into a new process group, led by itself: its children
/// (multiprocessing workers, anything it forks) join it unless they leave on purpose.
pub fn own_group(cmd: &mut Command) -> &mut Command {
    greet_os::process::own_group(cmd)
}

/// Kills every process in the group `child` leads (started with [`own_group`]), then
/// reaps `child`. A group whose members are all gone is no error. Safe after the leader
/// exited: a group's id is not reused while any member lives.
pub fn kill_group(child: &mut Child) {
    let _ = greet_os::process::kill_group(child, REAP_TIMEOUT);
}

/// Waits for `child` to exit, at most `limit`; `None` if it still runs then.
pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    greet_os::process::wait_timeout(child, limit).ok().flatten()
}

/// The parent of `pid` (`None` if it is gone).
fn parent_of(pid: u32) -> Option<u32> {
    proc::stat(Who::Pid(pid)).map(|s| s.ppid)
}

/// Whether `pid` is `root` or one of its descendants: how a pid the interpreter reports is
/// checked before the harness samples its threads and memory (pid 1, or any process not its
/// own, is refused).
pub fn is_descendant(pid: u32, root: u32) -> bool {
    let mut at = pid;
    // Bounded: a chain of parents is never deeper than this on a real system.
    for _ in 0..64 {
        if at == root {
            return true;
        }
        match parent_of(at) {
            Some(parent) if parent > 1 && parent != at => at = parent,
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_process_and_its_descendants_count_as_its_own() {
        let me = std::process::id();
        assert!(is_descendant(me, me));
        let mut child = own_group(&mut Command::new("sleep"))
            .arg("5")
            .spawn()
            .expect("sleep starts");
        assert!(is_descendant(child.id(), me), "a child is a descendant");
        assert!(!is_descendant(me, child.id()), "a parent is not");
        assert!(!is_descendant(1, me), "init is nobody's descendant");
        kill_group(&mut child);
        assert!(!is_descendant(child.id(), me), "a reaped child is gone");
    }
}

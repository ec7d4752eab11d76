//! Processes and threads: waiting for a child with a deadline, looking at one without
//! reaping it ([`child_state`]: dead or stopped), killing and reaping one (or its whole process
//! group), a child that dies with its parent, a signal to one thread, and a pipe read with a
//! deadline.
//!
//! [`wait_timeout`] is the one wait for a child's exit: it sleeps in `poll` on the child's
//! pidfd (Linux 5.3 and later), which the kernel makes readable the moment the child exits,
//! and looks every millisecond where there is no pidfd. No loop of `try_wait` and `sleep`
//! elsewhere.

use std::io;
use std::os::fd::AsFd;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::process::{Pid, PidfdFlags, Signal, pidfd_open};

/// Waits at most `timeout` for `fd` (a pipe's read end, a pidfd) to have something to read, or
/// to be closed. `Ok(false)` if the time ran out. A signal that interrupts the wait restarts
/// it with the time left.
pub fn wait_readable(fd: impl AsFd, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    // Bounded: each pass waits out the time left, or was interrupted by a signal.
    for _ in 0..1000 {
        let left = deadline.saturating_duration_since(Instant::now());
        let left = Timespec::try_from(left).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        match poll(&mut fds, Some(&left)) {
            Ok(0) => return Ok(false),
            Ok(_) => return Ok(true),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(false)
}

/// Waits at most `timeout` for `child` to exit, and reaps it: `Ok(Some(status))` once it has
/// exited, `Ok(None)` if it still runs at the deadline (it is left running).
pub fn wait_timeout(child: &mut Child, timeout: Duration) -> io::Result<Option<ExitStatus>> {
    if let Some(status) = child.try_wait()? {
        return Ok(Some(status));
    }
    let deadline = Instant::now() + timeout;
    let pid = i32::try_from(child.id()).ok().and_then(Pid::from_raw);
    match pid.map(|pid| pidfd_open(pid, PidfdFlags::empty())) {
        Some(Ok(pidfd)) => {
            wait_readable(&pidfd, timeout)?;
            child.try_wait()
        }
        // No pidfd (an older kernel, or a seccomp policy): look every millisecond.
        _ => {
            let most = timeout.as_millis().saturating_add(1);
            for _ in 0..most {
                if let Some(status) = child.try_wait()? {
                    return Ok(Some(status));
                }
                if Instant::now() >= deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            child.try_wait()
        }
    }
}

/// What became of a child process, as [`child_state`] tells without reaping it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    /// Running (or already reaped, or not our child).
    Running,
    /// Stopped by a signal (SIGSTOP, SIGTSTP, ...): alive, holding its sockets, doing nothing.
    Stopped(i32),
    /// Killed by a signal.
    Killed(i32),
    /// Exited with this status.
    Exited(i32),
}

/// The state of child `pid`, looked at without waiting and without reaping it (`waitid`
/// with `WNOWAIT`): whoever owns its [`Child`] still reaps it, with [`wait_timeout`] or
/// [`kill_and_reap`]. A stopped child is reported for as long as it stays stopped.
pub fn child_state(pid: u32) -> ChildState {
    use rustix::process::{WaitId, WaitIdOptions, waitid};
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return ChildState::Running;
    };
    let options = WaitIdOptions::EXITED
        | WaitIdOptions::STOPPED
        | WaitIdOptions::NOHANG
        | WaitIdOptions::NOWAIT;
    match waitid(WaitId::Pid(pid), options) {
        Ok(Some(s)) if s.stopped() => ChildState::Stopped(s.stopping_signal().unwrap_or(0)),
        Ok(Some(s)) if s.killed() => ChildState::Killed(s.terminating_signal().unwrap_or(0)),
        Ok(Some(s)) if s.exited() => ChildState::Exited(s.exit_status().unwrap_or(0)),
        _ => ChildState::Running,
    }
}

/// Kills `child` (SIGKILL, if it still runs) and reaps it, waiting at most `timeout`: so it
/// leaves no zombie. Its status, if it was reaped.
pub fn kill_and_reap(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    let _ = child.kill();
    wait_timeout(child, timeout).ok().flatten()
}

/// Puts the process `cmd` starts into a new process group led by itself, so that its children
/// (workers, anything it forks) can be killed with it ([`kill_group`]).
pub fn own_group(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0)
}

/// Kills (SIGKILL) every process of the group `child` leads (started with [`own_group`]),
/// then reaps `child`, waiting at most `timeout`. A group whose members are all gone is no
/// error; a group's id is not reused while any member lives.
pub fn kill_group(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    if let Some(pgid) = i32::try_from(child.id()).ok().and_then(Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pgid, Signal::KILL);
    }
    kill_and_reap(child, timeout)
}

/// Makes the child that `cmd` starts die (SIGKILL) when this process dies, however it dies:
/// `PR_SET_PDEATHSIG`, set in the child between fork and exec. So `compare` and the sweep
/// never leave a child behind when they are killed, and that child's own `serve` child then
/// sees its stdin close and stops too.
///
/// Linux sends the signal when the *thread* that forked the child exits; greetbench starts
/// its children from the thread that lives as long as the run (the main thread, or a
/// harness's), so this is the process's life.
#[allow(unsafe_code)]
pub fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = Pid::from_raw(i32::try_from(std::process::id()).unwrap_or(0));
    // SAFETY: no safe API runs code in the child between fork and exec; `pre_exec` is that
    // hook, and its closure may only make async-signal-safe calls. `prctl` and `getppid`
    // here are raw system calls (rustix's) that neither allocate nor take a lock.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The parent may have died before the prctl: then nobody will signal us.
            if rustix::process::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Sends `signal` to the one thread `tid` of process `pid` (the `tgkill` system call), as
/// the kill probe does to show that a fatal signal aimed at one thread ends its whole process.
#[allow(unsafe_code)]
pub fn signal_thread(pid: u32, tid: u32, signal: i32) -> io::Result<()> {
    let (Ok(pid), Ok(tid)) = (libc::pid_t::try_from(pid), libc::pid_t::try_from(tid)) else {
        return Err(io::ErrorKind::InvalidInput.into());
    };
    // SAFETY: neither rustix nor nix offers `tgkill` (they signal a process, or a pthread of
    // this process), so it is the raw system call. It takes three integers and reads or
    // writes no memory of ours; the kernel checks the ids: a thread that is not in process
    // `pid` gets ESRCH, not a signal.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, signal) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The calling thread's kernel id (what `ps -L` and `/proc/PID/task` show): the system call,
/// no file read.
pub fn thread_id() -> u32 {
    rustix::thread::gettid()
        .as_raw_nonzero()
        .get()
        .unsigned_abs()
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    fn sh(script: &str) -> Option<Child> {
        Command::new("/bin/sh").args(["-c", script]).spawn().ok()
    }

    #[test]
    fn a_child_is_reaped_with_its_status_once_it_exits_and_not_before_the_deadline() {
        let Some(mut quick) = sh("exit 3") else {
            return; // no /bin/sh here
        };
        let status = wait_timeout(&mut quick, Duration::from_secs(10)).unwrap();
        assert_eq!(status.and_then(|s| s.code()), Some(3));
        let mut slow = sh("exec sleep 30").expect("sh ran once");
        let pid = slow.id();
        assert_eq!(
            wait_timeout(&mut slow, Duration::from_millis(20)).unwrap(),
            None
        );
        assert!(crate::proc::exists(pid), "left running at the deadline");
        let killed = kill_and_reap(&mut slow, Duration::from_secs(10));
        assert_eq!(killed.and_then(|s| s.signal()), Some(9));
        assert!(!crate::proc::exists(pid), "reaped: no zombie left");
    }

    #[test]
    fn killing_a_group_ends_the_grandchildren_too() {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped());
        let Ok(mut leader) = own_group(&mut cmd).spawn() else {
            return; // no /bin/sh here
        };
        let mut line = String::new();
        let out = leader.stdout.take().expect("piped");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).unwrap();
        let grandchild: u32 = line.trim().parse().expect("the sleep's pid");
        assert!(crate::proc::exists(grandchild));
        assert!(kill_group(&mut leader, Duration::from_secs(10)).is_some());
        // The grandchild is init's to reap now: wait (bounded) until it has gone or is a zombie.
        let gone = (0..1000).any(|_| {
            let state = crate::proc::stat(crate::proc::Who::Pid(grandchild)).map(|s| s.state);
            std::thread::sleep(Duration::from_millis(5));
            state.is_none_or(|s| s == 'Z')
        });
        assert!(gone, "the group's other member was killed too");
    }

    #[test]
    fn a_pipe_with_nothing_to_read_waits_out_its_deadline_and_one_with_a_byte_does_not() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        assert!(!wait_readable(&reader, Duration::from_millis(10)).unwrap());
        std::io::Write::write_all(&mut writer, b"x").unwrap();
        assert!(wait_readable(&reader, Duration::from_secs(10)).unwrap());
    }

    #[test]
    fn the_thread_id_is_the_one_proc_names_for_this_thread() {
        let here = std::fs::read_link("/proc/thread-self").ok();
        let tid = here.and_then(|p| p.file_name()?.to_str()?.parse::<u32>().ok());
        if let Some(tid) = tid {
            assert_eq!(thread_id(), tid);
        }
        let main = thread_id();
        let other = std::thread::spawn(thread_id).join().unwrap();
        assert_ne!(main, other);
    }
}

//! The operating system's view of this process: CPU time, peak memory, threads, context
//! switches, and the open-files limit. Linux-first; elsewhere the /proc readings are 0. What
//! the harness measures with them (the thread sampler, the noise watch) lives in
//! [`crate::harness`]; this module only asks the OS.
//!
//! This is the only module with `unsafe`: libc calls that fill a struct we own (`getrusage`,
//! `get/setrlimit`), read a constant (`sysconf`), `tgkill` for the kill probe, which touches no
//! memory at all, `poll` on a pipe we own, and `prctl` and `setrlimit` in a child between fork
//! and exec (its death signal, and a lowered open-files limit for the scale sweep's tests).
#![allow(unsafe_code)]

use std::time::Duration;

/// CPU time and context switches, from `getrusage`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// User CPU seconds.
    pub user_s: f64,
    /// System CPU seconds.
    pub sys_s: f64,
    /// Peak resident set size in KiB (for children: the largest single child).
    pub max_rss_kib: u64,
    /// Voluntary context switches (the thread waited).
    pub voluntary_cs: u64,
    /// Involuntary context switches (the thread was preempted).
    pub involuntary_cs: u64,
}

impl Usage {
    /// Adds two usages (for self plus children).
    pub fn plus(self, o: Usage) -> Usage {
        Usage {
            user_s: self.user_s + o.user_s,
            sys_s: self.sys_s + o.sys_s,
            max_rss_kib: self.max_rss_kib + o.max_rss_kib,
            voluntary_cs: self.voluntary_cs + o.voluntary_cs,
            involuntary_cs: self.involuntary_cs + o.involuntary_cs,
        }
    }

    /// The growth from `before` to `self`, or `self` less a part of it (peak RSS is taken as
    /// is, not subtracted).
    pub fn since(self, before: Usage) -> Usage {
        Usage {
            user_s: (self.user_s - before.user_s).max(0.0),
            sys_s: (self.sys_s - before.sys_s).max(0.0),
            max_rss_kib: self.max_rss_kib,
            voluntary_cs: self.voluntary_cs.saturating_sub(before.voluntary_cs),
            involuntary_cs: self.involuntary_cs.saturating_sub(before.involuntary_cs),
        }
    }
}

fn rusage(who: libc::c_int) -> Usage {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `ru` is a valid, writable rusage; getrusage only writes into it.
    let rc = unsafe { libc::getrusage(who, ru.as_mut_ptr()) };
    if rc != 0 {
        return Usage::default();
    }
    // SAFETY: getrusage succeeded, so it initialised the struct (which was zeroed anyway).
    let ru = unsafe { ru.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        user_s: secs(ru.ru_utime),
        sys_s: secs(ru.ru_stime),
        max_rss_kib: ru.ru_maxrss as u64, // KiB on Linux
        voluntary_cs: ru.ru_nvcsw as u64,
        involuntary_cs: ru.ru_nivcsw as u64,
    }
}

/// The calling thread's usage so far: what a sampling thread cost, to take out of a run's CPU.
pub fn thread_usage() -> Usage {
    rusage(libc::RUSAGE_THREAD)
}

/// This process's usage so far.
pub fn self_usage() -> Usage {
    rusage(libc::RUSAGE_SELF)
}

/// The usage of this process's children that have been waited for.
pub fn children_usage() -> Usage {
    rusage(libc::RUSAGE_CHILDREN)
}

/// Raises the soft open-files limit (RLIMIT_NOFILE) to the hard limit, and returns the
/// limit now in force. A run of 10,000 concurrent greets needs 10,000 sockets.
pub fn raise_open_files_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit that getrlimit fills in.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit only reads `raised`.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return raised.rlim_cur;
        }
    }
    lim.rlim_cur
}

/// The hard open-files limit (`RLIMIT_NOFILE`'s maximum), which a child raises its soft limit
/// to; 0 where it cannot be read, `u64::MAX` where there is none.
pub fn open_files_hard_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit that getrlimit fills in.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 0;
    }
    if lim.rlim_max == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        lim.rlim_max
    }
}

/// Makes the child that `cmd` starts run with both open-files limits (`RLIMIT_NOFILE`, soft and
/// hard) lowered to `n`, as `prlimit --nofile=n` would: it and every process it starts then
/// meet the open-files limit at `n`. Only lowers (a child may not raise its hard limit).
/// The scale sweep's tests use it to reach the limit without 20,000 greets.
pub fn limit_open_files(cmd: &mut std::process::Command, n: u64) {
    use std::os::unix::process::CommandExt;
    let lim = libc::rlimit {
        rlim_cur: n,
        rlim_max: n,
    };
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: setrlimit is a system call that reads `lim` (copied into the
    // closure) and neither allocates nor takes locks.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Waits at most `timeout` for `fd` (a pipe's read end we own) to have something to read, or
/// to be closed. `Ok(false)` if the time ran out.
pub fn wait_readable(fd: std::os::fd::RawFd, timeout: Duration) -> std::io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `pfd` is one valid pollfd that poll reads and writes; the count says one.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    match rc {
        0 => Ok(false),
        n if n > 0 => Ok(true),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// The size of a memory page, KiB (the unit of `/proc/net/sockstat`'s `mem`); 4 where it
/// cannot be read.
pub fn page_kib() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 / 1024 } else { 4 }
}

/// A field of `/proc/self/status`, such as `Threads` or `VmRSS`.
pub fn proc_status(field: &str) -> u64 {
    status_field("/proc/self/status", field)
}

/// The sum of a `/proc/PID/status` field over `pids` (a model's helper processes); a process
/// that has gone counts 0.
pub fn processes_status(pids: &[u32], field: &str) -> u64 {
    pids.iter()
        .map(|pid| status_field(&format!("/proc/{pid}/status"), field))
        .sum()
}

fn status_field(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            let line = s
                .lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// This process's thread count, from field 20 of `/proc/self/stat` (cheaper for the kernel
/// to produce than `/proc/self/status`); 0 where there is no `/proc`.
pub fn thread_count() -> u64 {
    threads_in("/proc/self/stat")
}

/// The thread count of process `pid`; 0 if it has gone.
pub fn threads_of(pid: u32) -> u64 {
    threads_in(&format!("/proc/{pid}/stat"))
}

/// The thread count of the process whose `stat` file is `path`; 0 if it has gone.
fn threads_in(path: &str) -> u64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name (field 2) may contain spaces; fields after its closing ')' are plain.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    after
        .split_whitespace()
        .nth(17)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Clock ticks per second, the unit of `/proc/stat` and `/proc/PID/stat` times.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// The whole machine's CPU time so far, from the first line of `/proc/stat`, in seconds
/// summed over every core.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MachineCpu {
    /// Busy time: user, nice, system, irq and softirq (idle, iowait and steal excluded).
    pub busy_s: f64,
    /// Steal: time the hypervisor gave our virtual cores to someone else.
    pub steal_s: f64,
}

impl MachineCpu {
    /// Reads `/proc/stat` now; zeros where there is none.
    pub fn now() -> MachineCpu {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
            return MachineCpu::default();
        };
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice
        let f: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap_or(0.0))
            .collect();
        let at = |i: usize| f.get(i).copied().unwrap_or(0.0);
        let hz = ticks_per_second();
        MachineCpu {
            busy_s: (at(0) + at(1) + at(2) + at(5) + at(6)) / hz,
            steal_s: at(7) / hz,
        }
    }
}

/// User + system CPU seconds a live process has used so far (fields 14 and 15 of
/// `/proc/PID/stat`), 0 if it cannot be read.
pub fn process_cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let field = |i: usize| -> f64 {
        after
            .split_whitespace()
            .nth(i)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    // After the ')' the fields start at 3 (state), so utime (14) is index 11.
    (field(11) + field(12)) / ticks_per_second()
}

/// The number of file descriptors this process has open now (entries of `/proc/self/fd`);
/// 0 where there is no `/proc`.
pub fn open_fds() -> u64 {
    open_fds_of("self")
}

/// The number of file descriptors process `pid` (or `self`) has open; 0 if unreadable.
pub fn open_fds_of(pid: &str) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64)
}

/// A `kB` field (`VmRSS`, `VmHWM`) of process `pid`'s `/proc/PID/status`, in KiB; 0 if
/// unreadable.
pub fn status_kib_of(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s
                .lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// The children of this process that have exited but not been reaped (zombies), by pid.
pub fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let mut fields = after.split_whitespace();
            let state = fields.next();
            let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
            state == Some("Z") && ppid == Some(me)
        })
        .collect()
}

fn rlimit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit that getrlimit fills in.
    if unsafe { libc::getrlimit(resource, &mut lim) } != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(lim.rlim_cur)
}

/// How many more processes and threads this process can start, as far as the limits on tasks
/// tell: the least of `RLIMIT_NPROC`, `kernel.threads-max` and `kernel.pid_max`, less every
/// task running on the machine now (from `/proc/loadavg`; more than this user's own, so the
/// budget errs low). `None` where none of them can be read.
pub fn process_budget() -> Option<u64> {
    let read =
        |path: &str| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let limit = [
        rlimit(libc::RLIMIT_NPROC),
        read("/proc/sys/kernel/threads-max"),
        read("/proc/sys/kernel/pid_max"),
    ]
    .into_iter()
    .flatten()
    .min()?;
    // "0.10 0.20 0.30 2/345 6789": the fourth field is running/total tasks.
    let tasks = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().nth(3)?.split('/').nth(1)?.parse().ok())
        .unwrap_or(0u64);
    Some(limit.saturating_sub(tasks))
}

/// Makes the child that `cmd` starts die (SIGKILL) when this process dies, however it dies:
/// `PR_SET_PDEATHSIG`, set in the child between fork and exec. So `compare` and the sweep
/// never leave a child behind when they are killed, and that child's own `serve` child then
/// sees its stdin close and stops too.
///
/// Linux sends the signal when the *thread* that forked the child exits; greetbench starts
/// its children from the thread that lives as long as the run (the main thread, or a
/// harness's), so this is the process's life.
pub fn die_with_parent(cmd: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: the closure runs in the forked child before exec, where only
        // async-signal-safe calls are allowed: prctl and getppid are system calls that neither
        // allocate nor take locks.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before the prctl: then nobody will signal us.
                if libc::getppid() as u32 != parent {
                    return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                }
                Ok(())
            });
        }
    }
}

/// Sends `signal` to the one thread `tid` of process `pid` (the `tgkill` system call), as
/// the kill probe does to show that a fatal signal aimed at one thread ends its whole process.
pub fn signal_thread(pid: u32, tid: u32, signal: i32) -> std::io::Result<()> {
    let (Ok(pid), Ok(tid)) = (libc::pid_t::try_from(pid), libc::pid_t::try_from(tid)) else {
        return Err(std::io::ErrorKind::InvalidInput.into());
    };
    // SAFETY: tgkill takes three integers and reads or writes no memory of ours. The ids are
    // checked by the kernel: a thread that is not in process `pid` gets ESRCH, not a signal.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, signal) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

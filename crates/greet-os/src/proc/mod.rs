//! The one reader of `/proc`. Each file has a pure parser of its text (tested on captured
//! text) and a function that reads it; a file that cannot be read (the process has gone, no
//! `/proc`, a process at its open-files limit) reads as `None` or an empty list, never a
//! panic.
//!
//! # Layout
//! - Here, one process (or thread): [`status`], [`stat`] (and a thread's: [`task_stat`],
//!   [`task_schedstat`]), [`rollup`]
//!   (`smaps_rollup`), its open files ([`open_fds`], [`fd_link`]), its threads ([`tasks`],
//!   [`task_exists`], [`syscall`]), and the processes around it ([`exists`],
//!   [`zombie_children`], [`descendants`]).
//! - [`machine`]: the whole machine: `/proc/stat`, `meminfo`, `sockstat`, `loadavg` and the
//!   kernel's limits under `/proc/sys`.
//! - [`net`]: the TCP sockets of `/proc/net/tcp`.

use std::path::{Path, PathBuf};

pub mod machine;
pub mod net;

/// The process whose `/proc` entry to read: this one, or another by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// This process (`/proc/self`).
    Me,
    /// Process `pid`.
    Pid(u32),
}

impl From<u32> for Who {
    fn from(pid: u32) -> Who {
        Who::Pid(pid)
    }
}

impl Who {
    /// `/proc/self` or `/proc/PID`.
    pub fn dir(self) -> PathBuf {
        match self {
            Who::Me => PathBuf::from("/proc/self"),
            Who::Pid(pid) => PathBuf::from(format!("/proc/{pid}")),
        }
    }

    fn read(self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.dir().join(file)).ok()
    }
}

/// The number of a `Name:   123 kB` (or `Name: 123`) line of a `/proc` text such as `status`,
/// `smaps_rollup` or `meminfo`; `None` when the line is missing.
pub fn field(text: &str, name: &str) -> Option<u64> {
    let line = text
        .lines()
        .find(|l| l.strip_prefix(name).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What greetbench reads of `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Status {
    /// `Threads`.
    pub threads: u64,
    /// `VmRSS`: resident memory now, KiB.
    pub vm_rss_kib: u64,
    /// `VmHWM`: the resident peak, KiB.
    pub vm_hwm_kib: u64,
}

/// Parses a `status` text; a missing line reads 0.
pub fn parse_status(text: &str) -> Status {
    Status {
        threads: field(text, "Threads").unwrap_or(0),
        vm_rss_kib: field(text, "VmRSS").unwrap_or(0),
        vm_hwm_kib: field(text, "VmHWM").unwrap_or(0),
    }
}

/// `who`'s `status`; `None` if it has gone.
pub fn status(who: Who) -> Option<Status> {
    who.read("status").as_deref().map(parse_status)
}

/// What greetbench reads of `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Field 3: `R`, `S`, `D`, `Z` (a zombie) ...
    pub state: char,
    /// Field 4: the parent's id.
    pub ppid: u32,
    /// Fields 14 and 15: user and system CPU, in clock ticks ([`crate::usage::ticks_per_second`]).
    /// The split between them is the kernel's tick sampling; their sum is the process's
    /// runtime rounded to ticks.
    pub utime_ticks: u64,
    /// See `utime_ticks`.
    pub stime_ticks: u64,
    /// Field 20: the thread count.
    pub threads: u64,
}

/// Parses a `stat` line. The command name (field 2) is in parentheses and may contain spaces
/// and parentheses, so the fields are counted after its last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let after = text.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    // After the ')' the fields start at 3 (state): field n is f[n - 3].
    let num = |n: usize| -> Option<u64> { f.get(n - 3)?.parse().ok() };
    Some(Stat {
        state: f.first()?.chars().next()?,
        ppid: u32::try_from(num(4)?).ok()?,
        utime_ticks: num(14)?,
        stime_ticks: num(15)?,
        threads: num(20)?,
    })
}

/// `who`'s `stat`; `None` if it has gone.
pub fn stat(who: Who) -> Option<Stat> {
    parse_stat(&who.read("stat")?)
}

/// One thread's `stat` (`task/TID/stat` of `who`): its own state and CPU, where the process's
/// `stat` sums every thread's. `None` if it has ended.
pub fn task_stat(who: Who, tid: u32) -> Option<Stat> {
    parse_stat(&who.read(&format!("task/{tid}/stat"))?)
}

/// What the scheduler counted of one thread: `task/TID/schedstat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedstat {
    /// Time on a CPU, ns: exact, not tick-sampled.
    pub on_cpu_ns: u64,
    /// Time runnable but waiting for a CPU, ns.
    pub waiting_ns: u64,
    /// Times it was put on a CPU: a thread asleep in a blocking wait adds none.
    pub timeslices: u64,
}

/// Parses a `schedstat` line: ns on a CPU, ns waiting to run, time slices.
pub fn parse_schedstat(text: &str) -> Option<Schedstat> {
    let mut f = text.split_whitespace().map(str::parse::<u64>);
    Some(Schedstat {
        on_cpu_ns: f.next()?.ok()?,
        waiting_ns: f.next()?.ok()?,
        timeslices: f.next()?.ok()?,
    })
}

/// One thread's [`Schedstat`]; `None` if it has ended or the kernel keeps none.
pub fn task_schedstat(who: Who, tid: u32) -> Option<Schedstat> {
    parse_schedstat(&who.read(&format!("task/{tid}/schedstat"))?)
}

/// What greetbench reads of `/proc/PID/smaps_rollup`: the process's resident memory summed
/// over its mappings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rollup {
    /// `Rss`, KiB.
    pub rss_kib: u64,
    /// `Pss`, KiB: a page shared by k processes counts 1/k.
    pub pss_kib: u64,
}

/// Parses a `smaps_rollup` text.
pub fn parse_rollup(text: &str) -> Option<Rollup> {
    Some(Rollup {
        rss_kib: field(text, "Rss")?,
        pss_kib: field(text, "Pss")?,
    })
}

/// `who`'s `smaps_rollup`; `None` if it has gone or cannot be read.
pub fn rollup(who: Who) -> Option<Rollup> {
    parse_rollup(&who.read("smaps_rollup")?)
}

/// The number of file descriptors `who` has open (entries of `fd/`); 0 if unreadable.
pub fn open_fds(who: Who) -> u64 {
    std::fs::read_dir(who.dir().join("fd")).map_or(0, |d| d.count() as u64)
}

/// What `who`'s file descriptor `fd` points to (`socket:[4242]`, a path ...).
pub fn fd_link(who: Who, fd: u64) -> Option<PathBuf> {
    std::fs::read_link(who.dir().join("fd").join(fd.to_string())).ok()
}

/// The inode of a socket, from what its descriptor points to (`socket:[inode]`).
pub fn socket_inode(link: &Path) -> Option<u64> {
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// Whether process `pid` exists (a zombie still does, until it is reaped).
pub fn exists(pid: u32) -> bool {
    Who::Pid(pid).dir().exists()
}

/// The ids of `who`'s threads (entries of `task/`); empty if it has gone.
pub fn tasks(who: Who) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(who.dir().join("task")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether thread `tid` of process `pid` still exists.
pub fn task_exists(pid: u32, tid: u32) -> bool {
    Path::new(&format!("/proc/{pid}/task/{tid}")).exists()
}

/// The system call a thread sits in, from `task/TID/syscall`: its number and first argument
/// (a file descriptor, for a read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    /// The system call's number (`libc::SYS_read` ...).
    pub number: i64,
    /// Its first argument.
    pub first_arg: u64,
}

/// Parses a `syscall` text: `<number> <arg1 in hex> ...`; `None` for a running thread
/// (`running`) or one outside a system call (`-1 ...`).
pub fn parse_syscall(text: &str) -> Option<Syscall> {
    let mut fields = text.split_whitespace();
    let number: i64 = fields.next()?.parse().ok()?;
    if number < 0 {
        return None;
    }
    let first_arg = u64::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    Some(Syscall { number, first_arg })
}

/// The system call thread `tid` of process `pid` sits in, if the kernel says.
pub fn syscall(pid: u32, tid: u32) -> Option<Syscall> {
    parse_syscall(&std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?)
}

/// `(pid, stat)` of every process on the machine, read once.
fn all_stats() -> Vec<(u32, Stat)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, stat(Who::Pid(pid))?)))
        .collect()
}

/// The children of this process that have exited but not been reaped (zombies), by pid.
pub fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    all_stats()
        .into_iter()
        .filter(|(_, s)| s.state == 'Z' && s.ppid == me)
        .map(|(pid, _)| pid)
        .collect()
}

/// This process and its descendants, without the processes in `except` and theirs: `[me]`
/// where `/proc` cannot be read.
pub fn descendants(except: &[u32]) -> Vec<u32> {
    let me = std::process::id();
    let parents: Vec<(u32, u32)> = all_stats().into_iter().map(|(p, s)| (p, s.ppid)).collect();
    let mut tree = vec![me];
    // Bounded: each pass adds at least one process or stops; there are finitely many.
    for _ in 0..parents.len() {
        let before = tree.len();
        for &(pid, ppid) in &parents {
            if tree.contains(&ppid) && !tree.contains(&pid) && !except.contains(&pid) {
                tree.push(pid);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    tree
}

/// The number of memory mappings this process has (lines of `/proc/self/maps`).
pub fn mappings() -> Option<usize> {
    Some(Who::Me.read("maps")?.lines().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_parses_past_a_name_with_spaces_and_parentheses() {
        let line = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 120 0 0 0 31 7 0 0 20 0 9 0 \
                    1234 5678 90 18446744073709551615";
        let s = parse_stat(line).expect("parses");
        assert_eq!((s.state, s.ppid), ('S', 17));
        assert_eq!((s.utime_ticks, s.stime_ticks, s.threads), (31, 7, 9));
        assert_eq!(parse_stat("4242 (truncated"), None);
    }

    #[test]
    fn status_and_rollup_fields_parse_and_missing_ones_are_zero_or_none() {
        let status = "Name:\tgreetbench\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t3\n";
        let s = parse_status(status);
        assert_eq!((s.threads, s.vm_rss_kib, s.vm_hwm_kib), (3, 1024, 2048));
        assert_eq!(parse_status("Name:\tx\n"), Status::default());
        // `VmRSS` must not match a longer name that starts with it.
        assert_eq!(field("VmRSSx: 5 kB\nVmRSS: 6 kB\n", "VmRSS"), Some(6));
        // Captured on the reference machine: `Pss`, not `Rss` or `Pss_Dirty`.
        let rollup = "5562e965a000-7ffc79f59000 ---p 00000000 00:00 0      [rollup]
Rss:                1748 kB
Pss:                 298 kB
Pss_Dirty:           116 kB
Pss_Anon:            116 kB
Shared_Clean:       1596 kB
";
        assert_eq!(
            parse_rollup(rollup),
            Some(Rollup {
                rss_kib: 1748,
                pss_kib: 298
            })
        );
        assert_eq!(parse_rollup("Rss: 900 kB\n"), None);
    }

    #[test]
    fn a_syscall_line_names_the_call_and_its_descriptor_or_nothing() {
        let read = "0 0x7 0x7ffd 0x40 0x0 0x0 0x0 0x7ffd 0x7f00";
        assert_eq!(
            parse_syscall(read),
            Some(Syscall {
                number: 0,
                first_arg: 7
            })
        );
        assert_eq!(parse_syscall("running"), None);
        let s = parse_schedstat("996373 1747118 2\n").expect("parses");
        assert_eq!(
            (s.on_cpu_ns, s.waiting_ns, s.timeslices),
            (996_373, 1_747_118, 2)
        );
        assert_eq!(parse_schedstat("1 2"), None);
        assert_eq!(parse_syscall("-1 0x7ffd 0x7f00"), None);
        assert_eq!(socket_inode(Path::new("socket:[4242]")), Some(4242));
        assert_eq!(socket_inode(Path::new("/dev/null")), None);
    }

    #[test]
    fn this_process_reads_as_itself_where_there_is_a_proc() {
        let Some(me) = stat(Who::Me) else {
            return; // no /proc here
        };
        assert!(me.threads >= 1 && me.ppid > 0);
        assert_eq!(
            stat(Who::Pid(std::process::id())).map(|s| s.ppid),
            Some(me.ppid)
        );
        assert!(status(Who::Me).is_some_and(|s| s.vm_rss_kib > 0 && s.threads >= 1));
        assert!(tasks(Who::Me).contains(&std::process::id()));
        let me_thread = crate::process::thread_id();
        assert_eq!(task_stat(Who::Me, me_thread).map(|s| s.state), Some('R'));
        assert!(open_fds(Who::Me) >= 3);
        assert!(exists(std::process::id()) && !exists(u32::MAX));
        assert_eq!(descendants(&[]).first(), Some(&std::process::id()));
    }
}

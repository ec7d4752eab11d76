//! CPU time, context switches and peak memory, from `getrusage` (through nix: rustix does not
//! offer it), and the clock's units (`sysconf`, through rustix).
//!
//! `getrusage` counts a process's whole CPU time exactly: the kernel's runtime of every
//! thread, live or ended, and of every child reaped. Its split into user and system time is
//! not exact: the kernel divides that runtime in the proportion of the clock ticks that found
//! the process in user or in kernel mode, so a run of a few milliseconds may read "0 µs user"
//! although it spent most of them there. [`Usage::cpu_s`] is the exact total; `user_s` and
//! `sys_s` are that approximate split, and always add up to it: a difference of two readings
//! ([`Usage::since`]) subtracts the totals exactly and divides the result in the proportion of
//! the two parts' own differences (all to user time when neither moved), so that no part is
//! ever larger than the whole.

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;

/// CPU time, context switches and peak memory of a process, its reaped children, or a thread.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// CPU seconds, user and system together: exact.
    pub cpu_s: f64,
    /// User CPU seconds: the approximate part of `cpu_s` spent in user space (tick-sampled).
    pub user_s: f64,
    /// System CPU seconds: the approximate rest.
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
            cpu_s: self.cpu_s + o.cpu_s,
            user_s: self.user_s + o.user_s,
            sys_s: self.sys_s + o.sys_s,
            max_rss_kib: self.max_rss_kib + o.max_rss_kib,
            voluntary_cs: self.voluntary_cs + o.voluntary_cs,
            involuntary_cs: self.involuntary_cs + o.involuntary_cs,
        }
    }

    /// The growth from `before` to `self`, or `self` less a part of it (peak RSS is taken as
    /// is, not subtracted). The total is subtracted as a total, so it stays exact whatever the
    /// two splits say; the split is then scaled to add up to it (see the module's doc).
    pub fn since(self, before: Usage) -> Usage {
        let cpu_s = (self.cpu_s - before.cpu_s).max(0.0);
        let (user_s, sys_s) = split(
            cpu_s,
            (self.user_s - before.user_s).max(0.0),
            (self.sys_s - before.sys_s).max(0.0),
        );
        Usage {
            cpu_s,
            user_s,
            sys_s,
            max_rss_kib: self.max_rss_kib,
            voluntary_cs: self.voluntary_cs.saturating_sub(before.voluntary_cs),
            involuntary_cs: self.involuntary_cs.saturating_sub(before.involuntary_cs),
        }
    }
}

/// `total` divided in the proportion `user : sys` (each at least 0), all to user when both are
/// 0: the parts add up to `total`, and neither exceeds it.
fn split(total: f64, user: f64, sys: f64) -> (f64, f64) {
    let ticks = user + sys;
    if ticks <= 0.0 {
        return (total, 0.0);
    }
    let user = total * (user / ticks);
    (user, total - user)
}

fn rusage(who: UsageWho) -> Usage {
    let Ok(ru) = getrusage(who) else {
        return Usage::default();
    };
    let secs = |t: nix::sys::time::TimeVal| t.num_microseconds() as f64 / 1e6;
    let (user_s, sys_s) = (secs(ru.user_time()), secs(ru.system_time()));
    Usage {
        cpu_s: user_s + sys_s,
        user_s,
        sys_s,
        max_rss_kib: u64::try_from(ru.max_rss()).unwrap_or(0), // KiB on Linux
        voluntary_cs: u64::try_from(ru.voluntary_context_switches()).unwrap_or(0),
        involuntary_cs: u64::try_from(ru.involuntary_context_switches()).unwrap_or(0),
    }
}

/// This process's usage so far: every thread, live or ended.
pub fn me() -> Usage {
    rusage(UsageWho::RUSAGE_SELF)
}

/// The usage of this process's children that have been reaped (only those count).
pub fn children() -> Usage {
    rusage(UsageWho::RUSAGE_CHILDREN)
}

/// The calling thread's usage so far: what a sampling thread cost, to take out of a run's CPU.
pub fn thread() -> Usage {
    rusage(UsageWho::RUSAGE_THREAD)
}

/// CPU seconds a live process has used so far, user and system, from its `/proc/PID/stat`
/// (rounded to clock ticks); 0 if it cannot be read.
pub fn process_cpu_s(pid: u32) -> f64 {
    crate::proc::stat(crate::proc::Who::Pid(pid)).map_or(0.0, |s| {
        (s.utime_ticks + s.stime_ticks) as f64 / ticks_per_second()
    })
}

/// Clock ticks per second, the unit of `/proc/stat` and `/proc/PID/stat` times.
pub fn ticks_per_second() -> f64 {
    match rustix::param::clock_ticks_per_second() {
        0 => 100.0,
        t => t as f64,
    }
}

/// The size of a memory page, KiB (the unit of `/proc/net/sockstat`'s `mem`).
pub fn page_kib() -> u64 {
    (rustix::param::page_size() as u64 / 1024).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_sum_of_the_split_and_a_difference_keeps_it_whole() {
        // Spin until this thread's CPU clock has moved, so there is something to count.
        let t0 = thread();
        for _ in 0..100_000_000u64 {
            if thread().cpu_s > t0.cpu_s {
                break;
            }
        }
        let me = me();
        assert!(me.cpu_s > 0.0);
        assert!((me.cpu_s - (me.user_s + me.sys_s)).abs() < 1e-9);
        // A split that disagrees between two readings clamps its parts, never the total.
        let before = Usage {
            cpu_s: 1.0,
            user_s: 0.9,
            sys_s: 0.1,
            ..Usage::default()
        };
        let after = Usage {
            cpu_s: 1.5,
            user_s: 0.8,
            sys_s: 0.7,
            ..Usage::default()
        };
        let d = after.since(before);
        assert!((d.cpu_s - 0.5).abs() < 1e-9, "{d:?}");
        assert_eq!(d.user_s, 0.0);
        assert!((d.sys_s - 0.5).abs() < 1e-9, "{d:?}");
        // Parts that moved more than the total (ticks landing unevenly) are scaled down to it.
        let after = Usage {
            cpu_s: 1.1,
            user_s: 1.0,
            sys_s: 0.2,
            ..Usage::default()
        };
        let d = after.since(before);
        assert!((d.user_s + d.sys_s - d.cpu_s).abs() < 1e-12, "{d:?}");
        assert!(
            (d.user_s - 0.05).abs() < 1e-9 && (d.sys_s - 0.05).abs() < 1e-9,
            "{d:?}"
        );
        // Neither part moved: the whole is the user's.
        let d = Usage {
            cpu_s: 1.2,
            ..before
        }
        .since(before);
        assert!((d.user_s - 0.2).abs() < 1e-9 && d.sys_s == 0.0, "{d:?}");
        assert!(page_kib() >= 4 && ticks_per_second() >= 1.0);
    }
}

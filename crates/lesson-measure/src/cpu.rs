//! CPU time, read from `/proc` through the OS layer (`greet_os::proc`): this process's user and system time (its ended threads
//! included), one thread's, and how often a thread was put on a CPU. `cargo lesson run` uses
//! the first two to show what the code under test burned beside its wall time; lesson 03's
//! checks use the last to see that idle workers sleep instead of spinning. `None` wherever
//! there is no `/proc`.
//!
//! The times in `stat` are in clock ticks of 10 ms (Linux fixes `USER_HZ` at 100 for `/proc`),
//! so they are coarse; `schedstat` counts nanoseconds.

use std::collections::BTreeSet;

use greet_os::proc::{self, Who};

/// Microseconds per clock tick of `/proc/*/stat` (`USER_HZ` = 100).
pub const US_PER_TICK: u64 = 10_000;

/// User and system CPU time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Time running the program's own code, in microseconds.
    pub user_us: u64,
    /// Time the kernel spent on its behalf (system calls), in microseconds.
    pub sys_us: u64,
}

impl CpuTime {
    /// User plus system.
    pub fn total_us(self) -> u64 {
        self.user_us.saturating_add(self.sys_us)
    }

    /// `self - earlier`, field by field, never below zero.
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user_us: self.user_us.saturating_sub(earlier.user_us),
            sys_us: self.sys_us.saturating_sub(earlier.sys_us),
        }
    }
}

/// A `stat`'s user and system ticks as [`CpuTime`].
fn cpu_time(stat: proc::Stat) -> CpuTime {
    CpuTime {
        user_us: stat.utime_ticks.saturating_mul(US_PER_TICK),
        sys_us: stat.stime_ticks.saturating_mul(US_PER_TICK),
    }
}

/// Fields 14 and 15 (`utime`, `stime`) of a `/proc/PID/stat` line (the OS layer's parser,
/// which counts the fields after the command name's last parenthesis).
pub fn parse_stat(stat: &str) -> Option<CpuTime> {
    proc::parse_stat(stat).map(cpu_time)
}

/// This process's CPU time so far, every thread's, the ended ones included.
pub fn process() -> Option<CpuTime> {
    proc::stat(Who::Me).map(cpu_time)
}

/// Thread `tid`'s CPU time so far; `None` if it has ended.
pub fn thread(tid: u32) -> Option<CpuTime> {
    proc::task_stat(Who::Me, tid).map(cpu_time)
}

/// The ids of this process's threads, as the kernel numbers them; `None` without `/proc`.
pub fn thread_ids() -> Option<BTreeSet<u32>> {
    let tasks = proc::tasks(Who::Me);
    (!tasks.is_empty()).then(|| tasks.into_iter().collect())
}

/// The calling thread's id, as the kernel numbers it (`gettid`).
pub fn current_thread_id() -> Option<u32> {
    Some(greet_os::process::thread_id())
}

/// Thread `tid`'s scheduling state (field 3 of its `stat`): `R` running or runnable, `S`
/// asleep in a wait it can be woken from, `D` in one it cannot, and so on; `None` if it has
/// ended.
pub fn state(tid: u32) -> Option<char> {
    proc::task_stat(Who::Me, tid).map(|s| s.state)
}

/// How much a thread ran: `/proc/self/task/TID/schedstat`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Runs {
    /// Time on a CPU, in nanoseconds.
    pub on_cpu_ns: u64,
    /// How many times the scheduler put it on a CPU: a thread asleep in a blocking wait adds
    /// none; one that polls or spins adds one per wake-up or time slice.
    pub runs: u64,
}

impl Runs {
    /// `self - earlier`, field by field, never below zero.
    pub fn since(self, earlier: Runs) -> Runs {
        Runs {
            on_cpu_ns: self.on_cpu_ns.saturating_sub(earlier.on_cpu_ns),
            runs: self.runs.saturating_sub(earlier.runs),
        }
    }
}

/// Parses a `schedstat` line: nanoseconds on a CPU, nanoseconds waiting to run, time slices
/// (the OS layer's parser).
pub fn parse_schedstat(line: &str) -> Option<Runs> {
    proc::parse_schedstat(line).map(|s| Runs {
        on_cpu_ns: s.on_cpu_ns,
        runs: s.timeslices,
    })
}

/// Thread `tid`'s [`Runs`] so far; `None` if it has ended or the kernel keeps no schedstat.
pub fn runs(tid: u32) -> Option<Runs> {
    proc::task_schedstat(Who::Me, tid).map(|s| Runs {
        on_cpu_ns: s.on_cpu_ns,
        runs: s.timeslices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utime_and_stime_even_with_spaces_in_the_name() {
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 12 3 0 0 20 0 7 0 \
                    12345 1000 100";
        assert_eq!(
            parse_stat(stat),
            Some(CpuTime {
                user_us: 120_000,
                sys_us: 30_000
            })
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(
            parse_schedstat("996373 1747118 2\n").map(|r| r.runs),
            Some(2)
        );
        assert_eq!(parse_schedstat("1 2"), None);
    }

    #[test]
    fn a_busy_thread_shows_cpu_and_a_blocked_one_never_runs() {
        let (Some(before), Some(me)) = (process(), current_thread_id()) else {
            return; // no /proc here
        };
        // Spin until this thread has used at least two ticks (bounded by a count).
        let mut x = 0u64;
        for i in 0..2_000_000_000u64 {
            x = x.wrapping_add(i ^ (x >> 3));
            if i % 1_000_000 == 0 && thread(me).is_some_and(|t| t.total_us() >= 20_000) {
                break;
            }
        }
        std::hint::black_box(x);
        let used = process().unwrap().since(before);
        assert!(used.total_us() >= 10_000, "{used:?}");
        // A thread blocked on a channel is never put on a CPU while it waits.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let sleeper = std::thread::spawn(move || {
            let _ = tid_tx.send(current_thread_id());
            rx.recv().ok()
        });
        let tid = tid_rx.recv().unwrap().unwrap();
        assert!(thread_ids().unwrap().contains(&tid));
        // Asleep once it has reached its recv (bounded: 10 s).
        for _ in 0..10_000 {
            if state(tid) == Some('S') {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(
            state(tid),
            Some('S'),
            "a thread blocked on a channel sleeps"
        );
        assert_eq!(state(me), Some('R'), "this one runs");
        std::thread::sleep(std::time::Duration::from_millis(20));
        if let Some(start) = runs(tid) {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let slept = runs(tid).unwrap().since(start);
            assert_eq!(slept.runs, 0, "{slept:?}");
        }
        drop(tx);
        let _ = sleeper.join();
    }
}

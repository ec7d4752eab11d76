//! The whole machine as `/proc` shows it: CPU time (`/proc/stat`), the kernel's own memory
//! (`meminfo`, `net/sockstat`), the tasks running (`loadavg`) and the kernel's limits
//! (`/proc/sys`).

/// The machine's CPU time so far, from the first line of `/proc/stat`, in seconds summed over
/// every core.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cpu {
    /// Busy time: user, nice, system, irq and softirq (idle, iowait and steal excluded).
    pub busy_s: f64,
    /// Steal: time the hypervisor gave our virtual cores to someone else.
    pub steal_s: f64,
}

/// Parses `/proc/stat`'s `cpu` line, whose times are in clock ticks (`ticks_per_s` a
/// second); `None` without one.
pub fn parse_cpu(text: &str, ticks_per_s: f64) -> Option<Cpu> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0.0);
    Some(Cpu {
        busy_s: (at(0) + at(1) + at(2) + at(5) + at(6)) / ticks_per_s,
        steal_s: at(7) / ticks_per_s,
    })
}

/// The machine's CPU time now; zeros where there is no `/proc/stat`.
pub fn cpu() -> Cpu {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|t| parse_cpu(&t, crate::usage::ticks_per_second()))
        .unwrap_or_default()
}

/// The kernel's own memory that greets cost, KiB (absolute): `Slab`, `KernelStack` and
/// `PageTables` of `/proc/meminfo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meminfo {
    /// `Slab`: socket, file, dentry and epoll objects.
    pub slab_kib: u64,
    /// `KernelStack`: 16 KiB per thread.
    pub kernel_stack_kib: u64,
    /// `PageTables`.
    pub page_tables_kib: u64,
}

/// Parses a `/proc/meminfo` text; `None` if a counter is missing.
pub fn parse_meminfo(text: &str) -> Option<Meminfo> {
    Some(Meminfo {
        slab_kib: super::field(text, "Slab")?,
        kernel_stack_kib: super::field(text, "KernelStack")?,
        page_tables_kib: super::field(text, "PageTables")?,
    })
}

/// `/proc/meminfo`'s kernel counters now.
pub fn meminfo() -> Option<Meminfo> {
    parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// The TCP line's `mem` of a `/proc/net/sockstat` text: pages of socket buffers in use.
pub fn parse_sockstat_tcp_pages(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("TCP:"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "mem")?;
    words.get(at + 1)?.parse().ok()
}

/// Pages of TCP socket buffers in use now (`/proc/net/sockstat`).
pub fn sockstat_tcp_pages() -> Option<u64> {
    parse_sockstat_tcp_pages(&std::fs::read_to_string("/proc/net/sockstat").ok()?)
}

/// Every task (process or thread) on the machine now: the total of `/proc/loadavg`'s
/// `running/total` field.
pub fn tasks_total() -> Option<u64> {
    // "0.10 0.20 0.30 2/345 6789": the fourth field is running/total tasks.
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .nth(3)?
        .split('/')
        .nth(1)?
        .parse()
        .ok()
}

/// A number under `/proc/sys`, such as `kernel/threads-max`, `kernel/pid_max` or
/// `vm/max_map_count`.
pub fn sysctl(name: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/sys/{name}"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured on the reference machine (Linux 6.x, x86_64), cut to a few lines each.
    const MEMINFO: &str = "MemTotal:       24609656 kB
MemFree:        13948816 kB
Slab:             711368 kB
SReclaimable:     624492 kB
SUnreclaim:        86876 kB
KernelStack:        1688 kB
PageTables:         4052 kB
SecPageTables:         0 kB
";

    const SOCKSTAT: &str = "sockets: used 20
TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 37
UDP: inuse 0 mem 0
UDPLITE: inuse 0
RAW: inuse 0
FRAG: inuse 0 memory 0
";

    #[test]
    fn meminfo_gives_slab_kernel_stack_and_page_tables_not_their_lookalikes() {
        // SecPageTables and SReclaimable start like the fields asked for: not them.
        let m = parse_meminfo(MEMINFO).expect("parses");
        assert_eq!(
            (m.slab_kib, m.kernel_stack_kib, m.page_tables_kib),
            (711_368, 1688, 4052)
        );
        assert_eq!(parse_meminfo("Slab: 1 kB\nKernelStack: 2 kB\n"), None);
    }

    #[test]
    fn sockstat_gives_the_tcp_lines_mem_not_udps() {
        assert_eq!(parse_sockstat_tcp_pages(SOCKSTAT), Some(37));
        assert_eq!(parse_sockstat_tcp_pages("UDP: inuse 0 mem 9\n"), None);
    }

    #[test]
    fn the_cpu_line_gives_busy_time_and_steal_in_seconds() {
        let stat = "cpu  100 10 50 9000 5 3 2 40 0 0\ncpu0 50 5 25 4500 2 1 1 20 0 0\n";
        let c = parse_cpu(stat, 100.0).expect("a cpu line");
        assert!((c.busy_s - 1.65).abs() < 1e-9 && (c.steal_s - 0.4).abs() < 1e-9);
        assert_eq!(parse_cpu("intr 1 2 3\n", 100.0), None);
    }

    #[test]
    fn this_machine_reads_as_the_samples_do() {
        if std::path::Path::new("/proc/meminfo").exists() {
            let m = meminfo().expect("meminfo parses");
            assert!(m.slab_kib > 0 && m.page_tables_kib > 0, "{m:?}");
            assert!(sockstat_tcp_pages().is_some() && tasks_total().is_some_and(|t| t > 0));
            assert!(sysctl("kernel/pid_max").is_some_and(|p| p > 1));
        }
    }
}

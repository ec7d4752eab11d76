//! What a waiting greet costs in memory, user space and kernel, read from `/proc` while the
//! greets wait: the scale sweep's measurements.
//!
//! A waiting greet costs more than its process's resident memory shows: its socket's kernel
//! objects and buffers (in `Slab` and `/proc/net/sockstat`'s TCP `mem`), and for a thread its
//! 16 KiB kernel stack (`KernelStack`) and the page tables behind its stack (`PageTables`).
//! So a scale point reads four kernel counters and the client's PSS (`/proc/PID/smaps_rollup`:
//! a page shared by k processes counts 1/k in each, so a multi-process model's shared
//! executable is not counted k times) before the batch and every [`SAMPLE_EVERY`] during it,
//! and keeps the sample where the server held the most greets at once: the peak.
//!
//! # Layout
//! - What one look reads, through the OS layer's `/proc` reader ([`greet_os::proc`], whose
//!   parsers are tested on captured text): [`kernel_now`], [`pss_kib`], [`client_pids`].
//! - [`Sample`] (one look) and [`watch`] (the sampling loop, run on a thread of its own).
//!
//! Kernel figures are the whole machine's: both ends of every loopback connection (client and
//! server sockets), and whatever else ran meanwhile. The record keeps the run's noise beside
//! them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use greet_core::record::KernelMemory;
use greet_os::proc::{self, Who, machine};
use greet_os::usage::{self, Usage};

/// How often a scale point samples. Each look reads `smaps_rollup` of every client process,
/// which walks all its mappings (four per thread), so it is not free: 200 ms is far shorter
/// than the seconds the greets are held at the peak, and cheap beside them.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// The four kernel counters now, KiB (absolute values, not deltas); `None` where `/proc`
/// does not have them.
pub fn kernel_now() -> Option<KernelMemory> {
    let m = machine::meminfo()?;
    let pages = machine::sockstat_tcp_pages()?;
    let kib = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Some(KernelMemory {
        slab_kib: kib(m.slab_kib),
        kernel_stack_kib: kib(m.kernel_stack_kib),
        page_tables_kib: kib(m.page_tables_kib),
        tcp_mem_kib: kib(pages * usage::page_kib()),
    })
}

/// `after − before`, counter by counter.
pub fn delta(after: &KernelMemory, before: &KernelMemory) -> KernelMemory {
    KernelMemory {
        slab_kib: after.slab_kib - before.slab_kib,
        kernel_stack_kib: after.kernel_stack_kib - before.kernel_stack_kib,
        page_tables_kib: after.page_tables_kib - before.page_tables_kib,
        tcp_mem_kib: after.tcp_mem_kib - before.tcp_mem_kib,
    }
}

/// Process `pid`'s PSS now, KiB; `None` if it has gone or cannot be read.
pub fn pss_kib(pid: u32) -> Option<u64> {
    proc::rollup(Who::Pid(pid)).map(|r| r.pss_kib)
}

/// This process and its descendants (a model's workers, an interpreter and its workers),
/// without the processes in `except` (the greet server's) and their descendants. The client
/// side of a run, wherever the model runs its jobs.
pub fn client_pids(except: &[u32]) -> Vec<u32> {
    proc::descendants(except)
}

/// One look at a run: greets the server holds, kernel memory, and the client's PSS.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sample {
    /// Greets the server held at once (summed over its processes at the same look).
    pub waiting: u64,
    /// The kernel counters, KiB (absolute).
    pub kernel: KernelMemory,
    /// The client's PSS, summed over its processes, KiB.
    pub client_pss_kib: u64,
    /// How many processes the client had.
    pub client_processes: usize,
}

impl Sample {
    /// Looks now. `waiting` is what the server says it holds; `servers` are its processes,
    /// which are not the client's.
    pub fn now(waiting: u64, servers: &[u32]) -> Sample {
        let pids = client_pids(servers);
        Sample {
            waiting,
            kernel: kernel_now().unwrap_or_default(),
            client_pss_kib: pids.iter().filter_map(|&p| pss_kib(p)).sum(),
            client_processes: pids.len(),
        }
    }
}

/// What [`watch`] saw.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Peak {
    /// The look with the most greets waiting (of those, the most kernel memory).
    pub at_peak: Sample,
    /// The most client processes seen in any look.
    pub client_processes: usize,
    /// How many looks were taken.
    pub samples: usize,
    /// What the sampling thread itself cost, to take out of the client's CPU.
    pub cost: Usage,
}

/// Samples every [`SAMPLE_EVERY`] until `stop` is set (or `limit` has passed), asking
/// `waiting` for the server's count at each look, and keeps the peak. Run it on a thread of
/// its own beside the batch.
pub fn watch(
    stop: &AtomicBool,
    waiting: impl Fn() -> Option<u64>,
    servers: &[u32],
    limit: Duration,
) -> Peak {
    let t0 = Instant::now();
    let mut peak = Peak::default();
    let mut last_kernel = KernelMemory::default();
    let mut last_pss = 0;
    let rounds = (limit.as_millis() / SAMPLE_EVERY.as_millis()).max(1) as u64;
    // Bounded: at most `limit` worth of looks, and it stops when told.
    for _ in 0..rounds {
        let mut look = Sample::now(waiting().unwrap_or(0), servers);
        // A process at its open-files limit cannot open /proc: keep the last readings rather
        // than take zeros for the kernel's memory or the client's.
        if look.kernel == KernelMemory::default() && peak.samples > 0 {
            look.kernel = last_kernel;
        }
        last_kernel = look.kernel;
        if look.client_pss_kib == 0 && peak.samples > 0 {
            look.client_pss_kib = last_pss;
        }
        last_pss = look.client_pss_kib;
        peak.samples += 1;
        peak.client_processes = peak.client_processes.max(look.client_processes);
        let key = |s: &Sample| (s.waiting, s.kernel.total_kib());
        if peak.samples == 1 || key(&look) > key(&peak.at_peak) {
            peak.at_peak = look;
        }
        // Sleep in short steps, so that the end of the batch is noticed at once.
        let next = t0 + SAMPLE_EVERY * peak.samples as u32;
        while Instant::now() < next && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    peak.cost = usage::thread();
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_reads_as_the_samples_do() {
        // Where /proc has them (Linux), the live files parse like the captured ones.
        if std::path::Path::new("/proc/meminfo").exists() {
            let k = kernel_now().expect("meminfo and sockstat parse");
            assert!(k.slab_kib > 0 && k.page_tables_kib > 0, "{k:?}");
            assert!(pss_kib(std::process::id()).is_some_and(|p| p > 0));
            assert_eq!(client_pids(&[])[0], std::process::id());
        }
    }

    #[test]
    fn the_peak_is_the_look_with_the_most_greets_waiting() {
        let stop = AtomicBool::new(false);
        let looks = std::sync::atomic::AtomicU64::new(0);
        // The server holds 5, then 9, then 3: the peak is the look that saw 9.
        let peak = watch(
            &stop,
            || {
                let n = looks.fetch_add(1, Ordering::SeqCst);
                if n >= 2 {
                    stop.store(true, Ordering::SeqCst);
                }
                Some([5, 9, 3][n.min(2) as usize])
            },
            &[],
            Duration::from_secs(30),
        );
        assert_eq!((peak.at_peak.waiting, peak.samples), (9, 3));
        assert!(peak.client_processes >= 1);
    }

    #[test]
    fn deltas_are_counter_by_counter() {
        let a = KernelMemory {
            slab_kib: 10,
            kernel_stack_kib: 20,
            page_tables_kib: 30,
            tcp_mem_kib: 40,
        };
        let d = delta(&a, &KernelMemory::default());
        assert_eq!(d, a);
        assert_eq!(d.total_kib(), 100);
    }
}

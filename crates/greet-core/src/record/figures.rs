//! The figures a record carries beside its counts: the rest of the machine's CPU over the run
//! ([`Noise`]), an open-loop run's ([`LoadFigures`]), a scale point's ([`ScaleFigures`],
//! [`KernelMemory`]) and the greet server's own counters ([`ServerCounts`]).

use std::collections::BTreeMap;

use crate::arrivals::Pattern;
use crate::fault::FaultKind;

/// The CPU the rest of the machine used while a run ran, from `/proc/stat`: the evidence that
/// a figure was, or was not, measured on a quiet machine.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Noise {
    /// Busy CPU of everything but the run (its client, workers and server), as a fraction of
    /// all cores over the run's wall time.
    pub other_busy: f64,
    /// Time the hypervisor ran someone else on our cores, as a fraction of all cores.
    pub steal: f64,
}

impl Noise {
    /// Above this fraction of the machine (others' busy CPU plus steal), a figure is marked
    /// "measured on a busy machine". On 2 cores, 10 % is a fifth of one core.
    pub const BUSY: f64 = 0.10;

    /// Whether the machine was busy enough to distrust a timing.
    pub fn busy(&self) -> bool {
        self.other_busy + self.steal > Self::BUSY
    }
}

/// What an open-loop run measured. Latencies run from each job's *intended* start (when it
/// was due), so time spent queued behind a busy model counts: free of coordinated omission.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadFigures {
    /// How arrivals were spaced.
    pub arrivals: Pattern,
    /// Greets offered per second: the schedule's count over its duration.
    pub offered_rate: f64,
    /// Greets that ended ok, per second, from the epoch to the end of arrivals or to the last
    /// one's end, whichever is later: the offered rate for a model that keeps up, less for one
    /// that falls behind.
    pub achieved_rate: f64,
    /// How long arrivals went on, s.
    pub duration_s: f64,
    /// Jobs that had not started when arrivals ended: still queued (they ran afterwards, or
    /// were cut off by the deadline and counted as errors).
    pub queued_at_end: usize,
    /// Jobs started but not ended when arrivals ended.
    pub in_flight_at_end: usize,
    /// The most jobs due but not yet started at any one moment.
    pub max_queued: usize,
    /// Jobs that never started before the run's deadline (counted among the errors).
    pub never_started: usize,
    /// Latency from the intended start, over every job that ended (ok or not; a job the
    /// deadline cut off before it started ends then), from an HDR histogram: median, ms.
    pub latency_p50_ms: Option<f64>,
    /// 90th percentile, ms.
    pub latency_p90_ms: Option<f64>,
    /// 99th percentile, ms.
    pub latency_p99_ms: Option<f64>,
    /// 99.9th percentile, ms.
    pub latency_p999_ms: Option<f64>,
    /// The largest, ms.
    pub latency_max_ms: Option<f64>,
    /// The rate past which this model must queue, greets/s: `K / L` for a pool of K at
    /// latency L, the machine's CPU limit for the rest. `None` where it cannot be told.
    pub predicted_knee_rate: Option<f64>,
    /// Where `predicted_knee_rate` comes from, in a few words (`"K/L = 2 / 50 ms"`).
    #[serde(default)]
    pub knee_basis: String,
    /// The rate at which the jobs' CPU would fill the machine, greets/s: the cores over the
    /// CPU one job cost in this run (client and, where the harness started it, server), or the
    /// client's usable cores over the client's CPU per job, whichever is lower. `None` when no
    /// job ran or none used measurable CPU.
    #[serde(default)]
    pub cpu_limit_rate: Option<f64>,
    /// The CPU one job cost in this run, µs: the client's (start-up excluded) plus, where the
    /// harness started the hosts, the server's, over the jobs that ran.
    #[serde(default)]
    pub cpu_us_per_job: Option<f64>,
    /// Jobs that started more than 1 ms before they were due: a model whose dispatcher did
    /// not pace itself (0 for every model that takes part in open-loop runs).
    #[serde(default)]
    pub started_early: usize,
}

/// A scale point: what each greet held waiting costs, in user space and in the kernel.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScaleFigures {
    /// Greets the server held at once at the peak (its own count).
    pub peak_waiting: u64,
    /// User-space memory per waiting greet, KiB: the client's PSS at the peak over its PSS
    /// before the batch, summed over its processes (pages they share counted once).
    pub user_kib_per_greet: f64,
    /// Kernel memory per waiting greet, KiB: the deltas below, summed, per greet.
    pub kernel_kib_per_greet: f64,
    /// The deltas of kernel memory over the point, whole machine, KiB.
    pub kernel: KernelMemory,
    /// User and kernel, KiB per waiting greet.
    pub total_kib_per_greet: f64,
    /// CPU per greet, µs (client side, user plus system).
    pub cpu_us_per_greet: f64,
    /// Client processes the model ran (1, or its workers plus the parent).
    pub client_processes: usize,
    /// Server processes that held the hosts.
    pub server_processes: usize,
    /// How the run got past an OS limit, if it had to: a raised limit, or spreading over
    /// processes or addresses, in a few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub past_limits: Option<String>,
}

/// Deltas of the kernel's own memory over a run, KiB (`/proc/meminfo`, `/proc/net/sockstat`).
/// Whole-machine figures: what else the machine did meanwhile is in them too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KernelMemory {
    /// Slab (socket, file, dentry and epoll objects).
    pub slab_kib: i64,
    /// Kernel stacks (16 KiB per thread).
    pub kernel_stack_kib: i64,
    /// Page tables.
    pub page_tables_kib: i64,
    /// TCP socket buffers (`sockstat`'s `mem`, pages × 4 KiB).
    pub tcp_mem_kib: i64,
}

impl KernelMemory {
    /// All four, KiB.
    pub fn total_kib(&self) -> i64 {
        self.slab_kib + self.kernel_stack_kib + self.page_tables_kib + self.tcp_mem_kib
    }
}

/// What the greet server counted: how many greetings it read, answered, and broke on purpose.
/// The other side of a run's accounting: every greet the client sent is one of these, or a
/// connection the server never saw (refused, or cut off before its greeting arrived).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServerCounts {
    /// Greetings read in full.
    pub greetings: u64,
    /// Greetings answered in full.
    pub served: u64,
    /// Connections that sent something other than greetings, or broke while being answered.
    pub errors: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Faults injected, by kind (a `down` counts each outage).
    #[serde(default)]
    pub faults: BTreeMap<FaultKind, u64>,
    /// Idle connections closed to make room for new ones (the server's lock-out guard).
    #[serde(default)]
    pub evicted: u64,
}

//! The run request and the run record: the contract between a harness and a model run.
//!
//! A harness asks for one run with a [`RunRequest`] (JSON on the child's stdin) and gets back
//! one [`RunResult`] (JSON on its stdout): a [`RunRecord`] with every figure of the run, or a
//! [`RunFailure`] saying why there are none. `greetbench run --json` prints the record, the
//! sweep stores the results, and the report reads them: the same type all the way, never
//! copied field by field into another struct. Whether a run was ok, stopped by an OS limit or
//! failed is derived ([`RunResult::status`]), never stored beside the figures.
//!
//! ARCHITECTURE.md documents these as the protocol any model implementation speaks, in any
//! language.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::arrivals::{Arrivals, ArrivalsError, Pattern};
use crate::fault::{FaultKind, Faults};
use crate::interpreter::Interpreter;
use crate::outcome::{ErrorKind, OsLimit, limits_of};
use crate::plan::{Plan, Retry, Target, default_workers};
use crate::trace::Trace;
use crate::workload::{DEFAULT_WORK, Workload};

/// Durations as milliseconds (`f64`) in JSON, so that records read naturally.
pub mod ms {
    use std::time::Duration;

    /// Serialises a duration as milliseconds.
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1e3)
    }

    /// Reads milliseconds; negative, infinite or absurd values are errors.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v: f64 = serde::Deserialize::deserialize(d)?;
        Duration::try_from_secs_f64(v / 1e3).map_err(|_| {
            serde::de::Error::custom(format!("{v} ms is not a duration: use 0 or more"))
        })
    }
}

/// One run, asked for: which model, what work, and which hosts.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRequest {
    /// The model's name (see `greetbench models`).
    pub model: String,
    /// greet, crunch or mixed.
    pub workload: Workload,
    /// How many jobs.
    pub count: usize,
    /// Crunch size; `None` for a greet run, or to take [`DEFAULT_WORK`].
    #[serde(default)]
    pub work: Option<u32>,
    /// Pool size for the pooled models; `None` for one per logical core.
    #[serde(default)]
    pub workers: Option<usize>,
    /// Each greet gives up after this long.
    #[serde(rename = "timeout_ms", with = "ms")]
    pub timeout: Duration,
    /// The hosts a harness starts for the run (ignored with `targets`).
    #[serde(flatten)]
    pub hosts: HostSpec,
    /// Greet these addresses instead of starting hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<SocketAddr>,
    /// The host number each of `targets` must name in its reply, in the same order
    /// (`--targets ADDR=HOST`); empty when the replies' hosts are not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_hosts: Vec<u32>,
    /// The latency of `targets` as the user states it (`--latency` with `--targets`), for the
    /// ideal time; `None`: unknown, and `floor_s` is null.
    #[serde(
        rename = "targets_latency_ms",
        with = "opt_ms",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub targets_latency: Option<Duration>,
    /// Further attempts after a failed greet (see [`Retry`]); 0 tries once.
    #[serde(default)]
    pub retries: u32,
    /// The wait before the first retry; each further one doubles it, up to 1 s.
    #[serde(rename = "backoff_ms", with = "ms", default = "default_backoff")]
    pub backoff: Duration,
    /// The whole batch's deadline, from its start; jobs it cuts off are counted errors.
    /// `None` in a request means the default ([`RunRequest::default_deadline`]); a record
    /// states the deadline the run had.
    #[serde(rename = "deadline_ms", with = "opt_ms", default)]
    pub deadline: Option<Duration>,
    /// Put every job's timeline in the record ([`RunRecord::timeline`]). Off by default, so
    /// that ordinary records stay small; the stamps are taken either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trace: bool,
    /// Measure the run as a scale point (`greetbench sweep --scale`): sample kernel memory,
    /// the client's PSS and the server's waiting greets during the batch, and fill
    /// [`RunRecord::scale`]. Off by default. (Not called `scale`: the record's figures of
    /// that name share the flattened object.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scale_point: bool,
    /// The load offered over time, for an open-loop run (`greetbench load`, the rate sweep):
    /// jobs arrive at a rate rather than all at once, and `count` is the schedule's. `None`
    /// (and absent from the JSON) for a batch. Not called `load`: the record's figures of that
    /// name share the flattened object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered: Option<LoadSpec>,
    /// The interpreter a Python model runs on, as named (`--python`); `None` (and absent from
    /// the JSON): the default one. What it turned out to be is the record's `interpreter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<std::path::PathBuf>,
}

/// An open-loop run's arrivals, as asked for: `rate` greets per second for `duration`, spaced
/// as `arrivals` says (`seed` draws a Poisson schedule). [`LoadSpec::schedule`] makes the
/// [`Arrivals`]; the same spec always makes the same schedule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadSpec {
    /// Offered greets per second.
    pub rate: f64,
    /// How long arrivals go on.
    #[serde(rename = "duration_ms", with = "ms")]
    pub duration: Duration,
    /// Constant or Poisson spacing.
    #[serde(default)]
    pub arrivals: Pattern,
    /// The seed of a Poisson schedule.
    #[serde(default)]
    pub seed: u64,
}

impl LoadSpec {
    /// The schedule this spec asks for (its epoch not set yet), or why there is none; the
    /// message names the flag that fixes it.
    pub fn schedule(&self) -> Result<Arrivals, ArrivalsError> {
        Arrivals::new(self.arrivals, self.rate, self.duration, self.seed)
    }
}

fn default_backoff() -> Duration {
    Retry::default().backoff
}

/// Optional durations as milliseconds, `null` for none.
pub mod opt_ms {
    use std::time::Duration;

    /// Serialises an optional duration as milliseconds or `null`.
    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::ms::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads milliseconds or `null`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let v: Option<f64> = serde::Deserialize::deserialize(d)?;
        v.map(|v| {
            Duration::try_from_secs_f64(v / 1e3).map_err(|_| {
                serde::de::Error::custom(format!("{v} ms is not a duration: use 0 or more"))
            })
        })
        .transpose()
    }
}

/// The hosts a harness starts: the arguments of `greetbench serve`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HostSpec {
    /// How many hosts.
    pub hosts: usize,
    /// Reply latency.
    #[serde(rename = "latency_ms", with = "ms")]
    pub latency: Duration,
    /// Extra random latency, up to this.
    #[serde(rename = "jitter_ms", with = "ms", default)]
    pub jitter: Duration,
    /// Host `i` on 127.0.0.(1+i) rather than on its own port of 127.0.0.1.
    #[serde(default)]
    pub spread_addresses: bool,
    /// Faults the hosts inject on purpose (`--fault`); none by default.
    #[serde(default, skip_serializing_if = "Faults::is_empty")]
    pub faults: Faults,
}

impl Default for HostSpec {
    fn default() -> HostSpec {
        HostSpec {
            hosts: 8,
            latency: Duration::from_millis(50),
            jitter: Duration::ZERO,
            spread_addresses: false,
            faults: Faults::default(),
        }
    }
}

impl RunRequest {
    /// A request with the defaults of `greetbench run`: 8 hosts at 50 ms, a 10 s timeout, one
    /// worker per core.
    pub fn new(model: &str, workload: Workload, count: usize) -> RunRequest {
        RunRequest {
            model: model.to_owned(),
            workload,
            count,
            work: None,
            workers: None,
            timeout: Duration::from_secs(10),
            hosts: HostSpec::default(),
            targets: Vec::new(),
            target_hosts: Vec::new(),
            targets_latency: None,
            retries: 0,
            backoff: default_backoff(),
            deadline: None,
            trace: false,
            offered: None,
            scale_point: false,
            python: None,
        }
    }

    /// An open-loop request: `spec`'s arrivals, its count the schedule's (a Poisson draw's
    /// count is known only once drawn), with the defaults of [`RunRequest::new`].
    pub fn open_loop(
        model: &str,
        workload: Workload,
        spec: LoadSpec,
    ) -> Result<RunRequest, ArrivalsError> {
        let count = spec.schedule()?.count();
        Ok(RunRequest {
            offered: Some(spec),
            ..RunRequest::new(model, workload, count)
        })
    }

    /// The deadline of an open-loop run when none is asked for: the arrivals' duration, plus
    /// every attempt's timeout and backoff of one job, plus 10 s of slack. A job still queued
    /// when it passes ends as a counted `deadline` error, so a model that falls behind stops
    /// within it rather than draining its queue for as long as that takes.
    pub fn open_loop_deadline(&self, duration: Duration) -> Duration {
        let attempts = self.retries.saturating_add(1);
        let backoffs = Retry::default().max_backoff.saturating_mul(self.retries);
        duration + self.timeout.saturating_mul(attempts) + backoffs + Duration::from_secs(10)
    }

    /// The deadline of a batch when none is asked for: twice the run's ideal time (`floor`,
    /// see `Concurrency::floor`), plus every attempt's timeout and backoff of one job, plus
    /// 10 s of slack; with faults, plus a timeout per attempt for twice the share of greets
    /// they hit in each of the run's `waves` (a stalled greet waits its whole timeout).
    /// Generous for a healthy run, and it stops a run against a dead host from waiting the
    /// timeout once per job: a sequential run of 100 greets at 50 ms with a 10 s timeout gets
    /// 30 s, not 1,000.
    pub fn default_deadline(&self, floor: Duration, waves: usize) -> Duration {
        let attempts = self.retries.saturating_add(1);
        let backoffs = Retry::default().max_backoff.saturating_mul(self.retries);
        let share = (2.0 * self.hosts.faults.per_greet_total() / 100.0).min(1.0);
        let faults = self
            .timeout
            .saturating_mul(attempts)
            .saturating_mul(u32::try_from(waves).unwrap_or(u32::MAX))
            .mul_f64(share);
        floor.saturating_mul(2)
            + self.timeout.saturating_mul(attempts)
            + backoffs
            + faults
            + Duration::from_secs(10)
    }

    /// The request with its defaults filled in, as a record states it: the pool size, and
    /// the crunch size only for workloads that crunch.
    pub fn resolved(&self) -> RunRequest {
        RunRequest {
            work: self
                .workload
                .crunches()
                .then(|| self.work.unwrap_or(DEFAULT_WORK)),
            workers: Some(self.workers.unwrap_or_else(default_workers)),
            ..self.clone()
        }
    }

    /// Whether the run greets hosts the harness starts (rather than `targets`, or none).
    pub fn starts_hosts(&self) -> bool {
        self.workload.greets() && self.targets.is_empty()
    }

    /// The plan for this request, greeting `targets`.
    pub fn plan(&self, targets: Vec<Target>) -> Plan {
        let r = self.resolved();
        let mut plan = Plan::new(self.workload, self.count, targets);
        plan.work = r.work.unwrap_or(DEFAULT_WORK);
        plan.workers = r.workers.unwrap_or_else(default_workers);
        plan.timeout = self.timeout;
        plan.retry = Retry {
            retries: self.retries,
            backoff: self.backoff,
            ..Retry::default()
        };
        // The schedule, its epoch not set: the harness sets it just before the run. A spec
        // that makes no schedule leaves none, and the harness refuses the request first.
        plan.arrivals = self.offered.as_ref().and_then(|s| s.schedule().ok());
        plan
    }
}

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

/// Everything one run measured. See README.md for each figure's meaning.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// What was run, with its defaults filled in ([`RunRequest::resolved`]).
    #[serde(flatten)]
    pub request: RunRequest,
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs that failed; `ok + errors == count`.
    pub errors: usize,
    /// Failures by kind.
    pub errors_by_kind: BTreeMap<ErrorKind, usize>,
    /// An example of each kind of failure.
    pub first_errors: Vec<String>,
    /// Wall time of the batch (start-up excluded, see `start_s`), s.
    pub wall_s: f64,
    /// Time to start the model's runtime, pool or processes, s.
    pub start_s: f64,
    /// The ideal time for this run (see `Concurrency::floor`), s; `None` where the hosts'
    /// latency is not known (`targets`).
    pub floor_s: Option<f64>,
    /// User CPU, s: the client process and its worker processes, start-up included.
    pub cpu_user_s: f64,
    /// System CPU, s: likewise.
    pub cpu_sys_s: f64,
    /// The part of `cpu_user_s + cpu_sys_s` spent starting the model (its runtime, pool,
    /// workers or interpreter), s, as far as this process and the helper processes the model
    /// names can tell: what to take out for the CPU of the jobs alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_cpu_s: Option<f64>,
    /// Peak resident memory, KiB: the client's peak plus its worker processes' peaks (and, for
    /// a model in another language, its interpreter's).
    pub peak_rss_kib: u64,
    /// Resident memory before the model started, KiB; for a model that runs its jobs in
    /// helper processes (an interpreter), plus their resident memory once started.
    pub baseline_rss_kib: u64,
    /// Peak thread count of the client and its helper processes, sampled every 5 ms (sampler
    /// excluded).
    pub peak_threads: u64,
    /// Threads the model's executor runs (async models), as the runtime chose.
    #[serde(default)]
    pub executor_threads: Option<usize>,
    /// How the model started its worker processes, where it had a choice (Python's
    /// multiprocessing start method).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_method: Option<String>,
    /// The interpreter a model in another language ran on (a Python model's), as it said at
    /// run time; absent for a Rust model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<Interpreter>,
    /// Voluntary context switches during the run (client and workers).
    pub ctx_voluntary: u64,
    /// Involuntary context switches during the run (client and workers).
    pub ctx_involuntary: u64,
    /// Median latency of the successful jobs, ms.
    pub latency_p50_ms: Option<f64>,
    /// 99th-percentile latency of the successful jobs, ms.
    pub latency_p99_ms: Option<f64>,
    /// Crunch checksum (crunch and mixed), wrapping sum over jobs.
    pub checksum: Option<u64>,
    /// Distinct process ids that completed jobs.
    pub distinct_pids: usize,
    /// The open-files limit in force (after raising the soft limit to the hard one).
    pub open_files_limit: u64,
    /// What the rest of the machine did meanwhile.
    #[serde(default)]
    pub noise: Option<Noise>,
    /// Greets sent, retries included (0 for crunch).
    #[serde(default)]
    pub attempts: u64,
    /// Greets sent again after a failed attempt (`--retries`).
    #[serde(default)]
    pub retries_used: u64,
    /// The server's own counters over the run, when the harness started the hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerCounts>,
    /// Every job's timeline: when each phase ran and on which thread and process. Only when
    /// the request asked for it ([`RunRequest::trace`]). (Not called `trace`: the request's
    /// flag of that name is flattened into the same object.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Trace>,
    /// An open-loop run's figures (`greetbench load`, the rate sweep); `None` for a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadFigures>,
    /// A scale point's memory and CPU per waiting greet (`greetbench sweep --scale`); `None`
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<ScaleFigures>,
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

impl RunRecord {
    /// The OS limits that stopped some jobs, most jobs first.
    pub fn limits(&self) -> Vec<OsLimit> {
        limits_of(&self.errors_by_kind)
    }

    /// Ok, stopped by a limit, failed only where faults were injected, or failed: derived
    /// from the counts.
    pub fn status(&self) -> Status {
        match self.limits().first() {
            Some(&limit) => Status::Limit(limit),
            None if self.errors == 0 => Status::Ok,
            None if self.only_injected() => Status::FaultsOnly,
            None => Status::Failed,
        }
    }

    /// Whether every error is one an injected fault explains: the hosts were asked for
    /// faults, every error is of a kind those faults cause (refused only with `down`), and,
    /// where the server's counters are known, no kind has more errors than the faults behind
    /// it were injected. Resets and closes show as `reset`; stalls (and slow, sliced or delayed
    /// replies that outlast the timeout) as `timeout` or, past the deadline, `deadline`.
    pub fn only_injected(&self) -> bool {
        let faults = &self.request.hosts.faults;
        if faults.is_empty() || !self.request.targets.is_empty() {
            return false;
        }
        let injected = |kinds: &[FaultKind]| -> Option<u64> {
            self.server
                .as_ref()
                .map(|s| kinds.iter().filter_map(|k| s.faults.get(k)).sum())
        };
        let within = |n: usize, kinds: &[FaultKind]| {
            kinds.iter().any(|k| faults.rate(*k) > 0.0)
                && injected(kinds).is_none_or(|i| n as u64 <= i)
        };
        let slowing = [
            FaultKind::Stall,
            FaultKind::Slow,
            FaultKind::Slice,
            FaultKind::Delay,
        ];
        let timeouts = self.errors_by_kind.get(&ErrorKind::Timeout).copied();
        let deadline = self.errors_by_kind.get(&ErrorKind::Deadline).copied();
        self.errors_by_kind.iter().all(|(kind, &n)| match kind {
            ErrorKind::Reset => within(n, &[FaultKind::Reset, FaultKind::Close]),
            ErrorKind::Refused => faults.rate(FaultKind::Down) > 0.0,
            ErrorKind::Timeout | ErrorKind::Deadline => {
                within(timeouts.unwrap_or(0) + deadline.unwrap_or(0), &slowing)
            }
            _ => n == 0,
        })
    }

    /// Memory per job, KiB: resident growth over the baseline divided by N. At a latency
    /// long enough that every greet waits at once, the memory of one waiting greet.
    pub fn kib_per_job(&self) -> f64 {
        self.peak_rss_kib.saturating_sub(self.baseline_rss_kib) as f64
            / self.request.count.max(1) as f64
    }

    /// CPU time (user + system) per job, µs.
    pub fn cpu_us_per_job(&self) -> f64 {
        (self.cpu_user_s + self.cpu_sys_s) * 1e6 / self.request.count.max(1) as f64
    }
}

/// How a run ended, derived from its record or failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every job succeeded.
    Ok,
    /// An OS limit stopped some jobs (or the whole run).
    Limit(OsLimit),
    /// Some jobs failed, and every failure is one the faults asked for explain
    /// ([`RunRecord::only_injected`]): the run did what it was told.
    FaultsOnly,
    /// Some jobs failed for another reason, or the run produced no record.
    Failed,
}

/// Why a run produced no record at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The request was refused (unknown model, out-of-range numbers).
    Request,
    /// The hosts could not be started or reached.
    Hosts,
    /// The model could not start its runtime, pool or workers.
    Start,
    /// The model lost or duplicated jobs: a bug.
    Accounting,
    /// The run outlived its deadline and was killed.
    Deadline,
    /// The run's process ended without a result (crashed, or killed by a signal).
    Crashed,
    /// The model cannot run on this machine: its runtime is not installed (see
    /// `Model::unavailable`). Not an error: the row reads "not available here".
    Unavailable,
}

/// A run that produced no record: what was asked, and why nothing came back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunFailure {
    /// What was asked.
    pub request: RunRequest,
    /// What kind of failure.
    pub kind: FailureKind,
    /// The OS limit behind it, if one is known.
    #[serde(default)]
    pub limit: Option<OsLimit>,
    /// One line: what went wrong and what to do about it.
    pub message: String,
}

/// What a run gives back: its record, or why there is none.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
// One per run, never in a hot loop: a failure carries its request by value, as every harness
// builds it, rather than boxing it for the sake of the enum's size.
#[allow(clippy::large_enum_variant)]
pub enum RunResult {
    /// The run finished (some jobs may have failed: see its status).
    Record(Box<RunRecord>),
    /// The run produced no figures.
    Failure(RunFailure),
}

impl RunResult {
    /// What was asked.
    pub fn request(&self) -> &RunRequest {
        match self {
            RunResult::Record(r) => &r.request,
            RunResult::Failure(f) => &f.request,
        }
    }

    /// The record, if the run produced one.
    pub fn record(&self) -> Option<&RunRecord> {
        match self {
            RunResult::Record(r) => Some(r),
            RunResult::Failure(_) => None,
        }
    }

    /// Ok, stopped by a limit, failed only by injected faults, or failed.
    pub fn status(&self) -> Status {
        match self {
            RunResult::Record(r) => r.status(),
            RunResult::Failure(f) => f.limit.map_or(Status::Failed, Status::Limit),
        }
    }

    /// Why the model could not run here (its runtime is not installed, or io_uring is off), if that is why this
    /// run has no record.
    pub fn unavailable(&self) -> Option<&str> {
        match self {
            RunResult::Failure(f) if f.kind == FailureKind::Unavailable => Some(&f.message),
            _ => None,
        }
    }

    /// One line on what stopped or failed the run, if anything did.
    pub fn message(&self) -> Option<String> {
        match self {
            RunResult::Record(r) => match r.status() {
                Status::Ok => None,
                Status::Limit(limit) => Some(limit.hint().to_owned()),
                Status::FaultsOnly => Some(format!(
                    "{} of {} jobs failed, every one by a fault injected on purpose",
                    r.errors, r.request.count
                )),
                Status::Failed => r.first_errors.first().cloned(),
            },
            RunResult::Failure(f) => Some(f.message.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(errors_by_kind: &[(ErrorKind, usize)]) -> RunRecord {
        let errors = errors_by_kind.iter().map(|(_, n)| n).sum();
        RunRecord {
            request: RunRequest::new("m", Workload::Greet, 10).resolved(),
            ok: 10 - errors,
            errors,
            errors_by_kind: errors_by_kind.iter().copied().collect(),
            first_errors: vec!["job 3: timed out".into()],
            wall_s: 1.0,
            start_s: 0.0,
            floor_s: Some(0.5),
            cpu_user_s: 0.1,
            cpu_sys_s: 0.1,
            start_cpu_s: None,
            peak_rss_kib: 3000,
            baseline_rss_kib: 1000,
            peak_threads: 3,
            executor_threads: None,
            start_method: None,
            interpreter: None,
            ctx_voluntary: 0,
            ctx_involuntary: 0,
            latency_p50_ms: None,
            latency_p99_ms: None,
            checksum: None,
            distinct_pids: 1,
            open_files_limit: 1024,
            noise: None,
            attempts: 10,
            retries_used: 0,
            server: None,
            timeline: None,
            load: None,
            scale: None,
        }
    }

    #[test]
    fn status_is_derived_from_the_counts() {
        assert_eq!(record(&[]).status(), Status::Ok);
        assert_eq!(record(&[(ErrorKind::Timeout, 2)]).status(), Status::Failed);
        let r = record(&[(ErrorKind::Timeout, 2), (ErrorKind::OpenFiles, 3)]);
        assert_eq!(r.status(), Status::Limit(OsLimit::OpenFiles));
        assert_eq!(r.limits(), vec![OsLimit::OpenFiles]);
    }

    #[test]
    fn errors_are_only_injected_when_the_faults_asked_for_explain_them() {
        let with =
            |spec: &str, errors: &[(ErrorKind, usize)], server: Option<&[(FaultKind, u64)]>| {
                let mut r = record(errors);
                r.request.hosts.faults = Faults::parse(spec).unwrap();
                r.server = server.map(|f| ServerCounts {
                    faults: f.iter().copied().collect(),
                    ..ServerCounts::default()
                });
                r.status()
            };
        let resets = [(ErrorKind::Reset, 2), (ErrorKind::Timeout, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, None),
            Status::FaultsOnly
        );
        let counted = [(FaultKind::Reset, 2), (FaultKind::Stall, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, Some(&counted)),
            Status::FaultsOnly
        );
        // More resets than the server injected: something else broke too.
        let fewer = [(FaultKind::Reset, 1), (FaultKind::Stall, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, Some(&fewer)),
            Status::Failed
        );
        // Timeouts with no fault that delays: not explained.
        assert_eq!(with("reset=20%", &resets, None), Status::Failed);
        // A wrong reply is never a fault's doing.
        let bad = [(ErrorKind::BadReply, 1)];
        assert_eq!(with("reset=20%", &bad, None), Status::Failed);
        // Refusals only when a host goes down.
        let refused = [(ErrorKind::Refused, 3)];
        assert_eq!(with("reset=20%", &refused, None), Status::Failed);
        assert_eq!(with("down=20%", &refused, None), Status::FaultsOnly);
        // Without faults, errors are failures.
        assert_eq!(with("", &resets, None), Status::Failed);
    }

    #[test]
    fn a_record_roundtrips_with_flat_keys() {
        let r = record(&[(ErrorKind::ThreadLimit, 1)]);
        let json = serde_json::to_value(&r).unwrap();
        for key in [
            "model",
            "workload",
            "count",
            "latency_ms",
            "hosts",
            "errors_by_kind",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        assert_eq!(json["errors_by_kind"]["thread_limit"], 1);
        assert_eq!(
            json["work"],
            serde_json::Value::Null,
            "greet runs do no crunch"
        );
        let back: RunRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn a_traced_record_roundtrips_with_its_request_flag_and_its_timeline() {
        let mut r = record(&[]);
        r.request.trace = true;
        r.timeline = Some(Trace {
            t0_unix_us: 5,
            pid: 1,
            jobs: Vec::new(),
        });
        // The request's flag and the record's timeline share one flat object: distinct keys.
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn an_open_loop_request_counts_its_schedule_and_roundtrips_beside_its_figures() {
        let spec = LoadSpec {
            rate: 20.0,
            duration: Duration::from_secs(3),
            arrivals: Pattern::Constant,
            seed: 0,
        };
        let req = RunRequest::open_loop("m", Workload::Greet, spec.clone()).unwrap();
        assert_eq!(req.count, 60);
        let plan = req.plan(Vec::new());
        assert_eq!(plan.arrivals.as_ref().map(Arrivals::count), Some(60));
        // A batch says nothing of it.
        let batch = serde_json::to_value(RunRequest::new("m", Workload::Greet, 1)).unwrap();
        assert!(batch.get("offered").is_none());
        // The request's spec and the record's figures are distinct keys of one flat object.
        let mut r = record(&[]);
        r.request.offered = Some(spec);
        r.load = Some(LoadFigures {
            offered_rate: 20.0,
            ..LoadFigures::default()
        });
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["offered"]["duration_ms"], 3000.0);
        assert_eq!(json["offered"]["arrivals"], "constant");
        assert_eq!(json["load"]["offered_rate"], 20.0);
        assert_eq!(serde_json::from_value::<RunRecord>(json).unwrap(), r);
        // A rate that makes no schedule names its flag.
        let bad = LoadSpec {
            rate: 0.0,
            ..req.offered.clone().unwrap()
        };
        let e = RunRequest::open_loop("m", Workload::Greet, bad).unwrap_err();
        assert!(e.to_string().starts_with("--rate"), "{e}");
    }

    #[test]
    fn a_scale_point_roundtrips_with_its_request_flag_and_its_figures() {
        let mut r = record(&[]);
        r.request.scale_point = true;
        r.scale = Some(ScaleFigures {
            peak_waiting: 10,
            user_kib_per_greet: 1.5,
            kernel_kib_per_greet: 2.5,
            kernel: KernelMemory {
                slab_kib: 20,
                ..KernelMemory::default()
            },
            total_kib_per_greet: 4.0,
            cpu_us_per_greet: 30.0,
            client_processes: 1,
            server_processes: 2,
            past_limits: Some("server spread over 2 processes".into()),
        });
        // The request's flag and the record's figures share one flat object: distinct keys.
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn a_request_reads_milliseconds_and_refuses_negative_ones() {
        let req: RunRequest = serde_json::from_str(
            r#"{"model":"tokio","workload":"greet","count":5,"timeout_ms":1000,"hosts":2,"latency_ms":2.5}"#,
        )
        .unwrap();
        assert_eq!(req.hosts.latency, Duration::from_micros(2500));
        assert_eq!(req.timeout, Duration::from_secs(1));
        assert!(
            serde_json::from_str::<RunRequest>(
                r#"{"model":"tokio","workload":"greet","count":5,"timeout_ms":-1,"hosts":2,"latency_ms":1}"#,
            )
            .is_err()
        );
        assert_eq!(req.resolved().work, None);
        // A request that does not ask for a trace gets none, and does not mention it.
        assert!(!req.trace);
        assert!(serde_json::to_value(&req).unwrap().get("trace").is_none());
        let traced = RunRequest { trace: true, ..req };
        let json = serde_json::to_value(&traced).unwrap();
        assert_eq!(json["trace"], true);
        assert_eq!(serde_json::from_value::<RunRequest>(json).unwrap(), traced);
        let crunch = RunRequest::new("m", Workload::Crunch, 1).resolved();
        assert_eq!(crunch.work, Some(DEFAULT_WORK));
    }
}

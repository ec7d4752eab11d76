//! The run's result: a [`RunRecord`] with every figure, or a [`RunFailure`] saying why there
//! are none ([`RunResult`]), and the [`Status`] derived from them, never stored.

use std::collections::BTreeMap;

use super::{LoadFigures, Noise, RunRequest, ScaleFigures, ServerCounts};
use crate::fault::FaultKind;
use crate::outcome::{ErrorKind, OsLimit, limits_of};
use crate::trace::Trace;

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
    /// Approximate: the kernel divides the exact total (`cpu_total_s`) between user and system
    /// time by sampling clock ticks, so a run of a few milliseconds may read 0 here although it
    /// spent them in user space. The run's share is the exact total divided in the proportion
    /// the ticks give (all of it here when no tick landed), so `cpu_user_s + cpu_sys_s ==
    /// cpu_total_s` and neither part exceeds the whole (test: `tests/figures.rs`).
    pub cpu_user_s: f64,
    /// System CPU, s: likewise, and likewise approximate.
    pub cpu_sys_s: f64,
    /// CPU, s, user and system together, of the same processes: exact (the scheduler's runtime
    /// of every thread, reaped workers included). `None` in records from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_total_s: Option<f64>,
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
    /// Peak thread count of the client and its helper processes, sampled every 5 ms and once
    /// as soon as the model has started (sampler excluded); never below `executor_threads`, so
    /// a run shorter than one sample still counts its executor (test: `tests/figures.rs`).
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
    pub interpreter: Option<crate::interpreter::Interpreter>,
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
    /// it were injected. Resets and closes show as `reset`, and so may a connection whose
    /// handshake straddled the instant a `down` host closed its listener (one per outage is
    /// allowed: see greet-server's `host.rs`); a `down` host's refusals as `refused`; stalls (and
    /// slow, sliced or delayed replies that outlast the timeout) as `timeout` or, past the
    /// deadline, `deadline`.
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
            ErrorKind::Reset => within(n, &[FaultKind::Reset, FaultKind::Close, FaultKind::Down]),
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

    /// CPU time, user and system, s: the exact total where the record has it, else the sum
    /// of the (approximate) split.
    pub fn cpu_s(&self) -> f64 {
        self.cpu_total_s.unwrap_or(self.cpu_user_s + self.cpu_sys_s)
    }

    /// CPU time (user + system) per job, µs.
    pub fn cpu_us_per_job(&self) -> f64 {
        self.cpu_s() * 1e6 / self.request.count.max(1) as f64
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

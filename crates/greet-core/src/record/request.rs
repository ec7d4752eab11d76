//! The run request: which model, what work, which hosts, and for an open-loop run the load
//! offered over time.

use std::net::SocketAddr;
use std::time::Duration;

use super::{ms, opt_ms};
use crate::arrivals::{Arrivals, ArrivalsError, Pattern};
use crate::fault::Faults;
use crate::plan::{Plan, Retry, Target, default_workers};
use crate::workload::{DEFAULT_WORK, Workload};

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

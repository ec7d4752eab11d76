//! The measuring harness: runs one [`RunRequest`] and measures what it cost.
//!
//! By default the hosts run in a **separate process** (a child `greetbench serve`), so the
//! CPU time, memory and threads measured here are the client's own. [`execute`] turns a
//! request into a [`RunRecord`], the figures `greetbench run --json` prints and the sweep
//! stores.
//!
//! Every batch has a deadline (the request's, or [`RunRequest::default_deadline`]), and a
//! pool's `--workers` is checked against the open-files and process budgets before anything
//! starts, so that a run too big for the machine fails at once, naming the limit.
//!
//! An open-loop request ([`RunRequest::offered`]) runs the same way, with the schedule's
//! epoch set just before [`greet_core::Runner::run`] (after the model started, so start-up is
//! not queueing), a deadline of the arrivals' duration plus a job's timeouts and 10 s
//! ([`RunRequest::open_loop_deadline`]), and its figures in [`RunRecord::load`]
//! ([`crate::load`]).
//!
//! # Layout
//! - [`server`]: the hosts as `greetbench serve` children ([`ServerProcess`]) and the `stats`
//!   line that asks them for their counters.
//! - [`budget`]: the open-files and process budgets a pool must fit ([`check_budget`]).
//! - [`measure`](mod@measure): one run, measured step by step ([`measure()`]).
//! - [`noise`]: the rest of the machine's CPU over a run; [`memory`]: a scale point's memory,
//!   user and kernel; and the thread sampler ([`greet_os::sampler`]). Measurement only: the
//!   OS calls they make are the OS layer's ([`greet_os`]).

use std::net::SocketAddr;
use std::time::Duration;

use greet_core::arrivals::ArrivalsError;
use greet_core::outcome::AccountingError;
use greet_core::plan::MAX_COUNT;
use greet_core::record::{FailureKind, RunFailure, RunRecord, RunRequest};
use greet_core::{ModelError, OsLimit, PlanError, Target};

use crate::registry::{self, UnknownModel};

pub mod budget;
pub mod measure;
pub mod memory;
pub mod noise;
pub mod server;

pub use budget::{FDS_PER_WORKER_PROCESS, check_budget};
pub use measure::measure;
pub use noise::NoiseWatch;
/// How often the thread sampler looks during a run. Each look preempts a running thread (and
/// reading the count costs the kernel a walk over every thread), so a 1 ms sampler took a few
/// percent off CPU-bound runs; 5 ms still sees every thread of a greet (which lives at least
/// the latency) and of a crunch job that has to wait for a core.
pub const SAMPLE_THREADS_EVERY: Duration = Duration::from_millis(5);

pub use server::{
    LostProcess, STATS_REQUEST, ServerProcess, server_config, server_processes_for, stats_line,
};

/// Why the harness could not produce a record.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// No such model.
    #[error(transparent)]
    UnknownModel(#[from] UnknownModel),
    /// The request's numbers are out of range.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The request's offered load (`--rate`, `--duration`) makes no schedule.
    #[error(transparent)]
    Arrivals(#[from] ArrivalsError),
    /// `--hosts` is out of range.
    #[error("--hosts must be between 1 and {max} (got {0})", max = greet_server::MAX_HOSTS)]
    Hosts(usize),
    /// This executable cannot be found to re-run as the server.
    #[error("cannot find this executable to start the greet server: {0}")]
    Exe(#[source] std::io::Error),
    /// The server child did not start.
    #[error("could not start the greet server ({0}); try `greetbench serve` by hand to see why")]
    Server(#[source] std::io::Error),
    /// Ctrl-C and SIGTERM could not be caught (to end a long command with what it had).
    #[error("cannot catch Ctrl-C and SIGTERM: {0}")]
    Signals(#[source] std::io::Error),
    /// The server child started but printed no addresses in time.
    #[error(
        "the greet server printed no addresses within 10 s; try `greetbench serve` by hand to see why"
    )]
    ServerSilent,
    /// A `--targets` address does not answer.
    #[error(
        "cannot reach target {addr}: {source}; check the address and that `greetbench serve` runs there"
    )]
    Unreachable {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// The model could not run.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model lost or duplicated jobs: a bug.
    #[error("the model's results do not add up ({0}): a bug in the model")]
    Accounting(#[from] AccountingError),
    /// The model cannot run on this machine (its runtime is not installed).
    #[error("{model}: {why}")]
    Unavailable {
        /// The model.
        model: String,
        /// Why, and the fix.
        why: String,
    },
    /// An OS limit keeps the run from starting (checked before starting anything).
    #[error("{message}")]
    Limit {
        /// Which limit.
        limit: OsLimit,
        /// What was asked, what the limit leaves, and the way round it.
        message: String,
    },
    /// A `--targets` address outside IPv4's loopback 127.0.0.0/8 (IPv6's `[::1]` and mapped
    /// `[::ffff:127.0.0.1]` included: the standard is 127.0.0.0/8 only).
    #[error(
        "--targets {0}: only IPv4 127.0.0.0/8 addresses are allowed (greetbench only greets hosts on this machine); run `greetbench serve` here and target 127.0.0.1:PORT"
    )]
    NotLoopback(SocketAddr),
    /// The request's `target_hosts` does not match its `targets`.
    #[error("--targets: give every target its host (ADDR=HOST) or none")]
    TargetHosts,
}

impl HarnessError {
    /// Whether the request itself is wrong (bad input, exit status 2), not the machine or
    /// the model.
    pub fn is_bad_request(&self) -> bool {
        self.failure_kind() == FailureKind::Request
    }

    /// What kind of failure this is, as a stored record says it.
    fn failure_kind(&self) -> FailureKind {
        match self {
            HarnessError::UnknownModel(_)
            | HarnessError::Plan(_)
            | HarnessError::Arrivals(_)
            | HarnessError::Hosts(_)
            | HarnessError::TargetHosts
            | HarnessError::NotLoopback(_) => FailureKind::Request,
            HarnessError::Limit { .. } => FailureKind::Start,
            HarnessError::Exe(_)
            | HarnessError::Server(_)
            | HarnessError::ServerSilent
            | HarnessError::Unreachable { .. } => FailureKind::Hosts,
            HarnessError::Model(_) | HarnessError::Signals(_) => FailureKind::Start,
            HarnessError::Accounting(_) => FailureKind::Accounting,
            HarnessError::Unavailable { .. } => FailureKind::Unavailable,
        }
    }

    /// The OS limit behind this error, if one is: a budget found too small before the run,
    /// or a model that could not start its workers because the OS refused (`EMFILE`, `ENFILE`
    /// or `EAGAIN`, read from the OS error's code in the model's message).
    pub fn limit(&self) -> Option<OsLimit> {
        match self {
            HarnessError::Limit { limit, .. } => Some(*limit),
            HarnessError::Model(ModelError::Start { reason, .. }) => os_limit_in(reason),
            _ => None,
        }
    }
}

/// The OS limit an `io::Error`'s text names by its code (`... (os error 24)`), if any.
fn os_limit_in(message: &str) -> Option<OsLimit> {
    let code: i32 = message
        .rsplit_once("(os error ")?
        .1
        .split(')')
        .next()?
        .parse()
        .ok()?;
    match code {
        23 | 24 => Some(OsLimit::OpenFiles),
        11 => Some(OsLimit::Threads),
        _ => None,
    }
}

impl HarnessError {
    /// The stored form of this error, for the run that asked for `request`.
    pub fn into_failure(self, request: RunRequest) -> RunFailure {
        let kind = self.failure_kind();
        RunFailure {
            request,
            kind,
            limit: self.limit(),
            message: self.to_string(),
        }
    }
}

/// Connects once to each target, so that a typo fails fast with a clear message rather than
/// as N refused greets.
pub fn check_reachable(addrs: &[SocketAddr]) -> Result<(), HarnessError> {
    for &addr in addrs {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map_err(|source| HarnessError::Unreachable { addr, source })?;
    }
    Ok(())
}

/// The time one crunch job takes here (see [`greet_core::workload::crunch_time`]): the best
/// of three, since the ideal is what `floor_s` describes.
pub fn job_time(work: u32) -> Duration {
    greet_core::workload::crunch_time(work)
}

/// Checks what a plan cannot: the request's count and hosts are in range.
fn check_request(request: &RunRequest) -> Result<(), HarnessError> {
    if !request.target_hosts.is_empty() && request.target_hosts.len() != request.targets.len() {
        return Err(HarnessError::TargetHosts);
    }
    // greetbench sends load: only to this machine's IPv4 loopback, never to another host.
    let loopback = |a: &SocketAddr| matches!(a.ip(), std::net::IpAddr::V4(ip) if ip.is_loopback());
    if let Some(&addr) = request.targets.iter().find(|a| !loopback(a)) {
        return Err(HarnessError::NotLoopback(addr));
    }
    if request.count == 0 || request.count > MAX_COUNT {
        return Err(PlanError::Count(request.count).into());
    }
    // An open-loop request's count is its schedule's.
    if let Some(spec) = &request.offered {
        let arrivals = spec.schedule()?.count();
        if arrivals != request.count {
            return Err(PlanError::Arrivals {
                count: request.count,
                arrivals,
            }
            .into());
        }
    }
    if request.starts_hosts()
        && (request.hosts.hosts == 0 || request.hosts.hosts > greet_server::MAX_HOSTS)
    {
        return Err(HarnessError::Hosts(request.hosts.hosts));
    }
    Ok(())
}

/// Runs `request` in this process: starts its hosts (a `greetbench serve` child) unless it
/// names `targets`, runs the model once, and measures it.
pub fn execute(request: &RunRequest) -> Result<RunRecord, HarnessError> {
    let model = registry::find_for(request)?;
    check_request(request)?;
    if let Some(why) = model.unavailable() {
        return Err(HarnessError::Unavailable {
            model: request.model.clone(),
            why,
        });
    }
    // Before starting anything: a pool too big for the machine fails at once.
    let workers = request.resolved().workers.unwrap_or(1);
    if workers > 0 && workers <= greet_core::plan::MAX_WORKERS {
        check_budget(model.as_ref(), workers)?;
    }
    let mut server: Option<ServerProcess> = None;
    let targets = if !request.targets.is_empty() {
        if request.workload.greets() {
            check_reachable(&request.targets)?;
        }
        // Each reply is checked against the host the user named for its address, if any.
        request
            .targets
            .iter()
            .enumerate()
            .map(|(i, &addr)| Target {
                addr,
                host: request.target_hosts.get(i).copied(),
            })
            .collect()
    } else if request.workload.greets() {
        let exe = std::env::current_exe().map_err(HarnessError::Exe)?;
        // One server process, or as many as the greets need (each under its open files).
        let s = ServerProcess::start_for(&exe, &request.hosts, request.count)?;
        let t = greet_server::targets(s.addrs());
        server = Some(s);
        t
    } else {
        Vec::new()
    };
    let plan = request.plan(targets);
    measure(model.as_ref(), request, &plan, server.as_mut())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_that_could_not_start_for_an_os_limit_is_that_limit() {
        let emfile = std::io::Error::from_raw_os_error(24);
        let error = HarnessError::Model(ModelError::Start {
            model: "a pool of worker processes".into(),
            reason: format!("cannot start /bin/greetbench: {emfile}"),
        });
        assert_eq!(error.limit(), Some(OsLimit::OpenFiles));
        let request = RunRequest::new("any model", greet_core::Workload::Greet, 1);
        assert_eq!(error.into_failure(request).limit, Some(OsLimit::OpenFiles));
        let eagain = std::io::Error::from_raw_os_error(11);
        assert_eq!(os_limit_in(&eagain.to_string()), Some(OsLimit::Threads));
        assert_eq!(os_limit_in("workers did not start within 10 s"), None);
        assert_eq!(os_limit_in("(os error 2)"), None);
    }
}

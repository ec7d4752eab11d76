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

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use greet_core::arrivals::ArrivalsError;
use greet_core::outcome::AccountingError;
use greet_core::plan::MAX_COUNT;
use greet_core::record::{FailureKind, HostSpec, RunFailure, RunRecord, RunRequest, ServerCounts};
use greet_core::trace::Trace;
use greet_core::{Family, Model, ModelError, OsLimit, Plan, PlanError, Shape, Summary, Target};
use greet_server::{Bind, Config, StatsSnapshot, parse_listening_line};

use crate::registry::{self, UnknownModel};
use crate::{child, load, sys};

/// The server configuration for `hosts`.
pub fn server_config(hosts: &HostSpec) -> Config {
    Config {
        hosts: hosts.hosts,
        latency: hosts.latency,
        jitter: hosts.jitter,
        bind: if hosts.spread_addresses {
            Bind::SpreadLoopback { port: 0 }
        } else {
            Config::default().bind
        },
        faults: hosts.faults.clone(),
        ..Config::default()
    }
}

/// The line a harness writes on a `serve` child's stdin to ask for its counters.
pub const STATS_REQUEST: &str = "stats";

/// The line a `serve` child answers [`STATS_REQUEST`] with: `stats` and the counters as JSON.
pub fn stats_line(stats: &StatsSnapshot) -> String {
    format!(
        "{STATS_REQUEST} {}\n",
        serde_json::to_string(&stats.counts()).unwrap_or_default()
    )
}

/// `greetbench serve` arguments for `hosts`.
fn serve_args(hosts: &HostSpec) -> Vec<String> {
    let mut args = vec![
        "serve".into(),
        "--hosts".into(),
        hosts.hosts.to_string(),
        "--latency".into(),
        format!("{}us", hosts.latency.as_micros()),
        "--jitter".into(),
        format!("{}us", hosts.jitter.as_micros()),
    ];
    if hosts.spread_addresses {
        args.push("--spread-addresses".into());
    }
    if !hosts.faults.is_empty() {
        args.push("--fault".into());
        args.push(hosts.faults.spec());
        args.push("--fault-seed".into());
        args.push(hosts.faults.seed.to_string());
        if !hosts.faults.hosts.is_empty() {
            let chosen: Vec<String> = hosts.faults.hosts.iter().map(u32::to_string).collect();
            args.push("--fault-hosts".into());
            args.push(chosen.join(","));
        }
    }
    args
}

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
    /// A `--targets` address off this machine's loopback.
    #[error(
        "--targets {0} is not a loopback address: greetbench only greets hosts on this machine (127.0.0.0/8 or [::1]); run `greetbench serve` here and target it"
    )]
    NotLoopback(SocketAddr),
    /// The request's `target_hosts` does not match its `targets`.
    #[error("--targets: give every target its host (ADDR=HOST) or none")]
    TargetHosts,
}

impl HarnessError {
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
        let kind = match &self {
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
            HarnessError::Model(_) => FailureKind::Start,
            HarnessError::Accounting(_) => FailureKind::Accounting,
            HarnessError::Unavailable { .. } => FailureKind::Unavailable,
        };
        RunFailure {
            request,
            kind,
            limit: self.limit(),
            message: self.to_string(),
        }
    }
}

/// A `greetbench serve` child process. Dropping it stops the server.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    /// The server's stdout after its address lines: where it answers [`STATS_REQUEST`].
    stdout: Option<BufReader<ChildStdout>>,
    addrs: Vec<SocketAddr>,
}

impl ServerProcess {
    /// Starts `exe serve ...` and waits (at most 10 s) for it to print every host's address.
    pub fn start(exe: &Path, hosts: &HostSpec) -> Result<ServerProcess, HarnessError> {
        let mut child = child::command(exe)
            .args(serve_args(hosts))
            .arg("--until-stdin-closes")
            // Our end of this pipe closes when we exit, however we exit, and the server
            // then stops: no orphaned servers.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(HarnessError::Server)?;
        let stdin = child.stdin.take();
        let Some(stdout) = child.stdout.take() else {
            return Err(HarnessError::ServerSilent);
        };
        // Read the address lines on a thread, so that waiting for them can time out.
        let (tx, rx) = mpsc::channel();
        // It stops after the last address, so it is not counted in the client's threads, and
        // hands the pipe back for the counters later.
        let n = hosts.hosts;
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut found = 0;
            let mut line = String::new();
            // Bounded: n addresses, among at most n + 100 lines.
            for _ in 0..n + 100 {
                line.clear();
                if !matches!(reader.read_line(&mut line), Ok(1..)) {
                    return;
                }
                if let Some(addr) = parse_listening_line(&line) {
                    found += 1;
                    if tx.send(Ok(addr)).is_err() {
                        return;
                    }
                    if found == n {
                        let _ = tx.send(Err(reader));
                        return;
                    }
                }
            }
        });
        let mut server = ServerProcess {
            child,
            stdin,
            stdout: None,
            addrs: Vec::with_capacity(hosts.hosts),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.stdout.is_none() {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Ok((_, addr))) => server.addrs.push(addr),
                Ok(Err(reader)) => server.stdout = Some(reader),
                Err(_) => return Err(HarnessError::ServerSilent),
            }
        }
        Ok(server)
    }

    /// The server's counters now, asked for on its stdin and read from its stdout within 2 s;
    /// `None` if it does not answer (the question is then not asked again).
    pub fn stats(&mut self) -> Option<ServerCounts> {
        let mut reader = self.stdout.take()?;
        let stdin = self.stdin.as_mut()?;
        stdin
            .write_all(format!("{STATS_REQUEST}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .ok()?;
        let (tx, rx) = mpsc::channel();
        // A short-lived reader, so that waiting for the answer can time out.
        std::thread::spawn(move || {
            let mut line = String::new();
            // Bounded: the answer is the next line; at most 16 lines are skipped.
            for _ in 0..16 {
                line.clear();
                if !matches!(reader.read_line(&mut line), Ok(1..)) {
                    return;
                }
                if let Some(json) = line.trim_end().strip_prefix(STATS_REQUEST) {
                    let counts = serde_json::from_str::<ServerCounts>(json.trim()).ok();
                    let _ = tx.send((counts, reader));
                    return;
                }
            }
        });
        let (counts, reader) = rx.recv_timeout(Duration::from_secs(2)).ok()?;
        self.stdout = Some(reader);
        counts
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The CPU seconds the server has used so far.
    pub fn cpu_s(&self) -> f64 {
        sys::process_cpu_s(self.child.id())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
    // greetbench sends load: only to this machine's loopback, never to another host.
    if let Some(&addr) = request.targets.iter().find(|a| !a.ip().is_loopback()) {
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
    let model = registry::find(&request.model)?;
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
        let s = ServerProcess::start(&exe, &request.hosts)?;
        let t = greet_server::targets(s.addrs());
        server = Some(s);
        t
    } else {
        Vec::new()
    };
    let plan = request.plan(targets);
    measure(model.as_ref(), request, &plan, server.as_mut())
}

/// File descriptors a worker process of a pool holds open in the parent: the write end of its
/// stdin pipe and the read end of its stdout pipe.
pub const FDS_PER_WORKER_PROCESS: u64 = 2;

/// Descriptors kept free for everything else a run opens (the runtime, the server's pipes).
const FD_RESERVE: u64 = 64;

/// Checks, before anything starts, that a pool of `plan.workers` fits this process's budgets:
/// a pool of worker processes needs two open files here and a process (plus its reader
/// thread) per worker; a pool of threads a thread per worker. A run past a budget would fail
/// only after starting thousands of workers (47 s for 10,000 processes); this fails at once,
/// naming the limit.
pub fn check_budget(model: &dyn Model, workers: usize) -> Result<(), HarnessError> {
    let d = registry::describe(model);
    if d.shape != Shape::Pool {
        return Ok(());
    }
    let k = workers as u64;
    let too_many = |limit, message: String| {
        Err(HarnessError::Limit {
            limit,
            message: format!("--workers {k} is past a limit: {message}, or lower --workers"),
        })
    };
    let threads = greet_core::limits::thread_budget().map(|b| b as u64);
    if d.family == Family::Processes {
        let limit = sys::raise_open_files_limit();
        let open = sys::open_fds();
        let left = limit.saturating_sub(open + FD_RESERVE);
        if limit > 0 && k * FDS_PER_WORKER_PROCESS > left {
            return too_many(
                OsLimit::OpenFiles,
                format!(
                    "{k} worker processes need {} open files here ({FDS_PER_WORKER_PROCESS} each), \
                     but the open-files limit (RLIMIT_NOFILE {limit}, {open} in use) leaves \
                     {left}; raise it (`ulimit -n`, up to the hard limit `ulimit -Hn`)",
                    k * FDS_PER_WORKER_PROCESS
                ),
            );
        }
        if let Some(left) = sys::process_budget()
            && 2 * k > left
        {
            return too_many(
                OsLimit::Threads,
                format!(
                    "{k} worker processes and their {k} reader threads need {} tasks, but the \
                     process limits (RLIMIT_NPROC, kernel.threads-max, kernel.pid_max) leave \
                     {left}; raise them (`ulimit -u`)",
                    2 * k
                ),
            );
        }
        if let Some(left) = threads
            && k > left
        {
            return too_many(
                OsLimit::Threads,
                greet_core::limits::thread_budget_message(left as usize),
            );
        }
    } else if let Some(left) = threads.into_iter().chain(sys::process_budget()).min()
        && k > left
    {
        return too_many(
            OsLimit::Threads,
            format!("{k} pool threads, but the thread limits leave room for about {left}"),
        );
    }
    Ok(())
}

/// Runs `plan` once on `model` and measures it; `request` is what the record says was run,
/// and `server`, if the hosts are ours, is the process whose CPU is also the run's own.
pub fn measure(
    model: &dyn Model,
    request: &RunRequest,
    plan: &Plan,
    mut server: Option<&mut ServerProcess>,
) -> Result<RunRecord, HarnessError> {
    plan.validate()?;
    check_budget(model, plan.workers)?;
    let open_files_limit = sys::raise_open_files_limit();
    let job = if plan.workload.crunches() {
        job_time(plan.work)
    } else {
        Duration::ZERO
    };
    let cores = greet_core::plan::default_workers();
    // The floor needs the hosts' latency: our own hosts', or what the user says of
    // `--targets`. Unknown, it is null, never 0.
    let latency = if request.targets.is_empty() {
        Some(request.hosts.latency)
    } else {
        request.targets_latency
    };
    let concurrency = model.concurrency(plan);
    let batch_floor = |job: Duration| match (plan.workload.greets(), latency) {
        (false, _) => Some(concurrency.floor(plan, Duration::ZERO, job, cores)),
        (true, Some(l)) => Some(concurrency.floor(plan, l, job, cores)),
        (true, None) => None,
    };
    let floor = batch_floor(job);
    // The batch's deadline: asked for, or derived. With an unknown latency, the derived one
    // lets every wave of greets wait its whole timeout.
    let waves = plan.count.div_ceil(concurrency.io.max(1));
    let deadline = request.deadline.unwrap_or_else(|| match &plan.arrivals {
        Some(a) => request.open_loop_deadline(Duration::from_micros(a.duration_us)),
        None => {
            let floor = floor.unwrap_or(plan.timeout.saturating_mul(waves as u32));
            request.default_deadline(floor, waves)
        }
    });
    // An open-loop run cannot end before its last job is due, plus its latency: with the
    // lead before the epoch, that is its ideal time when it is longer than the batch's.
    let floor_with = |job: Duration| {
        let batch = batch_floor(job)?;
        Some(match &plan.arrivals {
            Some(a) => batch.max(
                load::LEAD
                    + Duration::from_micros(a.offset_us(a.count().saturating_sub(1)))
                    + latency.unwrap_or_default(),
            ),
            None => batch,
        })
    };
    let floor = floor_with(job);
    let floor_s = floor.map(|f| f.as_secs_f64());
    let server_cpu = |s: &Option<&mut ServerProcess>| s.as_ref().map_or(0.0, |s| s.cpu_s());

    let baseline_rss_kib = sys::proc_status("VmRSS");
    let before = sys::self_usage().plus(sys::children_usage());
    let server_before = server_cpu(&server);
    let noise = sys::NoiseWatch::start();
    let sampler = sys::ThreadSampler::start();

    let t0 = Instant::now();
    let mut runner = model.start(plan)?;
    let start_s = t0.elapsed().as_secs_f64();
    let executor_threads = runner.executor_threads();
    // A model that runs its jobs in helper processes (an interpreter): their threads count in
    // every sample, and their memory once started is part of the baseline.
    let helpers = runner.helper_pids();
    sampler.watch(&helpers);
    let helpers_baseline_kib = sys::processes_status(&helpers, "VmRSS");
    let started = sys::self_usage().plus(sys::children_usage()).since(before);
    let helpers_start_s: f64 = helpers.iter().map(|&pid| sys::process_cpu_s(pid)).sum();
    let start_cpu_s = started.user_s + started.sys_s + helpers_start_s;
    // The floor's crunch time is where the jobs run: an interpreter's, if the model says so.
    let floor_s = match runner.crunch_time(plan.work) {
        Some(job) if plan.workload.crunches() => floor_with(job).map(|f| f.as_secs_f64()),
        _ => floor_s,
    };
    let start_method = runner.start_method();
    let mut plan = plan.clone();
    plan.deadline = Some(SystemTime::now() + deadline);
    // Time zero of an open-loop run: now that the model has started, a little ahead.
    plan.arrivals = plan.arrivals.take().map(|a| a.start_in(load::LEAD));
    let t1 = Instant::now();
    // Every job is queued now: the timeline's zero, on the clock the jobs stamp with.
    let t1_us = greet_core::trace::now_us();
    let batch = runner.run(&plan)?;
    let wall_s = t1.elapsed().as_secs_f64();
    let helpers_rss_kib = runner.helpers_peak_rss_kib();
    // Drop the runner before reading the usage: worker processes are reaped here, and only
    // reaped children count in RUSAGE_CHILDREN.
    drop(runner);

    let (peak_threads, sampling) = sampler.finish();
    let own = sys::self_usage();
    let total = own.plus(sys::children_usage()).since(before);
    // Everything we caused (the sampler and the server included) is not noise.
    let server_used = server_cpu(&server) - server_before;
    let ours = total.user_s + total.sys_s + server_used;
    let noise = noise.finish(ours);
    // The sampler's CPU is the harness's, not the model's: take it out.
    let used = total.since(sampling);
    let summary = Summary::new(plan.count, &batch.outcomes)?;
    let load = plan.arrivals.as_ref().map(|a| {
        // A model that keeps at most K greets waiting serves at most K / L (its mean
        // latency, jitter included); one thread or task per job is bound by the CPU alone.
        let bound = (registry::describe(model).shape != Shape::PerJob && plan.workload.greets())
            .then_some(latency)
            .flatten()
            .map(|l| load::Bound {
                k: concurrency.io,
                latency: l + request.hosts.jitter / 2,
            });
        let cpu = load::CpuUse {
            client_s: (used.user_s + used.sys_s - start_cpu_s).max(0.0),
            server_s: server.is_some().then_some(server_used.max(0.0)),
            cores,
            client_cores: concurrency.cpu.min(cores),
        };
        let deadline_us = plan
            .deadline
            .and_then(|d| d.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| (d.as_micros() as u64).saturating_sub(a.epoch_us));
        load::figures(a, &batch.outcomes, deadline_us, bound, &cpu)
    });
    let server_counts = server.as_mut().and_then(|s| s.stats());
    Ok(RunRecord {
        request: RunRequest {
            deadline: Some(deadline),
            ..request.resolved()
        },
        ok: summary.ok,
        errors: summary.errors,
        errors_by_kind: summary.errors_by_kind,
        first_errors: summary.first_errors,
        wall_s,
        start_s,
        floor_s,
        cpu_user_s: used.user_s,
        cpu_sys_s: used.sys_s,
        start_cpu_s: Some(start_cpu_s),
        peak_rss_kib: own.max_rss_kib + helpers_rss_kib,
        baseline_rss_kib: baseline_rss_kib + helpers_baseline_kib,
        peak_threads,
        executor_threads,
        start_method,
        ctx_voluntary: used.voluntary_cs,
        ctx_involuntary: used.involuntary_cs,
        latency_p50_ms: summary.latency_p50_ms,
        latency_p99_ms: summary.latency_p99_ms,
        checksum: plan.workload.crunches().then_some(summary.checksum),
        distinct_pids: summary.distinct_pids,
        open_files_limit,
        noise,
        attempts: summary.attempts,
        retries_used: summary.retries,
        server: server_counts,
        timeline: request
            .trace
            .then(|| Trace::new(t1_us, &plan, &batch.outcomes)),
        load,
        scale: None,
    })
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

    #[test]
    fn the_stats_line_reads_back_as_the_counters() {
        let line = stats_line(&greet_server::StatsSnapshot {
            greetings: 3,
            served: 2,
            ..Default::default()
        });
        let json = line.trim_end().strip_prefix(STATS_REQUEST).unwrap();
        let counts: ServerCounts = serde_json::from_str(json.trim()).unwrap();
        assert_eq!((counts.greetings, counts.served), (3, 2));
    }
}

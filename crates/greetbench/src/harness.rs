//! The measuring harness: runs one [`RunRequest`] and measures what it cost.
//!
//! By default the hosts run in a **separate process** (a child `greetbench serve`), so the
//! CPU time, memory and threads measured here are the client's own. [`execute`] turns a
//! request into a [`RunRecord`], the figures `greetbench run --json` prints and the sweep
//! stores.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use greet_core::outcome::AccountingError;
use greet_core::plan::MAX_COUNT;
use greet_core::record::{FailureKind, HostSpec, RunFailure, RunRecord, RunRequest};
use greet_core::trace::Trace;
use greet_core::{Model, ModelError, Plan, PlanError, Summary, Target};
use greet_server::{Bind, Config, parse_listening_line};

use crate::registry::{self, UnknownModel};
use crate::{child, sys};

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
        ..Config::default()
    }
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
}

impl HarnessError {
    /// The stored form of this error, for the run that asked for `request`.
    pub fn into_failure(self, request: RunRequest) -> RunFailure {
        let kind = match &self {
            HarnessError::UnknownModel(_) | HarnessError::Plan(_) | HarnessError::Hosts(_) => {
                FailureKind::Request
            }
            HarnessError::Exe(_)
            | HarnessError::Server(_)
            | HarnessError::ServerSilent
            | HarnessError::Unreachable { .. } => FailureKind::Hosts,
            HarnessError::Model(_) => FailureKind::Start,
            HarnessError::Accounting(_) => FailureKind::Accounting,
        };
        RunFailure {
            request,
            kind,
            limit: None,
            message: self.to_string(),
        }
    }
}

/// A `greetbench serve` child process. Dropping it stops the server.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    _stdin: Option<std::process::ChildStdin>,
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
        // It stops after the last address, so it is not counted in the client's threads.
        let n = hosts.hosts;
        std::thread::spawn(move || {
            let lines = BufReader::new(stdout).lines().map_while(Result::ok);
            for line in lines.filter_map(|l| parse_listening_line(&l)).take(n) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child,
            _stdin: stdin,
            addrs: Vec::with_capacity(hosts.hosts),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.addrs.len() < hosts.hosts {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((_, addr)) => server.addrs.push(addr),
                Err(_) => return Err(HarnessError::ServerSilent),
            }
        }
        Ok(server)
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
    if request.count == 0 || request.count > MAX_COUNT {
        return Err(PlanError::Count(request.count).into());
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
    let mut server = None;
    let targets = if !request.targets.is_empty() {
        if request.workload.greets() {
            check_reachable(&request.targets)?;
        }
        request
            .targets
            .iter()
            .map(|&addr| Target { addr, host: None })
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
    measure(model.as_ref(), request, &plan, server.as_ref())
}

/// Runs `plan` once on `model` and measures it; `request` is what the record says was run,
/// and `server`, if the hosts are ours, is the process whose CPU is also the run's own.
pub fn measure(
    model: &dyn Model,
    request: &RunRequest,
    plan: &Plan,
    server: Option<&ServerProcess>,
) -> Result<RunRecord, HarnessError> {
    plan.validate()?;
    let open_files_limit = sys::raise_open_files_limit();
    let job = if plan.workload.crunches() {
        job_time(plan.work)
    } else {
        Duration::ZERO
    };
    let cores = greet_core::plan::default_workers();
    // The floor needs the hosts' latency, which only our own hosts tell us.
    let floor = request.starts_hosts() || !plan.workload.greets();
    let floor_s = floor.then(|| {
        model
            .concurrency(plan)
            .floor(plan, request.hosts.latency, job, cores)
            .as_secs_f64()
    });

    let baseline_rss_kib = sys::proc_status("VmRSS");
    let before = sys::self_usage().plus(sys::children_usage());
    let server_before = server.map_or(0.0, ServerProcess::cpu_s);
    let noise = sys::NoiseWatch::start();
    let sampler = sys::ThreadSampler::start();

    let t0 = Instant::now();
    let mut runner = model.start(plan)?;
    let start_s = t0.elapsed().as_secs_f64();
    let executor_threads = runner.executor_threads();
    let t1 = Instant::now();
    // Every job is queued now: the timeline's zero, on the clock the jobs stamp with.
    let t1_us = greet_core::trace::now_us();
    let batch = runner.run(plan)?;
    let wall_s = t1.elapsed().as_secs_f64();
    let helpers_rss_kib = runner.helpers_peak_rss_kib();
    // Drop the runner before reading the usage: worker processes are reaped here, and only
    // reaped children count in RUSAGE_CHILDREN.
    drop(runner);

    let (peak_threads, sampling) = sampler.finish();
    let own = sys::self_usage();
    let total = own.plus(sys::children_usage()).since(before);
    // Everything we caused (the sampler and the server included) is not noise.
    let ours =
        total.user_s + total.sys_s + server.map_or(0.0, ServerProcess::cpu_s) - server_before;
    let noise = noise.finish(ours);
    // The sampler's CPU is the harness's, not the model's: take it out.
    let used = total.since(sampling);
    let summary = Summary::new(plan.count, &batch.outcomes)?;
    Ok(RunRecord {
        request: request.resolved(),
        ok: summary.ok,
        errors: summary.errors,
        errors_by_kind: summary.errors_by_kind,
        first_errors: summary.first_errors,
        wall_s,
        start_s,
        floor_s,
        cpu_user_s: used.user_s,
        cpu_sys_s: used.sys_s,
        peak_rss_kib: own.max_rss_kib + helpers_rss_kib,
        baseline_rss_kib,
        peak_threads,
        executor_threads,
        ctx_voluntary: used.voluntary_cs,
        ctx_involuntary: used.involuntary_cs,
        latency_p50_ms: summary.latency_p50_ms,
        latency_p99_ms: summary.latency_p99_ms,
        checksum: plan.workload.crunches().then_some(summary.checksum),
        distinct_pids: summary.distinct_pids,
        open_files_limit,
        noise,
        timeline: request
            .trace
            .then(|| Trace::new(t1_us, plan, &batch.outcomes)),
    })
}

//! The measuring harness: runs one model on one plan and reports what it cost.
//!
//! By default the hosts run in a **separate process** (a child `greetbench serve`), so the
//! CPU time, memory and threads measured here are the client's own. [`measure`] reports the
//! figures `greetbench run --json` prints.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use greet_core::{Model, ModelError, Plan, Summary, Workload};
use greet_server::{Bind, Config, parse_listening_line};

use crate::sys;

/// How a run's hosts are set up; the arguments of `greetbench serve`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hosts {
    /// How many hosts.
    pub hosts: usize,
    /// Reply latency.
    pub latency: Duration,
    /// Extra random latency, up to this.
    pub jitter: Duration,
    /// Host `i` on 127.0.0.(1+i) rather than on its own port of 127.0.0.1.
    pub spread_addresses: bool,
}

impl Hosts {
    /// The server configuration for these hosts.
    pub fn config(&self) -> Config {
        Config {
            hosts: self.hosts,
            latency: self.latency,
            jitter: self.jitter,
            bind: if self.spread_addresses {
                Bind::SpreadLoopback { port: 0 }
            } else {
                Config::default().bind
            },
            ..Config::default()
        }
    }

    /// The same as `greetbench serve` arguments.
    pub fn serve_args(&self) -> Vec<String> {
        let mut args = vec![
            "serve".into(),
            "--hosts".into(),
            self.hosts.to_string(),
            "--latency".into(),
            format!("{}us", self.latency.as_micros()),
            "--jitter".into(),
            format!("{}us", self.jitter.as_micros()),
        ];
        if self.spread_addresses {
            args.push("--spread-addresses".into());
        }
        args
    }
}

/// Why the harness could not run.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The server child did not start.
    #[error("could not start the greet server ({0}); try `greetbench serve` by hand to see why")]
    Server(String),
    /// A `--targets` address does not answer.
    #[error(
        "cannot reach target {addr}: {why}; check the address and that `greetbench serve` runs there"
    )]
    Unreachable {
        /// The address.
        addr: SocketAddr,
        /// The error.
        why: String,
    },
    /// The model could not run.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The model lost or duplicated jobs: a bug.
    #[error("the model's results do not add up: {0}")]
    Accounting(String),
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
    pub fn start(exe: &Path, hosts: &Hosts) -> Result<ServerProcess, HarnessError> {
        let mut child = Command::new(exe)
            .env(crate::cli::AS_CLI_ENV, "1")
            .args(hosts.serve_args())
            .arg("--until-stdin-closes")
            // Our end of this pipe closes when we exit, however we exit, and the server
            // then stops: no orphaned servers.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| HarnessError::Server(format!("{}: {e}", exe.display())))?;
        let stdout = child.stdout.take().expect("stdout is piped");
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
        let stdin = child.stdin.take();
        let mut server = ServerProcess {
            child,
            _stdin: stdin,
            addrs: Vec::with_capacity(hosts.hosts),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.addrs.len() < hosts.hosts {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((_, addr)) => server.addrs.push(addr),
                Err(_) => {
                    return Err(HarnessError::Server(
                        "it printed no addresses within 10 s".into(),
                    ));
                }
            }
        }
        Ok(server)
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
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
        std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| {
            HarnessError::Unreachable {
                addr,
                why: e.to_string(),
            }
        })?;
    }
    Ok(())
}

/// Everything `greetbench run --json` reports. See README.md for the meaning of each field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    /// The model's name.
    pub model: String,
    /// greet, crunch or mixed.
    pub workload: Workload,
    /// Jobs asked for.
    pub count: usize,
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs that failed; `ok + errors == count`.
    pub errors: usize,
    /// Hosts greeted.
    pub hosts: usize,
    /// Host latency, ms.
    pub latency_ms: f64,
    /// Crunch size.
    pub work: u32,
    /// Pool size (pooled models only use it).
    pub workers: usize,
    /// Wall time of the batch (model start-up excluded, see `start_s`), s.
    pub wall_s: f64,
    /// Time to start the model's runtime, pool or processes, s.
    pub start_s: f64,
    /// The ideal time for this run (see `Concurrency::floor`), s.
    pub floor_s: f64,
    /// User CPU, s: this process and its worker processes, start-up included.
    pub cpu_user_s: f64,
    /// System CPU, s: likewise.
    pub cpu_sys_s: f64,
    /// Peak resident memory, KiB: this process's peak plus its worker processes' peaks.
    pub peak_rss_kib: u64,
    /// Resident memory before the model started, KiB.
    pub baseline_rss_kib: u64,
    /// Peak thread count of this process, sampled every 5 ms (sampler excluded).
    pub peak_threads: u64,
    /// Voluntary context switches during the run (self and workers).
    pub ctx_voluntary: u64,
    /// Involuntary context switches during the run (self and workers).
    pub ctx_involuntary: u64,
    /// Median latency of the successful jobs, ms.
    pub latency_p50_ms: Option<f64>,
    /// 99th-percentile latency of the successful jobs, ms.
    pub latency_p99_ms: Option<f64>,
    /// Crunch checksum (crunch and mixed), wrapping sum over jobs.
    pub checksum: Option<u64>,
    /// Failures by kind.
    pub errors_by_kind: std::collections::BTreeMap<String, usize>,
    /// One message per OS limit hit, naming the limit and the way round it.
    pub limits_hit: Vec<String>,
    /// An example of each kind of failure.
    pub first_errors: Vec<String>,
    /// Distinct process ids that ran jobs.
    pub distinct_pids: usize,
    /// The open-files limit in force (after raising the soft limit to the hard one).
    pub open_files_limit: u64,
}

/// The time one crunch job takes here (see [`greet_core::workload::crunch_time`]): the best
/// of three, since the ideal is what `floor_s` describes.
pub fn job_time(work: u32) -> Duration {
    greet_core::workload::crunch_time(work)
}

/// Runs `plan` once on `model` and measures it. `latency` is the hosts' latency, used only
/// for `floor_s`.
pub fn measure(
    model: &dyn Model,
    plan: &Plan,
    latency: Duration,
) -> Result<RunReport, HarnessError> {
    plan.validate().map_err(ModelError::Plan)?;
    let open_files_limit = sys::raise_open_files_limit();
    let job = if plan.workload.crunches() {
        job_time(plan.work)
    } else {
        Duration::ZERO
    };
    let cores = greet_core::plan::default_workers();
    let floor = model.concurrency(plan).floor(plan, latency, job, cores);

    let baseline_rss_kib = sys::proc_status("VmRSS");
    let before = sys::self_usage().plus(sys::children_usage());
    let sampler = sys::ThreadSampler::start();

    let t0 = Instant::now();
    let mut runner = model.start(plan)?;
    let start_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let batch = runner.run(plan)?;
    let wall_s = t1.elapsed().as_secs_f64();
    let helpers_rss_kib = runner.helpers_peak_rss_kib();
    // Drop the runner before reading the usage: worker processes are reaped here, and only
    // reaped children count in RUSAGE_CHILDREN.
    drop(runner);

    let (peak_threads, sampling) = sampler.finish();
    let own = sys::self_usage();
    // The sampler's CPU is the harness's, not the model's: take it out.
    let used = own
        .plus(sys::children_usage())
        .since(before)
        .since(sampling);
    let summary = Summary::new(plan.count, &batch.outcomes).map_err(|e| HarnessError::Accounting(e.to_string()))?;
    Ok(RunReport {
        model: model.name().to_string(),
        workload: plan.workload,
        count: plan.count,
        ok: summary.ok,
        errors: summary.errors,
        hosts: plan.targets.len(),
        latency_ms: latency.as_secs_f64() * 1e3,
        work: plan.work,
        workers: plan.workers,
        wall_s,
        start_s,
        floor_s: floor.as_secs_f64(),
        cpu_user_s: used.user_s,
        cpu_sys_s: used.sys_s,
        peak_rss_kib: own.max_rss_kib + helpers_rss_kib,
        baseline_rss_kib,
        peak_threads,
        ctx_voluntary: used.voluntary_cs,
        ctx_involuntary: used.involuntary_cs,
        latency_p50_ms: summary.latency_p50_ms,
        latency_p99_ms: summary.latency_p99_ms,
        checksum: plan.workload.crunches().then_some(summary.checksum),
        errors_by_kind: summary
            .errors_by_kind
            .iter()
            .map(|(k, n)| {
                (
                    serde_json::to_value(k)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    *n,
                )
            })
            .collect(),
        limits_hit: summary.limits().iter().map(|l| l.hint().to_owned()).collect(),
        first_errors: summary.first_errors,
        distinct_pids: summary.distinct_pids,
        open_files_limit,
    })
}

/// Runs `exe run <args> --json` in a fresh child process and parses its report, killing the
/// child if it takes longer than `limit`. A fresh process per run keeps each model's memory
/// and thread figures its own.
pub fn run_in_child(exe: &Path, args: &[String], limit: Duration) -> Result<RunReport, String> {
    let mut child = Command::new(exe)
        .env(crate::cli::AS_CLI_ENV, "1")
        .arg("run")
        .args(args)
        .arg("--json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let (mut out, mut err) = (
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "killed after {}s without finishing",
                    limit.as_secs()
                ));
            }
        }
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    serde_json::from_str(stdout.trim()).map_err(|_| {
        let why = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        format!("{status}: {why}")
    })
}

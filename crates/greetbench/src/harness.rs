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

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::time::{Duration, Instant, SystemTime};

use greet_core::arrivals::ArrivalsError;
use greet_core::outcome::AccountingError;
use greet_core::plan::MAX_COUNT;
use greet_core::record::{
    FailureKind, HostSpec, RunFailure, RunRecord, RunRequest, ScaleFigures, ServerCounts,
};
use greet_core::trace::Trace;
use greet_core::{Family, Model, ModelError, OsLimit, Plan, PlanError, Shape, Summary, Target};
use greet_server::{Bind, Config, StatsSnapshot, parse_listening_line};

use crate::registry::{self, UnknownModel};
use crate::{child, load, memory, sys};

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

/// The line a `serve` child answers [`STATS_REQUEST`] with: `stats` and the counters as JSON
/// (a [`StatsSnapshot`]: with the greets in flight now, which a scale point samples).
pub fn stats_line(stats: &StatsSnapshot) -> String {
    format!(
        "{STATS_REQUEST} {}\n",
        serde_json::to_string(stats).unwrap_or_default()
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

/// The most connections one server process is given in a spread server: 90 % of its
/// connection cap, so that a block of hosts never meets the cap (where new connections wait
/// for room) in a run sized to fit.
const SERVER_FILL: f64 = 0.9;

/// How many server processes hold `count` greets waiting at once on `hosts.hosts` hosts: one
/// while one process's connection cap (its open-files limit, raised to the hard limit, less a
/// reserve) holds them, otherwise enough processes that each holds at most
/// [`SERVER_FILL`] of its cap. Never more processes than hosts: each holds a block of them.
pub fn server_processes_for(count: usize, hosts: &HostSpec) -> usize {
    let limit = sys::open_files_hard_limit();
    let per_process = |p: usize| {
        let config = Config {
            hosts: hosts.hosts.div_ceil(p.max(1)),
            ..Config::default()
        };
        greet_server::effective_max_connections(&config, Some(limit))
    };
    if count <= per_process(1) {
        return 1;
    }
    // Bounded: at most `hosts` processes are tried.
    (1..=hosts.hosts.max(1))
        .find(|&p| count as f64 <= p as f64 * per_process(p) as f64 * SERVER_FILL)
        .unwrap_or(hosts.hosts.max(1))
}

/// The pipe a `serve` child answers [`STATS_REQUEST`] on: its stdin, and its stdout read a line
/// at a time with a deadline (`poll`, no thread: a reader thread would count among the
/// client's threads).
#[derive(Debug)]
struct Talk {
    stdin: std::process::ChildStdin,
    stdout: ChildStdout,
    /// Bytes read and not yet returned as a line.
    pending: Vec<u8>,
    /// Questions asked and not yet answered: a late answer belongs to an earlier question
    /// and is skipped, never taken for the latest one.
    owed: usize,
}

impl Talk {
    /// The next line, within `deadline`; `None` at the deadline, at the end of the pipe, or
    /// past 64 KiB without a newline.
    fn line(&mut self, deadline: Instant) -> Option<String> {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        // Bounded: each pass reads something or waits out the deadline.
        for _ in 0..100_000 {
            if let Some(at) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=at).collect();
                return Some(String::from_utf8_lossy(&line).into_owned());
            }
            if self.pending.len() > 64 << 10 {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !sys::wait_readable(self.stdout.as_raw_fd(), left).ok()? {
                return None;
            }
            let mut buf = [0u8; 4096];
            match self.stdout.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
        None
    }

    /// Questions left unanswered past which the server is taken for gone and not asked again.
    const GIVE_UP: usize = 3;

    /// Asks for the counters; the answer within 2 s, or `None`. Answers to earlier questions
    /// that came late are skipped; after [`Talk::GIVE_UP`] unanswered questions it is not
    /// asked again.
    fn stats(&mut self) -> Option<StatsSnapshot> {
        if self.owed >= Self::GIVE_UP {
            return None;
        }
        self.stdin
            .write_all(format!("{STATS_REQUEST}\n").as_bytes())
            .and_then(|()| self.stdin.flush())
            .ok()?;
        self.owed += 1;
        let deadline = Instant::now() + Duration::from_secs(2);
        // Bounded: the answers owed, among at most 16 other lines.
        for _ in 0..16 + Self::GIVE_UP {
            let line = self.line(deadline)?;
            if let Some(json) = line.trim_end().strip_prefix(STATS_REQUEST) {
                self.owed -= 1;
                if self.owed == 0 {
                    return serde_json::from_str::<StatsSnapshot>(json.trim()).ok();
                }
            }
        }
        None
    }
}

/// One `greetbench serve` child, holding one block of hosts.
#[derive(Debug)]
struct ServeChild {
    child: Child,
    talk: std::sync::Mutex<Talk>,
}

/// The greet server as child processes: one `greetbench serve`, or several, each holding a
/// block of the hosts (`serve --processes P`, and runs too large for one process's open
/// files). Dropping it stops them all.
#[derive(Debug)]
pub struct ServerProcess {
    children: Vec<ServeChild>,
    addrs: Vec<SocketAddr>,
}

impl ServerProcess {
    /// Starts `exe serve ...` as one process and waits (at most 10 s) for it to print every
    /// host's address.
    pub fn start(exe: &Path, hosts: &HostSpec) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread(exe, hosts, 1)
    }

    /// Starts as many server processes as `count` greets waiting at once need
    /// ([`server_processes_for`]): one for ordinary runs.
    pub fn start_for(
        exe: &Path,
        hosts: &HostSpec,
        count: usize,
    ) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread(exe, hosts, server_processes_for(count, hosts))
    }

    /// Starts `processes` server processes (at most one per host), process `p` holding hosts
    /// `p·H/P .. (p+1)·H/P` with their own numbers and addresses, and waits (at most 10 s in
    /// all) for every host's address. The hosts are in host order, whichever process holds
    /// them.
    pub fn start_spread(
        exe: &Path,
        hosts: &HostSpec,
        processes: usize,
    ) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread_with(exe, hosts, processes, &[])
    }

    /// [`ServerProcess::start_spread`], with `extra` arguments for every `serve` child
    /// (`--port`, `--work`, `--max-connections`, as `serve --processes` passes them on).
    pub fn start_spread_with(
        exe: &Path,
        hosts: &HostSpec,
        processes: usize,
        extra: &[String],
    ) -> Result<ServerProcess, HarnessError> {
        let p = processes.clamp(1, hosts.hosts.max(1));
        let mut children = Vec::with_capacity(p);
        for i in 0..p {
            let (first, end) = (i * hosts.hosts / p, (i + 1) * hosts.hosts / p);
            let block = HostSpec {
                hosts: end - first,
                ..hosts.clone()
            };
            let mut child = child::command(exe)
                .args(serve_args(&block))
                .args(["--first-host", &first.to_string()])
                .args(extra)
                .arg("--until-stdin-closes")
                // Our end of this pipe closes when we exit, however we exit, and the server
                // then stops: no orphaned servers.
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(HarnessError::Server)?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return Err(HarnessError::ServerSilent);
            };
            let talk = Talk {
                stdin,
                stdout,
                pending: Vec::new(),
                owed: 0,
            };
            children.push(ServeChild {
                child,
                talk: std::sync::Mutex::new(talk),
            });
        }
        // From here, dropping `server` stops every child started.
        let mut server = ServerProcess {
            children,
            addrs: Vec::new(),
        };
        let mut found: Vec<Option<SocketAddr>> = vec![None; hosts.hosts];
        let deadline = Instant::now() + Duration::from_secs(10);
        for (i, c) in server.children.iter().enumerate() {
            let block = i * hosts.hosts / p..(i + 1) * hosts.hosts / p;
            let mut talk = c.talk.lock().unwrap_or_else(|e| e.into_inner());
            // Bounded: its block's addresses, among at most hosts + 100 lines.
            for _ in 0..hosts.hosts + 100 {
                if found[block.clone()].iter().all(Option::is_some) {
                    break;
                }
                let line = talk.line(deadline).ok_or(HarnessError::ServerSilent)?;
                if let Some((host, addr)) = parse_listening_line(&line)
                    && block.contains(&host)
                {
                    found[host] = Some(addr);
                }
            }
        }
        server.addrs = found
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or(HarnessError::ServerSilent)?;
        Ok(server)
    }

    /// The server's counters now, summed over its processes, each asked on its stdin and
    /// answering on its stdout within 2 s; `None` if one does not answer (it is then not asked
    /// again).
    pub fn snapshot(&self) -> Option<StatsSnapshot> {
        let mut sum = StatsSnapshot::default();
        for c in &self.children {
            let mut talk = c.talk.lock().unwrap_or_else(|e| e.into_inner());
            sum = sum.plus(talk.stats()?);
        }
        Some(sum)
    }

    /// Each process's counters, in process order (for tests and `serve --processes`).
    pub fn snapshots(&self) -> Vec<Option<StatsSnapshot>> {
        self.children
            .iter()
            .map(|c| c.talk.lock().unwrap_or_else(|e| e.into_inner()).stats())
            .collect()
    }

    /// The counters a record keeps, summed over the server's processes (see
    /// [`ServerProcess::snapshot`]).
    pub fn stats(&self) -> Option<ServerCounts> {
        self.snapshot().map(|s| s.counts())
    }

    /// The first server process's id (the only one, unless spread).
    pub fn pid(&self) -> u32 {
        self.children.first().map_or(0, |c| c.child.id())
    }

    /// Every server process's id, in host-block order.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(|c| c.child.id()).collect()
    }

    /// How many processes hold the hosts.
    pub fn processes(&self) -> usize {
        self.children.len()
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The CPU seconds the server's processes have used so far.
    pub fn cpu_s(&self) -> f64 {
        self.children
            .iter()
            .map(|c| sys::process_cpu_s(c.child.id()))
            .sum()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.child.kill();
        }
        for c in &mut self.children {
            let _ = c.child.wait();
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
    // A pool's workers, and any model's worker processes (prefork's event loops are K
    // processes whatever its shape), are what `--workers` starts.
    if d.shape != Shape::Pool && d.family != Family::Processes {
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
    let open_files_soft_before = greet_core::limits::open_files_limit();

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
    // In the measure their peak is taken in (`Runner::helpers_peak_rss_kib`): PSS, so that
    // the pages helper processes share count once on both sides of the growth.
    let helpers_baseline_kib: u64 = helpers
        .iter()
        .filter_map(|&pid| crate::memory::pss_kib(pid))
        .sum();
    let started = sys::self_usage().plus(sys::children_usage()).since(before);
    let helpers_start_s: f64 = helpers.iter().map(|&pid| sys::process_cpu_s(pid)).sum();
    let start_cpu_s = started.user_s + started.sys_s + helpers_start_s;
    // The floor's crunch time is where the jobs run: an interpreter's, if the model says so.
    let floor_s = match runner.crunch_time(plan.work) {
        Some(job) if plan.workload.crunches() => floor_with(job).map(|f| f.as_secs_f64()),
        _ => floor_s,
    };
    // How long one crunch takes where the jobs run: an interpreter's, or the Rust kernel's.
    let job = runner
        .crunch_time(plan.work)
        .filter(|_| plan.workload.crunches())
        .unwrap_or(job);
    let start_method = runner.start_method();
    let mut plan = plan.clone();
    plan.deadline = Some(SystemTime::now() + deadline);
    // Time zero of an open-loop run: now that the model has started, a little ahead.
    plan.arrivals = plan.arrivals.take().map(|a| a.start_in(load::LEAD));
    // A scale point looks before the batch, then samples beside it (see `memory`).
    let servers = server.as_ref().map(|s| s.pids()).unwrap_or_default();
    let look_before = request
        .scale_point
        .then(|| memory::Sample::now(0, &servers));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let t1 = Instant::now();
    // Every job is queued now: the timeline's zero, on the clock the jobs stamp with.
    let t1_us = greet_core::trace::now_us();
    let (batch, peak) = std::thread::scope(|scope| {
        let shared: Option<&ServerProcess> = server.as_deref();
        // Started before the model's threads, so it cannot meet a thread limit; if it cannot
        // start at all, the point has no scale figures rather than a panic.
        let watcher = look_before.is_some().then(|| {
            let (stop, servers) = (&stop, &servers);
            std::thread::Builder::new()
                .name("scale-watch".into())
                .spawn_scoped(scope, move || {
                    let waiting = || shared.and_then(|s| s.snapshot()).map(|s| s.in_flight);
                    memory::watch(stop, waiting, servers, deadline + Duration::from_secs(10))
                })
                .ok()
        });
        let batch = runner.run(&plan);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (batch, watcher.flatten().and_then(|w| w.join().ok()))
    });
    let batch = batch?;
    let wall_s = t1.elapsed().as_secs_f64();
    let helpers_rss_kib = runner.helpers_peak_rss_kib();
    // What the interpreter (if any) ran under, as it said during the batch.
    let interpreter = runner.interpreter();
    // Drop the runner before reading the usage: worker processes are reaped here, and only
    // reaped children count in RUSAGE_CHILDREN.
    drop(runner);

    let (peak_threads, sampling) = sampler.finish();
    // The scale watcher's thread is the harness's, not the model's.
    let (peak_threads, sampling) = match &peak {
        Some(p) => (peak_threads.saturating_sub(1), sampling.plus(p.cost)),
        None => (peak_threads, sampling),
    };
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
        // A model that keeps at most K greets waiting serves at most K / L, L being how long
        // each holds its place: the hosts' mean latency (jitter included) and, in a mixed
        // run, the crunch after it. One thread or task per job is bound by the CPU alone.
        let bound = (registry::describe(model).shape != Shape::PerJob && plan.workload.greets())
            .then_some(latency)
            .flatten()
            .map(|l| load::Bound {
                k: concurrency.io,
                latency: l + request.hosts.jitter / 2 + job,
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
    let cpu_s = used.user_s + used.sys_s - start_cpu_s;
    let scale = look_before.zip(peak).map(|(before, peak)| {
        let spread = Spread {
            server_processes: server.as_ref().map_or(0, |s| s.processes()),
            hosts: &request.hosts,
            open_files_limit,
            soft_raised: open_files_soft_before.is_some_and(|s| s < open_files_limit),
        };
        scale_figures(&before, &peak, cpu_s, plan.count, &spread)
    });
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
        interpreter,
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
        scale,
    })
}

/// How a run was laid out past the OS limits: what [`ScaleFigures::past_limits`] says.
struct Spread<'a> {
    server_processes: usize,
    hosts: &'a HostSpec,
    open_files_limit: u64,
    soft_raised: bool,
}

impl Spread<'_> {
    /// In a few words, how the run got past the limits; `None` if it did not have to.
    fn words(&self, client_processes: usize) -> Option<String> {
        let mut said = Vec::new();
        if self.soft_raised {
            said.push(format!(
                "soft open-files limit raised to the hard limit, {}",
                self.open_files_limit
            ));
        }
        if self.server_processes > 1 {
            said.push(format!(
                "server spread over {} processes (open files {} each, the hard limit, not raised)",
                self.server_processes, self.open_files_limit
            ));
        }
        if self.hosts.spread_addresses && self.hosts.hosts > 1 {
            let last = std::net::Ipv4Addr::from(
                u32::from(std::net::Ipv4Addr::LOCALHOST) + self.hosts.hosts as u32 - 1,
            );
            said.push(format!(
                "hosts over {} addresses, 127.0.0.1 to {last}",
                self.hosts.hosts
            ));
        }
        if client_processes > 1 {
            said.push(format!("client over {client_processes} processes"));
        }
        (!said.is_empty()).then(|| said.join("; "))
    }
}

/// A scale point's figures from the look before the batch and the peak: per greet held at the
/// peak (the server's own count of greets waiting at once), user space as PSS, kernel as the
/// deltas of its four counters; CPU per greet of the batch (start-up taken out) over `count`.
fn scale_figures(
    before: &memory::Sample,
    peak: &memory::Peak,
    cpu_s: f64,
    count: usize,
    spread: &Spread<'_>,
) -> ScaleFigures {
    let at = &peak.at_peak;
    let held = at.waiting.max(1) as f64;
    let kernel = memory::delta(&at.kernel, &before.kernel);
    let user_kib_per_greet = at.client_pss_kib.saturating_sub(before.client_pss_kib) as f64 / held;
    let kernel_kib_per_greet = kernel.total_kib() as f64 / held;
    ScaleFigures {
        peak_waiting: at.waiting,
        user_kib_per_greet,
        kernel_kib_per_greet,
        kernel,
        total_kib_per_greet: user_kib_per_greet + kernel_kib_per_greet,
        cpu_us_per_greet: cpu_s.max(0.0) * 1e6 / count.max(1) as f64,
        client_processes: peak.client_processes.max(1),
        server_processes: spread.server_processes,
        past_limits: spread.words(peak.client_processes),
    }
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
        let counts = serde_json::from_str::<StatsSnapshot>(json.trim())
            .unwrap()
            .counts();
        assert_eq!((counts.greetings, counts.served), (3, 2));
    }
}

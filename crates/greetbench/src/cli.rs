//! The command line: argument types (clap) and one function per subcommand. `main.rs` only
//! calls [`main`].

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use greet_core::duration::{self, human};
use greet_core::fault::Faults;
use greet_core::plan::MAX_COUNT;
use greet_core::record::{
    FailureKind, HostSpec, LoadFigures, LoadSpec, RunRecord, RunRequest, RunResult, Status,
};
use greet_core::{Lang, OsLimit, Pattern, Workload};

use crate::harness::{self, HarnessError};
use crate::out::{say, warn};
use crate::sweep::{Profile, ProfileError};
use crate::{child, registry};

/// The exit statuses, as README.md documents them.
pub mod exit {
    /// Every job succeeded, or every error was a fault injected on purpose (and the
    /// accounting held).
    pub const OK: u8 = 0;
    /// The run finished, and some jobs failed for a reason other than an injected fault or
    /// an OS limit.
    pub const JOBS_FAILED: u8 = 1;
    /// Bad arguments: the message names the fix.
    pub const USAGE: u8 = 2;
    /// An OS limit stopped part of the run, or kept it from starting.
    pub const LIMIT: u8 = 3;
    /// The command could not do its work (a server that did not start, a target that does
    /// not answer, a file that cannot be written).
    pub const COULD_NOT_RUN: u8 = 4;
}

/// greetbench: threads, processes, rayon or async — which one, and when?
#[derive(Debug, Parser)]
#[command(name = "greetbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the models, one per line.
    Models,
    /// Run one model on one workload and report what it cost.
    Run(RunArgs),
    /// Run every model on one workload, each in a fresh process, and print one table.
    Compare(CompareArgs),
    /// Serve greet hosts until interrupted.
    Serve(ServeArgs),
    /// Serve the hosts as a local JSON API (GET /hosts/{id}/greeting) until interrupted.
    ServeApi(ServeApiArgs),
    /// Run every model at each size in a fresh process and record its resource costs.
    Sweep(SweepArgs),
    /// Write reports/index.html from the stored results (criterion's and the sweep's).
    Report(ReportArgs),
    /// Run many greets with faults through one model in bounded batches, and show that every
    /// greet is accounted for and nothing leaks.
    Soak(SoakArgs),
    /// Offer one model greets at a fixed rate for a while (an open loop) and report their
    /// latency from when each was due, queueing included.
    Load(LoadArgs),
    /// Run one request read as JSON from stdin and print its result as JSON: what `compare`
    /// and the sweep start in each fresh child process.
    #[command(hide = true)]
    Child,
}

#[derive(Debug, Clone, Args)]
struct HostArgs {
    /// How many hosts (listening sockets) to greet, round-robin.
    #[arg(long, default_value_t = 8)]
    hosts: usize,
    /// How long each host waits before replying (50ms, 1s, 250us).
    #[arg(long, default_value = "50ms", value_parser = duration::parse)]
    latency: Duration,
    /// Extra random wait per reply, up to this.
    #[arg(long, default_value = "0", value_parser = duration::parse)]
    jitter: Duration,
    /// Put host i on its own loopback address 127.0.0.(1+i), past the ~28k ephemeral ports
    /// per destination address (Linux).
    #[arg(long)]
    spread_addresses: bool,
    #[command(flatten)]
    faults: FaultArgs,
}

/// Faults the hosts inject on purpose.
#[derive(Debug, Clone, Args)]
struct FaultArgs {
    /// Inject faults into the greets: KIND=P%[,KIND=P%...]. Kinds: reset (RST instead of the
    /// reply), stall (never reply), close (close without a reply), slow (reply at ~50 B/s),
    /// slice (reply in 4-byte pieces), delay (+100ms), down=P%[/CYCLE] (the host refuses
    /// connections P% of every cycle, 1s by default).
    #[arg(long = "fault", value_name = "KIND=P%", value_parser = parse_fault)]
    fault: Vec<String>,
    /// The seed of the faults' draw: the same seed breaks the same greets.
    #[arg(long, default_value_t = 1)]
    fault_seed: u64,
    /// Only these hosts misbehave (0,3,...) [default: every host].
    #[arg(long, value_delimiter = ',')]
    fault_hosts: Vec<u32>,
}

fn parse_fault(spec: &str) -> Result<String, String> {
    Faults::parse(spec)
        .map(|_| spec.to_owned())
        .map_err(|e| e.to_string())
}

impl FaultArgs {
    /// The faults these flags ask for; every `--fault` adds its kinds.
    fn faults(&self) -> Result<Faults, CliError> {
        let mut faults = Faults {
            seed: self.fault_seed,
            hosts: self.fault_hosts.clone(),
            ..Faults::default()
        };
        for spec in &self.fault {
            faults
                .add(spec)
                .map_err(|e| CliError::Usage(e.to_string()))?;
        }
        Ok(faults)
    }
}

impl WorkArgs {
    /// The request for `model` with these arguments and `hosts`.
    fn request(&self, model: &str, hosts: &HostArgs) -> Result<RunRequest, CliError> {
        Ok(RunRequest {
            work: self.work,
            workers: self.workers,
            timeout: self.timeout,
            hosts: hosts.spec()?,
            retries: self.retries,
            backoff: self.backoff,
            deadline: self.deadline,
            ..RunRequest::new(model, self.workload, self.count)
        })
    }
}

impl HostArgs {
    fn spec(&self) -> Result<HostSpec, CliError> {
        // A fault aimed at a host that does not exist could never fire: say so.
        if let Some(h) = self
            .faults
            .fault_hosts
            .iter()
            .find(|&&h| h as usize >= self.hosts)
        {
            return Err(CliError::Usage(format!(
                "--fault-hosts {h} names no host: the hosts are 0 to {} (--hosts {})",
                self.hosts.saturating_sub(1),
                self.hosts
            )));
        }
        Ok(HostSpec {
            hosts: self.hosts,
            latency: self.latency,
            jitter: self.jitter,
            spread_addresses: self.spread_addresses,
            faults: self.faults.faults()?,
        })
    }
}

#[derive(Debug, Clone, Args)]
struct WorkArgs {
    /// greet (I/O-bound), crunch (CPU-bound) or mixed.
    #[arg(long, default_value = "greet")]
    workload: Workload,
    /// How many jobs.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Crunch size W for crunch and mixed, in rounds of the CPU kernel [default: 250000,
    /// about 0.8 ms per job on the reference machine].
    #[arg(long)]
    work: Option<u32>,
    /// Pool size for the pooled models (thread-pool, processes, rayon), and prefork's worker
    /// processes [default: logical cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Give up on a greet after this long (each attempt, with --retries).
    #[arg(long, default_value = "10s", value_parser = duration::parse)]
    timeout: Duration,
    /// Try a greet that failed (refused, reset, closed or timed out) up to this many more
    /// times, with exponential backoff and jitter. A greet is idempotent, so this is safe.
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// The wait before the first retry; each further one doubles it, up to 1s.
    #[arg(long, default_value = "20ms", value_parser = duration::parse)]
    backoff: Duration,
    /// Stop the whole batch after this long; jobs it cuts off are counted errors [default:
    /// twice the ideal time, plus one job's timeouts and backoffs, plus 10s].
    #[arg(long, value_parser = duration::parse)]
    deadline: Option<Duration>,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The model (see `greetbench models`).
    #[arg(long)]
    model: String,
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    hosts: HostArgs,
    /// Greet these hosts instead of starting a server: ADDR=HOST,... checks that the reply
    /// at ADDR names host HOST; ADDR,... alone does not check who answered. --latency, if
    /// given, is taken as theirs for the ideal time (floor).
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = parse_target,
        conflicts_with_all = ["hosts", "jitter", "spread_addresses", "fault", "fault_seed", "fault_hosts"]
    )]
    targets: Vec<(SocketAddr, Option<u32>)>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write every job's timeline here as Chrome trace-event JSON: open it in
    /// https://ui.perfetto.dev ("Open trace file") or chrome://tracing.
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
}

/// `ADDR` or `ADDR=HOST`.
fn parse_target(text: &str) -> Result<(SocketAddr, Option<u32>), String> {
    let (addr, host) = match text.split_once('=') {
        Some((a, h)) => (a, Some(h)),
        None => (text, None),
    };
    let addr = addr.trim().parse().map_err(|_| {
        format!("'{addr}' is not an address: write IP:PORT, or IP:PORT=HOST to check who answers")
    })?;
    let host = host
        .map(|h| {
            h.trim()
                .parse()
                .map_err(|_| format!("'{h}' is not a host number: write IP:PORT=3"))
        })
        .transpose()?;
    Ok((addr, host))
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    hosts: HostArgs,
    /// Which models: rust, python (the course's own, run by python3) or all. Without python3,
    /// `all` runs the Rust rows and says how to get the Python ones.
    #[arg(long, value_enum, default_value_t = LangArg::All)]
    lang: LangArg,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// `compare --lang`: which models' rows to run, by their descriptions' language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LangArg {
    /// The Rust models.
    Rust,
    /// The course's own Python models.
    Python,
    /// Both.
    All,
}

impl LangArg {
    fn keeps(self, lang: Lang) -> bool {
        match self {
            LangArg::Rust => lang == Lang::Rust,
            LangArg::Python => lang == Lang::Python,
            LangArg::All => true,
        }
    }
}

/// Arguments of `greetbench sweep`.
#[derive(Debug, Args)]
struct SweepArgs {
    /// Also write the sweep's JSON here (it always goes to target/greetbench/sweep.json).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Sweep further (more sizes, 20,000 waiting greets, and the scale sweep); also
    /// GREETBENCH_PROFILE=full.
    #[arg(long)]
    full: bool,
    /// Run only the rate sweep (models under open-loop load, from well below their knee to
    /// well past it) and store it as the rates of target/greetbench/sweep.json.
    #[arg(long)]
    rates: bool,
    /// Run only the scale sweep: each model from 1,000 waiting greets up to the OS limit that
    /// stops it, with memory (user and kernel) and CPU per waiting greet. Stored as `scale` in
    /// sweep.json, beside what an earlier sweep stored there.
    #[arg(long, conflicts_with_all = ["rates", "full", "fault", "fault_seed", "fault_hosts"])]
    scale: bool,
    /// With --scale: only these models (repeat, or comma-separate) [default: every model that
    /// keeps all its greets waiting at once].
    #[arg(long = "model", value_delimiter = ',')]
    models: Vec<String>,
    /// Faults for every point's server (the "under faults" points keep their own mix).
    #[command(flatten)]
    faults: FaultArgs,
}

/// Arguments of `greetbench soak`.
#[derive(Debug, Args)]
struct SoakArgs {
    /// The model (see `greetbench models`) [default: the first multi-threaded async model].
    #[arg(long)]
    model: Option<String>,
    /// Greets in all.
    #[arg(long, default_value_t = 1_000_000)]
    count: usize,
    /// Greets per batch: the most in flight at once.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    #[command(flatten)]
    work: SoakWork,
    #[command(flatten)]
    hosts: HostArgs,
}

/// The per-greet knobs of a soak (its own defaults: short timeouts, a few retries).
#[derive(Debug, Args)]
struct SoakWork {
    /// Pool size for the pooled models [default: logical cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Give up on an attempt after this long.
    #[arg(long, default_value = "1s", value_parser = duration::parse)]
    timeout: Duration,
    /// Retries per greet.
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

/// Arguments of `greetbench report`.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Render from this stored results.json instead of gathering target/ afresh.
    #[arg(long)]
    results: Option<std::path::PathBuf>,
    /// Write index.html into this directory [default: reports/ in the workspace].
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

/// Arguments of `greetbench serve-api`.
#[derive(Debug, Args)]
struct ServeApiArgs {
    /// How many hosts: ids 0..H answer, any other id is a 404.
    #[arg(long, default_value_t = 8)]
    hosts: usize,
    /// How long each greeting takes before the reply (50ms, 1s, 250us).
    #[arg(long, default_value = "50ms", value_parser = duration::parse)]
    latency: Duration,
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The most connections open at once; never more than the open-files limit allows. When
    /// full, the connection idle longest is closed to make room.
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    hosts: HostArgs,
    /// The first host's port (host i gets port+i; with --spread-addresses every host uses it).
    /// 0 picks free ports.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// CPU work (crunch size) per reply on the server.
    #[arg(long, default_value_t = 0)]
    work: u32,
    /// The most connections open at once; never more than the open-files limit less a
    /// reserve. When full, the connection idle longest is closed to make room.
    #[arg(long, default_value_t = 20_000)]
    max_connections: usize,
    /// Spread the hosts over this many server processes, each holding a block of them (and
    /// its own open-files limit): for more connections than one process may open.
    #[arg(long, default_value_t = 1)]
    processes: usize,
    /// The number of this server's first host: it serves hosts first..first+H, each answering
    /// with its own number. Set by `--processes` for each of its server processes.
    #[arg(long, default_value_t = 0, hide = true)]
    first_host: usize,
    /// Also stop when stdin closes: the harness uses this so that a server child never
    /// outlives the run that started it, even if that run crashes.
    #[arg(long, hide = true)]
    until_stdin_closes: bool,
}

/// Why a command could not do its work. The binary prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A run could not be measured.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// A run in a child process produced no record.
    #[error("{model}: {message}")]
    Run {
        /// The model.
        model: String,
        /// What the child said.
        message: String,
    },
    /// An argument is out of range.
    #[error("{0}")]
    Usage(String),
    /// `GREETBENCH_PROFILE` is wrong.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The results could not be read or written.
    #[error(transparent)]
    Results(#[from] greetbench_report::ResultsError),
    /// The greet server could not start.
    #[error(transparent)]
    Server(#[from] greet_server::ServerError),
    /// The JSON API could not start.
    #[error(transparent)]
    Api(#[from] greet_api::ApiError),
    /// An OS call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// An OS limit keeps the command from starting.
    #[error("{0}")]
    Limit(String),
}

impl CliError {
    /// The exit status this error ends the command with (see [`exit`]).
    pub fn exit_status(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Profile(_) => exit::USAGE,
            CliError::Harness(h) => match h {
                HarnessError::UnknownModel(_)
                | HarnessError::Plan(_)
                | HarnessError::Arrivals(_)
                | HarnessError::Hosts(_) => exit::USAGE,
                h if h.limit().is_some() => exit::LIMIT,
                _ => exit::COULD_NOT_RUN,
            },
            CliError::Limit(_) => exit::LIMIT,
            _ => exit::COULD_NOT_RUN,
        }
    }
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> CliError {
    move |source| CliError::Io { what, source }
}

/// If this process was started with [`child::AS_CLI_ENV`] (or as a model's worker process),
/// acts as the `greetbench` binary and exits; otherwise returns at once.
///
/// The harness starts its children (`serve`, `child`) by re-executing the *current*
/// executable with that variable set. In the `greetbench` binary that changes nothing; a
/// benchmark or test binary calls this first thing in `main`, so that it can be its own server
/// and its own child runs, with no separately built `greetbench` needed.
pub fn run_as_cli_if_requested() {
    crate::registry::run_worker_if_requested();
    if std::env::var_os(child::AS_CLI_ENV).is_some() {
        std::process::exit(i32::from(main_status()));
    }
}

/// Parses the arguments, runs the subcommand and turns any error into one line on stderr.
pub fn main() -> ExitCode {
    ExitCode::from(main_status())
}

/// [`main`], as the exit status (see [`exit`]).
pub fn main_status() -> u8 {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            say(&e.render().to_string()); // --help and --version
            // A full disk under a redirect is a failure here too (a closed pipe is not).
            return if crate::out::failed() {
                exit::COULD_NOT_RUN
            } else {
                exit::OK
            };
        }
        Err(e) => {
            // clap's message, first line only: what is wrong, with the value and the flag.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("error: bad arguments");
            warn(&format!("{first} (see greetbench --help)\n"));
            return exit::USAGE;
        }
    };
    let status = match dispatch(cli.command, &matches) {
        Ok(code) => code,
        Err(e) => {
            warn(&format!("error: {e}\n"));
            e.exit_status()
        }
    };
    if crate::out::failed() && status == exit::OK {
        return exit::COULD_NOT_RUN;
    }
    status
}

/// Whether the user gave `--{id}` of subcommand `sub` on the command line (not a default).
fn given(matches: &ArgMatches, sub: &str, id: &str) -> bool {
    matches
        .subcommand_matches(sub)
        .and_then(|m| m.try_get_raw(id).ok().flatten().map(|_| m.value_source(id)))
        .flatten()
        == Some(ValueSource::CommandLine)
}

fn dispatch(command: Command, matches: &ArgMatches) -> Result<u8, CliError> {
    match command {
        Command::Models => {
            for d in registry::descriptions() {
                let lang = match d.lang {
                    greet_core::Lang::Rust => String::new(),
                    other => format!("[{other:?}] "),
                };
                let historical = d
                    .historical
                    .as_deref()
                    .map_or(String::new(), |why| format!(" (historical: {why})"));
                let line = format!(
                    "{:<22} {:<14} {lang}{}{historical}\n",
                    d.name, d.family, d.about
                );
                say(&line);
                if crate::out::stdout_closed() {
                    break; // a closed pipe (`greetbench models | head -1`) is not an error
                }
            }
            Ok(exit::OK)
        }
        Command::Run(args) => run(&args, given(matches, "run", "latency")),
        Command::Compare(args) => compare(&args),
        Command::Serve(args) => serve(&args),
        Command::ServeApi(args) => serve_api(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Report(args) => report(&args),
        Command::Soak(args) => soak(&args),
        Command::Load(args) => load(&args),
        Command::Child => {
            let result = match child::read_request(std::io::stdin()) {
                Ok(request) => match harness::execute(&request) {
                    Ok(record) => RunResult::Record(Box::new(record)),
                    Err(e) => RunResult::Failure(e.into_failure(request)),
                },
                Err(message) => return Err(CliError::Usage(message)),
            };
            let code = result_status(&result);
            say(&format!(
                "{}\n",
                serde_json::to_string(&result).unwrap_or_default()
            ));
            Ok(code)
        }
    }
}

/// The exit status of a finished run (see [`exit`]): 0 when every job succeeded or every
/// error was an injected fault, 3 when an OS limit stopped part of it, 1 when jobs failed
/// otherwise.
pub fn exit_status(status: Status) -> u8 {
    match status {
        Status::Ok | Status::FaultsOnly => exit::OK,
        Status::Limit(_) => exit::LIMIT,
        Status::Failed => exit::JOBS_FAILED,
    }
}

/// The exit status of a run's result: its record's, or for a run with no record, 3 for an OS
/// limit, 2 for a refused request, 4 otherwise.
fn result_status(result: &RunResult) -> u8 {
    match result {
        RunResult::Record(r) => exit_status(r.status()),
        RunResult::Failure(f) => match (f.limit, f.kind) {
            (Some(_), _) => exit::LIMIT,
            (None, FailureKind::Request) => exit::USAGE,
            (None, _) => exit::COULD_NOT_RUN,
        },
    }
}

fn check_counts(work: &WorkArgs, hosts: &HostArgs) -> Result<(), CliError> {
    if work.retries > greet_core::plan::MAX_RETRIES {
        return Err(CliError::Usage(format!(
            "--retries must be at most {}",
            greet_core::plan::MAX_RETRIES
        )));
    }
    if work.deadline.is_some_and(|d| d.is_zero()) {
        return Err(CliError::Usage("--deadline must be greater than 0".into()));
    }
    if work.count == 0 || work.count > MAX_COUNT {
        return Err(CliError::Usage(format!(
            "--count must be between 1 and {MAX_COUNT}"
        )));
    }
    if hosts.hosts == 0 || hosts.hosts > greet_server::MAX_HOSTS {
        return Err(CliError::Usage(format!(
            "--hosts must be between 1 and {}",
            greet_server::MAX_HOSTS
        )));
    }
    Ok(())
}

/// `run --json` prints the record, plus what is derived from it.
#[derive(serde::Serialize)]
struct RecordJson<'a> {
    #[serde(flatten)]
    record: &'a RunRecord,
    /// ok, limit or failed.
    status: Status,
    /// One message per OS limit hit, naming the limit and the way round it.
    limits_hit: Vec<&'static str>,
    /// Whether each reply was checked to come from the host the job aimed at.
    host_check: &'static str,
}

impl<'a> RecordJson<'a> {
    fn new(record: &'a RunRecord) -> RecordJson<'a> {
        RecordJson {
            record,
            status: record.status(),
            limits_hit: record.limits().into_iter().map(OsLimit::hint).collect(),
            host_check: host_check(&record.request),
        }
    }
}

/// How a run's replies were checked, in words.
fn host_check(request: &RunRequest) -> &'static str {
    if !request.workload.greets() {
        "no greets"
    } else if request.targets.is_empty() {
        "checked: each reply names the host greeted"
    } else if request.target_hosts.is_empty() {
        "host not checked (give --targets ADDR=HOST to check who answers)"
    } else {
        "checked against --targets ADDR=HOST"
    }
}

fn run(args: &RunArgs, latency_given: bool) -> Result<u8, CliError> {
    registry::find(&args.model).map_err(HarnessError::from)?;
    check_counts(&args.work, &args.hosts)?;
    let mut request = args.work.request(&args.model, &args.hosts)?;
    request.targets = args.targets.iter().map(|(addr, _)| *addr).collect();
    let hosts: Vec<u32> = args.targets.iter().filter_map(|(_, h)| *h).collect();
    if !hosts.is_empty() && hosts.len() != args.targets.len() {
        return Err(CliError::Usage(
            "--targets: give every target its host (ADDR=HOST) or none".into(),
        ));
    }
    request.target_hosts = hosts;
    if !request.targets.is_empty() {
        // Their latency is what the user says, or unknown (floor null, never 0).
        request.targets_latency = latency_given.then_some(args.hosts.latency);
    }
    request.trace = args.trace.is_some();
    let record = harness::execute(&request)?;
    if let Some(file) = &args.trace {
        write_trace(file, &record)?;
    }
    if args.json {
        let json = serde_json::to_string(&RecordJson::new(&record)).unwrap_or_default();
        say(&format!("{json}\n"));
    } else {
        print_table(std::slice::from_ref(&record), &[]);
    }
    Ok(finish(&record))
}

/// Writes the run's timeline to `file` as Chrome trace-event JSON, and says where.
fn write_trace(file: &std::path::Path, record: &RunRecord) -> Result<(), CliError> {
    let doc = crate::chrome::trace_events(record).unwrap_or_default();
    let text = serde_json::to_string(&doc).unwrap_or_default();
    std::fs::write(file, text + "\n").map_err(|e| {
        CliError::Usage(format!(
            "cannot write --trace {}: {e}; name a file in a directory you can write",
            file.display()
        ))
    })?;
    warn(&format!(
        "trace: {} (open it in https://ui.perfetto.dev, \"Open trace file\", or chrome://tracing)\n",
        file.display()
    ));
    Ok(())
}

/// Says which limit stopped part of the run, and gives its exit status.
fn finish(record: &RunRecord) -> u8 {
    let q = &record.request;
    for limit in record.limits() {
        warn(&format!(
            "limit: {} ({}): {}\n",
            q.model,
            q.workload,
            limit.hint()
        ));
    }
    if record.status() == Status::FaultsOnly {
        warn(&format!(
            "note: {}: every error was a fault injected on purpose ({} of {} jobs)\n",
            q.model, record.errors, q.count
        ));
    }
    for e in record.first_errors.iter().take(3) {
        warn(&format!("note: {} had errors, e.g. {e}\n", q.model));
    }
    if q.workload.greets() && !q.targets.is_empty() && q.target_hosts.is_empty() {
        warn(&format!("note: {}: {}\n", q.model, host_check(q)));
    }
    exit_status(record.status())
}

/// The more serious of two exit statuses: jobs that failed outrank an OS limit, which
/// outranks success.
fn worse(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::OK => 0,
        exit::LIMIT => 1,
        _ => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn compare(args: &CompareArgs) -> Result<u8, CliError> {
    check_counts(&args.work, &args.hosts)?;
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    let (w, h) = (&args.work, &args.hosts);
    // Generous but finite: the slowest model (sequential) waits N x L, and each child bounds
    // its own batch with its deadline.
    let attempts = w.retries + 1;
    let deadline = Duration::from_secs(120)
        + (h.latency + w.timeout / 10) * w.count as u32 * 2 * attempts
        + w.deadline.unwrap_or_default();
    let mut records = Vec::new();
    let mut code = exit::OK;
    let (models, not_run) = runnable(args.lang);
    if models.is_empty()
        && let Some((_, why)) = not_run.first()
    {
        return Err(CliError::Usage(why.clone()));
    }
    say_not_run(&not_run);
    for model in &models {
        let model = model.as_str();
        if !args.json {
            warn(&format!("running {model}...\n"));
        }
        let result = child::run(&exe, &w.request(model, h)?, deadline);
        code = worse(code, result_status(&result));
        match result {
            RunResult::Record(r) => {
                finish(&r);
                records.push(*r);
            }
            RunResult::Failure(f) => {
                warn(&format!("error: {model}: {}\n", f.message));
            }
        }
    }
    if args.json {
        let all: Vec<RecordJson<'_>> = records.iter().map(RecordJson::new).collect();
        say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&all).unwrap_or_default()
        ));
    } else {
        print_table(&records, &not_run);
    }
    Ok(code)
}

/// The models `lang` picks that can run here, and those that cannot, with why. A model that
/// cannot run is not an error: its row reads "not available here".
fn runnable(lang: LangArg) -> (Vec<String>, Vec<(String, String)>) {
    let (mut run, mut not_run) = (Vec::new(), Vec::<(String, String)>::new());
    for d in registry::descriptions() {
        if !lang.keeps(d.lang) {
            continue;
        }
        match registry::find(&d.name).ok().and_then(|m| m.unavailable()) {
            Some(why) => not_run.push((d.name, why)),
            None => run.push(d.name),
        }
    }
    (run, not_run)
}

/// Says once on stderr why each group of models cannot run: without python3, one line names
/// the fix for every Python model.
fn say_not_run(not_run: &[(String, String)]) {
    let mut said: Vec<&str> = Vec::new();
    for (_, why) in not_run {
        if said.contains(&why.as_str()) {
            continue;
        }
        said.push(why);
        let names: Vec<&str> = not_run
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(n, _)| n.as_str())
            .collect();
        warn(&format!("not run: {}: {why}\n", names.join(", ")));
    }
}

/// Answers the harness on stdin until it closes (when `watch_stdin`), or until Ctrl-C: each
/// `stats` line gets the counters `snapshot` gives, as one line on stdout.
async fn serve_until(
    watch_stdin: bool,
    snapshot: impl Fn() -> Option<greet_server::StatsSnapshot>,
) {
    let stdin_closed = async {
        if watch_stdin {
            // The parent writes one request a line: `stats` asks for the counters, answered
            // as one line on stdout. Bounded: this ends at EOF (or an error), and a line is
            // cut at 64 bytes.
            let mut sink = [0u8; 64];
            let mut line = Vec::with_capacity(64);
            let mut stdin = tokio::io::stdin();
            while let Ok(n) = tokio::io::AsyncReadExt::read(&mut stdin, &mut sink).await {
                if n == 0 {
                    break;
                }
                for &b in &sink[..n] {
                    if b != b'\n' {
                        if line.len() < 64 {
                            line.push(b);
                        }
                        continue;
                    }
                    if line == harness::STATS_REQUEST.as_bytes()
                        && let Some(s) = snapshot()
                    {
                        say(&harness::stats_line(&s));
                    }
                    line.clear();
                }
            }
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = stdin_closed => {}
    }
}

/// `serve --processes P`: P `serve` children, each holding a block of the hosts; this process
/// prints every host's address in host order and answers `stats` with their sum.
fn serve_spread(args: &ServeArgs, spec: &HostSpec) -> Result<u8, CliError> {
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    let extra: Vec<String> = [
        ("--port", args.port.to_string()),
        ("--work", args.work.to_string()),
        ("--max-connections", args.max_connections.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect();
    let server = harness::ServerProcess::start_spread_with(&exe, spec, args.processes, &extra)?;
    for (i, addr) in server.addrs().iter().enumerate() {
        say(&format!("{}\n", greet_server::listening_line(i, *addr)));
    }
    let h = spec.hosts;
    for (i, pid) in server.pids().iter().enumerate() {
        let p = server.processes();
        warn(&format!(
            "server process {pid} holds hosts {} to {}\n",
            i * h / p,
            (i + 1) * h / p - 1
        ));
    }
    warn(&format!(
        "serving {} over {} processes until interrupted (Ctrl-C)\n",
        greet_server::describe(&harness::server_config(spec)),
        server.processes()
    ));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the server runtime"))?;
    rt.block_on(serve_until(args.until_stdin_closes, || server.snapshot()));
    if let Some(s) = server.snapshot() {
        warn(&format!(
            "served {} greets, {} errors, {} faults injected, {} idle connections evicted, over {} processes\n",
            s.served,
            s.errors,
            s.faults.total(),
            s.evicted,
            server.processes()
        ));
    }
    Ok(exit::OK)
}

fn serve(args: &ServeArgs) -> Result<u8, CliError> {
    if args.hosts.hosts == 0 || args.hosts.hosts > greet_server::MAX_HOSTS {
        return Err(CliError::Usage(format!(
            "--hosts must be between 1 and {}",
            greet_server::MAX_HOSTS
        )));
    }
    if args.processes == 0 || args.processes > args.hosts.hosts {
        return Err(CliError::Usage(format!(
            "--processes must be between 1 and --hosts ({}): each process holds at least one host",
            args.hosts.hosts
        )));
    }
    if args.processes > 1 {
        return serve_spread(args, &args.hosts.spec()?);
    }
    crate::sys::raise_open_files_limit();
    let mut config = harness::server_config(&args.hosts.spec()?);
    config.first_host = args.first_host;
    config.work = args.work;
    config.max_connections = args.max_connections;
    config.bind = match config.bind {
        greet_server::Bind::Ports { ip, .. } => greet_server::Bind::Ports {
            ip,
            port: args.port,
        },
        greet_server::Bind::SpreadLoopback { .. } => {
            greet_server::Bind::SpreadLoopback { port: args.port }
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the server runtime"))?;
    rt.block_on(async {
        let listeners = greet_server::bind(&config).await?;
        for (i, l) in listeners.iter().enumerate() {
            let addr = l
                .local_addr()
                .map_err(io("cannot read a listening address"))?;
            let host = config.first_host + i;
            say(&format!("{}\n", greet_server::listening_line(host, addr)));
        }
        warn(&format!(
            "serving {} until interrupted (Ctrl-C)\n",
            greet_server::describe(&config)
        ));
        let stats = std::sync::Arc::new(greet_server::Stats::default());
        let asked = stats.clone();
        let shutdown = serve_until(args.until_stdin_closes, move || Some(asked.snapshot()));
        greet_server::run(listeners, config, stats.clone(), shutdown).await;
        let s = stats.snapshot();
        warn(&format!(
            "served {} greets, {} errors, peak {} in flight, {} faults injected, {} idle connections evicted\n",
            s.served,
            s.errors,
            s.peak_in_flight,
            s.faults.total(),
            s.evicted
        ));
        Ok::<_, CliError>(())
    })?;
    Ok(exit::OK)
}

fn sweep(args: &SweepArgs) -> Result<u8, CliError> {
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    let profile = if args.full {
        Profile::Full
    } else {
        Profile::from_env()?
    };
    let faults = args.faults.faults()?;
    if !args.scale && !args.models.is_empty() {
        return Err(CliError::Usage(
            "--model picks the scale sweep's models: add --scale".into(),
        ));
    }
    if args.rates {
        let (sweep, written) =
            crate::sweep::rates::run_alone_and_store(&exe, profile, args.out.as_deref())?;
        return Ok(said_with_files(
            crate::sweep::rates::table(&sweep.rates),
            &written,
        ));
    }
    if args.scale {
        let mut options = crate::scale::Options::default();
        if !args.models.is_empty() {
            let takes_part = crate::scale::models();
            for m in &args.models {
                registry::find(m).map_err(HarnessError::from)?;
                if !takes_part.contains(m) {
                    return Err(CliError::Usage(format!(
                        "--model {m} keeps at most a pool of greets waiting, so it cannot hold \
                         N at once: the scale sweep takes {}",
                        takes_part.join(", ")
                    )));
                }
            }
            options.models = args.models.clone();
        }
        let (sweep, written) =
            crate::sweep::run_scale_and_store(&exe, &options, args.out.as_deref())?;
        return Ok(said_with_files(crate::scale::table(&sweep.scale), &written));
    }
    let (sweep, written) =
        crate::sweep::run_and_store_with_faults(&exe, profile, &faults, args.out.as_deref())?;
    Ok(said_with_files(crate::sweep::table(&sweep), &written))
}

/// Says a sweep's table and the files it wrote.
fn said_with_files(mut text: String, written: &[std::path::PathBuf]) -> u8 {
    for file in written {
        text.push_str(&format!("wrote {}\n", file.display()));
    }
    say(&text);
    exit::OK
}

fn soak(args: &SoakArgs) -> Result<u8, CliError> {
    // By default a model that holds a whole batch waiting at once on every core.
    let model = args.model.clone().unwrap_or_else(|| {
        registry::first_where(|d| {
            d.family == greet_core::Family::Async && !d.one_thread && d.historical.is_none()
        })
    });
    registry::find(&model).map_err(HarnessError::from)?;
    if args.batch == 0 || args.batch > args.count.min(MAX_COUNT) {
        return Err(CliError::Usage(format!(
            "--batch must be between 1 and --count ({})",
            args.count
        )));
    }
    let request = RunRequest {
        workers: args.work.workers,
        timeout: args.work.timeout,
        retries: args.work.retries,
        hosts: args.hosts.spec()?,
        ..RunRequest::new(&model, Workload::Greet, args.batch)
    };
    let report = crate::soak::run(&request, args.count)?;
    say(&report.text());
    Ok(if report.holds() {
        exit::OK
    } else {
        exit::JOBS_FAILED
    })
}

fn report(args: &ReportArgs) -> Result<u8, CliError> {
    let paths = greetbench_report::Paths::locate();
    let results = match &args.results {
        Some(file) => file.clone(),
        None => greetbench_report::collect(&paths, &registry::descriptions())?,
    };
    let out = args.out.clone().unwrap_or_else(|| paths.report_dir());
    let page = greetbench_report::render(&results, &out, &paths.target.join("criterion"))?;
    say(&format!(
        "report: {} (from {})\n",
        page.display(),
        results.display()
    ));
    Ok(exit::OK)
}

fn serve_api(args: &ServeApiArgs) -> Result<u8, CliError> {
    crate::sys::raise_open_files_limit();
    let config = greet_api::Config {
        hosts: args.hosts,
        latency: args.latency,
        bind: SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, args.port)),
        max_connections: args.max_connections,
        ..greet_api::Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the API runtime"))?;
    rt.block_on(async {
        let listener = greet_api::bind(&config).await?;
        let addr = listener
            .local_addr()
            .map_err(io("cannot read the listening address"))?;
        say(&format!("api listening on {}\n", greet_api::base_url(addr)));
        warn(&format!(
            "serving {} as JSON until interrupted (Ctrl-C); try: curl {}/hosts/0/greeting\n",
            greet_api::describe(&config),
            greet_api::base_url(addr)
        ));
        let stats = std::sync::Arc::new(greet_api::Stats::default());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        greet_api::run(listener, config, stats.clone(), shutdown).await;
        let s = stats.snapshot();
        warn(&format!(
            "served {} greetings, {} not found, peak {} in flight\n",
            s.served, s.not_found, s.peak_in_flight
        ));
        Ok::<_, CliError>(())
    })?;
    Ok(exit::OK)
}

/// The human-readable table of `run` and `compare`; `not_run` are the models that cannot run
/// here (a row each: "not available here").
fn print_table(records: &[RunRecord], not_run: &[(String, String)]) {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<21} {:>6} {:>6} {:>9} {:>9} {:>8} {:>8} {:>9} {:>7} {:>9} {:>9}\n",
        "model",
        "ok",
        "errors",
        "wall",
        "floor",
        "cpu usr",
        "cpu sys",
        "peak rss",
        "threads",
        "p50",
        "p99"
    ));
    let secs = |v: f64| human(Duration::from_secs_f64(v.max(0.0)));
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| secs(v / 1e3));
    for r in records {
        out.push_str(&format!(
            "{:<21} {:>6} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7}Mi {:>7} {:>9} {:>9}\n",
            r.request.model,
            r.ok,
            r.errors,
            secs(r.wall_s),
            r.floor_s.map_or("-".into(), secs),
            secs(r.cpu_user_s),
            secs(r.cpu_sys_s),
            r.peak_rss_kib / 1024,
            r.peak_threads,
            ms(r.latency_p50_ms),
            ms(r.latency_p99_ms),
        ));
    }
    for (name, _) in not_run {
        out.push_str(&format!("{name:<21} not available here\n"));
    }
    if let Some(r) = records.first() {
        let q = &r.request;
        let work = q.work.map_or(String::new(), |w| format!(", work {w}"));
        let checksum = r
            .checksum
            .map_or(String::new(), |c| format!(", checksum {c:#018x}"));
        let hosts = if q.workload.greets() {
            format!(
                " over {} host(s) at {}",
                q.hosts.hosts,
                human(q.hosts.latency)
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "workload {} x{}{hosts}{work}{checksum}\n",
            q.workload, q.count
        ));
    }
    // A closed pipe (`greetbench compare | head`) ends the table quietly.
    say(&out);
}

/// Arguments of `greetbench load`.
#[derive(Debug, Args)]
struct LoadArgs {
    /// The model (see `greetbench models`).
    #[arg(long)]
    model: String,
    /// Greets offered per second, whether or not the model keeps up.
    #[arg(long, allow_hyphen_values = true)]
    rate: f64,
    /// How long greets keep arriving (3s, 500ms); at most 1h.
    #[arg(long, value_parser = duration::parse)]
    duration: Duration,
    /// How arrivals are spaced: constant (every 1/rate) or poisson (random gaps, mean 1/rate).
    #[arg(long, default_value = "constant")]
    arrivals: Pattern,
    /// The seed of a poisson schedule: the same seed, the same arrivals.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// greet (I/O-bound), crunch (CPU-bound) or mixed.
    #[arg(long, default_value = "greet")]
    workload: Workload,
    /// Crunch size W for crunch and mixed [default: 250000].
    #[arg(long)]
    work: Option<u32>,
    /// Pool size for the pooled models (thread-pool, processes, rayon), and prefork's worker
    /// processes [default: logical cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Give up on a greet after this long (each attempt, with --retries).
    #[arg(long, default_value = "10s", value_parser = duration::parse)]
    timeout: Duration,
    /// Try a failed greet up to this many more times.
    #[arg(long, default_value_t = 0)]
    retries: u32,
    /// Stop the run this long after it starts; greets still queued then are counted errors
    /// [default: --duration, plus one greet's timeouts and backoffs, plus 10s].
    #[arg(long, value_parser = duration::parse)]
    deadline: Option<Duration>,
    #[command(flatten)]
    hosts: HostArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

impl LoadArgs {
    /// The open-loop request these arguments ask for, or the one line that names the fix.
    fn request(&self) -> Result<RunRequest, CliError> {
        registry::find(&self.model).map_err(HarnessError::from)?;
        if self.retries > greet_core::plan::MAX_RETRIES {
            return Err(CliError::Usage(format!(
                "--retries must be at most {}",
                greet_core::plan::MAX_RETRIES
            )));
        }
        if self.deadline.is_some_and(|d| d <= self.duration) {
            return Err(CliError::Usage(format!(
                "--deadline must be longer than --duration ({}): greets arrive for the whole \
                 duration, so a shorter deadline would cut off greets never offered; raise it or \
                 leave it out",
                greet_core::duration::human(self.duration)
            )));
        }
        if self.timeout.is_zero() {
            return Err(CliError::Usage("--timeout must be greater than 0".into()));
        }
        if self.hosts.hosts == 0 || self.hosts.hosts > greet_server::MAX_HOSTS {
            return Err(CliError::Usage(format!(
                "--hosts must be between 1 and {}",
                greet_server::MAX_HOSTS
            )));
        }
        let spec = LoadSpec {
            rate: self.rate,
            duration: self.duration,
            arrivals: self.arrivals,
            seed: self.seed,
        };
        let request = RunRequest::open_loop(&self.model, self.workload, spec)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(RunRequest {
            work: self.work,
            workers: self.workers,
            timeout: self.timeout,
            retries: self.retries,
            deadline: self.deadline,
            hosts: self.hosts.spec()?,
            ..request
        })
    }
}

/// `greetbench load`: one open-loop run in a fresh child process (as `compare` runs each
/// model), so that the progress bar drawn here costs the record nothing.
fn load(args: &LoadArgs) -> Result<u8, CliError> {
    let request = args.request()?;
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    // The run's own deadline, plus time to start the hosts and the model.
    let run_deadline = request
        .deadline
        .unwrap_or_else(|| request.open_loop_deadline(args.duration));
    let result = with_load_bar(args, || {
        child::run(&exe, &request, run_deadline + Duration::from_secs(120))
    });
    let record = match result {
        RunResult::Record(r) => r,
        RunResult::Failure(f) => {
            let message = f.message;
            return Err(match (f.limit, f.kind) {
                (Some(_), _) => CliError::Limit(message),
                (None, FailureKind::Request) => CliError::Usage(message),
                _ => CliError::Run {
                    model: args.model.clone(),
                    message,
                },
            });
        }
    };
    let Some(figures) = record.load.as_ref() else {
        return Err(CliError::Run {
            model: args.model.clone(),
            message: "the run came back without its open-loop figures: a bug in the harness".into(),
        });
    };
    if args.json {
        let json = serde_json::to_string(&LoadJson::new(&record, figures)).unwrap_or_default();
        say(&format!("{json}\n"));
    } else {
        say(&load_table(&record, figures));
    }
    Ok(finish(&record))
}

/// Runs `work` while a progress bar on stderr follows the arrivals' duration. indicatif hides
/// the bar when stderr is not a terminal (a pipe, a file, a closed pipe), so it never writes
/// there; on a terminal a failed draw is dropped, never a panic.
fn with_load_bar<T>(args: &LoadArgs, work: impl FnOnce() -> T) -> T {
    let total_ms = u64::try_from(args.duration.as_millis()).unwrap_or(u64::MAX);
    let bar = indicatif::ProgressBar::new(total_ms.max(1));
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("load [{elapsed_precise}] {bar:30} {msg}")
    {
        bar.set_style(style);
    }
    bar.set_message(format!(
        "{}: {} greets/s for {} ({})",
        args.model,
        args.rate,
        human(args.duration),
        args.arrivals.name()
    ));
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let t0 = std::time::Instant::now();
            // Bounded: it ends when the work does, and the work has a deadline.
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let elapsed = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
                bar.set_position(elapsed.min(total_ms));
                if elapsed >= total_ms {
                    bar.set_message(format!(
                        "{}: arrivals over, waiting for the last greets",
                        args.model
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let out = work();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    })
}

/// `load --json`: one flat object. Its top-level latency keys are the open-loop ones, from
/// each greet's *intended* start ([`greet_core::record::LoadFigures`], flattened in); the
/// whole run record, whose own `latency_p50_ms`/`latency_p99_ms` run from each greet's actual
/// start as in a batch, is under `record`.
#[derive(serde::Serialize)]
struct LoadJson<'a> {
    /// The model.
    model: &'a str,
    /// Greets offered (the schedule's count).
    count: usize,
    /// Greets that succeeded.
    ok: usize,
    /// Greets that failed; `ok + errors == count`.
    errors: usize,
    /// The client's user CPU, s.
    cpu_user_s: f64,
    /// The client's system CPU, s.
    cpu_sys_s: f64,
    /// The open-loop figures.
    #[serde(flatten)]
    load: &'a LoadFigures,
    /// ok, faults_only, limit or failed.
    status: Status,
    /// The run record, with `status`, `limits_hit` and `host_check`.
    record: RecordJson<'a>,
}

impl<'a> LoadJson<'a> {
    fn new(record: &'a RunRecord, load: &'a LoadFigures) -> LoadJson<'a> {
        LoadJson {
            model: &record.request.model,
            count: record.request.count,
            ok: record.ok,
            errors: record.errors,
            cpu_user_s: record.cpu_user_s,
            cpu_sys_s: record.cpu_sys_s,
            load,
            status: record.status(),
            record: RecordJson::new(record),
        }
    }
}

/// The human-readable figures of one open-loop run: a short table and two lines.
fn load_table(record: &RunRecord, f: &LoadFigures) -> String {
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| human(Duration::from_secs_f64(v / 1e3)));
    let mut out = format!(
        "{:<21} {:>9} {:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "model",
        "offered",
        "achieved",
        "count",
        "ok",
        "errors",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max"
    );
    out.push_str(&format!(
        "{:<21} {:>7.1}/s {:>7.1}/s {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        record.request.model,
        f.offered_rate,
        f.achieved_rate,
        record.request.count,
        record.ok,
        record.errors,
        ms(f.latency_p50_ms),
        ms(f.latency_p90_ms),
        ms(f.latency_p99_ms),
        ms(f.latency_p999_ms),
        ms(f.latency_max_ms),
    ));
    out.push_str(&format!(
        "when arrivals ended ({} s, {}): {} queued, {} running; at most {} queued at once; {} never started\n",
        f.duration_s,
        f.arrivals.name(),
        f.queued_at_end,
        f.in_flight_at_end,
        f.max_queued,
        f.never_started
    ));
    let knee = f
        .predicted_knee_rate
        .map_or("-".into(), |k| format!("{k:.1}/s"));
    out.push_str(&format!(
        "predicted knee {knee} ({}); cpu {:.3} s user, {:.3} s sys; latency from each greet's intended start\n",
        f.knee_basis, record.cpu_user_s, record.cpu_sys_s
    ));
    out
}

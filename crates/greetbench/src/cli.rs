//! The command line: argument types (clap) and one function per subcommand. `main.rs` only
//! calls [`main`].

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use greet_core::duration::{self, human};
use greet_core::plan::MAX_COUNT;
use greet_core::record::{HostSpec, RunRecord, RunRequest, RunResult, Status};
use greet_core::{OsLimit, Workload};

use crate::harness::{self, HarnessError};
use crate::sweep::{Profile, ProfileError};
use crate::{child, registry};

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
}

impl WorkArgs {
    /// The request for `model` with these arguments and `hosts`.
    fn request(&self, model: &str, hosts: &HostArgs) -> RunRequest {
        RunRequest {
            model: model.to_owned(),
            workload: self.workload,
            count: self.count,
            work: self.work,
            workers: self.workers,
            timeout: self.timeout,
            hosts: hosts.spec(),
            targets: Vec::new(),
            trace: false,
        }
    }
}

impl HostArgs {
    fn spec(&self) -> HostSpec {
        HostSpec {
            hosts: self.hosts,
            latency: self.latency,
            jitter: self.jitter,
            spread_addresses: self.spread_addresses,
        }
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
    /// Pool size for thread-pool, processes and rayon [default: logical cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Give up on a greet after this long.
    #[arg(long, default_value = "10s", value_parser = duration::parse)]
    timeout: Duration,
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
    /// Greet these hosts (ADDR,ADDR,...) instead of starting a server.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<SocketAddr>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write every job's timeline here as Chrome trace-event JSON: open it in
    /// https://ui.perfetto.dev ("Open trace file") or chrome://tracing.
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    hosts: HostArgs,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// Arguments of `greetbench sweep`.
#[derive(Debug, Args)]
struct SweepArgs {
    /// Also write the sweep's JSON here (it always goes to target/greetbench/sweep.json).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Sweep further (more sizes, 20,000 waiting greets); also GREETBENCH_PROFILE=full.
    #[arg(long)]
    full: bool,
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
    /// The most connections open at once.
    #[arg(long, default_value_t = 20_000)]
    max_connections: usize,
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
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> CliError {
    move |source| CliError::Io { what, source }
}

/// If this process was started with [`child::AS_CLI_ENV`] (or as a processes-model worker),
/// acts as the `greetbench` binary and exits; otherwise returns at once.
///
/// The harness starts its children (`serve`, `child`) by re-executing the *current*
/// executable with that variable set. In the `greetbench` binary that changes nothing; a
/// benchmark or test binary calls this first thing in `main`, so that it can be its own server
/// and its own child runs, with no separately built `greetbench` needed.
pub fn run_as_cli_if_requested() {
    model_processes::run_worker_if_requested();
    if std::env::var_os(child::AS_CLI_ENV).is_some() {
        let code = main();
        std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
    }
}

/// Parses the arguments, runs the subcommand and turns any error into one line on stderr.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print(); // --help and --version
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message, first line only: what is wrong, with the value and the flag.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("error: bad arguments");
            eprintln!("{first} (see greetbench --help)");
            return ExitCode::from(2);
        }
    };
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Models => {
            let mut out = std::io::stdout().lock();
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
                if out.write_all(line.as_bytes()).is_err() {
                    break; // a closed pipe (`greetbench models | head -1`) is not an error
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run(&args),
        Command::Compare(args) => compare(&args),
        Command::Serve(args) => serve(&args),
        Command::ServeApi(args) => serve_api(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Report(args) => report(&args),
        Command::Child => {
            let result = match child::read_request(std::io::stdin()) {
                Ok(request) => match harness::execute(&request) {
                    Ok(record) => RunResult::Record(Box::new(record)),
                    Err(e) => RunResult::Failure(e.into_failure(request)),
                },
                Err(message) => return Err(CliError::Usage(message)),
            };
            let code = exit_code(result.status());
            println!("{}", serde_json::to_string(&result).unwrap_or_default());
            Ok(code)
        }
    }
}

/// The exit status of a finished run: 0 ok, 3 when an OS limit stopped part of it, 1 when
/// jobs failed otherwise.
fn exit_code(status: Status) -> ExitCode {
    match status {
        Status::Ok => ExitCode::SUCCESS,
        Status::Limit(_) => ExitCode::from(3),
        Status::Failed => ExitCode::FAILURE,
    }
}

fn check_counts(work: &WorkArgs, hosts: &HostArgs) -> Result<(), CliError> {
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
}

impl<'a> RecordJson<'a> {
    fn new(record: &'a RunRecord) -> RecordJson<'a> {
        RecordJson {
            record,
            status: record.status(),
            limits_hit: record.limits().into_iter().map(OsLimit::hint).collect(),
        }
    }
}

fn run(args: &RunArgs) -> Result<ExitCode, CliError> {
    registry::find(&args.model).map_err(HarnessError::from)?;
    check_counts(&args.work, &args.hosts)?;
    let mut request = args.work.request(&args.model, &args.hosts);
    request.targets = args.targets.clone();
    request.trace = args.trace.is_some();
    let record = harness::execute(&request)?;
    if let Some(file) = &args.trace {
        write_trace(file, &record)?;
    }
    if args.json {
        let json = serde_json::to_string(&RecordJson::new(&record)).unwrap_or_default();
        println!("{json}");
    } else {
        print_table(std::slice::from_ref(&record));
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
    eprintln!(
        "trace: {} (open it in https://ui.perfetto.dev, \"Open trace file\", or chrome://tracing)",
        file.display()
    );
    Ok(())
}

/// Says which limit stopped part of the run, and gives its exit status.
fn finish(record: &RunRecord) -> ExitCode {
    let q = &record.request;
    for limit in record.limits() {
        eprintln!("limit: {} ({}): {}", q.model, q.workload, limit.hint());
    }
    for e in record.first_errors.iter().take(3) {
        eprintln!("note: {} had errors, e.g. {e}", q.model);
    }
    exit_code(record.status())
}

fn compare(args: &CompareArgs) -> Result<ExitCode, CliError> {
    check_counts(&args.work, &args.hosts)?;
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    let (w, h) = (&args.work, &args.hosts);
    // Generous but finite: the slowest model (sequential) waits N x L.
    let deadline = Duration::from_secs(120) + (h.latency + w.timeout / 10) * w.count as u32 * 2;
    let mut records = Vec::new();
    let mut code = ExitCode::SUCCESS;
    for model in registry::names() {
        if !args.json {
            eprintln!("running {model}...");
        }
        match child::run(&exe, &w.request(model, h), deadline) {
            RunResult::Record(r) => {
                let c = finish(&r);
                if c != ExitCode::SUCCESS {
                    code = c;
                }
                records.push(*r);
            }
            RunResult::Failure(f) => {
                eprintln!("error: {model}: {}", f.message);
                code = ExitCode::FAILURE;
            }
        }
    }
    if args.json {
        let all: Vec<RecordJson<'_>> = records.iter().map(RecordJson::new).collect();
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
    } else {
        print_table(&records);
    }
    Ok(code)
}

fn serve(args: &ServeArgs) -> Result<ExitCode, CliError> {
    if args.hosts.hosts == 0 || args.hosts.hosts > greet_server::MAX_HOSTS {
        return Err(CliError::Usage(format!(
            "--hosts must be between 1 and {}",
            greet_server::MAX_HOSTS
        )));
    }
    crate::sys::raise_open_files_limit();
    let mut config = harness::server_config(&args.hosts.spec());
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
            println!("{}", greet_server::listening_line(i, addr));
        }
        eprintln!(
            "serving {} until interrupted (Ctrl-C)",
            greet_server::describe(&config)
        );
        let stats = std::sync::Arc::new(greet_server::Stats::default());
        let watch_stdin = args.until_stdin_closes;
        let shutdown = async move {
            let stdin_closed = async {
                if watch_stdin {
                    let mut sink = [0u8; 64];
                    let mut stdin = tokio::io::stdin();
                    // Bounded: the parent never writes; this ends at EOF (or an error).
                    while let Ok(n) = tokio::io::AsyncReadExt::read(&mut stdin, &mut sink).await {
                        if n == 0 {
                            break;
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
        };
        greet_server::run(listeners, config, stats.clone(), shutdown).await;
        let s = stats.snapshot();
        eprintln!(
            "served {} greets, {} errors, peak {} in flight",
            s.served, s.errors, s.peak_in_flight
        );
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn sweep(args: &SweepArgs) -> Result<ExitCode, CliError> {
    let exe = std::env::current_exe().map_err(io("cannot find this executable"))?;
    let profile = if args.full {
        Profile::Full
    } else {
        Profile::from_env()?
    };
    let (sweep, written) = crate::sweep::run_and_store(&exe, profile, args.out.as_deref())?;
    let mut text = crate::sweep::table(&sweep);
    for file in written {
        text.push_str(&format!("wrote {}\n", file.display()));
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn report(args: &ReportArgs) -> Result<ExitCode, CliError> {
    let paths = greetbench_report::Paths::locate();
    let results = match &args.results {
        Some(file) => file.clone(),
        None => greetbench_report::collect(&paths, &registry::descriptions())?,
    };
    let out = args.out.clone().unwrap_or_else(|| paths.report_dir());
    let page = greetbench_report::render(&results, &out, &paths.target.join("criterion"))?;
    println!("report: {} (from {})", page.display(), results.display());
    Ok(ExitCode::SUCCESS)
}

fn serve_api(args: &ServeApiArgs) -> Result<ExitCode, CliError> {
    let config = greet_api::Config {
        hosts: args.hosts,
        latency: args.latency,
        bind: SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, args.port)),
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
        println!("api listening on {}", greet_api::base_url(addr));
        eprintln!(
            "serving {} as JSON until interrupted (Ctrl-C); try: curl {}/hosts/0/greeting",
            greet_api::describe(&config),
            greet_api::base_url(addr)
        );
        let stats = std::sync::Arc::new(greet_api::Stats::default());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        greet_api::run(listener, config, stats.clone(), shutdown).await;
        let s = stats.snapshot();
        eprintln!(
            "served {} greetings, {} not found, peak {} in flight",
            s.served, s.not_found, s.peak_in_flight
        );
        Ok::<_, CliError>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The human-readable table of `run` and `compare`.
fn print_table(records: &[RunRecord]) {
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
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

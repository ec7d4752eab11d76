//! The command line: argument types (clap) and one function per subcommand. `main.rs` only
//! calls [`main`].

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use greet_core::duration::{self, human};
use greet_core::plan::{MAX_COUNT, default_workers};
use greet_core::workload::DEFAULT_WORK;
use greet_core::{Plan, Target, Workload};

use crate::harness::{self, Hosts, RunReport, ServerProcess};
use crate::registry;

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

impl HostArgs {
    fn hosts(&self) -> Hosts {
        Hosts {
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
    /// Crunch size W, in rounds of the CPU kernel (the default is about 1 ms per job on the
    /// reference machine).
    #[arg(long, default_value_t = DEFAULT_WORK)]
    work: u32,
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

/// The environment variable that makes an executable act as the greetbench CLI.
///
/// The harness starts its children (`serve`, `run`) by re-executing the *current*
/// executable with this set. In the `greetbench` binary that changes nothing; a benchmark
/// binary calls [`run_as_cli_if_requested`] first thing in `main`, so that it can be its own
/// server and its own child runs, with no separately built `greetbench` needed.
pub const AS_CLI_ENV: &str = "GREETBENCH_AS_CLI";

/// If this process was started with [`AS_CLI_ENV`] (or as a processes-model worker), acts as
/// the `greetbench` binary and exits; otherwise returns at once.
pub fn run_as_cli_if_requested() {
    model_processes::run_worker_if_requested();
    if std::env::var_os(AS_CLI_ENV).is_some() {
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

fn dispatch(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Models => {
            for m in registry::models() {
                println!("{:<22} {}", m.name(), m.describe().about);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run(&args),
        Command::Compare(args) => compare(&args),
        Command::Serve(args) => serve(&args),
        Command::ServeApi(args) => serve_api(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Report(args) => report(&args),
    }
}

fn check_counts(work: &WorkArgs, hosts: &HostArgs) -> Result<(), String> {
    if work.count == 0 || work.count > MAX_COUNT {
        return Err(format!("--count must be between 1 and {MAX_COUNT}"));
    }
    if hosts.hosts == 0 || hosts.hosts > greet_server::MAX_HOSTS {
        return Err(format!(
            "--hosts must be between 1 and {}",
            greet_server::MAX_HOSTS
        ));
    }
    Ok(())
}

fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let model = registry::find(&args.model)?;
    check_counts(&args.work, &args.hosts)?;
    // Hosts: the given targets, or a `greetbench serve` child of our own.
    let mut _server = None;
    let targets = if !args.targets.is_empty() {
        if args.work.workload.greets() {
            harness::check_reachable(&args.targets).map_err(|e| e.to_string())?;
        }
        args.targets
            .iter()
            .map(|&addr| Target { addr, host: None })
            .collect()
    } else if args.work.workload.greets() {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let server = ServerProcess::start(&exe, &args.hosts.hosts()).map_err(|e| e.to_string())?;
        let t = greet_server::targets(server.addrs());
        _server = Some(server);
        t
    } else {
        Vec::new()
    };
    let mut plan = Plan::new(args.work.workload, args.work.count, targets);
    plan.work = args.work.work;
    plan.workers = args.work.workers.unwrap_or_else(default_workers);
    plan.timeout = args.work.timeout;
    let latency = if args.targets.is_empty() {
        args.hosts.latency
    } else {
        Duration::ZERO
    };
    let report = harness::measure(model.as_ref(), &plan, latency).map_err(|e| e.to_string())?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| e.to_string())?
        );
    } else {
        print_table(std::slice::from_ref(&report));
    }
    Ok(finish(&report))
}

/// Exit status 3 when an OS limit stopped part of the run, after saying which limit.
fn finish(report: &RunReport) -> ExitCode {
    for limit in &report.limits_hit {
        eprintln!("limit: {} ({}): {limit}", report.model, report.workload);
    }
    for e in report.first_errors.iter().take(3) {
        eprintln!("note: {} had errors, e.g. {e}", report.model);
    }
    if report.limits_hit.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

fn compare(args: &CompareArgs) -> Result<ExitCode, String> {
    check_counts(&args.work, &args.hosts)?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let w = &args.work;
    let h = &args.hosts;
    let mut common = vec![
        format!("--workload={}", w.workload),
        format!("--count={}", w.count),
        format!("--work={}", w.work),
        format!("--timeout={}us", w.timeout.as_micros()),
        format!("--hosts={}", h.hosts),
        format!("--latency={}us", h.latency.as_micros()),
        format!("--jitter={}us", h.jitter.as_micros()),
    ];
    if let Some(k) = w.workers {
        common.push(format!("--workers={k}"));
    }
    if h.spread_addresses {
        common.push("--spread-addresses".into());
    }
    // Generous but finite: the slowest model (sequential) waits N x L.
    let limit = Duration::from_secs(120) + (h.latency + w.timeout / 10) * w.count as u32 * 2;
    let mut reports = Vec::new();
    let mut code = ExitCode::SUCCESS;
    for model in registry::names() {
        let mut margs = vec![format!("--model={model}")];
        margs.extend(common.iter().cloned());
        if !args.json {
            eprintln!("running {model}...");
        }
        match harness::run_in_child(&exe, &margs, limit) {
            Ok(r) => {
                if finish(&r) != ExitCode::SUCCESS {
                    code = ExitCode::from(3);
                }
                reports.push(r);
            }
            Err(e) => {
                eprintln!("error: {model}: {e}");
                code = ExitCode::FAILURE;
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).map_err(|e| e.to_string())?
        );
    } else {
        print_table(&reports);
    }
    Ok(code)
}

fn serve(args: &ServeArgs) -> Result<ExitCode, String> {
    if args.hosts.hosts == 0 || args.hosts.hosts > greet_server::MAX_HOSTS {
        return Err(format!(
            "--hosts must be between 1 and {}",
            greet_server::MAX_HOSTS
        ));
    }
    crate::sys::raise_open_files_limit();
    let mut config = args.hosts.hosts().config();
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
        .map_err(|e| format!("cannot start the server runtime: {e}"))?;
    rt.block_on(async {
        let listeners = greet_server::bind(&config)
            .await
            .map_err(|e| e.to_string())?;
        for (i, l) in listeners.iter().enumerate() {
            let addr = l.local_addr().map_err(|e| e.to_string())?;
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
        Ok::<_, String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn sweep(args: &SweepArgs) -> Result<ExitCode, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile = if args.full {
        crate::sweep::Profile::Full
    } else {
        crate::sweep::Profile::from_env()?
    };
    let (sweep, written) = crate::sweep::run_and_store(&exe, profile, args.out.as_deref())?;
    crate::sweep::print_table(&sweep);
    for file in written {
        println!("wrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn report(args: &ReportArgs) -> Result<ExitCode, String> {
    let paths = greetbench_report::Paths::locate();
    let results = match &args.results {
        Some(file) => file.clone(),
        None => greetbench_report::collect(&paths).map_err(|e| e.to_string())?,
    };
    let out = args.out.clone().unwrap_or_else(|| paths.report_dir());
    let page = greetbench_report::render(&results, &out, &paths.target.join("criterion"))
        .map_err(|e| e.to_string())?;
    println!("report: {} (from {})", page.display(), results.display());
    Ok(ExitCode::SUCCESS)
}

fn serve_api(args: &ServeApiArgs) -> Result<ExitCode, String> {
    let config = greet_api::Config {
        hosts: args.hosts,
        latency: args.latency,
        bind: SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, args.port)),
        ..greet_api::Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the API runtime: {e}"))?;
    rt.block_on(async {
        let listener = greet_api::bind(&config).await.map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
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
        Ok::<_, String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The human-readable table of `run` and `compare`.
fn print_table(reports: &[RunReport]) {
    println!(
        "{:<21} {:>6} {:>6} {:>9} {:>9} {:>8} {:>8} {:>9} {:>7} {:>9} {:>9}",
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
    );
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| human(Duration::from_secs_f64(v / 1e3)));
    for r in reports {
        println!(
            "{:<21} {:>6} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7}Mi {:>7} {:>9} {:>9}",
            r.model,
            r.ok,
            r.errors,
            human(Duration::from_secs_f64(r.wall_s)),
            human(Duration::from_secs_f64(r.floor_s)),
            human(Duration::from_secs_f64(r.cpu_user_s)),
            human(Duration::from_secs_f64(r.cpu_sys_s)),
            r.peak_rss_kib / 1024,
            r.peak_threads,
            ms(r.latency_p50_ms),
            ms(r.latency_p99_ms),
        );
    }
    if let Some(r) = reports.first() {
        let checksum = r
            .checksum
            .map_or(String::new(), |c| format!(", checksum {c:#018x}"));
        println!(
            "workload {} x{} over {} host(s) at {}, work {}{checksum}",
            r.workload,
            r.count,
            r.hosts,
            human(Duration::from_secs_f64(r.latency_ms / 1e3)),
            r.work
        );
    }
}

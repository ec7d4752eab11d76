//! `greetbench serve`: the greet hosts until interrupted, in this process or spread over
//! several (`--processes`); as the harness's child, it answers `stats` on stdin and stops when
//! stdin closes.

use clap::Args;
use greet_core::record::HostSpec;
use greet_os::lines::LineBuffer;

use super::args::HostArgs;
use super::{CliError, current_exe, exit, io};
use crate::harness;
use crate::out::{say, warn};

/// Arguments of `greetbench serve`.
#[derive(Debug, Args)]
pub(super) struct ServeArgs {
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
    #[arg(long, default_value_t = 1, value_parser = super::args::max_hosts())]
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

/// Serves until interrupted (or, as the harness's child, until stdin closes).
pub(super) fn serve(args: &ServeArgs) -> Result<u8, CliError> {
    if args.processes > args.hosts.hosts {
        return Err(CliError::Usage(format!(
            "--processes must be between 1 and --hosts ({}): each process holds at least one host",
            args.hosts.hosts
        )));
    }
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
    // Every host, whichever process will hold it: a bad --port is refused here, in one line.
    config.validate()?;
    if args.processes > 1 {
        return serve_spread(args, &args.hosts.spec()?);
    }
    greet_os::limits::raise_open_files();
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

/// Answers the harness on stdin until it closes (when `watch_stdin`), or until Ctrl-C: each
/// `stats` line gets the counters `snapshot` gives, as one line on stdout.
async fn serve_until(
    watch_stdin: bool,
    snapshot: impl Fn() -> Option<greet_server::StatsSnapshot>,
) {
    let stdin_closed = async {
        if watch_stdin {
            // The parent writes one request a line: `stats` asks for the counters, answered
            // as one line on stdout. Bounded: this ends at EOF (or an error), and a line past
            // 64 bytes is dropped.
            let mut lines = LineBuffer::new(64);
            let mut chunk = [0u8; 64];
            let mut stdin = tokio::io::stdin();
            while let Ok(n) = tokio::io::AsyncReadExt::read(&mut stdin, &mut chunk).await {
                if n == 0 {
                    break;
                }
                lines.push(&chunk[..n]);
                // Bounded: every pass takes a line (or an overlong one) out of what was read.
                for _ in 0..=n {
                    match lines.next_line() {
                        Ok(Some(line)) if line == harness::STATS_REQUEST.as_bytes() => {
                            if let Some(s) = snapshot() {
                                say(&harness::stats_line(&s));
                            }
                        }
                        Ok(Some(_)) | Err(_) => {}
                        Ok(None) => break,
                    }
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
/// prints every host's address in host order, answers `stats` with their sum, and watches
/// its children.
///
/// A child that dies or stops ends the whole server, non-zero, naming the process and the
/// hosts it held: they refuse connections (or, stopped, accept them and never answer), so
/// the server can no longer claim to serve them. It is not restarted: a new process would
/// not get the old hosts' ports back (they were the kernel's free ports), nor their counters,
/// so it would be another server under the same banner. Start `serve` again instead.
fn serve_spread(args: &ServeArgs, spec: &HostSpec) -> Result<u8, CliError> {
    let exe = current_exe()?;
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
    for (pid, hosts) in server.blocks() {
        let last = hosts.end.saturating_sub(1);
        warn(&format!(
            "server process {pid} holds hosts {} to {last}\n",
            hosts.start
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
    let lost = rt.block_on(async {
        tokio::select! {
            () = serve_until(args.until_stdin_closes, || server.snapshot()) => Vec::new(),
            lost = watch(&server) => lost,
        }
    });
    if !lost.is_empty() {
        for l in &lost {
            warn(&format!("{l}\n"));
        }
        warn(&format!(
            "stopping all {} server processes: start `greetbench serve` again\n",
            server.processes()
        ));
        // Dropping the server kills the others and reaps every child, the lost ones too.
        drop(server);
        return Ok(exit::COULD_NOT_RUN);
    }
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

/// Looks at the server's processes five times a second until one is lost (dead or
/// stopped): returns those. Ends with the serving it races against.
async fn watch(server: &harness::ServerProcess) -> Vec<harness::LostProcess> {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let lost = server.lost();
        if !lost.is_empty() {
            return lost;
        }
    }
}

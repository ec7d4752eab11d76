//! `greetbench serve-api`: the greet hosts as a local JSON API (`GET /hosts/{id}/greeting`)
//! on 127.0.0.1, until interrupted.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use greet_core::duration;

use super::{CliError, exit, io};
use crate::out::{say, warn};

/// Arguments of `greetbench serve-api`.
#[derive(Debug, Args)]
pub(super) struct ServeApiArgs {
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

/// Serves the API until Ctrl-C, then says what it served.
pub(super) fn serve_api(args: &ServeApiArgs) -> Result<u8, CliError> {
    greet_os::limits::raise_open_files();
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

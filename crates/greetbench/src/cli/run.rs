//! `greetbench run`: one model, one workload, in this process; a table or the record as JSON,
//! and optionally the run's timeline as Chrome trace-event JSON.

use std::net::SocketAddr;

use clap::Args;
use greet_core::record::RunRecord;

use super::CliError;
use super::args::{BatchArgs, HostArgs, parse_target};
use super::output::{RecordJson, finish, print_table};
use crate::harness::{self, HarnessError};
use crate::out::{say, warn};
use crate::registry;

/// Arguments of `greetbench run`.
#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// The model (see `greetbench models`).
    #[arg(long)]
    model: String,
    #[command(flatten)]
    batch: BatchArgs,
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

/// Runs the request in this process; `latency_given` says whether `--latency` was typed (with
/// `--targets`, it is then taken as theirs).
pub(super) fn run(args: &RunArgs, latency_given: bool) -> Result<u8, CliError> {
    registry::find(&args.model).map_err(HarnessError::from)?;
    args.batch.check(&args.hosts)?;
    args.batch.work.check_one_python()?;
    let mut request = args.batch.request(&args.model, &args.hosts)?;
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

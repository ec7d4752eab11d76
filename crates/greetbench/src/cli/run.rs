//! `greetbench run`: one model, one workload, in this process; a table or the record as JSON,
//! and optionally the run's timeline as Chrome trace-event JSON.

use std::net::SocketAddr;
use std::path::Path;

use clap::Args;
use greet_core::record::RunRecord;

use super::args::{BatchArgs, HostArgs, parse_target};
use super::output::{RecordJson, finish, print_table};
use super::{CliError, exit};
use crate::harness::{self, HarnessError};
use crate::out::{say, warn};
use crate::{chrome, registry};

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
    args.batch.check()?;
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
    // Before any greet: a trace too large to show, or a file that cannot be opened, is
    // refused now, not after the run.
    let trace_file = match &args.trace {
        Some(path) => Some(open_trace(path, request.count)?),
        None => None,
    };
    let record = harness::execute(&request)?;
    if args.json {
        let json = serde_json::to_string(&RecordJson::new(&record)).unwrap_or_default();
        say(&format!("{json}\n"));
    } else {
        print_table(std::slice::from_ref(&record), &[]);
    }
    let status = finish(&record);
    if let (Some(file), Some(path)) = (trace_file, &args.trace)
        && !write_trace(file, path, &record)
    {
        return Ok(exit::COULD_NOT_RUN);
    }
    Ok(status)
}

/// Opens (creates) the `--trace` file for a run of `count` jobs, or says in one line why not.
fn open_trace(path: &Path, count: usize) -> Result<std::fs::File, CliError> {
    if count > chrome::MAX_TRACED_JOBS {
        return Err(CliError::Usage(format!(
            "--trace takes at most {} greets (about {} MB of timeline, past what Perfetto shows); lower --count to trace",
            chrome::MAX_TRACED_JOBS,
            chrome::MAX_TRACED_JOBS * chrome::BYTES_PER_GREET / 1_000_000
        )));
    }
    std::fs::File::create(path).map_err(|e| {
        CliError::Usage(format!(
            "cannot write --trace {}: {e}; name a file in a directory you can write",
            path.display()
        ))
    })
}

/// Writes the run's timeline to `file` (at `path`) as Chrome trace-event JSON, after the
/// record is out, and says where; whether it could. On failure (a full disk) it says so in
/// one line: the record stands, the trace is lost, and the run ends with
/// [`exit::COULD_NOT_RUN`].
fn write_trace(file: std::fs::File, path: &Path, record: &RunRecord) -> bool {
    let mut out = std::io::BufWriter::new(file);
    // `write_trace` flushes: a full disk shows here, not in a drop that cannot say so.
    let written = chrome::write_trace(record, &mut out);
    match written {
        Ok(()) => {
            warn(&format!(
                "trace: {} (open it in https://ui.perfetto.dev, \"Open trace file\", or chrome://tracing)\n",
                path.display()
            ));
            true
        }
        Err(e) => {
            warn(&format!(
                "cannot write the trace to {}: {e}; the record above is complete, the trace is not\n",
                path.display()
            ));
            false
        }
    }
}

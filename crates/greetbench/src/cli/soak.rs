//! `greetbench soak`: many greets with faults through one model in bounded batches (see
//! [`crate::soak`]), ending with the evidence that every greet is accounted for.

use std::time::Duration;

use clap::Args;
use clap::builder::RangedU64ValueParser;
use greet_core::Workload;
use greet_core::duration;
use greet_core::plan::MAX_COUNT;
use greet_core::record::RunRequest;

use super::args::HostArgs;
use super::{CliError, exit};
use crate::harness::HarnessError;
use crate::out::say;
use crate::registry;

/// Arguments of `greetbench soak`.
#[derive(Debug, Args)]
pub(super) struct SoakArgs {
    /// The model (see `greetbench models`) [default: the first multi-threaded async model].
    #[arg(long)]
    model: Option<String>,
    /// Greets in all.
    #[arg(long, default_value_t = 1_000_000)]
    count: usize,
    /// Greets per batch: the most in flight at once [default: 10000, or --count if fewer].
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_COUNT as u64))]
    batch: Option<usize>,
    #[command(flatten)]
    work: SoakWork,
    #[command(flatten)]
    hosts: HostArgs,
}

/// The per-greet knobs of a soak: its own defaults (short timeouts, a few retries), which is
/// why it does not flatten the `WorkArgs` of `run`, `compare` and `load`.
#[derive(Debug, Args)]
struct SoakWork {
    /// Pool size for the pooled models [default: logical cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Give up on an attempt after this long.
    #[arg(long, default_value = "1s", value_parser = duration::parse)]
    timeout: Duration,
    /// Retries per greet [default: 3; 0 for the Python models, which do not retry].
    #[arg(long, value_parser = clap::value_parser!(u32).range(..=i64::from(greet_core::plan::MAX_RETRIES)))]
    retries: Option<u32>,
}

/// The greets per batch when `--batch` is not given (or `--count`, if fewer).
const DEFAULT_BATCH: usize = 10_000;

/// The retries of a soak when `--retries` is not given.
const DEFAULT_RETRIES: u32 = 3;

/// Runs the soak and prints its report; exit 1 if anything did not hold.
pub(super) fn soak(args: &SoakArgs) -> Result<u8, CliError> {
    // By default a model that holds a whole batch waiting at once on every core.
    let model = args.model.clone().unwrap_or_else(|| {
        registry::first_where(|d| {
            d.family == greet_core::Family::Async && !d.one_thread && d.historical.is_none()
        })
    });
    let found = registry::find(&model).map_err(HarnessError::from)?;
    let retries = retries(&registry::describe(found.as_ref()), args.work.retries)?;
    if args.count == 0 {
        return Err(CliError::Usage(
            "--count must be at least 1 (the greets in all)".into(),
        ));
    }
    let batch = args.batch.unwrap_or(DEFAULT_BATCH.min(args.count));
    if batch > args.count.min(MAX_COUNT) {
        return Err(CliError::Usage(format!(
            "--batch {batch} is more than --count {}: give a --batch between 1 and {}",
            args.count,
            args.count.min(MAX_COUNT)
        )));
    }
    let request = RunRequest {
        workers: args.work.workers,
        timeout: args.work.timeout,
        retries,
        hosts: args.hosts.spec_with_default_faults()?,
        ..RunRequest::new(&model, Workload::Greet, batch)
    };
    let report = crate::soak::run(&request, args.count)?;
    say(&report.text());
    Ok(match report.interrupted {
        // As a shell reports a process a signal ended: 130 for SIGINT, 143 for SIGTERM.
        Some(signal) => u8::try_from(128 + signal).unwrap_or(exit::JOBS_FAILED),
        None if report.holds() => exit::OK,
        None => exit::JOBS_FAILED,
    })
}

/// The retries for `model`: `given`, or the soak's default. The Python models run their own
/// greets and do not retry (model-python refuses retries when it starts), so a Python model
/// soaks with none unless told otherwise, and is refused with one line if told to retry.
fn retries(model: &greet_core::Description, given: Option<u32>) -> Result<u32, CliError> {
    match (model.lang, given) {
        (greet_core::Lang::Python, Some(n)) if n > 0 => Err(CliError::Usage(format!(
            "the Python models do not retry a greet: soak {} with --retries 0 (or leave --retries out)",
            model.name
        ))),
        (greet_core::Lang::Python, _) => Ok(0),
        (_, given) => Ok(given.unwrap_or(DEFAULT_RETRIES)),
    }
}

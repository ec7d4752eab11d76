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
    /// Greets per batch: the most in flight at once.
    #[arg(long, default_value_t = 10_000, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_COUNT as u64))]
    batch: usize,
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
    /// Retries per greet.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(..=i64::from(greet_core::plan::MAX_RETRIES)))]
    retries: u32,
}

/// Runs the soak and prints its report; exit 1 if anything did not hold.
pub(super) fn soak(args: &SoakArgs) -> Result<u8, CliError> {
    // By default a model that holds a whole batch waiting at once on every core.
    let model = args.model.clone().unwrap_or_else(|| {
        registry::first_where(|d| {
            d.family == greet_core::Family::Async && !d.one_thread && d.historical.is_none()
        })
    });
    registry::find(&model).map_err(HarnessError::from)?;
    if args.batch > args.count.min(MAX_COUNT) {
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

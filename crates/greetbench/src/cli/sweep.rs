//! `greetbench sweep`: the resource sweep (every model at each size, the kill probe, the
//! points under faults, the timelines and the rate sweep), or the rate or the scale sweep
//! alone; each stores `target/greetbench/sweep.json` and prints its table.

use clap::Args;

use super::args::FaultArgs;
use super::{CliError, current_exe, exit};
use crate::harness::HarnessError;
use crate::out::say;
use crate::pythons::Pythons;
use crate::registry;
use crate::sweep::{self, Profile};

/// Arguments of `greetbench sweep`.
#[derive(Debug, Args)]
pub(super) struct SweepArgs {
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
    /// With --scale: only these sizes, waiting greets per point (repeat, or comma-separate)
    /// [default: 1,000 up to 60,000].
    #[arg(long = "size", value_delimiter = ',', requires = "scale",
          value_parser = clap::value_parser!(u64).range(1..=greet_core::plan::MAX_COUNT as u64))]
    sizes: Vec<u64>,
    /// Faults for every point's server (the "under faults" points keep their own mix).
    #[command(flatten)]
    faults: FaultArgs,
    /// The Python interpreters, comma-separated: each Python model's points run once per
    /// interpreter, and each record says which [default: GREETBENCH_PYTHON, else python3].
    #[arg(long, value_delimiter = ',', value_name = "PATH", conflicts_with_all = ["rates", "scale"])]
    python: Vec<std::path::PathBuf>,
}

/// Runs the sweep asked for, stores it and prints its table.
pub(super) fn sweep(args: &SweepArgs) -> Result<u8, CliError> {
    let exe = current_exe()?;
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
            sweep::rates::run_alone_and_store(&exe, profile, args.out.as_deref())?;
        return Ok(said_with_files(sweep::rates::table(&sweep.rates), &written));
    }
    if args.scale {
        let mut options = scale_options(&args.models)?;
        if !args.sizes.is_empty() {
            let mut sizes: Vec<usize> = args.sizes.iter().map(|&n| n as usize).collect();
            sizes.sort_unstable();
            sizes.dedup();
            options.sizes = sizes;
        }
        let (sweep, written) = sweep::run_scale_and_store(&exe, &options, args.out.as_deref())?;
        return Ok(said_with_files(sweep::scale::table(&sweep.scale), &written));
    }
    let pythons = Pythons::choose(&args.python);
    let (sweep, written) =
        sweep::run_and_store_with_faults(&exe, profile, &faults, &pythons, args.out.as_deref())?;
    Ok(said_with_files(sweep::table(&sweep), &written))
}

/// The scale sweep's options: every model that takes part, or only `models`, each of which
/// must be one that does.
fn scale_options(models: &[String]) -> Result<sweep::scale::Options, CliError> {
    let mut options = sweep::scale::Options::default();
    if models.is_empty() {
        return Ok(options);
    }
    let takes_part = sweep::scale::models();
    for m in models {
        registry::find(m).map_err(HarnessError::from)?;
        if !takes_part.contains(m) {
            return Err(CliError::Usage(format!(
                "--model {m} keeps at most a pool of greets waiting, so it cannot hold \
                 N at once: the scale sweep takes {}",
                takes_part.join(", ")
            )));
        }
    }
    options.models = models.to_vec();
    Ok(options)
}

/// Says a sweep's table and the files it wrote.
fn said_with_files(mut text: String, written: &[std::path::PathBuf]) -> u8 {
    for file in written {
        text.push_str(&format!("wrote {}\n", file.display()));
    }
    say(&text);
    exit::OK
}

//! `greetbench report`: renders `reports/index.html` from the stored results (gathered from
//! `target/` afresh, or one results.json), and with `--baseline OLD` compares it against
//! another run.

use clap::Args;
use greetbench_report::diff;

use super::{CliError, exit};
use crate::out::say;
use crate::registry;

/// Arguments of `greetbench report`.
#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// Render from this stored results.json instead of gathering target/ afresh.
    #[arg(long)]
    results: Option<std::path::PathBuf>,
    /// Write index.html into this directory [default: reports/ in the workspace].
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Compare against this run (a results.json, or a report folder holding one): adds the
    /// section "Against the baseline" and a column to the answer table.
    #[arg(long, value_name = "OLD")]
    baseline: Option<std::path::PathBuf>,
}

/// Renders the page and says where it is. A `--results` or `--baseline` that cannot be read
/// (missing, not JSON, a device, another format) is bad input: exit status 2, as in `diff`.
pub(super) fn report(args: &ReportArgs) -> Result<u8, CliError> {
    let paths = greetbench_report::Paths::locate();
    let (results, now) = match &args.results {
        Some(file) => (file.clone(), diff::read(file)?),
        None => {
            let file = greetbench_report::collect(&paths, &registry::descriptions())?;
            let now = greetbench_report::results::read_versioned(&file)?;
            (file, now)
        }
    };
    let out = args.out.clone().unwrap_or_else(|| paths.report_dir());
    let criterion = paths.target.join("criterion");
    let against = match &args.baseline {
        None => None,
        Some(old) => {
            let was = diff::read(old)?;
            diff::same_format(&was, old, &now, &results)?;
            Some((old.display().to_string(), was))
        }
    };
    let baseline = against
        .as_ref()
        .map(|(label, was)| diff::Baseline::new(diff::Kind::Given, label, was, &now));
    let page = greetbench_report::write_page(&now, &out, &criterion, baseline)?;
    say(&format!(
        "report: {} (from {})\n",
        page.display(),
        results.display()
    ));
    Ok(exit::OK)
}

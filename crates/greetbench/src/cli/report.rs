//! `greetbench report`: renders `reports/index.html` from the stored results (gathered from
//! `target/` afresh, or one results.json).

use clap::Args;

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
}

/// Renders the page and says where it is.
pub(super) fn report(args: &ReportArgs) -> Result<u8, CliError> {
    let paths = greetbench_report::Paths::locate();
    let results = match &args.results {
        Some(file) => file.clone(),
        None => greetbench_report::collect(&paths, &registry::descriptions())?,
    };
    let out = args.out.clone().unwrap_or_else(|| paths.report_dir());
    let page = greetbench_report::render(&results, &out, &paths.target.join("criterion"))?;
    say(&format!(
        "report: {} (from {})\n",
        page.display(),
        results.display()
    ));
    Ok(exit::OK)
}

//! `greetbench diff OLD NEW`: two runs side by side. What differs in their setup first, then
//! every question and model both measured (old figure, new figure, the ratio with its 95 %
//! interval, and a word), the rows only one has, the answer's picks, and a one-line summary.
//! The comparison is `greetbench_report::diff`'s; this file reads the arguments, prints one of
//! its three renderings and picks the exit status.

use std::path::PathBuf;

use clap::Args;
use greetbench_report::diff::{self, Diff, Settings, text};
use greetbench_report::view::View;

use super::{CliError, exit};
use crate::out::{say, warn};

/// Arguments of `greetbench diff`.
#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The older run: a results.json, or a report folder holding one (reports/sample).
    old: PathBuf,
    /// The newer run, the same way.
    new: PathBuf,
    /// A change smaller than this reads "no change" (like 5% or 2.5).
    #[arg(long, default_value = "5%", value_parser = threshold)]
    threshold: f64,
    /// Exit 1 when any row is slower by more than this, with its whole 95 % interval past it
    /// (like 10%): a gate for CI.
    #[arg(long, value_name = "P%", value_parser = fail_over)]
    fail_over: Option<f64>,
    /// Print one JSON object instead of the table.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print Markdown, to paste into a pull request.
    #[arg(long)]
    markdown: bool,
}

/// A percentage (`5%`, `5`, `2.5 %`) as a fraction, within `0..=max` percent.
fn percent(s: &str, max: f64) -> Result<f64, String> {
    let digits = s.trim().trim_end_matches('%').trim();
    match digits.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=max).contains(&p) => Ok(p / 100.0),
        _ => Err(format!("give a percentage between 0 and {max}, like 5%")),
    }
}

fn threshold(s: &str) -> Result<f64, String> {
    percent(s, 99.0)
}

fn fail_over(s: &str) -> Result<f64, String> {
    percent(s, 1000.0)
}

/// Compares, prints, and exits 1 when `--fail-over` is exceeded or the runs share no row.
pub(super) fn diff(args: &DiffArgs) -> Result<u8, CliError> {
    let (old, new) = diff::open(&args.old, &args.new)?;
    let d = Diff::new(
        &View::new(&old),
        &args.old.display().to_string(),
        &View::new(&new),
        &args.new.display().to_string(),
        Settings {
            threshold: args.threshold,
            fail_over: args.fail_over,
        },
    );
    if d.disjoint() {
        warn(&format!(
            "error: {} and {} share no measured row ({} figures against {}): nothing to compare; diff two runs of the same benches\n",
            args.old.display(),
            args.new.display(),
            d.old.figures,
            d.new.figures
        ));
        return Ok(exit::DIFF_FAILED);
    }
    say(&if args.json {
        text::json(&d)
    } else if args.markdown {
        text::markdown(&d)
    } else {
        text::terminal(&d)
    });
    Ok(if d.failed.is_empty() {
        exit::OK
    } else {
        exit::DIFF_FAILED
    })
}

//! `greetbench compare`: every model (of a language, or all) on one workload, each in a fresh
//! child process, in one table; a model that cannot run here is a "not available here" row.

use std::time::Duration;

use clap::Args;
use greet_core::Lang;
use greet_core::record::{RunRequest, RunResult};

use super::args::{BatchArgs, HostArgs};
use super::output::{RecordJson, finish, print_table};
use super::{CliError, current_exe, exit, result_status, worse};
use crate::out::{say, warn};
use crate::pythons::{self, Pythons};
use crate::{child, registry};

/// Arguments of `greetbench compare`.
#[derive(Debug, Args)]
pub(super) struct CompareArgs {
    #[command(flatten)]
    batch: BatchArgs,
    #[command(flatten)]
    hosts: HostArgs,
    /// Which models: rust, python (the course's own, run by python3) or all. Without python3,
    /// `all` runs the Rust rows and says how to get the Python ones.
    #[arg(long, value_enum, default_value_t = LangArg::All)]
    lang: LangArg,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// `compare --lang`: which models' rows to run, by their descriptions' language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LangArg {
    /// The Rust models.
    Rust,
    /// The course's own Python models.
    Python,
    /// Both.
    All,
}

impl LangArg {
    fn keeps(self, lang: Lang) -> bool {
        match self {
            LangArg::Rust => lang == Lang::Rust,
            LangArg::Python => lang == Lang::Python,
            LangArg::All => true,
        }
    }
}

/// Runs each model in a child, then prints the table (or the JSON array).
pub(super) fn compare(args: &CompareArgs) -> Result<u8, CliError> {
    args.batch.check(&args.hosts)?;
    let exe = current_exe()?;
    let (b, h) = (&args.batch, &args.hosts);
    // Generous but finite: the slowest model (sequential) waits N x L, and each child bounds
    // its own batch with its deadline.
    let attempts = b.work.retries + 1;
    let deadline = Duration::from_secs(120)
        + (h.latency + b.work.timeout / 10) * b.count as u32 * 2 * attempts
        + b.work.deadline.unwrap_or_default();
    let mut records = Vec::new();
    let mut code = exit::OK;
    let (requests, not_run) = runnable(args, &Pythons::choose(&b.work.python))?;
    if requests.is_empty()
        && let Some((_, why)) = not_run.first()
    {
        return Err(CliError::Usage(why.clone()));
    }
    say_not_run(&not_run);
    for request in &requests {
        let row = pythons::label(request, None);
        if !args.json {
            warn(&format!("running {row}...\n"));
        }
        let result = child::run(&exe, request, deadline);
        code = worse(code, result_status(&result));
        match result {
            RunResult::Record(r) => {
                finish(&r);
                records.push(*r);
            }
            RunResult::Failure(f) => {
                warn(&format!("error: {row}: {}\n", f.message));
            }
        }
    }
    if args.json {
        let all: Vec<RecordJson<'_>> = records.iter().map(RecordJson::new).collect();
        say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&all).unwrap_or_default()
        ));
    } else {
        print_table(&records, &not_run);
    }
    Ok(code)
}

/// A row that cannot run here: its name, and why not.
type NotRun = (String, String);

/// The requests of the models `--lang` picks that can run here (a Python model's once per
/// interpreter), and the rows of those that cannot, with why. A model that cannot run is not
/// an error: its row reads "not available here".
fn runnable(
    args: &CompareArgs,
    pythons: &Pythons,
) -> Result<(Vec<RunRequest>, Vec<NotRun>), CliError> {
    let (mut run, mut not_run) = (Vec::new(), Vec::<NotRun>::new());
    for d in registry::descriptions() {
        if !args.lang.keeps(d.lang) {
            continue;
        }
        let request = args.batch.request(&d.name, &args.hosts)?;
        for request in pythons.requests(vec![request]) {
            match registry::find_for(&request)
                .ok()
                .and_then(|m| m.unavailable())
            {
                Some(why) => not_run.push((pythons::label(&request, None), why)),
                None => run.push(request),
            }
        }
    }
    Ok((run, not_run))
}

/// Says once on stderr why each group of models cannot run: without python3, one line names
/// the fix for every Python model.
fn say_not_run(not_run: &[(String, String)]) {
    let mut said: Vec<&str> = Vec::new();
    for (_, why) in not_run {
        if said.contains(&why.as_str()) {
            continue;
        }
        said.push(why);
        let names: Vec<&str> = not_run
            .iter()
            .filter(|(_, w)| w == why)
            .map(|(n, _)| n.as_str())
            .collect();
        warn(&format!("not run: {}: {why}\n", names.join(", ")));
    }
}

//! `greetbench compare`: every model (of a language, or all) on one workload, each in a fresh
//! child process, in one table; a model that cannot run here is a "not available here" row.
//! `--floor` runs each beside its floor client instead (`compare_floor`). Under the table, a
//! few lines read it, computed as the report's answer is (`greetbench_report::reading`).

use std::time::Duration;

use clap::Args;
use greet_core::Lang;
use greet_core::record::{RunRecord, RunRequest, RunResult};

use super::args::{BatchArgs, HostArgs};
use super::compare_floor;
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
    /// Only these models (NAME,NAME,...) [default: every model of --lang].
    #[arg(long = "model", value_name = "NAME", value_delimiter = ',')]
    models: Vec<String>,
    /// Run each model beside the floor client of its kind (a bare client with none of the
    /// harness: one thread per greet, tokio tasks, asyncio's gather...) in interleaved pairs
    /// against one server, and print the median ratio of their wall times with its interval.
    /// Greet only, no faults, no retries, the default interpreter.
    #[arg(long)]
    floor: bool,
    /// With --floor: pairs per model (6 or more for a verdict at 95 %).
    #[arg(long, requires = "floor", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=200))]
    repeats: u32,
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
    args.batch.check()?;
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
    if args.floor {
        compare_floor::check(b, h)?;
    }
    let (requests, not_run) = picked(
        runnable(args, &Pythons::choose(&b.work.python))?,
        &args.models,
    )?;
    if requests.is_empty()
        && let Some((_, why)) = not_run.first()
    {
        return Err(CliError::Usage(why.clone()));
    }
    say_not_run(&not_run);
    if args.floor {
        let mut models: Vec<String> = Vec::new();
        for r in &requests {
            if !models.contains(&r.model) {
                models.push(r.model.clone());
            }
        }
        return compare_floor::compare(&exe, &models, b, h, args.repeats as usize, args.json);
    }
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
        say_reading(records);
    }
    Ok(code)
}

/// The lines that read the table, computed as the report's answer is
/// ([`greetbench_report::reading`]): what each kind of model waited at best and took, the
/// exact CPU totals compared, and each situation's pick, or "inconclusive" and why (one run
/// per model gives no interval, so compare's rows name no winner).
fn say_reading(records: Vec<RunRecord>) {
    if records.is_empty() {
        return;
    }
    let paths = greetbench_report::Paths::locate();
    let results = greetbench_report::Results::from_runs(
        greetbench_report::Provenance::collect(&paths.workspace),
        registry::descriptions(),
        records
            .into_iter()
            .map(|r| RunResult::Record(Box::new(r)))
            .collect(),
    );
    let view = greetbench_report::View::new(&results);
    let mut out = String::from("reading (as the report's answer reads it):\n");
    for line in greetbench_report::reading(&view).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    say(&out);
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

/// The rows `--model` asks for, if it does (every runnable one otherwise); a name that is no
/// model is refused with the fix.
fn picked(
    (run, not_run): (Vec<RunRequest>, Vec<NotRun>),
    names: &[String],
) -> Result<(Vec<RunRequest>, Vec<NotRun>), CliError> {
    if names.is_empty() {
        return Ok((run, not_run));
    }
    if let Some(unknown) = names.iter().find(|n| registry::find(n).is_err()) {
        return Err(CliError::Usage(format!(
            "--model {unknown}: no such model (greetbench models lists them)"
        )));
    }
    // A row that cannot run is named by its label: the model, and for a Python one its
    // interpreter in brackets.
    let named = |label: &str| {
        names
            .iter()
            .any(|n| label == n || label.starts_with(&format!("{n} (")))
    };
    Ok((
        run.into_iter()
            .filter(|r| names.contains(&r.model))
            .collect(),
        not_run
            .into_iter()
            .filter(|(label, _)| named(label))
            .collect(),
    ))
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

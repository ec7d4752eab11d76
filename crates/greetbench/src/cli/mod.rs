//! The command line: one file per subcommand, each with its arguments (clap) and the function
//! that runs it; `main.rs` only calls [`main`].
//!
//! # Layout
//! - `args`: the flags several subcommands share, each defined once (`HostArgs`, `WorkArgs`,
//!   `BatchArgs`).
//! - `output`: what `run`, `compare` and `load` print about a record (its JSON, the table,
//!   the closing notes) and the exit status it ends with.
//! - One file per subcommand: `models`, `run`, `compare`, `serve`, `serve_api`, `sweep`,
//!   `report`, `diff`, `soak`, `load` and the hidden `child` and `floor-child`.
//! - `usage`: a clap error as one line naming the fix.
//! - `compare_floor`: `compare --floor`, each model beside its floor client, and its table.
//! - Here: the subcommands' enum, [`CliError`], the [`exit`] statuses and the dispatch.

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use greet_core::record::{FailureKind, RunResult, Status};

use crate::harness::HarnessError;
use crate::out::{say, warn};
use crate::sweep::ProfileError;

mod args;
mod child;
mod compare;
mod compare_floor;
mod diff;
mod load;
mod models;
mod output;
mod report;
mod run;
mod serve;
mod serve_api;
mod soak;
mod sweep;
mod usage;

/// The exit statuses, as README.md documents them.
pub mod exit {
    /// Every job succeeded, or every error was a fault injected on purpose (and the
    /// accounting held).
    pub const OK: u8 = 0;
    /// The run finished, and some jobs failed for a reason other than an injected fault or
    /// an OS limit.
    pub const JOBS_FAILED: u8 = 1;
    /// Bad arguments: the message names the fix.
    pub const USAGE: u8 = 2;
    /// An OS limit stopped part of the run, or kept it from starting.
    pub const LIMIT: u8 = 3;
    /// The command could not do its work (a server that did not start, a target that does
    /// not answer, a file that cannot be written).
    pub const COULD_NOT_RUN: u8 = 4;
    /// `diff`: a row slower than `--fail-over` allows, or two runs with no row in common.
    pub const DIFF_FAILED: u8 = 1;
}

/// greetbench: threads, processes, rayon or async — which one, and when?
#[derive(Debug, Parser)]
#[command(name = "greetbench", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the models, one per line, and the Python interpreters they run on.
    Models(models::ModelsArgs),
    /// Run one model on one workload and report what it cost.
    Run(run::RunArgs),
    /// Run every model on one workload, each in a fresh process, and print one table.
    Compare(compare::CompareArgs),
    /// Serve greet hosts until interrupted.
    Serve(serve::ServeArgs),
    /// Serve the hosts as a local JSON API (GET /hosts/{id}/greeting) until interrupted.
    ServeApi(serve_api::ServeApiArgs),
    /// Run every model at each size in a fresh process and record its resource costs.
    Sweep(sweep::SweepArgs),
    /// Write reports/index.html from the stored results (criterion's and the sweep's).
    Report(report::ReportArgs),
    /// Compare two runs (results files or report folders): what differs in the setup, then
    /// every figure both measured, with its ratio, 95 % interval and a word.
    Diff(diff::DiffArgs),
    /// Run many greets with faults through one model in bounded batches, and show that every
    /// greet is accounted for and nothing leaks.
    Soak(soak::SoakArgs),
    /// Offer one model greets at a fixed rate for a while (an open loop) and report their
    /// latency from when each was due, queueing included.
    Load(load::LoadArgs),
    /// Run one request read as JSON from stdin and print its result as JSON: what `compare`
    /// and the sweep start in each fresh child process.
    #[command(hide = true)]
    Child,
    /// Run one floor client's request read as JSON from stdin and print its run as JSON: what
    /// `compare --floor` and the sweep start beside each model.
    #[command(hide = true)]
    FloorChild,
}

/// Why a command could not do its work. The binary prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A run could not be measured.
    #[error(transparent)]
    Harness(#[from] HarnessError),
    /// A run in a child process produced no record.
    #[error("{model}: {message}")]
    Run {
        /// The model.
        model: String,
        /// What the child said.
        message: String,
    },
    /// An argument is out of range.
    #[error("{0}")]
    Usage(String),
    /// `GREETBENCH_PROFILE` is wrong.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The results could not be read or written.
    #[error(transparent)]
    Results(#[from] greetbench_report::ResultsError),
    /// A run to compare could not be read (`diff`, `report --baseline`): bad input.
    #[error(transparent)]
    Diff(#[from] greetbench_report::diff::DiffError),
    /// The greet server could not start.
    #[error(transparent)]
    Server(#[from] greet_server::ServerError),
    /// The JSON API could not start.
    #[error(transparent)]
    Api(#[from] greet_api::ApiError),
    /// An OS call failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// An OS limit keeps the command from starting.
    #[error("{0}")]
    Limit(String),
}

impl CliError {
    /// The exit status this error ends the command with (see [`exit`]).
    pub fn exit_status(&self) -> u8 {
        match self {
            CliError::Usage(_)
            | CliError::Profile(_)
            | CliError::Diff(_)
            | CliError::Server(greet_server::ServerError::Config(_)) => exit::USAGE,
            CliError::Harness(h) => match h {
                h if h.is_bad_request() => exit::USAGE,
                h if h.limit().is_some() => exit::LIMIT,
                _ => exit::COULD_NOT_RUN,
            },
            CliError::Limit(_) => exit::LIMIT,
            _ => exit::COULD_NOT_RUN,
        }
    }

    /// The error of a run in a child that came back without a record: an OS limit, a refused
    /// request, or what the child said about `model`.
    fn from_failure(model: &str, limit: bool, kind: FailureKind, message: String) -> CliError {
        match (limit, kind) {
            (true, _) => CliError::Limit(message),
            (false, FailureKind::Request) => CliError::Usage(message),
            _ => CliError::Run {
                model: model.to_owned(),
                message,
            },
        }
    }
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> CliError {
    move |source| CliError::Io { what, source }
}

/// This executable, to re-run as a child.
fn current_exe() -> Result<std::path::PathBuf, CliError> {
    std::env::current_exe().map_err(io("cannot find this executable"))
}

/// If this process was started with [`crate::child::AS_CLI_ENV`] (or as a model's worker process),
/// acts as the `greetbench` binary and exits; otherwise returns at once.
///
/// The harness starts its children (`serve`, `child`) by re-executing the *current*
/// executable with that variable set. In the `greetbench` binary that changes nothing; a
/// benchmark or test binary calls this first thing in `main`, so that it can be its own server
/// and its own child runs, with no separately built `greetbench` needed.
pub fn run_as_cli_if_requested() {
    crate::registry::run_worker_if_requested();
    if std::env::var_os(crate::child::AS_CLI_ENV).is_some() {
        std::process::exit(i32::from(main_status()));
    }
}

/// Parses the arguments, runs the subcommand and turns any error into one line on stderr.
pub fn main() -> ExitCode {
    ExitCode::from(main_status())
}

/// [`main`], as the exit status (see [`exit`]).
pub fn main_status() -> u8 {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let parsed = Cli::command()
        .try_get_matches_from(&argv)
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            say(&e.render().to_string()); // --help and --version
            // A full disk under a redirect is a failure here too (a closed pipe is not).
            return if crate::out::failed() {
                exit::COULD_NOT_RUN
            } else {
                exit::OK
            };
        }
        Err(e) => {
            warn(&format!("{}\n", usage::one_line(&e, &argv)));
            return exit::USAGE;
        }
    };
    let status = match dispatch(cli.command, &matches) {
        Ok(code) => code,
        Err(e) => {
            warn(&format!("error: {e}\n"));
            e.exit_status()
        }
    };
    if crate::out::failed() && status == exit::OK {
        return exit::COULD_NOT_RUN;
    }
    status
}

/// Whether the user gave `--{id}` of subcommand `sub` on the command line (not a default).
fn given(matches: &ArgMatches, sub: &str, id: &str) -> bool {
    matches
        .subcommand_matches(sub)
        .and_then(|m| m.try_get_raw(id).ok().flatten().map(|_| m.value_source(id)))
        .flatten()
        == Some(ValueSource::CommandLine)
}

fn dispatch(command: Command, matches: &ArgMatches) -> Result<u8, CliError> {
    match command {
        Command::Models(args) => models::models(&args),
        Command::Run(args) => run::run(&args, given(matches, "run", "latency")),
        Command::Compare(args) => compare::compare(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::ServeApi(args) => serve_api::serve_api(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Report(args) => report::report(&args),
        Command::Diff(args) => diff::diff(&args),
        Command::Soak(args) => soak::soak(&args),
        Command::Load(args) => load::load(&args),
        Command::Child => child::child(),
        Command::FloorChild => child::floor_child(),
    }
}

/// The exit status of a finished run (see [`exit`]): 0 when every job succeeded or every
/// error was an injected fault, 3 when an OS limit stopped part of it, 1 when jobs failed
/// otherwise.
pub fn exit_status(status: Status) -> u8 {
    match status {
        Status::Ok | Status::FaultsOnly => exit::OK,
        Status::Limit(_) => exit::LIMIT,
        Status::Failed => exit::JOBS_FAILED,
    }
}

/// The exit status of a run's result: its record's, or for a run with no record, 3 for an OS
/// limit, 2 for a refused request, 4 otherwise.
fn result_status(result: &RunResult) -> u8 {
    match result {
        RunResult::Record(r) => exit_status(r.status()),
        RunResult::Failure(f) => match (f.limit, f.kind) {
            (Some(_), _) => exit::LIMIT,
            (None, FailureKind::Request) => exit::USAGE,
            (None, _) => exit::COULD_NOT_RUN,
        },
    }
}

/// The more serious of two exit statuses: jobs that failed outrank an OS limit, which
/// outranks success.
fn worse(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::OK => 0,
        exit::LIMIT => 1,
        _ => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

//! `greetbench models`: every registered model, one per line, with its family and what it is;
//! then each interpreter the Python models run on (`--python`, `GREETBENCH_PYTHON`, or
//! `python3`), as it says it is.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, exit};
use crate::out::say;
use crate::pythons::Pythons;
use crate::registry;

/// Arguments of `greetbench models`.
#[derive(Debug, Args)]
pub(super) struct ModelsArgs {
    /// The Python interpreters to describe, comma-separated [default: GREETBENCH_PYTHON, else
    /// python3].
    #[arg(long, value_delimiter = ',', value_name = "PATH")]
    python: Vec<PathBuf>,
}

/// Lists the models; a closed pipe (`greetbench models | head -1`) ends the list quietly.
pub(super) fn models(args: &ModelsArgs) -> Result<u8, CliError> {
    for d in registry::descriptions() {
        let lang = match d.lang {
            greet_core::Lang::Rust => String::new(),
            other => format!("[{other:?}] "),
        };
        let historical = d
            .historical
            .as_deref()
            .map_or(String::new(), |why| format!(" (historical: {why})"));
        let line = format!(
            "{:<22} {:<14} {lang}{}{historical}\n",
            d.name, d.family, d.about
        );
        say(&line);
        if crate::out::stdout_closed() {
            return Ok(exit::OK); // a closed pipe (`greetbench models | head -1`) is not an error
        }
    }
    for python in Pythons::choose(&args.python).0 {
        say(&format!(
            "[Python] interpreter {}\n",
            interpreter_line(python)
        ));
    }
    Ok(exit::OK)
}

/// One interpreter as it says it is: `python3 = /usr/bin/python3: 3.13t, no GIL (CPython
/// 3.13.5, free-threaded build; uvloop no; subinterpreters yes)`, or why it cannot run the
/// models.
fn interpreter_line(python: Option<PathBuf>) -> String {
    let named = python
        .as_ref()
        .map_or_else(|| "python3".to_owned(), |p| p.display().to_string());
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    match model_python::interpreter(python.as_deref().map(|p| p.as_os_str())) {
        Ok(found) => {
            let i = &found.interpreter;
            let build = if i.free_threaded {
                "free-threaded build"
            } else {
                "GIL build"
            };
            let path = i.path.display().to_string();
            let named = if path == named {
                named
            } else {
                format!("{named} = {path}")
            };
            format!(
                "{named}: {} ({} {}, {build}; uvloop {}; subinterpreters {})",
                i.label(),
                i.implementation,
                i.version,
                yes_no(found.uvloop),
                yes_no(found.subinterpreters)
            )
        }
        Err(why) => format!("{named}: cannot run the Python models: {why}"),
    }
}

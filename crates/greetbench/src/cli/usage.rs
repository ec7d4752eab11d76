//! A clap error as the one line greetbench prints: what is wrong, naming the flag, and the
//! subcommand's help to read. A missing argument is named (clap lists it on the lines after
//! its first), and one that another flag needs says which flag needs it.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, CommandFactory};

use super::Cli;

/// The one line (without the newline) for `e`, an error clap returned for `argv`.
pub(super) fn one_line(e: &clap::Error, argv: &[OsString]) -> String {
    let sub = subcommand(argv);
    let help = match &sub {
        Some(sub) => format!("see greetbench {sub} --help"),
        None => "see greetbench --help".to_owned(),
    };
    if e.kind() == ErrorKind::MissingRequiredArgument {
        let missing = missing(e);
        if !missing.is_empty() {
            let what = match needed_by(argv, sub.as_deref(), &missing) {
                Some(flag) => format!("{flag} needs {}", and(&missing)),
                None => format!("missing {}", and(&missing)),
            };
            return format!("error: {what} ({help})");
        }
    }
    // clap's message, first line only: what is wrong, with the value and the flag.
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("error: bad arguments");
    format!("{first} ({help})")
}

/// The subcommand `argv` names, if clap can tell.
fn subcommand(argv: &[OsString]) -> Option<String> {
    Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(argv)
        .ok()?
        .subcommand_name()
        .map(str::to_owned)
}

/// The missing arguments clap lists: `--model` for a flag (its value's name dropped), `<NEW>`
/// for a positional one.
fn missing(e: &clap::Error) -> Vec<String> {
    match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::Strings(list)) => list
            .iter()
            .filter_map(|s| {
                let s = s.trim();
                let name = if s.starts_with('-') {
                    s.split_whitespace().next()
                } else {
                    Some(s)
                };
                name.map(str::to_owned)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The flag given in `argv` that requires the missing arguments, if one does: the first flag of
/// subcommand `sub` whose requirements, once dropped, let `argv` parse past them. (clap does not
/// tell which flag asked; trying each given flag without its `requires` finds it.)
fn needed_by(argv: &[OsString], sub: Option<&str>, missing: &[String]) -> Option<String> {
    let sub = sub?;
    let command = Cli::command();
    let sub_cmd = command.find_subcommand(sub)?;
    sub_cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && a.get_long().is_some())
        .filter(|a| {
            let long = format!("--{}", a.get_long().unwrap_or_default());
            !missing.contains(&long) && given(argv, &long)
        })
        .find(|a| {
            let id = a.get_id().clone();
            let relaxed = Cli::command().mut_subcommand(sub, |s: Command| {
                s.mut_arg(id, |a| {
                    a.requires(clap::builder::Resettable::<clap::Id>::Reset)
                })
            });
            match relaxed.try_get_matches_from(argv) {
                Ok(_) => true,
                Err(e) => e.kind() != ErrorKind::MissingRequiredArgument,
            }
        })
        .and_then(|a| a.get_long().map(|l| format!("--{l}")))
}

/// Whether `long` (`--repeats`) appears in `argv`, alone or as `--repeats=3`.
fn given(argv: &[OsString], long: &str) -> bool {
    argv.iter().any(|arg| {
        arg.to_str().is_some_and(|s| {
            s == long
                || s.strip_prefix(long)
                    .is_some_and(|rest| rest.starts_with('='))
        })
    })
}

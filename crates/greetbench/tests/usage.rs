//! Bad input as a user types it: every mistake ends in one line on stderr that names the fix
//! (the flag to add, the range to keep to), with exit status 2, before anything runs.

use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

/// Runs `args`, asserts one line on stderr and exit status 2, and returns the line.
fn refused(args: &[&str]) -> String {
    let out = greetbench(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    err.trim_end().to_owned()
}

#[test]
fn a_missing_argument_is_named_with_the_subcommands_help() {
    let line = refused(&["run"]);
    assert!(line.contains("missing --model"), "{line}");
    assert!(line.contains("greetbench run --help"), "{line}");
    let line = refused(&["diff", "S"]);
    assert!(line.contains("missing <NEW>"), "{line}");
    let model = greetbench::registry::names()[0];
    let line = refused(&["load", "--model", model]);
    assert!(
        line.contains("--rate") && line.contains("--duration"),
        "{line}"
    );
}

#[test]
fn a_flag_that_needs_another_says_which() {
    let model = greetbench::registry::names()[0];
    let line = refused(&["compare", "--repeats", "3", "--model", model]);
    assert!(line.contains("--repeats needs --floor"), "{line}");
    let line = refused(&["sweep", "--size=10"]);
    assert!(line.contains("--size needs --scale"), "{line}");
}

//! The commands of `cargo lesson`: list, check, hint, predict, run, verify. `main.rs` only
//! calls [`main`]. Each command is a file of its own; this one parses the arguments, sends
//! each command to its file, and holds what they share (the lessons, paths as the learner types
//! them, the progress file, printing that survives a closed pipe).
//!
//! # Layout
//! - `check`: `list` and `check`, and what they print.
//! - `hint`: `hint`.
//! - `predict`: `predict`.
//! - `run`: `run`.
//! - `verify`: `verify`, for CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::course::{self, Lesson};
use crate::data::{self, LessonData};
use crate::progress;
use crate::{Error, Result};

/// `println!` that ends the program quietly when stdout has been closed (`cargo lesson list |
/// head -1`) instead of panicking: Rust ignores SIGPIPE, so the write fails with `BrokenPipe`.
macro_rules! println {
    () => {
        $crate::cli::print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::print_line(format_args!($($arg)*))
    };
}

mod check;
mod hint;
mod predict;
mod run;
mod verify;

/// One line on stdout; see [`println!`] above.
pub(crate) fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // Any other failure to print (a full disk under a redirect) is not worth a crash either:
    // the command's outcome is still its exit status.
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n"))
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// The greetbench course: list the lessons, check your exercise, get a hint, predict, measure.
#[derive(Debug, Parser)]
#[command(name = "cargo lesson", bin_name = "cargo lesson", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// The lessons, and which of their checks you have passed.
    List,
    /// Build a lesson's exercise and run each of its checks (e.g. `cargo lesson check 03`).
    Check {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Seconds each check may run before it is killed and counted as a failure.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
    /// Show a lesson's hints, gentlest first (e.g. `cargo lesson hint 03 --level 2`).
    Hint {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Show hints 1 to this level (1 is the gentlest).
        #[arg(long, default_value_t = 1)]
        level: u32,
    },
    /// Record your answers to a lesson's numeric predict questions, before you measure (e.g.
    /// `cargo lesson predict 01`; in a script, `--answer wall=1000`). Kept in target/.
    Predict {
        /// The lesson: 01, 1 or waiting.
        lesson: String,
        /// An answer, as ID=VALUE; repeat the flag for more. Without any, each question is
        /// asked in the terminal.
        #[arg(long = "answer", value_name = "ID=VALUE")]
        answers: Vec<String>,
        /// Show the questions, your answers and the last `cargo lesson run`; ask nothing.
        #[arg(long, conflicts_with = "answers")]
        show: bool,
    },
    /// Run your exercise and greetbench's model on the lesson's standard run, side by side, and
    /// set your predictions against them (e.g. `cargo lesson run 03`).
    Run {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Seconds each side may run before it is killed.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
    /// For CI: every untouched stub fails exactly its expected checks, every solution passes
    /// all of them and is clippy-clean, every known-wrong solution fails the check it names.
    /// Builds with `--locked`. Name lessons (`cargo lesson verify 03 06`) to verify only those.
    Verify {
        /// Only these lessons (03, 3 or thread-queue); every lesson if none is named.
        lessons: Vec<String>,
        /// Seconds each check may run before it is killed and counted as a failure.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
}

/// Parses the arguments and runs the command; errors are printed as one line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print(); // --help and --version
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "cargo lesson: {}",
                first_line_of_clap_error(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
    };
    let root = course::workspace_root();
    let outcome = match cli.command {
        Cmd::List => check::list(&root),
        Cmd::Check { lesson, timeout } => {
            check::check(&root, &lesson, Duration::from_secs(timeout))
        }
        Cmd::Hint { lesson, level } => hint::hint(&root, &lesson, level),
        Cmd::Predict {
            lesson,
            answers,
            show,
        } => predict::predict(&root, &lesson, &answers, show),
        Cmd::Run { lesson, timeout } => run::run(&root, &lesson, Duration::from_secs(timeout)),
        Cmd::Verify { lessons, timeout } => {
            verify::verify(&root, &lessons, Duration::from_secs(timeout))
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo lesson: {e}");
            ExitCode::from(2)
        }
    }
}

/// clap's error as one line: its first paragraph (what is wrong, with the value and the flag,
/// or the missing arguments), without the usage that follows, and where to read more.
fn first_line_of_clap_error(rendered: &str) -> String {
    let what: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect();
    let what = what.join(" ");
    let what = what.trim_start_matches("error: ");
    format!(
        "{} (see cargo lesson --help)",
        if what.is_empty() {
            "bad arguments"
        } else {
            what
        }
    )
}

pub(super) fn lessons(root: &Path) -> Result<Vec<Lesson>> {
    let lessons = course::discover(&root.join("lessons"))?;
    if lessons.is_empty() {
        return Err(Error::new(
            "no lessons found under lessons/: run cargo lesson from the greetbench checkout",
        ));
    }
    Ok(lessons)
}

/// A path as the learner should type it: relative to the workspace root.
pub(super) fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub(super) fn progress_file(root: &Path) -> PathBuf {
    progress::path(&course::target_dir(root))
}

/// Reads the progress, saying in one line if the file was corrupt (and where its copy is).
pub(super) fn load_progress(root: &Path) -> progress::Progress {
    let loaded = progress::load(&progress_file(root));
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    loaded.value
}

/// The lesson's `lesson.toml` (an error naming the file if it is not valid).
pub(super) fn lesson_data(root: &Path, lesson: &Lesson) -> Result<LessonData> {
    let file = lesson.data_file();
    data::load(&file, &rel(root, &file))
}

/// The lesson has an exercise, and it is a workspace member that cargo can build.
pub(super) fn exercise_ready(root: &Path, lesson: &Lesson) -> Result<()> {
    if !lesson.has_exercise() {
        return Err(Error::new(format!(
            "lesson {} has no exercise: read {} instead",
            lesson.id(),
            rel(root, &lesson.dir.join("README.md"))
        )));
    }
    let members = course::workspace_members(root)?;
    if !course::is_member(root, &members, &lesson.exercise_dir()) {
        return Err(Error::new(format!(
            "{} is not a workspace member yet: add it to `members` in Cargo.toml",
            rel(root, &lesson.exercise_dir())
        )));
    }
    Ok(())
}

/// `text` cut into lines of at most `width` characters, at spaces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_wrap_at_spaces() {
        let lines = wrap("one two three four five", 9);
        assert_eq!(lines, ["one two", "three", "four five"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn clap_errors_are_one_line() {
        let err = Cli::try_parse_from(["cargo lesson", "check"]).unwrap_err();
        let line = first_line_of_clap_error(&err.render().to_string());
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.contains("<LESSON>"), "{line}");
        assert!(line.ends_with("(see cargo lesson --help)"), "{line}");
    }

    #[test]
    fn predict_takes_repeated_answers_or_show() {
        let cli = Cli::try_parse_from([
            "cargo lesson",
            "predict",
            "01",
            "--answer",
            "wall=1000",
            "--answer",
            "threads=0",
        ])
        .unwrap();
        let Cmd::Predict {
            lesson,
            answers,
            show,
        } = cli.command
        else {
            panic!("not predict");
        };
        assert_eq!((lesson.as_str(), answers.len(), show), ("01", 2, false));
        assert!(
            Cli::try_parse_from(["cargo lesson", "predict", "01", "--show", "--answer", "a=1"])
                .is_err()
        );
    }
}

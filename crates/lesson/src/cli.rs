//! The four commands of `cargo lesson`: list, check, hint, verify. `main.rs` only calls
//! [`main`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::course::{self, Lesson};
use crate::progress::{self, LessonProgress};
use crate::runner::{self, Status, TestExe};
use crate::{Error, Result, expected, hints};

/// The greetbench course: list the lessons, check your exercise, get a hint.
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
        /// Show hints 1 to this level.
        #[arg(long, default_value_t = 1)]
        level: u32,
    },
    /// For CI: every untouched stub fails exactly its expected checks, every solution passes
    /// all of them and is clippy-clean. Builds with `--locked`.
    Verify {
        /// Seconds each check may run before it is killed and counted as a failure.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
}

/// Parses the arguments and runs the command; errors are printed as one line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = course::workspace_root();
    let outcome = match cli.command {
        Cmd::List => list(&root),
        Cmd::Check { lesson, timeout } => check(&root, &lesson, Duration::from_secs(timeout)),
        Cmd::Hint { lesson, level } => hint(&root, &lesson, level),
        Cmd::Verify { timeout } => verify(&root, Duration::from_secs(timeout)),
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

fn lessons(root: &Path) -> Result<Vec<Lesson>> {
    let lessons = course::discover(&root.join("lessons"))?;
    if lessons.is_empty() {
        return Err(Error::new(
            "no lessons found under lessons/: run cargo lesson from the greetbench checkout",
        ));
    }
    Ok(lessons)
}

/// A path as the learner should type it: relative to the workspace root.
fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn progress_file(root: &Path) -> PathBuf {
    progress::path(&course::target_dir(root))
}

/// `cargo lesson list`.
fn list(root: &Path) -> Result<bool> {
    let lessons = lessons(root)?;
    let progress = progress::load(&progress_file(root));
    println!("The greetbench course (read lessons/README.md first). Progress is from your last");
    println!("`cargo lesson check NN`, kept in target/lesson-progress.json.\n");
    let mut next: Option<&Lesson> = None;
    for l in &lessons {
        let state = if !l.has_exercise() {
            format!(
                "–  no exercise: read {}",
                rel(root, &l.dir.join("README.md"))
            )
        } else {
            match progress.lessons.get(&l.id()) {
                Some(p) if p.done() => format!("✓  done ({})", p.line()),
                Some(p) => {
                    next.get_or_insert(l);
                    format!("✗  {}", p.line())
                }
                None => {
                    next.get_or_insert(l);
                    "·  not checked yet".to_owned()
                }
            }
        };
        println!("  {}  {:<16} {state}", l.id(), l.topic);
    }
    match next {
        Some(l) => println!(
            "\nNext: read {}, then cargo lesson check {}",
            rel(root, &l.dir.join("README.md")),
            l.id()
        ),
        None => println!("\nEvery exercise passes. Well done."),
    }
    Ok(true)
}

/// `cargo lesson check NN`.
fn check(root: &Path, wanted: &str, timeout: Duration) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
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
    let package = lesson.exercise_package();
    println!(
        "Lesson {} ({}): building {package}'s checks…",
        lesson.id(),
        lesson.topic
    );
    let exes = runner::build(root, std::slice::from_ref(&package), false)?;
    let exes: Vec<TestExe> = exes.into_iter().filter(|e| e.package == package).collect();
    let results = runner::run_all(&exes, timeout, print_result)?;
    if results.is_empty() {
        return Err(Error::new(format!(
            "{package} has no checks: is {} intact?",
            rel(root, &lesson.dir.join("checks.rs"))
        )));
    }
    let failed = runner::failed_names(&results);
    let record = LessonProgress {
        passed: results
            .iter()
            .filter(|(_, s)| s.passed())
            .map(|(n, _)| n.clone())
            .collect(),
        failed: failed.iter().cloned().collect(),
        checked_at_unix: progress::now_unix(),
    };
    let file = progress_file(root);
    let mut all = progress::load(&file);
    println!("\nProgress: {}.", record.line());
    let done = record.done();
    all.lessons.insert(lesson.id(), record);
    if let Err(e) = progress::save(&file, &all) {
        eprintln!("(could not record progress in {}: {e})", file.display());
    }
    if done {
        match lessons.iter().find(|l| l.number > lesson.number) {
            Some(n) => println!(
                "Lesson {} done. Next: read {}, then cargo lesson check {}",
                lesson.id(),
                rel(root, &n.dir.join("README.md")),
                n.id()
            ),
            None => println!("Lesson {} done: that was the last one.", lesson.id()),
        }
    } else {
        println!(
            "Next: edit {} and run cargo lesson check {id} again. Stuck? cargo lesson hint {id}",
            rel(root, &lesson.exercise_dir().join("src/lib.rs")),
            id = lesson.id()
        );
    }
    Ok(done)
}

fn print_result(name: &str, status: &Status) {
    match status {
        Status::Passed => println!("  ✓ {name}"),
        Status::Failed(msg) => {
            println!("  ✗ {name}");
            for line in msg.lines() {
                println!("      {line}");
            }
        }
        Status::TimedOut(t) => println!(
            "  ✗ {name}\n      timed out after {} s and was killed — a deadlock or a missing timeout?",
            t.as_secs()
        ),
    }
}

/// `cargo lesson hint NN --level K`.
fn hint(root: &Path, wanted: &str, level: u32) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
    let file = lesson.hints_file();
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::new(format!(
            "cannot read {}: {e}; lesson {} has no hints, see its README",
            rel(root, &file),
            lesson.id()
        ))
    })?;
    let all = hints::parse(&text, &rel(root, &file))?;
    let shown = hints::up_to(&all, level);
    for h in shown {
        println!(
            "Lesson {} ({}), hint {} of {}:\n",
            lesson.id(),
            lesson.topic,
            h.level,
            all.len()
        );
        for line in h.text.trim().lines() {
            if line.trim().is_empty() {
                println!();
            } else {
                println!("  {line}");
            }
        }
        println!();
    }
    if shown.len() < all.len() {
        println!(
            "More: cargo lesson hint {} --level {}",
            lesson.id(),
            shown.len() + 1
        );
    }
    Ok(true)
}

/// `cargo lesson verify`.
fn verify(root: &Path, timeout: Duration) -> Result<bool> {
    let started = Instant::now();
    let members = course::workspace_members(root)?;
    let (lessons, not_members): (Vec<Lesson>, Vec<Lesson>) = lessons(root)?
        .into_iter()
        .filter(Lesson::has_exercise)
        .partition(|l| {
            course::is_member(root, &members, &l.exercise_dir())
                && course::is_member(root, &members, &l.solution_dir())
        });
    let packages: Vec<String> = lessons
        .iter()
        .flat_map(|l| [l.exercise_package(), l.solution_package()])
        .collect();
    println!(
        "verify: building {} lessons' exercises and solutions in one cargo call…",
        lessons.len()
    );
    // With no package named, cargo would build the default members instead: skip the call.
    let exes = if packages.is_empty() {
        Vec::new()
    } else {
        runner::build(root, &packages, true)?
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut tally = |name: &str, what: String, problems: Vec<String>| {
        if problems.is_empty() {
            passed += 1;
            println!("  ✓ {name:<20} {what}");
        } else {
            failed += 1;
            println!("  ✗ {name:<20} {what}");
            for p in problems {
                println!("      {p}");
            }
        }
    };
    for l in &not_members {
        tally(
            &l.name(),
            "exercise and solution are workspace members".into(),
            vec![format!(
                "add {} and {} to `members` in Cargo.toml",
                rel(root, &l.exercise_dir()),
                rel(root, &l.solution_dir())
            )],
        );
    }
    for l in &lessons {
        let of = |pkg: String| -> Vec<TestExe> {
            exes.iter().filter(|e| e.package == pkg).cloned().collect()
        };
        // 1. The untouched stub fails exactly the expected checks, and passes the others.
        let stub = runner::run_all(&of(l.exercise_package()), timeout, |_, _| {})?;
        let stub_tests: BTreeSet<String> = stub.iter().map(|(n, _)| n.clone()).collect();
        let expected_file = l.expected_failures_file();
        let (expected, mut problems) = match std::fs::read_to_string(&expected_file) {
            Ok(text) => {
                let expected = expected::parse(&text);
                let problems =
                    expected::compare(&stub_tests, &runner::failed_names(&stub), &expected);
                (expected, problems)
            }
            Err(e) => (
                BTreeSet::new(),
                vec![format!(
                    "cannot read {}: {e}; list the checks the stub must fail there",
                    rel(root, &expected_file)
                )],
            ),
        };
        problems.extend(stub.iter().filter_map(|(n, s)| match s {
            Status::TimedOut(_) => {
                Some(format!("{n} timed out on the stub: a stub must fail fast"))
            }
            _ => None,
        }));
        tally(
            &l.name(),
            format!("stub fails exactly its {} expected checks", expected.len()),
            problems,
        );
        // 2. The solution passes every check, and has the same checks as the exercise.
        let sol = runner::run_all(&of(l.solution_package()), timeout, |_, _| {})?;
        let sol_tests: BTreeSet<String> = sol.iter().map(|(n, _)| n.clone()).collect();
        let mut problems: Vec<String> = sol
            .iter()
            .filter(|(_, s)| !s.passed())
            .map(|(n, s)| match s {
                Status::TimedOut(t) => format!("{n} timed out after {} s", t.as_secs()),
                Status::Failed(msg) => format!("{n} failed: {}", msg.replace('\n', " / ")),
                Status::Passed => unreachable!("filtered out"),
            })
            .collect();
        if sol_tests != stub_tests {
            problems.push("the solution and the exercise do not have the same checks".into());
        }
        if sol.is_empty() {
            problems.push("the solution has no checks".into());
        }
        tally(
            &l.name(),
            format!(
                "solution passes {} of {} checks",
                sol.iter().filter(|(_, s)| s.passed()).count(),
                sol.len()
            ),
            problems,
        );
    }
    // 3. The solutions are clippy-clean: one cargo call for all of them (one feature
    // resolution, one build of the dependencies); only if it fails, one call per lesson to
    // say which.
    let solutions: Vec<String> = lessons.iter().map(Lesson::solution_package).collect();
    if !solutions.is_empty() {
        if clippy(root, &solutions)? {
            tally("all solutions", "clippy-clean".into(), Vec::new());
        } else {
            for l in &lessons {
                let pkg = l.solution_package();
                let problems = if clippy(root, std::slice::from_ref(&pkg))? {
                    Vec::new()
                } else {
                    vec![format!(
                        "cargo clippy -p {pkg} --all-targets -- -D warnings reported problems (above)"
                    )]
                };
                tally(&l.name(), "solution is clippy-clean".into(), problems);
            }
        }
    }
    println!("took {} s", started.elapsed().as_secs());
    println!("verify: {passed} passed, {failed} failed");
    Ok(failed == 0)
}

/// `cargo clippy -p P… --all-targets -- -D warnings`; diagnostics go to the terminal. Whether
/// it was clean.
fn clippy(root: &Path, packages: &[String]) -> Result<bool> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["clippy", "--quiet", "--locked", "--all-targets"]);
    for p in packages {
        cmd.args(["-p", p]);
    }
    let status = cmd
        .args(["--", "-D", "warnings"])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| {
            Error::new(format!(
                "cannot run cargo clippy: {e}; install it with rustup component add clippy"
            ))
        })?;
    Ok(status.success())
}

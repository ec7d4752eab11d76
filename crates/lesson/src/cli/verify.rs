//! `cargo lesson verify [LESSON…]`, for CI: every untouched stub fails exactly its expected
//! checks, every solution passes them all and is clippy-clean, and every known-wrong solution
//! fails the check that names its mistake.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{lessons, rel};
use crate::course::{self, Lesson};
use crate::runner::{self, Status, TestExe};
use crate::{Error, Result, expected};

/// The lines of verify's report, and how many proofs held and failed.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    /// One proof about `name`: `what` was proved, unless `problems` says what went wrong.
    fn add(&mut self, name: &str, what: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed += 1;
            println!("  ✓ {name:<20} {what}");
        } else {
            self.failed += 1;
            println!("  ✗ {name:<20} {what}");
            for p in problems {
                println!("      {p}");
            }
        }
    }
}

/// `cargo lesson verify [LESSON…]`.
pub(super) fn verify(root: &Path, only: &[String], timeout: Duration) -> Result<bool> {
    let started = Instant::now();
    let (lessons, not_members) = select(root, only)?;
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
    let mut tally = Tally::default();
    for l in &not_members {
        let fix = format!(
            "add {} and {} to `members` in Cargo.toml",
            rel(root, &l.exercise_dir()),
            rel(root, &l.solution_dir())
        );
        tally.add(
            &l.name(),
            "exercise and solution are workspace members",
            vec![fix],
        );
    }
    for l in &lessons {
        let of = |pkg: String| -> Vec<TestExe> {
            exes.iter().filter(|e| e.package == pkg).cloned().collect()
        };
        let stub = runner::run_all(&of(l.exercise_package()), timeout, |_, _| {})?;
        let (what, problems) = stub_proof(root, l, &stub);
        tally.add(&l.name(), &what, problems);
        let sol = runner::run_all(&of(l.solution_package()), timeout, |_, _| {})?;
        let (what, problems) = solution_proof(&stub, &sol);
        tally.add(&l.name(), &what, problems);
    }
    // Every known-wrong solution (lessonNN-wrong) fails the check that names its mistake.
    for v in crate::wrong::verify(root, &lessons, timeout)? {
        tally.add(&v.lesson, &v.what, v.problems);
    }
    clippy_proofs(root, &lessons, &mut tally)?;
    println!("took {} s", started.elapsed().as_secs());
    println!("verify: {} passed, {} failed", tally.passed, tally.failed);
    Ok(tally.failed == 0)
}

/// The lessons to verify (those named, or every one with an exercise), split into those whose
/// exercise and solution are workspace members and those that are not.
fn select(root: &Path, only: &[String]) -> Result<(Vec<Lesson>, Vec<Lesson>)> {
    let members = course::workspace_members(root)?;
    let all = lessons(root)?;
    let mut wanted: BTreeSet<u32> = BTreeSet::new();
    for name in only {
        wanted.insert(course::find(&all, name)?.number);
    }
    Ok(all
        .into_iter()
        .filter(|l| wanted.is_empty() || wanted.contains(&l.number))
        .filter(Lesson::has_exercise)
        .partition(|l| {
            course::is_member(root, &members, &l.exercise_dir())
                && course::is_member(root, &members, &l.solution_dir())
        }))
}

/// Proof 1: the untouched stub fails exactly the checks its `expected-failures.txt` lists,
/// passes the others, and fails fast.
fn stub_proof(root: &Path, l: &Lesson, stub: &[(String, Status)]) -> (String, Vec<String>) {
    let stub_tests: BTreeSet<String> = stub.iter().map(|(n, _)| n.clone()).collect();
    let expected_file = l.expected_failures_file();
    let (expected, mut problems) = match std::fs::read_to_string(&expected_file) {
        Ok(text) => {
            let expected = expected::parse(&text);
            let problems = expected::compare(&stub_tests, &runner::failed_names(stub), &expected);
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
        Status::TimedOut(_) => Some(format!("{n} timed out on the stub: a stub must fail fast")),
        _ => None,
    }));
    let what = format!("stub fails exactly its {} expected checks", expected.len());
    (what, problems)
}

/// Proof 2: the solution passes every check, and has the same checks as the exercise.
fn solution_proof(stub: &[(String, Status)], sol: &[(String, Status)]) -> (String, Vec<String>) {
    let names = |run: &[(String, Status)]| -> BTreeSet<String> {
        run.iter().map(|(n, _)| n.clone()).collect()
    };
    let mut problems: Vec<String> = sol
        .iter()
        .filter(|(_, s)| !s.passed())
        .map(|(n, s)| match s {
            Status::TimedOut(t) => format!("{n} timed out after {} s", t.as_secs()),
            Status::Failed(msg) => format!("{n} failed: {}", msg.replace('\n', " / ")),
            Status::Passed => unreachable!("filtered out"),
        })
        .collect();
    if names(sol) != names(stub) {
        problems.push("the solution and the exercise do not have the same checks".into());
    }
    if sol.is_empty() {
        problems.push("the solution has no checks".into());
    }
    let passing = sol.iter().filter(|(_, s)| s.passed()).count();
    let what = format!("solution passes {passing} of {} checks", sol.len());
    (what, problems)
}

/// Proof 3: the solutions are clippy-clean. One cargo call for all of them (one feature
/// resolution, one build of the dependencies); only if it fails, one call per lesson to say
/// which.
fn clippy_proofs(root: &Path, lessons: &[Lesson], tally: &mut Tally) -> Result<()> {
    let solutions: Vec<String> = lessons.iter().map(Lesson::solution_package).collect();
    if solutions.is_empty() {
        return Ok(());
    }
    if clippy(root, &solutions)? {
        tally.add("all solutions", "clippy-clean", Vec::new());
        return Ok(());
    }
    for l in lessons {
        let pkg = l.solution_package();
        let problems = if clippy(root, std::slice::from_ref(&pkg))? {
            Vec::new()
        } else {
            vec![format!(
                "cargo clippy -p {pkg} --all-targets -- -D warnings reported problems (above)"
            )]
        };
        tally.add(&l.name(), "solution is clippy-clean", problems);
    }
    Ok(())
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

//! Known-wrong solutions, and proving that the checks catch them.
//!
//! A lesson may keep, next to its exercise, a crate `lessonNN-wrong` of plausible solutions
//! that are wrong: one module per mistake, `src/MISTAKE.rs`, named after the mistake, and one
//! test target per mistake, `tests/MISTAKE.rs`, which runs the lesson's `checks.rs` against that
//! module. Each module's `//!` header says what the mistake is and which check catches it, on a
//! line ``Caught by: `CHECK`.``.
//!
//! `cargo lesson verify` builds every such crate in one cargo call and runs, for each mistake,
//! the check its file names: that check must fail (or time out). A mistake whose file names no
//! check must fail at least one of them. So if a change to a lesson's checks lets a known-wrong
//! solution pass, CI says which one.
//!
//! The crates are workspace members, so `cargo clippy --workspace --all-targets` lints them, but
//! not default members, so that `cargo test` stays green.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::course::{self, Lesson};
use crate::runner::{self, Status, TestExe};
use crate::{Error, Result};

/// One known-wrong solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// Its name: the module `src/NAME.rs` and the test target `tests/NAME.rs`.
    pub name: String,
    /// The check its `//!` header says catches it.
    pub caught_by: Option<String>,
}

/// A lesson's crate of known-wrong solutions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongCrate {
    /// The lesson, `03-thread-queue`.
    pub lesson: String,
    /// The package, `lesson03-wrong`.
    pub package: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its mistakes, by name.
    pub mistakes: Vec<Mistake>,
}

/// One line of verify's report: the lesson, what was proved, and what went wrong (nothing if
/// the proof held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The lesson, `03-thread-queue`.
    pub lesson: String,
    /// `wrong/fixed_split: fails a_held_job_…`.
    pub what: String,
    /// Empty if the mistake was caught as its file says.
    pub problems: Vec<String>,
}

/// The package name of a lesson's known-wrong solutions, `lesson03-wrong`.
pub fn package(lesson: &Lesson) -> String {
    format!("lesson{}-wrong", lesson.id())
}

/// The check named by a ``Caught by: `CHECK`.`` line in a mistake's source, if any.
pub fn caught_by(source: &str) -> Option<String> {
    source.lines().find_map(|line| {
        let rest = line.split_once("Caught by:")?.1.trim();
        let name = rest.strip_prefix('`')?.split('`').next()?;
        (!name.is_empty()).then(|| name.to_owned())
    })
}

/// The lesson's crate of known-wrong solutions, if it has one: its mistakes are the test
/// targets in `tests/`, each with its module in `src/`.
pub fn discover(lesson: &Lesson) -> Option<WrongCrate> {
    let package = package(lesson);
    let dir = lesson.dir.join(&package);
    if !dir.join("Cargo.toml").is_file() {
        return None;
    }
    // No tests/ at all is a crate with no mistakes, which verify reports.
    let mut names: Vec<String> = std::fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let mistakes = names
        .into_iter()
        .map(|name| {
            let source = std::fs::read_to_string(dir.join("src").join(format!("{name}.rs")));
            Mistake {
                caught_by: source.ok().as_deref().and_then(caught_by),
                name,
            }
        })
        .collect();
    Some(WrongCrate {
        lesson: lesson.name(),
        package,
        dir,
        mistakes,
    })
}

/// The `default-members` of the workspace manifest's text.
fn default_members_of(manifest: &str) -> Vec<String> {
    let Ok(value) = toml::from_str::<toml::Table>(manifest) else {
        return Vec::new();
    };
    value
        .get("workspace")
        .and_then(|w| w.get("default-members"))
        .and_then(|m| m.as_array())
        .map(|m| {
            m.iter()
                .filter_map(|m| m.as_str())
                .map(|m| m.trim_end_matches('/').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A test executable cargo built, with the name of its test target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetExe {
    /// The test target, `fixed_split` for `tests/fixed_split.rs`.
    pub target: String,
    /// The executable, as the runner takes it.
    pub exe: TestExe,
}

/// Picks the integration-test executables, with their target names, out of cargo's JSON
/// messages.
pub fn parse_test_targets(json_lines: &str) -> Vec<TargetExe> {
    let mut out = Vec::new();
    for line in json_lines.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        // An integration-test target (`tests/NAME.rs`), not the library's unit tests.
        let is_test_target = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "test"));
        let (true, Some(target), Some(exe)) = (
            is_test_target,
            msg["target"]["name"].as_str(),
            crate::runner::test_artifact(&msg),
        ) else {
            continue;
        };
        out.push(TargetExe {
            target: target.to_owned(),
            exe,
        });
    }
    out
}

/// Builds the test targets of `packages` in one cargo call (`--locked`).
fn build(root: &Path, packages: &[String]) -> Result<Vec<TargetExe>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "test",
            "--quiet",
            "--no-run",
            "--locked",
            "--message-format=json-render-diagnostics",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for p in packages {
        cmd.args(["-p", p]);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo: {e}; is cargo on your PATH?")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "{} did not compile: fix the errors shown above, then run the command again",
            packages.join(", ")
        )));
    }
    Ok(parse_test_targets(&String::from_utf8_lossy(&out.stdout)))
}

/// Runs one mistake's checks: the one its file names, or else each until one fails. Returns
/// what to report.
fn prove(krate: &WrongCrate, mistake: &Mistake, exe: &TestExe, timeout: Duration) -> Verdict {
    let title = format!("wrong/{}", mistake.name);
    let verdict = |what: String, problems: Vec<String>| Verdict {
        lesson: krate.lesson.clone(),
        what,
        problems,
    };
    let source = format!("{}/src/{}.rs", krate.package, mistake.name);
    let checks = match runner::list(exe) {
        Ok(checks) if !checks.is_empty() => checks,
        Ok(_) => {
            return verdict(
                format!("{title}: has checks"),
                vec![format!(
                    "tests/{}.rs runs no check: it must include the lesson's checks.rs",
                    mistake.name
                )],
            );
        }
        Err(e) => return verdict(format!("{title}: has checks"), vec![e.to_string()]),
    };
    let order: Vec<&String> = match &mistake.caught_by {
        Some(name) if checks.contains(name) => vec![name],
        Some(name) => {
            return verdict(
                format!("{title}: fails {name}"),
                vec![format!(
                    "{source} names `{name}`, which is not one of the lesson's checks"
                )],
            );
        }
        None => checks.iter().collect(),
    };
    for name in order {
        let status = match runner::run_one(exe, name, timeout) {
            Ok(status) => status,
            Err(e) => return verdict(format!("{title}: fails {name}"), vec![e.to_string()]),
        };
        match status {
            Status::Failed(_) => return verdict(format!("{title}: fails {name}"), Vec::new()),
            Status::TimedOut(t) => {
                return verdict(
                    format!("{title}: fails {name} (timed out after {} s)", t.as_secs()),
                    Vec::new(),
                );
            }
            Status::Passed if mistake.caught_by.is_some() => {
                return verdict(
                    format!("{title}: fails {name}"),
                    vec![format!(
                        "{name} passed on this known-wrong solution: the check no longer \
                         catches the mistake {source} describes"
                    )],
                );
            }
            Status::Passed => {}
        }
    }
    verdict(
        format!("{title}: fails a check"),
        vec![format!(
            "every check passed on this known-wrong solution ({source}): tighten the checks, \
             and name the one that catches it on a `Caught by:` line"
        )],
    )
}

/// Proves, for every lesson in `lessons` that has a `lessonNN-wrong` crate, that the checks
/// catch each of its mistakes. One [`Verdict`] per mistake, plus one per crate that is not set
/// up right (not a member, a default member, no mistakes).
pub fn verify(root: &Path, lessons: &[Lesson], timeout: Duration) -> Result<Vec<Verdict>> {
    let manifest = root.join("Cargo.toml");
    let manifest_text = std::fs::read_to_string(&manifest)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", manifest.display())))?;
    let members = course::members_of(&manifest_text).unwrap_or_default();
    let defaults = default_members_of(&manifest_text);
    let mut verdicts = Vec::new();
    let mut crates = Vec::new();
    for lesson in lessons {
        let Some(krate) = discover(lesson) else {
            continue;
        };
        let rel = krate
            .dir
            .strip_prefix(root)
            .unwrap_or(&krate.dir)
            .to_owned();
        let mut problems = Vec::new();
        if !course::is_member(root, &members, &krate.dir) {
            problems.push(format!("add {} to `members` in Cargo.toml", rel.display()));
        }
        if course::is_member(root, &defaults, &krate.dir) {
            problems.push(format!(
                "remove {} from `default-members`: its checks fail by design",
                rel.display()
            ));
        }
        if krate.mistakes.is_empty() {
            problems.push(format!(
                "{} has no tests/MISTAKE.rs: add one per known-wrong solution",
                rel.display()
            ));
        }
        if problems.is_empty() {
            crates.push(krate);
        } else {
            verdicts.push(Verdict {
                lesson: krate.lesson,
                what: format!(
                    "{} is set up as a crate of known-wrong solutions",
                    krate.package
                ),
                problems,
            });
        }
    }
    if crates.is_empty() {
        return Ok(verdicts);
    }
    let packages: Vec<String> = crates.iter().map(|c| c.package.clone()).collect();
    let count: usize = crates.iter().map(|c| c.mistakes.len()).sum();
    println!("verify: building {count} known-wrong solutions in one cargo call…");
    let built = build(root, &packages)?;
    for krate in &crates {
        for mistake in &krate.mistakes {
            let exe = built
                .iter()
                .find(|t| t.exe.package == krate.package && t.target == mistake.name);
            verdicts.push(match exe {
                Some(t) => prove(krate, mistake, &t.exe, timeout),
                None => Verdict {
                    lesson: krate.lesson.clone(),
                    what: format!("wrong/{}: builds", mistake.name),
                    problems: vec![format!(
                        "cargo built no test target {} in {}",
                        mistake.name, krate.package
                    )],
                },
            });
        }
    }
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_caught_by_line() {
        let src = "//! Known-wrong solution `x`: ...\n//!\n//! Caught by: `peak_in_flight`.\n";
        assert_eq!(caught_by(src), Some("peak_in_flight".into()));
        assert_eq!(caught_by("//! Caught by: nothing"), None);
        assert_eq!(caught_by("//! no line here"), None);
    }

    #[test]
    fn discovers_mistakes_by_test_target() {
        let tmp = tempfile::tempdir().unwrap();
        let lesson = Lesson {
            number: 3,
            topic: "thread-queue".into(),
            dir: tmp.path().join("03-thread-queue"),
        };
        assert_eq!(discover(&lesson), None, "no crate, no mistakes");
        let dir = lesson.dir.join("lesson03-wrong");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "").unwrap();
        let empty = discover(&lesson).unwrap();
        assert!(empty.mistakes.is_empty(), "no tests/, no mistakes");
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("tests/b.rs"), "").unwrap();
        std::fs::write(dir.join("tests/a.rs"), "").unwrap();
        std::fs::write(dir.join("tests/notes.txt"), "").unwrap();
        std::fs::write(dir.join("src/a.rs"), "//! Caught by: `check_a`.\n").unwrap();
        let krate = discover(&lesson).unwrap();
        assert_eq!(krate.package, "lesson03-wrong");
        assert_eq!(
            krate.mistakes,
            [
                Mistake {
                    name: "a".into(),
                    caught_by: Some("check_a".into())
                },
                Mistake {
                    name: "b".into(),
                    caught_by: None
                },
            ]
        );
    }

    #[test]
    fn reads_default_members() {
        let manifest = "[workspace]\nmembers = [\"a\", \"b\"]\ndefault-members = [\"a/\"]\n";
        assert_eq!(default_members_of(manifest), ["a"]);
        assert!(default_members_of("[package]\nname = \"x\"").is_empty());
    }

    #[test]
    fn picks_integration_test_targets_with_their_names() {
        let lines = [
            r#"{"reason":"compiler-artifact","manifest_path":"/w/lessons/03-t/lesson03-wrong/Cargo.toml","target":{"name":"fixed_split","kind":["test"]},"profile":{"test":true},"executable":"/w/target/debug/deps/fixed_split-1"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/lessons/03-t/lesson03-wrong/Cargo.toml","target":{"name":"lesson03_wrong","kind":["lib"]},"profile":{"test":true},"executable":"/w/target/debug/deps/lesson03_wrong-2"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/lessons/03-t/lesson03-wrong/Cargo.toml","target":{"name":"lesson03_wrong","kind":["lib"]},"profile":{"test":false},"executable":null}"#,
            "not json",
        ]
        .join("\n");
        let got = parse_test_targets(&lines);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].target, "fixed_split");
        assert_eq!(got[0].exe.package, "lesson03-wrong");
        assert_eq!(
            got[0].exe.path,
            PathBuf::from("/w/target/debug/deps/fixed_split-1")
        );
    }
}

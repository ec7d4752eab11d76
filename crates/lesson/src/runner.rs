//! Building an exercise's tests through cargo and running each test alone, with a timeout.
//!
//! - [`build`]: `cargo test --no-run --message-format=json-render-diagnostics -p …` compiles
//!   the test executables (compiler errors still go to the terminal as usual) and reports their
//!   paths.
//! - [`list`]: `<exe> --list --format terse` names the tests, less the `#[ignore]`d ones
//!   (each lesson's `lesson_run` measurement is one; checks never run it).
//! - [`run_one`]: `<exe> --exact NAME`, killed if it outlives its timeout, so a deadlock is a
//!   failure with a message rather than a hang.
//! - [`run_checks`]: every check, one after another; with [`OnTimeout::Stop`] the first hang
//!   ends the run, because the checks left would most likely hang the same way, a timeout each.
//! - [`build_bin`]: `cargo build` one binary (`cargo lesson run`'s reference) and find it.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// One test executable cargo built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestExe {
    /// The package it belongs to (its directory name, which is the package name).
    pub package: String,
    /// Its package directory; tests run there, as under `cargo test`.
    pub package_dir: PathBuf,
    /// The executable.
    pub path: PathBuf,
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It passed.
    Passed,
    /// It failed; the message libtest printed for it.
    Failed(String),
    /// It ran past the timeout and was killed.
    TimedOut(Duration),
}

impl Status {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        matches!(self, Status::Passed)
    }
}

/// How a build ended, when cargo could run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Built {
    /// It compiled: the test executables.
    Exes(Vec<TestExe>),
    /// It did not compile; cargo has shown the errors on the terminal.
    DidNotCompile,
}

/// Builds the test executables of `packages` in one cargo call, from `root`. `locked` passes
/// `--locked` (CI: fail rather than update `Cargo.lock`). Code that does not compile is an
/// error naming the fix; [`build_or_report`] tells it apart.
pub fn build(root: &Path, packages: &[String], locked: bool) -> Result<Vec<TestExe>> {
    match build_or_report(root, packages, locked)? {
        Built::Exes(exes) => Ok(exes),
        Built::DidNotCompile => Err(Error::new(format!(
            "{} did not compile: fix the errors shown above, then run the command again",
            packages.join(", ")
        ))),
    }
}

/// [`build`], with "it did not compile" as a result rather than an error; the error is for
/// cargo not running at all.
pub fn build_or_report(root: &Path, packages: &[String], locked: bool) -> Result<Built> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "test",
            "--quiet",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .args(locked.then_some("--locked"))
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
        return Ok(Built::DidNotCompile);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    Ok(Built::Exes(parse_artifacts(&stdout)))
}

/// Builds the binary `bin` of `package` (`cargo build -p PACKAGE --bin BIN`) and returns its
/// path. Compiler errors go to the terminal.
pub fn build_bin(root: &Path, package: &str, bin: &str) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
        ])
        .args(["-p", package, "--bin", bin])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo: {e}; is cargo on your PATH?")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "{package} did not build: see the errors above (cargo build -p {package})"
        )));
    }
    parse_bin_artifact(&String::from_utf8_lossy(&out.stdout), bin).ok_or_else(|| {
        Error::new(format!(
            "cargo built {package} but named no binary {bin}: is it in its Cargo.toml?"
        ))
    })
}

/// Picks the executable of binary target `bin` out of cargo's JSON messages.
pub fn parse_bin_artifact(json_lines: &str, bin: &str) -> Option<PathBuf> {
    json_lines.lines().find_map(|line| {
        let msg = serde_json::from_str::<serde_json::Value>(line).ok()?;
        let is_bin = msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == bin
            && msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
        if !is_bin {
            return None;
        }
        msg["executable"].as_str().map(PathBuf::from)
    })
}

/// The test executable one of cargo's JSON messages announces, if it announces one: a
/// `compiler-artifact` built with the test profile.
pub fn test_artifact(msg: &serde_json::Value) -> Option<TestExe> {
    if msg["reason"] != "compiler-artifact" || msg["profile"]["test"] != true {
        return None;
    }
    let exe = msg["executable"].as_str()?;
    let package_dir = Path::new(msg["manifest_path"].as_str()?)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let package = package_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(TestExe {
        package,
        package_dir,
        path: PathBuf::from(exe),
    })
}

/// Picks the test executables out of cargo's JSON messages.
pub fn parse_artifacts(json_lines: &str) -> Vec<TestExe> {
    json_lines
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|msg| test_artifact(&msg))
        .collect()
}

/// The tests in `exe` that run by default, by name: `#[ignore]`d ones (a lesson's
/// `lesson_run` measurement) are left out, since `--exact NAME` would only skip them.
pub fn list(exe: &TestExe) -> Result<Vec<String>> {
    let ignored = list_with(exe, &["--ignored"])?;
    Ok(list_with(exe, &[])?
        .into_iter()
        .filter(|name| !ignored.contains(name))
        .collect())
}

/// The `#[ignore]`d tests in `exe`, by name.
pub fn list_ignored(exe: &TestExe) -> Result<Vec<String>> {
    list_with(exe, &["--ignored"])
}

fn list_with(exe: &TestExe, extra: &[&str]) -> Result<Vec<String>> {
    let mut cmd = Command::new(&exe.path);
    cmd.current_dir(&exe.package_dir)
        .args(["--list", "--format", "terse"])
        .args(extra);
    let run = run_with_timeout(cmd, Duration::from_secs(60))?;
    if run.timed_out || !run.success {
        return Err(Error::new(format!(
            "{} could not list its tests: rebuild with cargo test -p {} --no-run",
            exe.path.display(),
            exe.package
        )));
    }
    Ok(parse_list(&run.stdout))
}

/// Parses `--list --format terse` output: `name: test` lines.
pub fn parse_list(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// Runs the single test `name` of `exe`, killing it after `timeout`.
pub fn run_one(exe: &TestExe, name: &str, timeout: Duration) -> Result<Status> {
    let mut cmd = Command::new(&exe.path);
    cmd.current_dir(&exe.package_dir)
        .args(["--exact", name, "--test-threads", "1"])
        // The message is what the learner needs; a backtrace would bury it.
        .env("RUST_BACKTRACE", "0");
    let run = run_with_timeout(cmd, timeout)?;
    if run.timed_out {
        return Ok(Status::TimedOut(timeout));
    }
    let ran_ok = run.stdout.contains(&format!("test {name} ... ok"));
    if run.success && ran_ok {
        return Ok(Status::Passed);
    }
    if run.success {
        return Err(Error::new(format!(
            "{} ran no test named {name}: rebuild with cargo test -p {} --no-run",
            exe.path.display(),
            exe.package
        )));
    }
    Ok(Status::Failed(failure_message(&run.stdout, name)))
}

/// The part of libtest's output that explains why `name` failed: its captured output and panic
/// message, without the backtrace note.
pub fn failure_message(stdout: &str, name: &str) -> String {
    let header = format!("---- {name} stdout ----");
    let Some(start) = stdout.find(&header) else {
        return "the test process failed without a message (did it crash or exit early?)".into();
    };
    let body = &stdout[start + header.len()..];
    let end = body.find("\nfailures:").unwrap_or(body.len());
    let lines: Vec<String> = body[..end]
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .map(|l| {
            // `thread 'name' (1234) panicked at src/lib.rs:9:5:` → `panicked at src/lib.rs:9:5:`
            match (l.starts_with("thread '"), l.find("panicked at ")) {
                (true, Some(i)) => l[i..].to_owned(),
                _ => l.to_owned(),
            }
        })
        .map(|l| {
            if l.starts_with("not yet implemented") {
                format!("{l}   ← a todo!() still to fill in")
            } else {
                l
            }
        })
        .collect();
    if lines.is_empty() {
        "failed without a message".into()
    } else {
        lines.join("\n")
    }
}

/// Runs every test of every executable, each alone; returns `(test, status)` in order. A hang
/// costs its timeout and the run goes on (CI wants every check's verdict).
pub fn run_all(
    exes: &[TestExe],
    timeout: Duration,
    on_result: impl FnMut(&str, &Status),
) -> Result<Vec<(String, Status)>> {
    Ok(run_checks(exes, timeout, OnTimeout::Continue, on_result)?.results)
}

/// What [`run_checks`] does after a check times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTimeout {
    /// Run the rest anyway.
    Continue,
    /// Stop: the rest are [`Checked::not_run`].
    Stop,
}

/// What [`run_checks`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// `(test, status)` for each check that ran, in order.
    pub results: Vec<(String, Status)>,
    /// The checks left unrun after a hang, in order.
    pub not_run: Vec<String>,
}

/// Runs the tests of every executable, each alone, calling `on_result` after each. With
/// [`OnTimeout::Stop`], the first timeout ends the run: a deadlock in the learner's code
/// usually hangs every check that calls it, and each would cost a full timeout.
pub fn run_checks(
    exes: &[TestExe],
    timeout: Duration,
    on_timeout: OnTimeout,
    mut on_result: impl FnMut(&str, &Status),
) -> Result<Checked> {
    // Name every check first, so that the ones a hang leaves unrun can be named too.
    let mut queue = Vec::new();
    for exe in exes {
        queue.extend(list(exe)?.into_iter().map(|name| (exe, name)));
    }
    let mut checked = Checked::default();
    let mut queue = queue.into_iter();
    for (exe, name) in queue.by_ref() {
        let status = run_one(exe, &name, timeout)?;
        on_result(&name, &status);
        let hung = matches!(status, Status::TimedOut(_));
        checked.results.push((name, status));
        if hung && on_timeout == OnTimeout::Stop {
            break;
        }
    }
    checked.not_run = queue.map(|(_, name)| name).collect();
    Ok(checked)
}

/// The names of the tests that did not pass.
pub fn failed_names(results: &[(String, Status)]) -> BTreeSet<String> {
    results
        .iter()
        .filter(|(_, s)| !s.passed())
        .map(|(n, _)| n.clone())
        .collect()
}

/// How a process run by [`run_with_timeout`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// It exited with status 0.
    pub success: bool,
    /// It was killed at the timeout.
    pub timed_out: bool,
    /// Its stdout and its stderr, each whole, in the order their pipes closed.
    pub stdout: String,
}

/// Runs `cmd` with its output captured, killing it if it runs longer than `timeout`.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Result<Finished> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::new(format!(
                "cannot start {:?}: {e}; rebuild it with cargo test --no-run",
                cmd.get_program()
            ))
        })?;
    // Read both pipes on their own threads, so a chatty test cannot fill a pipe and stall.
    let (tx, rx) = mpsc::channel();
    for pipe in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut pipe = pipe;
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    drop(tx);
    let (status, timed_out) = match greet_os::process::wait_timeout(&mut child, timeout) {
        Ok(Some(status)) => (Some(status), false),
        Ok(None) => {
            greet_os::process::kill_and_reap(&mut child, Duration::from_secs(5));
            (None, true)
        }
        Err(e) => return Err(Error::new(format!("cannot wait for a test process: {e}"))),
    };
    // The pipes close when the process (and anything it started that kept them) is gone;
    // do not wait forever on a grandchild that inherited one.
    let mut stdout = String::new();
    let drain_deadline = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        let left = drain_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(buf) => stdout.push_str(&String::from_utf8_lossy(&buf)),
            Err(_) => break,
        }
    }
    Ok(Finished {
        success: status.is_some_and(|s| s.success()),
        timed_out,
        stdout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILED: &str = "
running 1 test
test greets_all ... FAILED

failures:

---- greets_all stdout ----

thread 'greets_all' (4242) panicked at lessons/01-waiting/lesson01-exercise/src/lib.rs:40:5:
not yet implemented: greet_all
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    greets_all

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 4 filtered out
";

    #[test]
    fn extracts_the_panic_message() {
        let msg = failure_message(FAILED, "greets_all");
        assert_eq!(
            msg,
            "panicked at lessons/01-waiting/lesson01-exercise/src/lib.rs:40:5:\n\
             not yet implemented: greet_all   ← a todo!() still to fill in"
        );
        assert!(failure_message("crashed", "greets_all").contains("without a message"));
    }

    #[test]
    fn parses_terse_lists() {
        let out = "a: test\nmod::b: test\nsome_bench: benchmark\n";
        assert_eq!(parse_list(out), ["a", "mod::b"]);
    }

    #[test]
    fn picks_test_executables_from_cargo_messages() {
        let lines = [
            r#"{"reason":"compiler-artifact","manifest_path":"/w/lessons/01-waiting/lesson01-exercise/Cargo.toml","profile":{"test":true},"executable":"/w/target/debug/deps/checks-1"}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/lessons/01-waiting/lesson01-exercise/Cargo.toml","profile":{"test":false},"executable":null}"#,
            r#"{"reason":"compiler-artifact","manifest_path":"/w/crates/greet-core/Cargo.toml","profile":{"test":false},"executable":null}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        let exes = parse_artifacts(&lines);
        assert_eq!(exes.len(), 1);
        assert_eq!(exes[0].package, "lesson01-exercise");
        assert_eq!(exes[0].path, PathBuf::from("/w/target/debug/deps/checks-1"));
    }

    #[test]
    fn picks_a_binary_from_cargo_messages() {
        let lines = [
            r#"{"reason":"compiler-artifact","target":{"name":"greetbench","kind":["lib"]},"executable":null}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"lesson-reference","kind":["lib"]},"executable":null}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"lesson-reference","kind":["bin"]},"executable":"/w/target/debug/lesson-reference"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ]
        .join("\n");
        assert_eq!(
            parse_bin_artifact(&lines, "lesson-reference"),
            Some(PathBuf::from("/w/target/debug/lesson-reference"))
        );
        assert_eq!(parse_bin_artifact(&lines, "greetbench"), None);
    }

    /// A stand-in for a libtest executable: four tests, one of them `#[ignore]`d; `b_hangs`
    /// hangs. Each run appends the test's name to `ran.log` beside the script.
    #[cfg(unix)]
    fn fixture(dir: &Path) -> TestExe {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.join("checks-fixture");
        std::fs::write(
            &script,
            r#"#!/bin/sh
log="$(dirname "$0")/ran.log"
case "$*" in
  *--list*--ignored*) echo "lesson_run: test" ;;
  *--list*) printf 'a_passes: test\nb_hangs: test\nc_after_the_hang: test\nlesson_run: test\n' ;;
  *"--exact a_passes "*) echo a_passes >> "$log"; echo "test a_passes ... ok" ;;
  *"--exact b_hangs "*) echo b_hangs >> "$log"; exec sleep 30 ;;
  *"--exact c_after_the_hang "*) echo c_after_the_hang >> "$log"; echo "test c_after_the_hang ... ok" ;;
  *) echo "unexpected: $*" >> "$log"; exit 101 ;;
esac
"#,
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        TestExe {
            package: "lesson99-exercise".into(),
            package_dir: dir.to_path_buf(),
            path: script,
        }
    }

    #[cfg(unix)]
    fn ran(dir: &Path) -> Vec<String> {
        std::fs::read_to_string(dir.join("ran.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn ignored_tests_are_not_checks() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = fixture(tmp.path());
        assert_eq!(
            list(&exe).unwrap(),
            ["a_passes", "b_hangs", "c_after_the_hang"]
        );
        assert_eq!(list_ignored(&exe).unwrap(), ["lesson_run"]);
    }

    #[cfg(unix)]
    #[test]
    fn the_first_hang_stops_the_checks_and_names_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = fixture(tmp.path());
        let mut seen = Vec::new();
        let checked = run_checks(
            std::slice::from_ref(&exe),
            Duration::from_millis(300),
            OnTimeout::Stop,
            |name, _| seen.push(name.to_owned()),
        )
        .unwrap();
        let names: Vec<&str> = checked.results.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a_passes", "b_hangs"]);
        assert_eq!(checked.results[0].1, Status::Passed);
        assert!(matches!(checked.results[1].1, Status::TimedOut(_)));
        assert_eq!(checked.not_run, ["c_after_the_hang"]);
        assert_eq!(seen, ["a_passes", "b_hangs"]);
        assert_eq!(ran(tmp.path()), ["a_passes", "b_hangs"], "c never started");
    }

    #[cfg(unix)]
    #[test]
    fn ci_runs_every_check_past_a_hang() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = fixture(tmp.path());
        let results = run_all(
            std::slice::from_ref(&exe),
            Duration::from_millis(300),
            |_, _| {},
        )
        .unwrap();
        let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a_passes", "b_hangs", "c_after_the_hang"]);
        assert_eq!(results[2].1, Status::Passed);
        assert_eq!(ran(tmp.path()), ["a_passes", "b_hangs", "c_after_the_hang"]);
    }

    #[test]
    fn a_hung_process_is_killed_at_the_timeout() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let run = run_with_timeout(cmd, Duration::from_millis(100)).unwrap();
        assert!(run.timed_out && !run.success);
        let mut cmd = Command::new("echo");
        cmd.arg("hi");
        let run = run_with_timeout(cmd, Duration::from_secs(30)).unwrap();
        assert!(!run.timed_out && run.success);
        assert_eq!(run.stdout.trim(), "hi");
    }
}

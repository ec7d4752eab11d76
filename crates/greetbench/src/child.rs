//! Runs in child processes: one run per fresh process, asked for with a typed request.
//!
//! `compare`, the sweep and the probes all run models through [`run`]: it starts the current
//! executable as `greetbench child`, writes one [`RunRequest`] as JSON on its stdin, and reads
//! one [`RunResult`] as JSON from its stdout, within a deadline. A fresh process per run keeps
//! each model's memory and thread figures its own. The child side is the CLI's `child`
//! subcommand, which reads the request with [`read_request`] and runs it with
//! [`crate::harness::execute`].
//!
//! The floor clients run the same way ([`run_floor`]): a [`FloorRequest`] in, a [`FloorRun`]
//! out, through the hidden `floor-child` subcommand.
//!
//! Any executable that calls [`crate::cli::run_as_cli_if_requested`] first thing in `main`
//! can stand in for `greetbench` here: with [`AS_CLI_ENV`] set, it acts as the CLI. That is
//! how a criterion bench binary, or a test binary, is its own server and its own child.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use greet_core::floor::{FloorRequest, FloorRun};
use greet_core::record::{FailureKind, RunFailure, RunRequest, RunResult};
use greet_os::lines::{self, LineError, LineReader};
use greet_os::process;

/// The environment variable that makes an executable act as the greetbench CLI.
pub const AS_CLI_ENV: &str = "GREETBENCH_AS_CLI";

/// The hidden subcommand a child runs.
pub const SUBCOMMAND: &str = "child";

/// The most a request or a result may be, in bytes: one line each, far above any real one
/// (a traced record of many jobs), and a bound.
const MAX_MESSAGE: usize = 16 << 20;

/// A command that runs `exe` as the greetbench CLI. The child dies with this process
/// ([`greet_os::process::die_with_parent`]): whatever signal ends `compare` or the sweep, no
/// child (and, through the child's closed stdin, no `serve` grandchild) outlives it.
pub fn command(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.env(AS_CLI_ENV, "1");
    process::die_with_parent(&mut cmd);
    cmd
}

/// Runs `request` in a fresh child of `exe`, killing it after `deadline`. Never fails: a
/// child that cannot start, crashes, overruns or answers nonsense is a [`RunFailure`].
pub fn run(exe: &Path, request: &RunRequest, deadline: Duration) -> RunResult {
    run_limited(exe, request, deadline, None)
}

/// [`run`], with the child's open-files limits (soft and hard) lowered to `open_files` if
/// given ([`greet_os::limits::lower_open_files_in`]): the scale sweep's tests reach the limit
/// that way.
pub fn run_limited(
    exe: &Path,
    request: &RunRequest,
    deadline: Duration,
    open_files: Option<u64>,
) -> RunResult {
    let fail = |kind, message: String| {
        RunResult::Failure(RunFailure {
            request: request.clone(),
            kind,
            limit: None,
            message,
        })
    };
    let mut cmd = command(exe);
    if let Some(n) = open_files {
        greet_os::limits::lower_open_files_in(&mut cmd, n);
    }
    let (status, stdout, stderr) = match exchange(cmd.arg(SUBCOMMAND), request, deadline) {
        Ok(answer) => answer,
        Err(Unanswered::Spawn(e)) => {
            return fail(
                FailureKind::Crashed,
                format!("cannot start {}: {e}", exe.display()),
            );
        }
        Err(Unanswered::Deadline) => {
            return fail(
                FailureKind::Deadline,
                format!(
                    "killed after {:.0} s without finishing; give it a longer deadline or a smaller --count",
                    deadline.as_secs_f64()
                ),
            );
        }
    };
    match LineReader::new(stdout.as_bytes(), MAX_MESSAGE).read::<RunResult>() {
        Ok(Some(result)) => result,
        _ => fail(
            FailureKind::Crashed,
            format!("{status}: {}", first_line(&stderr)),
        ),
    }
}

/// The hidden subcommand a floor client's child runs.
pub const FLOOR_SUBCOMMAND: &str = "floor-child";

/// Why a floor client's child gave no run.
#[derive(Debug, thiserror::Error)]
pub enum FloorChildError {
    /// The child could not start.
    #[error("cannot start {exe}: {source}")]
    Spawn {
        /// The executable.
        exe: String,
        /// Why not.
        source: std::io::Error,
    },
    /// It ran past its deadline and was killed.
    #[error("killed after {0:.0} s")]
    Deadline(f64),
    /// It ended without printing a run: its exit status and the first line it said.
    #[error("{status}: {said}")]
    NoRun {
        /// How it ended.
        status: String,
        /// The first line of its stderr.
        said: String,
    },
}

/// Runs the floor client `request` asks for in a fresh child of `exe` (`greetbench
/// floor-child`), killing it after `deadline`: its run, or why there is none.
pub fn run_floor(
    exe: &Path,
    request: &FloorRequest,
    deadline: Duration,
) -> Result<FloorRun, FloorChildError> {
    let (status, stdout, stderr) = exchange(command(exe).arg(FLOOR_SUBCOMMAND), request, deadline)
        .map_err(|e| match e {
            Unanswered::Spawn(source) => FloorChildError::Spawn {
                exe: exe.display().to_string(),
                source,
            },
            Unanswered::Deadline => FloorChildError::Deadline(deadline.as_secs_f64()),
        })?;
    match LineReader::new(stdout.as_bytes(), MAX_MESSAGE).read::<FloorRun>() {
        Ok(Some(run)) => Ok(run),
        _ => Err(FloorChildError::NoRun {
            status: status.to_string(),
            said: first_line(&stderr).to_owned(),
        }),
    }
}

/// Why a child gave no answer.
enum Unanswered {
    /// It could not start.
    Spawn(std::io::Error),
    /// It ran past its deadline and was killed.
    Deadline,
}

/// Starts `cmd` with its three pipes, writes `request` on its stdin as one line and closes
/// it, and waits for it at most `deadline`: its status, stdout and stderr (each at most
/// [`MAX_MESSAGE`]).
fn exchange(
    cmd: &mut Command,
    request: &impl serde::Serialize,
    deadline: Duration,
) -> Result<(ExitStatus, String, String), Unanswered> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Unanswered::Spawn)?;
    // The request is one line; write it, then close stdin so the child sees its end.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = lines::write(&mut stdin, request);
    }
    let out = child.stdout.take().map(read_bounded);
    let err = child.stderr.take().map(read_bounded);
    let Ok(Some(status)) = process::wait_timeout(&mut child, deadline) else {
        process::kill_and_reap(&mut child, Duration::from_secs(5));
        return Err(Unanswered::Deadline);
    };
    // The readers end when the child's pipes close; a grandchild that kept them open (a
    // leaked server) cannot hold us past a second.
    let take = |d: Option<Drain>| {
        d.map(|r| r.take(Duration::from_secs(1)))
            .unwrap_or_default()
    };
    Ok((status, take(out), take(err)))
}

/// The first line of `stderr` that says something, for an error message.
fn first_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
}

/// A request a child could not read.
#[derive(Debug, thiserror::Error)]
#[error("a greetbench child reads one request as JSON on stdin: {0}")]
pub struct RequestError(#[from] LineError);

/// The child side's first step: reads one request, one line (at most [`MAX_MESSAGE`] bytes),
/// from stdin: a [`RunRequest`] for `child`, a [`FloorRequest`] for `floor-child`.
pub fn read_request<T: serde::de::DeserializeOwned>(stdin: impl Read) -> Result<T, RequestError> {
    let request = LineReader::new(stdin, MAX_MESSAGE).read::<T>()?;
    request.ok_or_else(|| RequestError(LineError::Io(std::io::ErrorKind::UnexpectedEof.into())))
}

/// A pipe drained on a thread of its own, at most [`MAX_MESSAGE`] bytes.
struct Drain(std::sync::mpsc::Receiver<String>);

impl Drain {
    fn take(self, wait: Duration) -> String {
        self.0.recv_timeout(wait).unwrap_or_default()
    }
}

fn read_bounded(pipe: impl Read + Send + 'static) -> Drain {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.take(MAX_MESSAGE as u64).read_to_string(&mut s);
        let _ = tx.send(s);
    });
    Drain(rx)
}

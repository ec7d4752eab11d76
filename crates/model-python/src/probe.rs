//! Which interpreters there are: each one named (`--python`, `GREETBENCH_PYTHON`, or
//! `python3` on `PATH`) is probed once per process with a one-line script, and either
//! answers what it is ([`Installed`]) or gets one line saying why it cannot run the models
//! ([`PythonError`]).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use greet_core::interpreter::Interpreter;

use crate::{MIN_VERSION, PYTHON_ENV, PythonError, os, python_dir};

/// How long the one-off probe of an interpreter may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of a script's output kept: far above any real one, and a bound.
const MAX_OUTPUT: u64 = 1 << 20;

/// An interpreter found on this machine, as its probe described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// What it said about itself at start-up (a model's record has what it said while it ran
    /// the model, which can differ: an extension can switch the GIL back on).
    pub interpreter: Interpreter,
    /// Major and minor version.
    pub release: (u32, u32),
    /// Whether `uvloop` can be imported.
    pub uvloop: bool,
    /// Whether it offers subinterpreters with queues (`concurrent.interpreters`, or 3.13's
    /// `test.support.interpreters`).
    pub subinterpreters: bool,
}

impl Installed {
    /// Its own executable (`sys.executable`): started directly, so that a launcher in front
    /// of it (a pyenv shim is a shell script) is neither timed nor counted in its CPU.
    pub fn executable(&self) -> &Path {
        &self.interpreter.path
    }
}

/// What the probe prints, as one JSON object. It runs on Python 2 too, so that Python 2 is
/// told it is too old rather than that it failed.
const PROBE: &str = "import json, platform, sys, sysconfig
def found(name):
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
subinterpreters = sys.version_info >= (3, 13) and (
    found('concurrent.interpreters') or found('test.support.interpreters'))
print(json.dumps({'path': sys.executable,
    'implementation': platform.python_implementation(),
    'version': platform.python_version(),
    'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),
    'gil_enabled': getattr(sys, '_is_gil_enabled', lambda: True)(),
    'uvloop': found('uvloop'),
    'subinterpreters': bool(subinterpreters)}))";

/// The probe's answer.
#[derive(serde::Deserialize)]
struct Answer {
    #[serde(flatten)]
    interpreter: Interpreter,
    uvloop: bool,
    subinterpreters: bool,
}

/// The interpreters named by [`PYTHON_ENV`] (comma-separated paths or commands), or
/// `python3` when it is unset or empty.
pub fn named_in_env() -> Vec<OsString> {
    let list = std::env::var_os(PYTHON_ENV).unwrap_or_default();
    let named: Vec<OsString> = list
        .to_string_lossy()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(OsString::from)
        .collect();
    if named.is_empty() {
        vec!["python3".into()]
    } else {
        named
    }
}

/// The interpreter `python` names (a path, or a command on `PATH`), or the first of
/// [`named_in_env`] for `None`. Probed once per process and name; the error is one line
/// naming the fix.
pub fn interpreter(python: Option<&OsStr>) -> Result<Installed, PythonError> {
    static FOUND: Mutex<Vec<(OsString, Result<Installed, PythonError>)>> = Mutex::new(Vec::new());
    let name = match python {
        Some(p) => p.to_owned(),
        None => named_in_env().swap_remove(0),
    };
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, known)) = found.iter().find(|(n, _)| *n == name) {
        return known.clone();
    }
    let answer = probe(&name);
    found.push((name, answer.clone()));
    answer
}

/// Whether the default interpreter can run the Python models; `Err` says why not, in one line.
pub fn available() -> Result<(), PythonError> {
    interpreter(None).map(|_| ())
}

fn probe(name: &OsStr) -> Result<Installed, PythonError> {
    let shown = name.to_string_lossy().into_owned();
    let mut cmd = Command::new(name);
    cmd.args(["-c", PROBE]);
    let (status, out, err) = run_bounded(cmd, PROBE_TIMEOUT, &shown)?;
    if !status.success() {
        // Past the cap the pipe closes, and the interpreter dies of SIGPIPE (status 141).
        let cut_off = [&out, &err].iter().any(|o| o.len() as u64 >= MAX_OUTPUT);
        return Err(PythonError::failed(&shown, status, &err, cut_off));
    }
    let answer: Answer = serde_json::from_str(out.trim()).map_err(|_| PythonError::NotPython {
        python: shown.clone(),
        answered: out.trim().chars().take(60).collect(),
    })?;
    let too_old = || PythonError::TooOld {
        python: shown.clone(),
        version: format!(
            "{} {}",
            answer.interpreter.implementation, answer.interpreter.version
        ),
    };
    let release = answer.interpreter.release().ok_or_else(too_old)?;
    if release < MIN_VERSION {
        return Err(too_old());
    }
    Ok(Installed {
        interpreter: answer.interpreter,
        release,
        uvloop: answer.uvloop,
        subinterpreters: answer.subinterpreters,
    })
}

/// Runs `python/<script>` with `args` on the default interpreter, killed after `deadline`,
/// and returns what it printed: how the sweep runs `spawn_cost.py --json`.
pub fn run_script(script: &str, args: &[&str], deadline: Duration) -> Result<String, PythonError> {
    let python = interpreter(None)?;
    let mut cmd = Command::new(python.executable());
    cmd.arg(python_dir().join(script)).args(args);
    let (status, out, err) = run_bounded(cmd, deadline, script)?;
    if !status.success() {
        return Err(PythonError::Script {
            script: script.to_owned(),
            status: status.to_string(),
            why: crate::last_line(&err).unwrap_or("no output").to_owned(),
        });
    }
    Ok(out)
}

/// Runs `cmd` (as `shown`) to its end in a process group of its own, the whole group killed
/// after `deadline`; its status, stdout and stderr.
fn run_bounded(
    mut cmd: Command,
    deadline: Duration,
    shown: &str,
) -> Result<(ExitStatus, String, String), PythonError> {
    let mut child = os::own_group(&mut cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| PythonError::NotFound {
            python: shown.to_owned(),
            why: e.to_string(),
        })?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let Some(status) = os::wait_timeout(&mut child, deadline) else {
        os::kill_group(&mut child);
        return Err(PythonError::Hung {
            python: shown.to_owned(),
            secs: deadline.as_secs(),
        });
    };
    // Anything it left behind goes with it; then the pipes close, and a grandchild that kept
    // them open anyway cannot keep us past a second.
    os::kill_group(&mut child);
    let take = |rx: Receiver<String>| rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
    Ok((status, take(out), take(err)))
}

/// A pipe read to its end (at most [`MAX_OUTPUT`] bytes) on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.take(MAX_OUTPUT).read_to_string(&mut s);
            let _ = tx.send(s);
        });
    }
    rx
}

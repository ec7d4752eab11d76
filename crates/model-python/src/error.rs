//! What can go wrong before a Python model runs a job: each case one line, naming the
//! interpreter and the fix.
//!
//! A missing file, a program that is not Python, a Python too old and a Python that hangs
//! on start read differently, because each has a different fix.

use std::fmt;
use std::process::ExitStatus;

/// Why an interpreter cannot run greetbench's Python models, or a script did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonError {
    /// No such program could be started.
    NotFound {
        /// The interpreter as named (`python3`, a path).
        python: String,
        /// What the OS said.
        why: String,
    },
    /// It started but did not answer within the time it was given.
    Hung {
        /// The interpreter as named.
        python: String,
        /// How long it was given, s.
        secs: u64,
    },
    /// It ran, and failed.
    Failed {
        /// The interpreter as named.
        python: String,
        /// Its exit status.
        status: String,
        /// Its last line on stderr.
        why: String,
    },
    /// It ran, and what it printed is not what a Python prints for the probe.
    NotPython {
        /// The interpreter as named.
        python: String,
        /// The start of what it printed.
        answered: String,
    },
    /// A Python older than the scripts support (Python 2 among them).
    TooOld {
        /// The interpreter as named.
        python: String,
        /// What it is, e.g. `CPython 2.7.18`.
        version: String,
    },
    /// `python/` is not where the models look for it.
    NoScripts {
        /// Where the entry script was looked for.
        path: String,
    },
    /// A script run with [`crate::run_script`] failed.
    Script {
        /// The script's name.
        script: String,
        /// Its exit status.
        status: String,
        /// Its last line on stderr.
        why: String,
    },
}

impl PythonError {
    /// An interpreter that exited with `status`; `cut_off` when it wrote more than greetbench
    /// reads, so that its pipe was closed on it.
    pub(crate) fn failed(
        python: &str,
        status: ExitStatus,
        stderr: &str,
        cut_off: bool,
    ) -> PythonError {
        let why = if cut_off {
            "it wrote more output than greetbench reads (1 MiB) and was cut off"
        } else {
            crate::last_line(stderr).unwrap_or("no output")
        };
        PythonError::Failed {
            python: python.to_owned(),
            status: status.to_string(),
            why: why.to_owned(),
        }
    }
}

/// How to name another interpreter: every interpreter problem ends with it.
const OTHER: &str = "name another with --python (or GREETBENCH_PYTHON), or run a Rust model instead (`run --model` with one, `compare --lang rust`)";

impl fmt::Display for PythonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor) = crate::MIN_VERSION;
        match self {
            PythonError::NotFound { python, why } => write!(
                f,
                "{python} not found ({why}): install Python {major}.{minor} or newer, {OTHER}"
            ),
            PythonError::Hung { python, secs } => write!(
                f,
                "{python} hung: it started but did not answer within {secs} s; check that `{python} -c 1` returns, {OTHER}"
            ),
            PythonError::Failed {
                python,
                status,
                why,
            } => write!(f, "{python} did not run ({status}: {why}): {OTHER}"),
            PythonError::NotPython { python, answered } => write!(
                f,
                "{python} is not a Python interpreter (it answered {answered:?}): {OTHER}"
            ),
            PythonError::TooOld { python, version } => write!(
                f,
                "{python} is {version}, and greetbench's Python models need {major}.{minor} or newer: {OTHER}"
            ),
            PythonError::NoScripts { path } => write!(
                f,
                "cannot find {path}: greetbench's Python models run from its checkout; run a Rust model instead (`run --model` with one, `compare --lang rust`)"
            ),
            PythonError::Script {
                script,
                status,
                why,
            } => write!(f, "{script} failed ({status}): {why}"),
        }
    }
}

impl std::error::Error for PythonError {}

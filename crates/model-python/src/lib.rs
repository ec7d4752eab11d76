//! The course's own Python, as greetbench models.
//!
//! greetbench ports a Python course, and the course's claims are about Python: the GIL, "use
//! multiprocessing", asyncio on one thread. `python/` holds the course's programs in plain
//! Python (standard library only, 3.9 or newer); this crate makes each one a [`Model`], so the
//! harness runs and measures it exactly as it does a Rust model: the same server, the same
//! plans, the same [`greet_core::Summary`], the same CPU, memory and thread accounting.
//!
//! ```text
//!  harness ── Model::start ─spawns─▶ python3 python/greetbench_py.py py-asyncio --workers K
//!     │             ◀── {"Ready": {"pid": …, "workers": […]}} ──┘
//!     └─ Runner::run ── {"Plan": …} ──────────▶ (one line on the interpreter's stdin)
//!                   ◀── {"Done": Outcome} once per job, then {"Finished": …}
//! ```
//!
//! An open-loop plan (with [`greet_core::Arrivals`]) travels in the same line: the Python
//! dispatcher hands job `i` over no earlier than it is due (threads and processes start or
//! queue it then; asyncio sleeps on its loop's timer, then creates the task), and each outcome
//! carries its [`greet_core::OpenLoop`] stamps, read on `time.monotonic` from the UNIX epoch
//! converted once. A job the run's deadline cuts before it starts ends as
//! [`GreetError::Deadline`]. A batch (no arrivals) runs exactly as it always has.
//!
//! The interpreter is a child of the harness. Its CPU time, and that of the worker processes
//! it reaps, counts in `RUSAGE_CHILDREN` once the runner is dropped (which reaps it);
//! [`Runner::helper_pids`] names it and its workers so the harness samples their threads and
//! memory beside its own. Nothing is waited on without a deadline: the interpreter must say it
//! is ready within 10 s, and a batch ends by the plan's deadline, or earlier when the
//! interpreter reports no job for longer than its budget; then its whole process group is
//! killed and its missing jobs are counted errors (see `session`).
//!
//! Without `python3` on `PATH` (or with one older than 3.9) every model here is
//! [`Model::unavailable`], with one line naming the fix; `py-asyncio-uvloop` is unavailable
//! wherever `uvloop` cannot be imported, `py-interpreters` wherever subinterpreters are not
//! offered. `GREETBENCH_PYTHON` (or `--python`) names other interpreters, each one a
//! [`Python::on`] of its own: one set of Python rows per interpreter, each record saying which
//! interpreter ran it ([`greet_core::interpreter::Interpreter`]).
//!
//! # Layout
//! - [`probe`]: which interpreters there are, and what each one is.
//! - `session`: a started interpreter running a model, and the batch's accounting.
//! - `protocol`: the messages, and the capped line reader.
//! - `os`: the process group, the wait and the descendant check.
//! - [`error`]: why an interpreter cannot run the models, one line each.
#![forbid(unsafe_code)]

pub mod error;
mod os;
pub mod probe;
mod protocol;
mod session;

use std::path::{Path, PathBuf};
use std::process::Command;

use greet_core::interpreter::Interpreter;
use greet_core::{Concurrency, Description, Family, Lang, Model, ModelError, Plan, Runner, Shape};

pub use error::PythonError;
pub use probe::{Installed, available, interpreter, named_in_env, run_script};

/// The environment variable naming the interpreters to run, comma-separated (default
/// `python3` on `PATH`).
pub const PYTHON_ENV: &str = "GREETBENCH_PYTHON";

/// Test-only: make a `py-processes` worker misbehave at its n-th job, as `hang:N` or `exit:N`.
/// Read by the Python worker (`python/models/processes.py`).
pub const FAULT_ENV: &str = "GREETBENCH_PY_FAULT";

/// The oldest Python the scripts support.
pub const MIN_VERSION: (u32, u32) = (3, 9);

/// The oldest Python whose subinterpreters `py-interpreters` runs on: 3.13, with the
/// `concurrent.interpreters` preview in `test.support` (3.14 has it under its own name).
pub const MIN_SUBINTERPRETERS: (u32, u32) = (3, 13);

/// The script the models run.
const ENTRY: &str = "greetbench_py.py";

/// The directory of the Python scripts: `python/` in this workspace.
pub fn python_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .join("python")
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

/// Which of the course's Python programs a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `greet()` one host after another.
    Sequential,
    /// One `threading.Thread` per greet.
    Threads,
    /// K threads fed by a `queue.Queue`, results on a second queue.
    ThreadPool,
    /// K `multiprocessing` workers, a two-way channel each.
    Processes,
    /// K subinterpreters in one process, a GIL each, fed by a cross-interpreter queue.
    Interpreters,
    /// `asyncio.gather` over `open_connection` on one event loop.
    Asyncio,
    /// The same, on uvloop's event loop.
    AsyncioUvloop,
}

impl Kind {
    /// Every kind, in the order the registry lists them.
    pub const ALL: [Kind; 7] = [
        Kind::Sequential,
        Kind::Threads,
        Kind::ThreadPool,
        Kind::Processes,
        Kind::Interpreters,
        Kind::Asyncio,
        Kind::AsyncioUvloop,
    ];

    /// The model's name, as `--model` and `python/greetbench_py.py` know it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sequential => "py-sequential",
            Kind::Threads => "py-threads",
            Kind::ThreadPool => "py-thread-pool",
            Kind::Processes => "py-processes",
            Kind::Interpreters => "py-interpreters",
            Kind::Asyncio => "py-asyncio",
            Kind::AsyncioUvloop => "py-asyncio-uvloop",
        }
    }

    fn is_async(self) -> bool {
        matches!(self, Kind::Asyncio | Kind::AsyncioUvloop)
    }
}

/// One of the course's Python programs as a greetbench model, on one interpreter.
#[derive(Debug, Clone)]
pub struct Python {
    kind: Kind,
    /// The interpreter, as named (`--python`); `None`: the first of [`named_in_env`].
    python: Option<PathBuf>,
    /// A fault for `py-processes` workers to inject (see [`FAULT_ENV`]), for tests.
    pub fault: Option<String>,
}

impl Python {
    /// The model of `kind`, on the default interpreter.
    pub const fn new(kind: Kind) -> Python {
        Python {
            kind,
            python: None,
            fault: None,
        }
    }

    /// The same model on the interpreter `python` (a path, or a command on `PATH`).
    pub fn on(mut self, python: impl Into<PathBuf>) -> Python {
        self.python = Some(python.into());
        self
    }

    /// The model with `fault` (see [`FAULT_ENV`]) injected into its workers: for tests.
    pub fn with_fault(mut self, fault: &str) -> Python {
        self.fault = Some(fault.to_owned());
        self
    }

    /// Which program it runs.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The interpreter it runs on, probed (once per process).
    pub fn installed(&self) -> Result<Installed, PythonError> {
        interpreter(self.python.as_deref().map(Path::as_os_str))
    }

    /// How many jobs crunch at once on `interpreter`: the GIL lets one thread run Python code
    /// at a time, so only processes and subinterpreters crunch in parallel, unless the
    /// interpreter runs without a GIL, where threads do too.
    fn cpu_concurrency(&self, plan: &Plan, interpreter: &Interpreter) -> usize {
        let no_gil = interpreter.free_threaded && !interpreter.gil_enabled;
        match self.kind {
            Kind::Sequential | Kind::Asyncio | Kind::AsyncioUvloop => 1,
            Kind::Threads if no_gil => plan.count,
            Kind::ThreadPool if no_gil => plan.workers,
            Kind::Threads | Kind::ThreadPool => 1,
            Kind::Processes | Kind::Interpreters => plan.workers,
        }
    }
}

impl Model for Python {
    fn name(&self) -> &'static str {
        self.kind.name()
    }

    fn describe(&self) -> Description {
        let d = |family, shape, about| Description::new(self.name(), family, shape, about);
        let d = match self.kind {
            Kind::Sequential => d(
                Family::Sequential,
                Shape::OneAtATime,
                "the course's greet() in Python, one host after another (read until the newline, not one recv(1024))",
            )
            .one_thread()
            .crunch_on("the interpreter's one thread, one job after another"),
            Kind::Threads => d(
                Family::Threads,
                Shape::PerJob,
                "one threading.Thread per greet in Python: concurrent waits, one crunch at a time (the GIL)",
            )
            .gil()
            .crunch_on("one thread per job, taking turns under the GIL"),
            Kind::ThreadPool => d(
                Family::Threads,
                Shape::Pool,
                "--workers Python threads fed by a queue.Queue, results on a second queue",
            )
            .gil()
            .crunch_on("the pool's K threads, taking turns under the GIL"),
            Kind::Processes => d(
                Family::Processes,
                Shape::Pool,
                "--workers multiprocessing workers, a two-way channel each; a hung worker is killed",
            )
            .crunch_on("K multiprocessing worker processes, a GIL each"),
            Kind::Interpreters => d(
                Family::Threads,
                Shape::Pool,
                "--workers subinterpreters in one process, a GIL each, fed by a cross-interpreter queue (Python 3.13+)",
            )
            .crunch_on("K subinterpreters on K threads of one process, a GIL each"),
            Kind::Asyncio => d(
                Family::Async,
                Shape::PerJob,
                "asyncio.gather over open_connection on one event loop, as the course writes it",
            )
            .one_thread()
            .crunch_on("the event loop's one thread, inline: every other task waits"),
            Kind::AsyncioUvloop => d(
                Family::Async,
                Shape::PerJob,
                "the asyncio model on uvloop's event loop (python3 -m pip install -r python/requirements.txt)",
            )
            .one_thread()
            .crunch_on("uvloop's one thread, inline: every other task waits"),
        };
        d.lang(Lang::Python)
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        let io = match self.kind {
            Kind::Sequential => 1,
            Kind::Threads | Kind::Asyncio | Kind::AsyncioUvloop => plan.count,
            Kind::ThreadPool | Kind::Processes | Kind::Interpreters => plan.workers,
        };
        // Whether threads crunch in parallel depends on the interpreter: ask it what it is.
        let cpu = match self.installed() {
            Ok(found) => self.cpu_concurrency(plan, &found.interpreter),
            Err(_) => 1,
        };
        Concurrency { io, cpu }
    }

    fn unavailable(&self) -> Option<String> {
        let found = match self.installed() {
            Ok(found) => found,
            Err(why) => return Some(why.to_string()),
        };
        let entry = python_dir().join(ENTRY);
        if !entry.is_file() {
            let path = entry.display().to_string();
            return Some(PythonError::NoScripts { path }.to_string());
        }
        let shown = found.executable().display();
        match self.kind {
            Kind::AsyncioUvloop if !found.uvloop => Some(format!(
                "not installed: uvloop cannot be imported by {shown} ({shown} -m pip install -r python/requirements.txt)"
            )),
            Kind::Interpreters if !found.subinterpreters => {
                let (major, minor) = MIN_SUBINTERPRETERS;
                Some(format!(
                    "needs Python >= {major}.{minor} with subinterpreters (concurrent.interpreters; 3.13's test.support.interpreters), and {shown} is {}",
                    found.interpreter.version
                ))
            }
            _ => None,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        let fail = |reason: String| ModelError::Start {
            model: self.name().into(),
            reason,
        };
        if let Some(why) = self.unavailable() {
            return Err(fail(why));
        }
        // Retries live in greet-core's job runners, which the Python programs do not use.
        if plan.retry.retries > 0 {
            return Err(fail(
                "the Python models do not retry a greet yet: drop --retries, or use a Rust model"
                    .into(),
            ));
        }
        let python = self.installed().map_err(|e| fail(e.to_string()))?;
        let mut cmd = Command::new(python.executable());
        cmd.arg(python_dir().join(ENTRY))
            .arg(self.name())
            .arg("--workers")
            .arg(plan.workers.to_string());
        if plan.workload.crunches() {
            // Time the interpreter's crunch once, for the job budget and the ideal time.
            cmd.arg("--calibrate");
        }
        match &self.fault {
            Some(f) => cmd.env(FAULT_ENV, f),
            // Never inherit a fault from the user's environment.
            None => cmd.env_remove(FAULT_ENV),
        };
        session::Session::start(cmd, self.kind)
            .map(|s| Box::new(s) as Box<dyn Runner>)
            .map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_name_and_a_python_description() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
        for kind in Kind::ALL {
            let d = Python::new(kind).describe();
            assert_eq!(d.lang, Lang::Python, "{}", d.name);
            assert!(!d.crunch_on.is_empty() && !d.about.is_empty(), "{}", d.name);
            // On a GIL build only processes and subinterpreters run Python code on more than
            // one core at once.
            let parallel = matches!(kind, Kind::Processes | Kind::Interpreters);
            assert_eq!(d.parallel(), parallel, "{}", d.name);
        }
    }

    #[test]
    fn threads_crunch_in_parallel_only_where_the_gil_is_off() {
        let plan = Plan::new(greet_core::Workload::Crunch, 8, Vec::new());
        let mut python = Interpreter {
            path: "python3".into(),
            implementation: "CPython".into(),
            version: "3.13.5".into(),
            free_threaded: true,
            gil_enabled: false,
        };
        let threads = Python::new(Kind::Threads);
        assert_eq!(threads.cpu_concurrency(&plan, &python), 8);
        // PYTHON_GIL=1 on the same build: one crunch at a time again.
        python.gil_enabled = true;
        assert_eq!(threads.cpu_concurrency(&plan, &python), 1);
        let asyncio = Python::new(Kind::Asyncio);
        python.gil_enabled = false;
        assert_eq!(
            asyncio.cpu_concurrency(&plan, &python),
            1,
            "one event loop thread"
        );
    }

    #[test]
    fn the_scripts_are_where_the_models_look_for_them() {
        assert!(
            python_dir().join(ENTRY).is_file(),
            "{}",
            python_dir().display()
        );
        assert!(python_dir().join("spawn_cost.py").is_file());
    }
}

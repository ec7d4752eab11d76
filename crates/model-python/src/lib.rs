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
//! is ready within 10 s, and a batch in which it stays silent past its budget is ended by
//! killing it, its missing jobs counted as errors.
//!
//! Without `python3` on `PATH` (or with one older than 3.9) every model here is
//! [`Model::unavailable`], with one line naming the fix; `py-asyncio-uvloop` is unavailable
//! wherever `uvloop` cannot be imported. `GREETBENCH_PYTHON` picks another interpreter.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use greet_core::wire;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Lang, Model, ModelError, Outcome, Plan,
    Runner, Shape,
};

/// The environment variable naming the interpreter to run (default `python3` on `PATH`).
pub const PYTHON_ENV: &str = "GREETBENCH_PYTHON";

/// Test-only: make a `py-processes` worker misbehave at its n-th job, as `hang:N` or `exit:N`.
/// Read by the Python worker (`python/models/processes.py`).
pub const FAULT_ENV: &str = "GREETBENCH_PY_FAULT";

/// The oldest Python the scripts support.
pub const MIN_VERSION: (u32, u32) = (3, 9);

/// How long the interpreter may take to start its model and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the one-off probe of the interpreter (`python3 -c ...`) may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest line the interpreter may write: far above any outcome, and a bound.
const MAX_LINE: u64 = 1 << 20;

/// How much of the interpreter's stderr is kept, for error messages.
const STDERR_TAIL: usize = 4096;

/// The directory of the Python scripts: `python/` in this workspace.
pub fn python_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .join("python")
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
    /// `asyncio.gather` over `open_connection` on one event loop.
    Asyncio,
    /// The same, on uvloop's event loop.
    AsyncioUvloop,
}

impl Kind {
    /// Every kind, in the order the registry lists them.
    pub const ALL: [Kind; 6] = [
        Kind::Sequential,
        Kind::Threads,
        Kind::ThreadPool,
        Kind::Processes,
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
            Kind::Asyncio => "py-asyncio",
            Kind::AsyncioUvloop => "py-asyncio-uvloop",
        }
    }

    fn is_async(self) -> bool {
        matches!(self, Kind::Asyncio | Kind::AsyncioUvloop)
    }
}

/// One of the course's Python programs as a greetbench model.
#[derive(Debug, Clone)]
pub struct Python {
    kind: Kind,
    /// A fault for `py-processes` workers to inject (see [`FAULT_ENV`]), for tests.
    pub fault: Option<String>,
}

impl Python {
    /// The model of `kind`.
    pub const fn new(kind: Kind) -> Python {
        Python { kind, fault: None }
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
                "the asyncio model on uvloop's event loop (pip install uvloop)",
            )
            .one_thread()
            .crunch_on("uvloop's one thread, inline: every other task waits"),
        };
        d.lang(Lang::Python)
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        // The GIL lets one thread run Python code at a time: only processes crunch in parallel.
        let (io, cpu) = match self.kind {
            Kind::Sequential => (1, 1),
            Kind::Threads | Kind::Asyncio | Kind::AsyncioUvloop => (plan.count, 1),
            Kind::ThreadPool => (plan.workers, 1),
            Kind::Processes => (plan.workers, plan.workers),
        };
        Concurrency { io, cpu }
    }

    fn unavailable(&self) -> Option<String> {
        let python = match interpreter() {
            Ok(p) => p,
            Err(why) => return Some(why),
        };
        let entry = python_dir().join(ENTRY);
        if !entry.is_file() {
            return Some(format!(
                "cannot find {}: greetbench's Python models run from its checkout; use --lang rust",
                entry.display()
            ));
        }
        (self.kind == Kind::AsyncioUvloop && !python.uvloop).then(|| {
            format!(
                "not installed: uvloop cannot be imported by {} (pip install uvloop)",
                python.executable.display()
            )
        })
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
        let python = interpreter().map_err(fail)?;
        let mut cmd = Command::new(&python.executable);
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
        Session::start(cmd, self.kind)
            .map(|s| Box::new(s) as Box<dyn Runner>)
            .map_err(fail)
    }
}

/// The script the models run.
const ENTRY: &str = "greetbench_py.py";

/// What the interpreter found on this machine is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Interpreter {
    /// Its own executable (`sys.executable`): started directly, so that a launcher in front
    /// of it (a pyenv shim is a shell script) is neither timed nor counted in its CPU.
    pub executable: PathBuf,
    /// Implementation and version, e.g. `CPython 3.11.7`.
    pub version: String,
    /// Major and minor version.
    pub release: (u32, u32),
    /// Whether `uvloop` can be imported.
    pub uvloop: bool,
}

/// What the probe prints, as one JSON object.
const PROBE: &str = "import importlib.util, json, platform, sys
print(json.dumps({'executable': sys.executable,
    'version': platform.python_implementation() + ' ' + platform.python_version(),
    'release': list(sys.version_info[:2]),
    'uvloop': importlib.util.find_spec('uvloop') is not None}))";

/// The interpreter the Python models run on: `python3` on `PATH`, or [`PYTHON_ENV`]. Probed
/// once per process; the error is one line naming the fix.
pub fn interpreter() -> Result<&'static Interpreter, String> {
    static FOUND: OnceLock<Result<Interpreter, String>> = OnceLock::new();
    FOUND.get_or_init(probe).as_ref().map_err(Clone::clone)
}

/// Whether the Python models can run here; `Err` says why not, in one line.
pub fn available() -> Result<(), String> {
    interpreter().map(|_| ())
}

fn command_name() -> OsString {
    std::env::var_os(PYTHON_ENV)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "python3".into())
}

fn probe() -> Result<Interpreter, String> {
    let name = command_name();
    let shown = name.to_string_lossy().into_owned();
    let fix = "install python3, or use --lang rust";
    let mut cmd = Command::new(&name);
    cmd.args(["-c", PROBE]);
    let (status, out, err) = run_bounded(cmd, PROBE_TIMEOUT)
        .map_err(|why| format!("{shown} not found ({why}): {fix}"))?;
    if !status.success() {
        let why = last_line(&err).unwrap_or("no output");
        return Err(format!("{shown} did not run ({status}: {why}): {fix}"));
    }
    let found: Interpreter = serde_json::from_str(out.trim())
        .map_err(|e| format!("{shown} answered {:?} ({e}): {fix}", out.trim()))?;
    if found.release < MIN_VERSION {
        return Err(format!(
            "{shown} is {}, and greetbench's Python models need {}.{} or newer: install a newer python3 (or set {PYTHON_ENV}), or use --lang rust",
            found.version, MIN_VERSION.0, MIN_VERSION.1
        ));
    }
    Ok(found)
}

/// Runs `python/<script>` with `args` on the interpreter, killed after `deadline`, and returns
/// what it printed: how the sweep runs `spawn_cost.py --json`.
pub fn run_script(script: &str, args: &[&str], deadline: Duration) -> Result<String, String> {
    let python = interpreter()?;
    let mut cmd = Command::new(&python.executable);
    cmd.arg(python_dir().join(script)).args(args);
    let (status, out, err) = run_bounded(cmd, deadline)?;
    if !status.success() {
        let why = last_line(&err).unwrap_or("no output");
        return Err(format!("{script} failed ({status}): {why}"));
    }
    Ok(out)
}

/// Runs `cmd` to its end, killed after `deadline`; its status, stdout and stderr.
fn run_bounded(
    mut cmd: Command,
    deadline: Duration,
) -> Result<(ExitStatus, String, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let t0 = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if t0.elapsed() < deadline => std::thread::sleep(Duration::from_millis(2)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {:.0} s", deadline.as_secs_f64()));
            }
        }
    };
    // The pipes close with the process; a grandchild holding them cannot keep us past a second.
    let take = |rx: Receiver<String>| rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
    Ok((status, take(out), take(err)))
}

/// A pipe read to its end (at most [`MAX_LINE`] bytes) on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.take(MAX_LINE).read_to_string(&mut s);
            let _ = tx.send(s);
        });
    }
    rx
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

/// The interpreter's messages: greet-core's wire style, one JSON object per line.
#[derive(Debug, serde::Deserialize)]
enum FromPython {
    /// The model is started.
    Ready(Ready),
    /// A job has ended.
    Done(Outcome),
    /// The batch is over. (It also says how many Python threads were alive at most, for a
    /// person reading the stream; the harness counts threads itself, from `/proc`.)
    Finished {},
}

/// What the interpreter says once its model is started.
#[derive(Debug, Clone, serde::Deserialize)]
struct Ready {
    /// The interpreter's process id.
    pid: u32,
    /// The multiprocessing start method, for the processes model.
    #[serde(default)]
    start_method: Option<String>,
    /// The worker processes' ids, for the processes model.
    #[serde(default)]
    workers: Vec<u32>,
    /// Seconds per crunch round in this interpreter, when asked to calibrate.
    #[serde(default)]
    seconds_per_round: Option<f64>,
}

/// The harness's one message: run this plan.
#[derive(serde::Serialize)]
enum ToPython<'a> {
    Plan(&'a Plan),
}

/// What the reader thread forwards.
enum Line {
    Msg(FromPython),
    /// A line that is not a message (the first 80 characters): nothing after it is trusted.
    Garbage(String),
    /// The interpreter's stdout closed: it exited.
    Closed,
}

/// A started interpreter running one model.
struct Session {
    kind: Kind,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr: Arc<Mutex<String>>,
    ready: Ready,
    alive: bool,
}

impl Session {
    fn start(mut cmd: Command, kind: Kind) -> Result<Session, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the interpreter: {e}"))?;
        let (tx, lines) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            spawn_reader(stdout, tx)?;
        }
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            spawn_tail(pipe, stderr.clone())?;
        }
        let mut session = Session {
            kind,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            ready: Ready {
                pid: 0,
                start_method: None,
                workers: Vec::new(),
                seconds_per_round: None,
            },
            alive: true,
        };
        // Wait, at most START_TIMEOUT, for the model to say it is ready.
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match session.lines.recv_timeout(left) {
                Ok(Line::Msg(FromPython::Ready(ready))) => {
                    session.ready = ready;
                    return Ok(session);
                }
                Ok(Line::Msg(_)) => {}
                Ok(Line::Garbage(text)) => {
                    session.end();
                    return Err(format!("the interpreter wrote {text:?} instead of ready"));
                }
                Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    session.end();
                    return Err(session.why_it_ended("exited during start-up"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    session.end();
                    return Err(format!(
                        "the interpreter was not ready within {} s",
                        START_TIMEOUT.as_secs()
                    ));
                }
            }
        }
    }

    /// The interpreter's last words on stderr, or `fallback`.
    fn why_it_ended(&self, fallback: &str) -> String {
        let tail = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        last_line(&tail).unwrap_or(fallback).to_owned()
    }

    /// Kills the interpreter (if it still runs) and reaps it.
    fn end(&mut self) {
        self.alive = false;
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How long the interpreter may stay silent during a batch of `plan`: twice the greet
    /// timeout, ten times the crunches one unit of its concurrency may have to run before any
    /// job ends (the GIL runs N crunching threads' jobs side by side), plus slack.
    fn idle_budget(&self, plan: &Plan, cpu: usize) -> Duration {
        let crunches = plan.count.div_ceil(cpu.max(1)) as u32;
        let job = self.crunch_time(plan.work).unwrap_or_default();
        plan.timeout * 2 + (job * crunches) * 10 + Duration::from_secs(5)
    }
}

/// Turns the interpreter's stdout into [`Line`]s on a channel, so waiting can time out.
fn spawn_reader(stdout: impl Read + Send + 'static, tx: mpsc::Sender<Line>) -> Result<(), String> {
    std::thread::Builder::new()
        .name("python-reader".into())
        .spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                let line = match Read::take(&mut reader, MAX_LINE).read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => Line::Closed,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&buf);
                        match wire::decode::<FromPython>(&text) {
                            Ok(msg) => Line::Msg(msg),
                            Err(_) => Line::Garbage(text.trim_end().chars().take(80).collect()),
                        }
                    }
                };
                let last = !matches!(line, Line::Msg(_));
                if tx.send(line).is_err() || last {
                    return;
                }
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start a reader thread: {e}"))
}

/// Keeps the last [`STDERR_TAIL`] bytes of the interpreter's stderr.
fn spawn_tail(stderr: impl Read + Send + 'static, tail: Arc<Mutex<String>>) -> Result<(), String> {
    std::thread::Builder::new()
        .name("python-stderr".into())
        .spawn(move || {
            let mut stderr = stderr;
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut t) = tail.lock() {
                    t.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    if t.len() > STDERR_TAIL {
                        let cut = t.len() - STDERR_TAIL;
                        let cut = (cut..t.len()).find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                        t.drain(..cut);
                    }
                }
            }
        })
        .map(|_| ())
        .map_err(|e| format!("cannot start a reader thread: {e}"))
}

impl Runner for Session {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        let mut outcomes = Vec::with_capacity(plan.count);
        let mut seen = vec![false; plan.count];
        // Every job not reported ends as `error`: none is lost, none counted twice.
        let rest = |seen: &[bool], outcomes: &mut Vec<Outcome>, error: GreetError| {
            for (i, _) in seen.iter().enumerate().filter(|(_, s)| !**s) {
                outcomes.push(Outcome::failed(i, error.clone()));
            }
        };
        if !self.alive {
            let gone = GreetError::WorkerDied("the interpreter is gone".into());
            rest(&seen, &mut outcomes, gone);
            return Ok(Batch { outcomes });
        }
        let sent = self.stdin.as_mut().is_some_and(|s| {
            s.write_all(wire::encode(&ToPython::Plan(plan)).as_bytes())
                .and_then(|()| s.flush())
                .is_ok()
        });
        if !sent {
            self.end();
            let why = self.why_it_ended("closed its stdin");
            rest(&seen, &mut outcomes, GreetError::WorkerDied(why));
            return Ok(Batch { outcomes });
        }
        let cpu = Python::new(self.kind).concurrency(plan).cpu;
        let idle = self.idle_budget(plan, cpu);
        let last = plan.count.saturating_sub(1);
        loop {
            // In an open-loop run the interpreter may rightly stay silent while it waits for
            // jobs to come due: its budget runs from when the last one is (bounded: no job is
            // due more than an hour after the epoch).
            let wait = idle + plan.until_due(last).unwrap_or_default();
            match self.lines.recv_timeout(wait) {
                Ok(Line::Msg(FromPython::Done(outcome))) => {
                    if let Some(s) = seen.get_mut(outcome.index) {
                        *s = true;
                    }
                    // Passed on as it came: a job reported twice is the interpreter's bug, and
                    // `Summary::new` refuses the batch rather than hide it.
                    outcomes.push(outcome);
                }
                Ok(Line::Msg(FromPython::Finished { .. })) => break,
                Ok(Line::Msg(FromPython::Ready(_))) => {}
                Ok(Line::Garbage(text)) => {
                    self.end();
                    let why =
                        format!("the interpreter wrote {text:?}, which is not a message; killed");
                    rest(&seen, &mut outcomes, GreetError::WorkerDied(why));
                    break;
                }
                Ok(Line::Closed) | Err(RecvTimeoutError::Disconnected) => {
                    self.end();
                    let why = self.why_it_ended("the interpreter exited");
                    rest(&seen, &mut outcomes, GreetError::WorkerDied(why));
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Silent past any job's budget: hung. Kill it, as a process can be.
                    self.end();
                    rest(&seen, &mut outcomes, GreetError::WorkerHung);
                    break;
                }
            }
        }
        Ok(Batch { outcomes })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        // Peak PSS, as the Rust worker processes report theirs: the pages the interpreter and
        // its workers share count once, in the same measure as the harness's baseline.
        self.helper_pids()
            .into_iter()
            .map(greet_core::wire::peak_rss_kib_of)
            .sum()
    }

    fn executor_threads(&self) -> Option<usize> {
        // asyncio's event loop runs every task on the interpreter's one thread.
        self.kind.is_async().then_some(1)
    }

    fn helper_pids(&self) -> Vec<u32> {
        if !self.alive {
            return Vec::new();
        }
        std::iter::once(self.ready.pid)
            .chain(self.ready.workers.iter().copied())
            .collect()
    }

    fn start_method(&self) -> Option<String> {
        self.ready.start_method.clone()
    }

    fn crunch_time(&self, work: u32) -> Option<Duration> {
        let per_round = self.ready.seconds_per_round?;
        Duration::try_from_secs_f64(per_round * f64::from(work)).ok()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Closing stdin tells the interpreter to close its model (joining its workers, so
        // their CPU time reaches ours) and exit; give it a moment, then kill it.
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/PID/status` (`VmHWM`, `VmRSS`), 0 if it cannot be read.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let line = s
                .lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
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
            // Only processes run Python code on more than one core at once.
            assert_eq!(d.parallel(), kind == Kind::Processes, "{}", d.name);
        }
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

//! Worker processes of this executable and the pipes to them: the plumbing the two process
//! models (`model-processes`, `model-prefork`) share, so that each model crate keeps only what
//! is its own, how it hands out the jobs.
//!
//! A worker is the current executable started again with an environment variable set: its
//! `main` calls [`serve_if_requested`] first thing and serves the parent instead of running
//! the CLI. The two speak JSON lines ([`greet_core::wire`]): orders on the worker's stdin
//! (each model has its own), [`FromWorker`] messages on its stdout. Lines keep the framing
//! trivial, and a line that is not a message tells the parent the worker cannot be trusted.
//!
//! # Layout
//! - The parent's side, [`Workers`]: start K workers and wait until each is ready; write one
//!   a line; hear from all of them on one channel, with a timeout (a reader thread per worker
//!   turns its stdout into [`Event`]s); kill and reap one; add up their peak memory.
//! - The worker's side: [`serve_if_requested`], [`orders`] from stdin, [`say`] a message,
//!   the [`ready`] and [`report`] messages.
//!
//! Nothing here waits without a deadline, and no worker is left a zombie: each is reaped when
//! it is killed, when start-up fails part-way, or when [`Workers`] is dropped (which closes
//! every worker's stdin, its signal to exit, and kills what has not exited 2 s later). The
//! crate knows nothing of jobs; threads and processes stay out of `greet-core`, so it is here.
#![forbid(unsafe_code)]

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use greet_core::wire::{self, FromWorker};
use greet_os::lines::{LineError, LineReader};
use greet_os::process::{kill_and_reap, wait_timeout};

/// How long a worker may take to start and say it is ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a dropped [`Workers`] gives its workers to exit on their own before killing them.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How long [`Workers::peak_rss_kib`] waits for the answers.
const REPORT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a killed worker is given to be reaped (SIGKILL cannot be caught, so only a
/// process stuck in the kernel takes longer).
const REAP_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest line either side reads: far above any message (an outcome, a plan), and a
/// bound, so that a worker that never writes a newline cannot make its reader buffer
/// without end.
pub const MAX_LINE: usize = 16 << 20;

/// What can go wrong starting workers, or, in a worker, reading the parent's orders.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The running executable's path is unknown, so it cannot be started again.
    #[error("cannot find this executable to start it as a worker: {0}")]
    NoExe(io::Error),
    /// The worker process could not be started (the OS error says which limit, if any).
    #[error("cannot start {exe}: {source}")]
    Spawn {
        /// The executable.
        exe: String,
        /// Why.
        source: io::Error,
    },
    /// The thread that reads a worker's stdout could not be started.
    #[error("no reader thread for worker {k}: {source}")]
    Reader {
        /// Which worker.
        k: usize,
        /// Why.
        source: io::Error,
    },
    /// A worker exited, or said something other than that it is ready, before it was ready.
    #[error("worker {k} exited during start-up; is {exe} greetbench?")]
    Exited {
        /// Which worker.
        k: usize,
        /// The executable it runs.
        exe: String,
    },
    /// Not every worker was ready within [`START_TIMEOUT`].
    #[error("workers did not start within 10 s")]
    StartTimeout,
    /// In a worker: stdin could not be read, or a line on it was past [`MAX_LINE`].
    #[error("cannot read the parent's orders: {0}")]
    Read(LineError),
    /// In a worker: a line on stdin was not an order.
    #[error("bad order: {0}")]
    BadOrder(LineError),
}

/// The command that starts `exe` (this executable, if `None`) as a worker: `env` set to 1,
/// stdin and stdout piped. Its stderr is the parent's, for what a failing worker says.
pub fn command(exe: Option<&Path>, env: &str) -> Result<Command, WorkerError> {
    let exe = match exe {
        Some(exe) => exe.to_path_buf(),
        None => std::env::current_exe().map_err(WorkerError::NoExe)?,
    };
    let mut cmd = Command::new(exe);
    cmd.env(env, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    Ok(cmd)
}

/// What a worker's reader thread forwards to the parent.
#[derive(Debug)]
pub enum Event {
    /// A message from the worker.
    Msg(FromWorker),
    /// The reader stopped: the worker's stdout closed (it exited), or it wrote a line that is
    /// not a message (`Some`, its first 80 characters), after which nothing it says is trusted.
    Closed(Option<String>),
}

struct Worker {
    child: Child,
    /// `None` once the worker is finished with: killed, or its pipe broke.
    stdin: Option<ChildStdin>,
}

/// K worker processes of one command, started alike, numbered `0..K`.
pub struct Workers {
    workers: Vec<Worker>,
    events: Receiver<(usize, Event)>,
}

impl Workers {
    /// Starts `n` workers with `cmd` (see [`command`]) and waits until each has said it is
    /// ready. On failure, those already started are killed and reaped.
    pub fn start(cmd: &mut Command, n: usize) -> Result<Workers, WorkerError> {
        let (tx, events) = mpsc::channel();
        // Owned from the first worker on, so that a failure part-way still reaps them (`Drop`).
        let mut all = Workers {
            workers: Vec::with_capacity(n),
            events,
        };
        for k in 0..n {
            all.workers.push(spawn(k, cmd, tx.clone())?);
        }
        let deadline = Instant::now() + START_TIMEOUT;
        for _ in 0..n {
            match all.recv(deadline) {
                Some((_, Event::Msg(FromWorker::Ready { .. }))) => {}
                Some((k, _)) => {
                    let exe = cmd.get_program().to_string_lossy().into_owned();
                    return Err(WorkerError::Exited { k, exe });
                }
                None => return Err(WorkerError::StartTimeout),
            }
        }
        Ok(all)
    }

    /// How many workers were started, live or not.
    pub fn count(&self) -> usize {
        self.workers.len()
    }

    /// Whether worker `k` is still in use: not killed, its stdin not broken.
    pub fn alive(&self, k: usize) -> bool {
        self.workers[k].stdin.is_some()
    }

    /// Whether any worker is still in use.
    pub fn any_alive(&self) -> bool {
        self.workers.iter().any(|w| w.stdin.is_some())
    }

    /// The next event from any worker, or `None` if none comes by `deadline`. (Every reader
    /// sends `Closed` before it ends, so the channel cannot run dry while a worker lives.)
    pub fn recv(&self, deadline: Instant) -> Option<(usize, Event)> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.events.recv_timeout(wait).ok()
    }

    /// Drops the events already waiting: left over from an earlier batch, they belong to no
    /// job of the next. A worker whose stdout closed since is killed and reaped.
    pub fn clear_stale(&mut self) {
        while let Ok((k, event)) = self.events.try_recv() {
            if let Event::Closed(_) = event {
                self.kill(k);
            }
        }
    }

    /// Writes one message to worker `k`; false if it is finished with, or its pipe is broken
    /// (then it is finished with).
    pub fn send<T: serde::Serialize>(&mut self, k: usize, msg: &T) -> bool {
        let w = &mut self.workers[k];
        let line = wire::encode(msg);
        let sent = w
            .stdin
            .as_mut()
            .is_some_and(|s| s.write_all(line.as_bytes()).is_ok());
        if !sent {
            w.stdin = None;
        }
        sent
    }

    /// Kills worker `k` (if it still runs) and reaps it, so it leaves no zombie.
    pub fn kill(&mut self, k: usize) {
        let w = &mut self.workers[k];
        w.stdin = None;
        kill_and_reap(&mut w.child, REAP_TIMEOUT);
    }

    /// Why worker `k`, whose stdout closed (`garbage`: see [`Event::Closed`]), is finished:
    /// what it wrote, or its exit status. A process closes its files a moment before its
    /// status can be read, so that is waited for, 1 s at most. It does not kill the worker.
    pub fn why_closed(&mut self, k: usize, garbage: Option<String>) -> String {
        let child = &mut self.workers[k].child;
        let status = match garbage {
            Some(_) => child.try_wait(),
            None => wait_timeout(child, Duration::from_secs(1)),
        };
        match (garbage, status) {
            (Some(line), _) => format!("wrote {line:?}, not a message; killed"),
            (None, Ok(Some(status))) => status.to_string(),
            (None, _) => "closed its stdout; killed".into(),
        }
    }

    /// The process ids of the live workers.
    pub fn pids(&self) -> Vec<u32> {
        let live = self.workers.iter().filter(|w| w.stdin.is_some());
        live.map(|w| w.child.id()).collect()
    }

    /// Sends `report` (the model's order for [`report`]) to every live worker and adds up
    /// the peak memory they answer with, waiting 2 s at most.
    pub fn peak_rss_kib<T: serde::Serialize>(&mut self, report: &T) -> u64 {
        let asked = (0..self.count()).filter(|&k| self.send(k, report)).count();
        let deadline = Instant::now() + REPORT_TIMEOUT;
        let (mut total, mut answered) = (0, 0);
        while answered < asked {
            match self.recv(deadline) {
                Some((_, Event::Msg(FromWorker::Report { peak_rss_kib }))) => {
                    total += peak_rss_kib;
                    answered += 1;
                }
                Some(_) => {} // a late message from a worker that was killed
                None => break,
            }
        }
        total
    }
}

/// Starts worker `k`, with a reader thread that turns its stdout lines into events on one
/// channel shared by all workers, so that the parent can wait on all of them at once.
fn spawn(
    k: usize,
    cmd: &mut Command,
    events: Sender<(usize, Event)>,
) -> Result<Worker, WorkerError> {
    let exe = |cmd: &Command| cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd.spawn().map_err(|source| WorkerError::Spawn {
        exe: exe(cmd),
        source,
    })?;
    let (Some(stdout), stdin) = (child.stdout.take(), child.stdin.take()) else {
        kill_and_reap(&mut child, REAP_TIMEOUT);
        let source = io::Error::other("its stdout is not piped");
        return Err(WorkerError::Spawn {
            exe: exe(cmd),
            source,
        });
    };
    let reader = move || {
        let _ = events.send((k, Event::Closed(relay(k, stdout, &events))));
    };
    let mut worker = Worker { child, stdin };
    let thread = std::thread::Builder::new().name(format!("worker-{k}-reader"));
    if let Err(source) = thread.spawn(reader) {
        kill_and_reap(&mut worker.child, REAP_TIMEOUT);
        return Err(WorkerError::Reader { k, source });
    }
    Ok(worker)
}

/// Sends each message worker `k` writes on `stdout` as an event, until its stdout closes
/// (`None`), a line is not a message or is past [`MAX_LINE`] (`Some`: its first 80
/// characters, or what was wrong), or the parent has gone.
fn relay(k: usize, stdout: impl Read, events: &Sender<(usize, Event)>) -> Option<String> {
    let mut lines = LineReader::new(stdout, MAX_LINE);
    // Bounded by the stream: every pass takes one line, and the stream ends with the worker.
    loop {
        let line = match lines.read_line() {
            Ok(Some(line)) => line,
            Ok(None) | Err(LineError::Io(_)) => return None,
            Err(e) => return Some(e.to_string()),
        };
        let text = String::from_utf8_lossy(&line);
        let Ok(msg) = wire::decode::<FromWorker>(&text) else {
            return Some(text.chars().take(80).collect());
        };
        if events.send((k, Event::Msg(msg))).is_err() {
            return None;
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Closing a worker's stdin tells it to exit; give it a moment, then kill and reap it.
        for w in &mut self.workers {
            w.stdin = None;
        }
        let deadline = Instant::now() + EXIT_GRACE;
        for k in 0..self.count() {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = wait_timeout(&mut self.workers[k].child, left);
            self.kill(k);
        }
    }
}

/// Call first thing in the `main` of every executable that can serve as a worker (through
/// the model's own `run_worker_if_requested`). If this process was started as a worker (`env`
/// is set), it runs `serve` and exits: 0 when `serve` returns (its stdin closed), 1 with the
/// error on stderr otherwise. If not, it returns at once.
pub fn serve_if_requested<E: Display>(env: &str, serve: impl FnOnce() -> Result<(), E>) {
    if std::env::var_os(env).is_none() {
        return;
    }
    if let Err(e) = serve() {
        // The worker's last words, on stderr (its stdout is the protocol); a failed write is
        // dropped, never a panic: there is nowhere left to report it.
        let pid = std::process::id();
        let _ = writeln!(io::stderr(), "greetbench worker {pid} ({env}): {e}");
        std::process::exit(1);
    }
    std::process::exit(0);
}

/// The orders of type `T` on `input` (a worker's stdin), one a line (at most [`MAX_LINE`]),
/// until it closes.
pub fn orders<T: serde::de::DeserializeOwned>(
    input: impl Read,
) -> impl Iterator<Item = Result<T, WorkerError>> {
    let mut lines = LineReader::new(input, MAX_LINE);
    std::iter::from_fn(move || match lines.read_line() {
        Ok(None) => None,
        Ok(Some(line)) => {
            Some(wire::decode(&String::from_utf8_lossy(&line)).map_err(WorkerError::BadOrder))
        }
        Err(e) => Some(Err(WorkerError::Read(e))),
    })
}

/// Raises this worker's soft open-files limit to the hard limit (no privilege needed): a
/// worker of a model that holds thousands of sockets at once needs more than the usual 1,024.
/// Returns the limit now in force.
pub fn raise_open_files_limit() -> u64 {
    greet_os::limits::raise_open_files()
}

/// Writes one message to the parent (`out` is the worker's stdout), one line, flushed so that
/// it does not wait in a buffer.
pub fn say(out: &mut impl Write, msg: &FromWorker) -> Result<(), LineError> {
    greet_os::lines::write(out, msg)
}

/// The message a worker says first: it has started, and its process id.
pub fn ready() -> FromWorker {
    FromWorker::Ready {
        pid: std::process::id(),
    }
}

/// The answer to a model's report order: this process's peak memory ([`wire::peak_rss_kib`]).
pub fn report() -> FromWorker {
    FromWorker::Report {
        peak_rss_kib: wire::peak_rss_kib(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greet_core::wire::ToWorker;

    /// A stand-in worker: `sh` running `script` after saying it is ready, as a real one would.
    fn sh(script: &str) -> Command {
        let ready = wire::encode(&FromWorker::Ready { pid: 0 });
        let mut cmd = command(Some(Path::new("/bin/sh")), "WORKER_PROCESS_TEST").unwrap();
        cmd.arg("-c")
            .arg(format!("printf '%s' '{ready}'; {script}"));
        cmd
    }

    /// A worker that answers every line with a report of 7 KiB, until its stdin closes.
    fn reporter() -> Command {
        let report = wire::encode(&FromWorker::Report { peak_rss_kib: 7 });
        sh(&format!(
            "while read -r line; do printf '%s' '{report}'; done"
        ))
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn workers_start_ready_answer_and_are_reaped_when_dropped() {
        let mut workers = Workers::start(&mut reporter(), 3).unwrap();
        assert_eq!(workers.count(), 3);
        let pids = workers.pids();
        let mut distinct = pids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 3, "{pids:?}");
        assert!(!pids.contains(&std::process::id()));
        // Nothing is stale after start, so nobody is killed.
        workers.clear_stale();
        assert!((0..3).all(|k| workers.alive(k)) && workers.any_alive());
        assert_eq!(workers.peak_rss_kib(&"report"), 3 * 7);
        drop(workers);
        for pid in pids {
            let gone = !Path::new(&format!("/proc/{pid}")).exists();
            assert!(gone, "worker {pid} was not reaped");
        }
    }

    #[test]
    fn a_worker_that_exits_is_reported_with_its_status_and_cleared_when_stale() {
        let mut workers = Workers::start(&mut sh("read -r line; exit 3"), 2).unwrap();
        assert!(workers.send(1, &"go"));
        match workers.recv(soon()) {
            Some((1, Event::Closed(None))) => {}
            other => panic!("expected worker 1 to close, got {other:?}"),
        }
        assert_eq!(workers.why_closed(1, None), "exit status: 3");
        workers.kill(1);
        assert!(!workers.alive(1));
        assert!(
            !workers.send(1, &"again"),
            "a killed worker takes no message"
        );
        assert_eq!(workers.pids().len(), 1);
        // Worker 0 exits too, unheard: clearing what is stale finishes with it.
        assert!(workers.send(0, &"go"));
        for _ in 0..1000 {
            workers.clear_stale();
            if !workers.alive(0) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!workers.alive(0));
        assert!(workers.pids().is_empty());
        assert!(!workers.any_alive());
    }

    #[test]
    fn a_line_that_is_not_a_message_closes_the_worker() {
        let script = "read -r line; echo 'debug: a stray line'; exec sleep 30";
        let mut workers = Workers::start(&mut sh(script), 1).unwrap();
        assert!(workers.send(0, &"go"));
        let garbage = match workers.recv(soon()) {
            Some((0, Event::Closed(Some(line)))) => line,
            other => panic!("expected garbage, got {other:?}"),
        };
        assert_eq!(garbage, "debug: a stray line");
        let why = workers.why_closed(0, Some(garbage));
        assert!(why.contains("not a message"), "{why}");
        // It still runs (`sleep`): only a kill ends it.
        let pid = workers.pids()[0];
        assert!(Path::new(&format!("/proc/{pid}")).exists());
        workers.kill(0);
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn a_line_past_the_cap_closes_the_worker_without_buffering_it_all() {
        let script = format!(
            "read -r line; head -c {} /dev/zero | tr '\\0' x; exec sleep 30",
            MAX_LINE + 1
        );
        let mut workers = Workers::start(&mut sh(&script), 1).unwrap();
        assert!(workers.send(0, &"go"));
        let why = match workers.recv(soon()) {
            Some((0, Event::Closed(Some(why)))) => why,
            other => panic!("expected the line to be refused, got {other:?}"),
        };
        assert!(
            why.contains(&format!("longer than {MAX_LINE} bytes")),
            "{why}"
        );
        workers.kill(0);
    }

    #[test]
    fn start_fails_with_one_line_when_workers_cannot_start() {
        let missing = Path::new("/nonexistent/greetbench");
        let mut cmd = command(Some(missing), "WORKER_PROCESS_TEST").unwrap();
        let e = Workers::start(&mut cmd, 2).err().unwrap().to_string();
        assert!(
            e.contains("/nonexistent/greetbench") && e.contains("(os error 2)"),
            "{e}"
        );
        let mut silent = command(Some(Path::new("/bin/sh")), "WORKER_PROCESS_TEST").unwrap();
        silent.arg("-c").arg("exit 0");
        let e = Workers::start(&mut silent, 2).err().unwrap();
        assert!(matches!(e, WorkerError::Exited { .. }), "{e}");
        assert!(e.to_string().contains("exited during start-up"), "{e}");
    }

    #[test]
    fn a_worker_reads_orders_and_says_messages_as_lines() {
        let input = "\"Report\"\n{\"Job\":3}\nnonsense\n";
        let got: Vec<_> = orders::<ToWorker>(input.as_bytes()).collect();
        assert!(matches!(got[0], Ok(ToWorker::Report)), "{got:?}");
        assert!(matches!(got[1], Ok(ToWorker::Job(3))), "{got:?}");
        assert!(matches!(got[2], Err(WorkerError::BadOrder(_))), "{got:?}");
        assert_eq!(got.len(), 3);
        let mut out = Vec::new();
        say(&mut out, &ready()).unwrap();
        say(&mut out, &report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<FromWorker> = text.lines().map(|l| wire::decode(l).unwrap()).collect();
        assert!(
            matches!(lines[..], [FromWorker::Ready { pid }, FromWorker::Report { .. }] if pid == std::process::id()),
            "{text}"
        );
    }

    #[test]
    fn a_process_not_started_as_a_worker_goes_on() {
        let mut served = false;
        serve_if_requested("WORKER_PROCESS_TEST_NEVER_SET", || {
            served = true;
            Ok::<(), String>(())
        });
        assert!(!served);
    }
}

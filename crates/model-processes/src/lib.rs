//! The **processes** model: a pool of K worker *processes*, fed through a two-way message
//! queue over pipes. This is the course's objective 3 (Python's `multiprocessing.Pool`)
//! written in Rust.
//!
//! ```text
//!            stdin: ToWorker::Job(i) ──▶ ┌──────────┐
//!   parent ─────────────────────────────▶│ worker k │  (greetbench re-executed with
//!          ◀── stdout: FromWorker::Done ─└──────────┘   GREETBENCH_WORKER=1)
//! ```
//!
//! Each worker is a real child process of the same executable, started in worker mode; it
//! has its own memory, so nothing is shared and nothing can race. The price is start-up (an
//! exec per worker) and a pipe round-trip per job, with every message serialised.
//!
//! What a process gives that a thread cannot: it can be **killed**. A worker that dies is
//! noticed when its pipe closes; a worker that does not answer within its job's budget is
//! killed. Either way its jobs are counted as errors and the run goes on with the workers
//! that are left. Nothing is waited on forever.
//!
//! The executable must call [`run_worker_if_requested`] first thing in `main`. The test-only
//! ways to make a worker misbehave are in [`faults`].
#![forbid(unsafe_code)]

pub mod faults;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::panic::catch_unwind;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use greet_core::wire::{self, FromWorker, ToWorker};
use greet_core::workload::crunch_time;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape, run_job,
};

/// The environment variable that puts the executable in worker mode.
pub const WORKER_ENV: &str = "GREETBENCH_WORKER";

/// How long a worker may take to start and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How many jobs a worker holds at once: the one it runs and the next. With only one, a worker
/// would sit idle for a pipe round trip after every job, waiting for the parent to send the
/// next; Python's `Pool` prefetches for the same reason. A worker still *runs* one job at a
/// time, so at most K greets are in flight. A batch only: an open-loop run sends a job only to
/// an idle worker (see `dispatch_due`).
const DEPTH: usize = 2;

/// A pool of worker processes.
#[derive(Debug, Default, Clone)]
pub struct Processes {
    /// Test-only: a fault for the workers to inject (see [`faults`]).
    pub fault: Option<faults::Fault>,
}

impl Model for Processes {
    fn name(&self) -> &'static str {
        "processes"
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Processes,
            Shape::Pool,
            "--workers child processes fed over pipes: a two-way multi-process message queue",
        )
        .crunch_on("K worker processes")
    }

    fn concurrency(&self, plan: &Plan) -> Concurrency {
        Concurrency {
            io: plan.workers,
            cpu: plan.workers,
        }
    }

    fn start(&self, plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        let exe = match &plan.worker_exe {
            Some(exe) => exe.clone(),
            None => std::env::current_exe().map_err(|e| start_error(e.to_string()))?,
        };
        let mut cmd = Command::new(&exe);
        cmd.env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        faults::pass_on(&mut cmd, self.fault);
        // The pool owns each worker as soon as it exists, so that a failure part-way through
        // still kills and reaps the ones already started (see `Drop`).
        let (events_tx, events) = mpsc::channel();
        let mut pool = Pool {
            workers: Vec::new(),
            events,
        };
        for k in 0..plan.workers {
            pool.workers
                .push(Worker::spawn(k, &mut cmd, events_tx.clone())?);
        }
        // Wait for every worker to say it is ready.
        let deadline = Instant::now() + START_TIMEOUT;
        for _ in 0..plan.workers {
            match pool.recv(deadline) {
                Some((_, Event::Msg(FromWorker::Ready { .. }))) => {}
                Some((k, _)) => {
                    let exe = exe.display();
                    let why = format!("worker {k} exited during start-up; is {exe} greetbench?");
                    return Err(start_error(why));
                }
                None => return Err(start_error("workers did not start within 10 s".into())),
            }
        }
        Ok(Box::new(pool))
    }
}

fn start_error(reason: String) -> ModelError {
    let model = "processes".into();
    ModelError::Start { model, reason }
}

/// What a worker's reader thread forwards to the parent.
enum Event {
    Msg(FromWorker),
    /// The reader stopped: the worker's stdout closed (it exited), or it wrote something that
    /// is not a message (`Some(line)`), after which nothing it says can be trusted.
    Closed(Option<String>),
}

struct Worker {
    child: Child,
    /// `None` once the worker is finished with: killed, or its pipe broke.
    stdin: Option<ChildStdin>,
    /// The jobs sent to it and not yet answered, oldest (the one it is running) first.
    queue: VecDeque<usize>,
    /// When the oldest job in `queue` started, as far as the parent can tell.
    head_since: Instant,
}

impl Worker {
    fn spawn(
        k: usize,
        cmd: &mut Command,
        events: Sender<(usize, Event)>,
    ) -> Result<Worker, ModelError> {
        let exe = cmd.get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .spawn()
            .map_err(|e| start_error(format!("cannot start {exe}: {e}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        // One reader thread per worker turns its stdout into events on one channel, so the
        // parent can wait on all workers at once, with a timeout.
        let reader = move || {
            let mut garbage = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(msg) = wire::decode::<FromWorker>(&line) else {
                    garbage = Some(line.chars().take(80).collect());
                    break;
                };
                if events.send((k, Event::Msg(msg))).is_err() {
                    return;
                }
            }
            let _ = events.send((k, Event::Closed(garbage)));
        };
        let thread = std::thread::Builder::new().name(format!("worker-{k}-reader"));
        thread
            .spawn(reader)
            .map_err(|e| start_error(format!("no reader thread: {e}")))?;
        let stdin = child.stdin.take();
        let head_since = Instant::now();
        Ok(Worker {
            child,
            stdin,
            queue: VecDeque::new(),
            head_since,
        })
    }

    fn alive(&self) -> bool {
        self.stdin.is_some()
    }

    /// Notes that job `i` was sent to it.
    fn hold(&mut self, i: usize) {
        if self.queue.is_empty() {
            self.head_since = Instant::now();
        }
        self.queue.push_back(i);
    }

    /// Writes one message; a worker whose pipe is broken is finished with.
    fn send(&mut self, msg: &ToWorker) -> bool {
        let line = wire::encode(msg);
        let sent = self
            .stdin
            .as_mut()
            .is_some_and(|s| s.write_all(line.as_bytes()).is_ok());
        if !sent {
            self.stdin = None;
        }
        sent
    }

    /// Kills the worker (if it still runs) and reaps it, so it leaves no zombie.
    fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the worker and counts the jobs it held as failed: the oldest with `head`, the
    /// one waiting behind it as lost with it.
    fn write_off(&mut self, head: GreetError, outcomes: &mut Vec<Outcome>) {
        self.kill();
        let lost = GreetError::WorkerDied("queued on a worker that was lost".into());
        let mut held = self.queue.drain(..);
        outcomes.extend(held.next().map(|i| Outcome::failed(i, head)));
        outcomes.extend(held.map(|i| Outcome::failed(i, lost.clone())));
    }
}

struct Pool {
    workers: Vec<Worker>,
    events: Receiver<(usize, Event)>,
}

impl Pool {
    /// The next event from any worker, or `None` if none comes by `deadline`. (Every reader
    /// sends `Closed` before it ends, so the channel cannot run dry while a worker lives.)
    fn recv(&self, deadline: Instant) -> Option<(usize, Event)> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.events.recv_timeout(wait).ok()
    }
}

impl Runner for Pool {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        // A job that takes this long is considered hung: twice the greet timeout, plus ten
        // times what its crunch should take here, plus slack. Crunch time is not bounded by
        // the greet timeout, so it must be in the budget or long crunches would be "hung".
        let crunch = plan.workload.crunches().then(|| crunch_time(plan.work));
        let budget = plan.timeout * 2 + crunch.unwrap_or_default() * 10 + Duration::from_secs(1);
        // What is left over from an earlier batch belongs to no job of this one; a worker
        // that died since is killed before it is given a job.
        while let Ok((k, event)) = self.events.try_recv() {
            if let Event::Closed(_) = event {
                self.workers[k].kill();
            }
        }
        let mut pending: Vec<usize> = (0..plan.count).rev().collect();
        let mut outcomes = Vec::with_capacity(plan.count);
        for w in &mut self.workers {
            w.send(&ToWorker::Plan(plan.clone()));
        }
        while outcomes.len() < plan.count {
            let next_due = match plan.arrivals {
                None => dispatch(&mut self.workers, &mut pending),
                Some(_) => dispatch_due(plan, &mut self.workers, &mut pending),
            };
            if !self.workers.iter().any(Worker::alive) {
                // Nobody is left to run the rest. What dead workers still held (a failed write
                // can find one dead before its pipe-closed event arrives) and what was never
                // sent end as counted errors.
                let held = self.workers.iter_mut().flat_map(|w| w.queue.drain(..));
                let why = || GreetError::WorkerDied("no worker process left".into());
                outcomes.extend(
                    held.chain(pending.drain(..))
                        .map(|i| Outcome::failed(i, why())),
                );
                break;
            }
            // Wait for the next message, but never past the earliest job deadline, nor past
            // when the next job is due.
            let busy = self.workers.iter().filter(|w| !w.queue.is_empty());
            let deadline = busy.map(|w| w.head_since + budget).chain(next_due).min();
            match self.recv(deadline.unwrap_or_else(|| Instant::now() + budget)) {
                Some((k, Event::Msg(FromWorker::Done(outcome)))) => {
                    let w = &mut self.workers[k];
                    // Only an answer to a job this worker still holds counts: a job already
                    // written off (its worker was killed as hung) must not be reported twice.
                    if let Some(at) = w.queue.iter().position(|&i| i == outcome.index) {
                        w.queue.remove(at);
                        w.head_since = Instant::now();
                        outcomes.push(outcome);
                    }
                }
                Some((_, Event::Msg(_))) => {}
                Some((k, Event::Closed(garbage))) => {
                    // The worker exited, or broke the protocol. Either way it is finished:
                    // kill it if it still runs (bounded, unlike waiting for it to exit) and
                    // count the jobs it held.
                    let w = &mut self.workers[k];
                    let why = match (garbage, w.child.try_wait()) {
                        (Some(line), _) => format!("wrote {line:?}, not a message; killed"),
                        (None, Ok(Some(status))) => status.to_string(),
                        (None, _) => "closed its stdout; killed".into(),
                    };
                    w.write_off(GreetError::WorkerDied(why), &mut outcomes);
                }
                None => {
                    // Whoever is past its deadline is hung: kill it, which a thread could not
                    // be. Its current job counts as hung.
                    let now = Instant::now();
                    for w in &mut self.workers {
                        if !w.queue.is_empty() && w.head_since + budget <= now {
                            w.write_off(GreetError::WorkerHung, &mut outcomes);
                        }
                    }
                }
            }
        }
        Ok(Batch { outcomes })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        // Ask every live worker for its peak memory and add up the answers.
        let sent = self.workers.iter_mut().map(|w| w.send(&ToWorker::Report));
        let asked = sent.filter(|&sent| sent).count();
        let deadline = Instant::now() + Duration::from_secs(2);
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

/// Hands out jobs: first one to every live, idle worker, so that N <= K jobs run on N
/// workers at once, then a second to each while jobs remain (see [`DEPTH`]). This is what
/// makes it a queue: the next job goes to whichever worker finishes first. Returns `None`: in
/// a batch, no job is due later.
fn dispatch(workers: &mut [Worker], pending: &mut Vec<usize>) -> Option<Instant> {
    for depth in 1..=DEPTH {
        for w in workers
            .iter_mut()
            .filter(|w| w.alive() && w.queue.len() < depth)
        {
            let i = pending.pop()?;
            if !w.send(&ToWorker::Job(i)) {
                pending.push(i);
                continue;
            }
            w.hold(i);
        }
    }
    None
}

/// The open-loop dispatcher: hands each job that is due to an idle worker, and returns when
/// the next job falls due (`None`: it already has, or none is left). A job is never sent
/// before it is due, and never to a busy worker: without [`DEPTH`]'s prefetch, a due job that
/// finds every worker busy waits here, in `pending`, and goes to whichever worker frees first.
/// Its wait is queueing, as in the thread-pool model; the worker stamps its start.
fn dispatch_due(plan: &Plan, workers: &mut [Worker], pending: &mut Vec<usize>) -> Option<Instant> {
    // Bounded: each turn sends a job, or finds a worker's pipe broken and finishes with it.
    while let Some(&i) = pending.last() {
        if let Some(wait) = plan.until_due(i) {
            return Some(Instant::now() + wait);
        }
        let w = workers
            .iter_mut()
            .find(|w| w.alive() && w.queue.is_empty())?;
        if w.send(&ToWorker::Job(i)) {
            pending.pop();
            w.hold(i);
        }
    }
    None
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a worker's stdin tells it to exit; give it a moment, then kill it.
        for w in &mut self.workers {
            w.stdin = None;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for w in &mut self.workers {
            while matches!(w.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            w.kill();
        }
    }
}

/// Call first thing in `main` of every executable that can serve as a worker. If this process
/// was started as a worker, it serves jobs from stdin until stdin closes, then exits;
/// otherwise it returns at once.
pub fn run_worker_if_requested() {
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    if let Err(e) = serve() {
        eprintln!("greetbench worker {}: {e}", std::process::id());
        std::process::exit(1);
    }
    std::process::exit(0);
}

/// The worker's loop: read a message, act, answer.
fn serve() -> Result<(), String> {
    let mut faults = faults::Injector::from_env()?;
    let mut out = std::io::stdout().lock();
    say(
        &mut out,
        &FromWorker::Ready {
            pid: std::process::id(),
        },
    )?;
    let mut plan = None;
    for line in std::io::stdin().lock().lines() {
        let reply = match wire::decode::<ToWorker>(&line.map_err(|e| e.to_string())?)? {
            ToWorker::Plan(p) => {
                plan = Some(p);
                continue;
            }
            ToWorker::Report => FromWorker::Report {
                peak_rss_kib: wire::peak_rss_kib(),
            },
            ToWorker::Job(i) => {
                faults.before_job(&mut out).map_err(|e| e.to_string())?;
                let plan = plan.as_ref().ok_or("a job arrived before its plan")?;
                // The worker catches a job's panic itself and answers with it as the job's
                // error, so the panic costs neither the worker nor the jobs queued behind it.
                let outcome = catch_unwind(|| run_job(plan, i))
                    .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)));
                FromWorker::Done(outcome)
            }
        };
        say(&mut out, &reply)?;
    }
    Ok(())
}

/// Writes one message to the parent, flushed so that it does not wait in a buffer.
fn say(out: &mut impl Write, msg: &FromWorker) -> Result<(), String> {
    let sent = out
        .write_all(wire::encode(msg).as_bytes())
        .and_then(|()| out.flush());
    sent.map_err(|e| e.to_string())
}

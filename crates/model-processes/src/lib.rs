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
//! killed. Either way its job is reported as a counted error and the run goes on with the
//! workers that are left. Nothing is waited on forever.
//!
//! The executable must call [`run_worker_if_requested`] first thing in `main`.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use greet_core::wire::{self, FromWorker, ToWorker};
use greet_core::workload::crunch_time;
use greet_core::{
    Batch, Concurrency, Description, Family, GreetError, Model, ModelError, Outcome, Plan, Runner,
    Shape, run_job,
};

/// The environment variable that puts the executable in worker mode.
pub const WORKER_ENV: &str = "GREETBENCH_WORKER";

/// Test-only: make a worker misbehave at its n-th job, as `exit:N`, `hang:N` or `garbage:N`
/// (a stray line on stdout, as a debugging `println!` would write).
pub const FAULT_ENV: &str = "GREETBENCH_WORKER_FAULT";

/// How long a worker may take to start and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool of worker processes.
#[derive(Debug, Default, Clone)]
pub struct Processes {
    /// A fault for the workers to inject (`exit:N` or `hang:N`), for tests of the error paths.
    pub fault: Option<String>,
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
            None => std::env::current_exe().map_err(|e| start_error(format!("{e}")))?,
        };
        let (events_tx, events) = mpsc::channel();
        let mut pool = Pool {
            workers: Vec::new(),
            events,
        };
        for k in 0..plan.workers {
            pool.workers.push(Worker::spawn(
                k,
                &exe,
                self.fault.as_deref(),
                events_tx.clone(),
            )?);
        }
        // Wait for every worker to say it is ready, and learn its pid.
        let deadline = Instant::now() + START_TIMEOUT;
        let mut ready = 0;
        while ready < plan.workers {
            let left = deadline.saturating_duration_since(Instant::now());
            match pool.events.recv_timeout(left) {
                Ok((k, Event::Msg(FromWorker::Ready { pid }))) => {
                    pool.workers[k].pid = Some(pid);
                    ready += 1;
                }
                Ok((k, _)) => {
                    return Err(start_error(format!(
                        "worker {k} exited during start-up; is {} a greetbench executable?",
                        exe.display()
                    )));
                }
                Err(_) => return Err(start_error("workers did not start within 10 s".into())),
            }
        }
        Ok(Box::new(pool))
    }
}

fn start_error(reason: String) -> ModelError {
    ModelError::Start {
        model: "processes".into(),
        reason,
    }
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
    stdin: Option<ChildStdin>,
    pid: Option<u32>,
    /// The jobs sent to it and not yet answered, oldest (the one it is running) first.
    queue: VecDeque<usize>,
    /// When the oldest job in `queue` started, as far as the parent can tell.
    head_since: Instant,
    alive: bool,
}

impl Worker {
    fn spawn(
        k: usize,
        exe: &PathBuf,
        fault: Option<&str>,
        events: mpsc::Sender<(usize, Event)>,
    ) -> Result<Worker, ModelError> {
        let mut cmd = Command::new(exe);
        cmd.env(WORKER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        match fault {
            Some(f) => cmd.env(FAULT_ENV, f),
            // Never inherit a fault from the user's environment.
            None => cmd.env_remove(FAULT_ENV),
        };
        let mut child = cmd
            .spawn()
            .map_err(|e| start_error(format!("cannot start {}: {e}", exe.display())))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        // One reader thread per worker turns its stdout into events on one channel, so the
        // parent can wait on all workers at once, with a timeout.
        std::thread::Builder::new()
            .name(format!("worker-{k}-reader"))
            .spawn(move || {
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
            })
            .map_err(|e| start_error(format!("cannot start a reader thread: {e}")))?;
        Ok(Worker {
            stdin: child.stdin.take(),
            child,
            pid: None,
            queue: VecDeque::new(),
            head_since: Instant::now(),
            alive: true,
        })
    }

    fn send(&mut self, msg: &ToWorker) -> bool {
        let ok = self
            .stdin
            .as_mut()
            .is_some_and(|s| s.write_all(wire::encode(msg).as_bytes()).is_ok());
        if !ok {
            self.alive = false;
        }
        ok
    }

    /// Kills the worker (if it still runs) and reaps it, so it leaves no zombie.
    fn kill(&mut self) {
        self.alive = false;
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Pool {
    workers: Vec<Worker>,
    events: Receiver<(usize, Event)>,
}

/// How many jobs a worker holds at once: the one it runs and the next. With only one, a
/// worker would sit idle for a pipe round trip after every job, waiting for the parent to send
/// the next; Python's `Pool` prefetches for the same reason. A worker still *runs* one job at a
/// time, so at most K greets are in flight.
const DEPTH: usize = 2;

impl Runner for Pool {
    fn run(&mut self, plan: &Plan) -> Result<Batch, ModelError> {
        // A job that takes this long is considered hung: twice the greet timeout, plus ten
        // times what its crunch should take here, plus slack. Crunch time is not bounded by
        // the greet timeout, so it must be in the budget or long crunches would be "hung".
        let crunch = if plan.workload.crunches() {
            crunch_time(plan.work)
        } else {
            Duration::ZERO
        };
        let budget = plan.timeout * 2 + crunch * 10 + Duration::from_secs(1);
        // Messages left over from an earlier batch (a worker killed while its answer was on
        // the way) belong to no job of this one.
        while let Ok((k, event)) = self.events.try_recv() {
            if let Event::Closed(_) = event {
                self.workers[k].kill();
            }
        }
        let mut pending = (0..plan.count).rev().collect::<Vec<_>>();
        let mut outcomes = Vec::with_capacity(plan.count);
        for w in self.workers.iter_mut().filter(|w| w.alive) {
            w.send(&ToWorker::Plan(plan.clone()));
        }
        dispatch(&mut self.workers, &mut pending);
        while outcomes.len() < plan.count {
            if !self.workers.iter().any(|w| w.alive) {
                // Nobody is left to run the rest. What the dead workers still held (a worker
                // can be found dead by a failed write before its pipe-closed event arrives)
                // and what was never sent end as counted errors.
                let why = || GreetError::WorkerDied("no worker process left".into());
                for w in &mut self.workers {
                    outcomes.extend(w.queue.drain(..).map(|i| Outcome::failed(i, why())));
                }
                outcomes.extend(pending.drain(..).map(|i| Outcome::failed(i, why())));
                break;
            }
            // Wait for the next message, but never past the earliest job deadline.
            let next_deadline = self
                .workers
                .iter()
                .filter(|w| !w.queue.is_empty())
                .map(|w| w.head_since + budget)
                .min();
            let wait =
                next_deadline.map_or(budget, |d| d.saturating_duration_since(Instant::now()));
            match self.events.recv_timeout(wait) {
                Ok((k, Event::Msg(FromWorker::Done(outcome)))) => {
                    let w = &mut self.workers[k];
                    // Only an answer to a job this worker still holds counts: a job already
                    // written off (its worker was killed as hung) must not be reported twice.
                    if let Some(at) = w.queue.iter().position(|&i| i == outcome.index) {
                        w.queue.remove(at);
                        w.head_since = Instant::now();
                        outcomes.push(outcome);
                    }
                }
                Ok((_, Event::Msg(_))) => {}
                Ok((k, Event::Closed(garbage))) => {
                    // The worker exited, or broke the protocol. Either way it is finished:
                    // kill it if it still runs (bounded, unlike waiting for it to exit) and
                    // count the jobs it held.
                    let w = &mut self.workers[k];
                    let exited = matches!(w.child.try_wait(), Ok(Some(_)));
                    let why = match (garbage, exited) {
                        (Some(line), _) => {
                            format!("wrote {line:?}, which is not a message; killed")
                        }
                        (None, true) => w.child.wait().map_or("exited".into(), |s| s.to_string()),
                        (None, false) => "closed its stdout; killed".into(),
                    };
                    w.kill();
                    let lost = w.queue.drain(..);
                    outcomes.extend(
                        lost.map(|i| Outcome::failed(i, GreetError::WorkerDied(why.clone()))),
                    );
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Whoever is past its deadline is hung: kill it, which a thread could not be.
                    // Its current job counts as hung; the one waiting behind it is lost with it.
                    let now = Instant::now();
                    for w in self
                        .workers
                        .iter_mut()
                        .filter(|w| !w.queue.is_empty() && w.head_since + budget <= now)
                    {
                        w.kill();
                        let mut lost = w.queue.drain(..);
                        if let Some(i) = lost.next() {
                            outcomes.push(Outcome::failed(i, GreetError::WorkerHung));
                        }
                        let why = || GreetError::WorkerDied("killed with a hung worker".into());
                        outcomes.extend(lost.map(|i| Outcome::failed(i, why())));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // Every reader has gone, so every worker has: count what they held.
                    for w in &mut self.workers {
                        w.alive = false;
                        let why = || GreetError::WorkerDied("worker pipe closed".into());
                        outcomes.extend(w.queue.drain(..).map(|i| Outcome::failed(i, why())));
                    }
                }
            }
            dispatch(&mut self.workers, &mut pending);
        }
        Ok(Batch { outcomes })
    }

    fn helpers_peak_rss_kib(&mut self) -> u64 {
        self.peak_rss_kib()
    }
}

/// Hands out jobs: first one to every live, idle worker, so that N <= K jobs run on N
/// workers at once, then a second to each while jobs remain (see [`DEPTH`]). This is what
/// makes it a queue: the next job goes to whichever worker finishes first.
fn dispatch(workers: &mut [Worker], pending: &mut Vec<usize>) {
    for depth in 1..=DEPTH {
        for w in workers.iter_mut().filter(|w| w.alive) {
            if w.queue.len() >= depth {
                continue;
            }
            let Some(i) = pending.pop() else { return };
            if !w.send(&ToWorker::Job(i)) {
                pending.push(i);
                continue;
            }
            if w.queue.is_empty() {
                w.head_since = Instant::now();
            }
            w.queue.push_back(i);
        }
    }
}

impl Pool {
    /// Asks every live worker for its peak memory and sums the answers.
    fn peak_rss_kib(&mut self) -> u64 {
        let mut asked = 0;
        for w in self.workers.iter_mut().filter(|w| w.alive) {
            asked += usize::from(w.send(&ToWorker::Report));
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        let (mut total, mut answered) = (0, 0);
        while answered < asked {
            match self
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok((_, Event::Msg(FromWorker::Report { peak_rss_kib }))) => {
                    total += peak_rss_kib;
                    answered += 1;
                }
                Ok(_) => {} // a late message from a worker that was killed
                Err(_) => break,
            }
        }
        total
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a worker's stdin tells it to exit; give it a moment, then kill it.
        for w in &mut self.workers {
            w.stdin.take();
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
    let fault = std::env::var(FAULT_ENV).ok();
    std::process::exit(match serve(fault.as_deref()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("greetbench worker {}: {e}", std::process::id());
            1
        }
    })
}

/// The worker's loop: read a message, act, answer.
fn serve(fault: Option<&str>) -> Result<(), String> {
    let (fault_kind, fault_at) = match fault.and_then(|f| f.split_once(':')) {
        Some((kind, n)) => (kind, n.parse::<usize>().map_err(|e| e.to_string())?),
        None => ("", 0),
    };
    let mut out = std::io::stdout().lock();
    let mut say = |msg: &FromWorker| {
        out.write_all(wire::encode(msg).as_bytes())
            .and_then(|()| out.flush())
    };
    say(&FromWorker::Ready {
        pid: std::process::id(),
    })
    .map_err(|e| e.to_string())?;
    let mut plan = None;
    let mut jobs_done = 0;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let reply = match wire::decode::<ToWorker>(&line)? {
            ToWorker::Plan(p) => {
                plan = Some(p);
                continue;
            }
            ToWorker::Report => FromWorker::Report {
                peak_rss_kib: wire::peak_rss_kib(),
            },
            ToWorker::Job(i) => {
                jobs_done += 1;
                if jobs_done == fault_at {
                    match fault_kind {
                        "exit" => std::process::exit(3),
                        // A stray print, as a learner's debugging `println!` would be.
                        "garbage" => {
                            println!("debug: a stray line on stdout");
                            std::io::stdout().flush().map_err(|e| e.to_string())?;
                        }
                        // Long enough to be noticed, bounded all the same.
                        "hang" => std::thread::sleep(Duration::from_secs(3600)),
                        _ => {}
                    }
                }
                let plan = plan.as_ref().ok_or("a job arrived before its plan")?;
                // The worker catches a job's panic itself and answers with it as the job's
                // error, so the panic costs neither the worker nor the jobs queued behind it.
                let outcome = std::panic::catch_unwind(|| run_job(plan, i))
                    .unwrap_or_else(|p| Outcome::failed(i, GreetError::panicked(&*p)));
                FromWorker::Done(outcome)
            }
        };
        say(&reply).map_err(|e| e.to_string())?;
    }
    Ok(())
}

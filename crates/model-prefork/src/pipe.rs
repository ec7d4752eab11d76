//! The parent's side of its worker processes: start them, talk to them one JSON line at a
//! time over pipes, hear from all of them on one channel with a timeout, kill and reap them.
//!
//! This is the plumbing the processes model has too (its `Worker`, reader threads and `Drop`),
//! kept apart from the model so that `lib.rs` reads as the concurrency alone. It knows nothing
//! of jobs: it is the piece to share between the two models (a small crate both depend on).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use greet_core::wire::{self, FromWorker};

/// How long a worker may take to start and say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// What a worker's reader thread forwards: a message, or that its stdout closed (with the
/// line that was not a message, if that is why: after it, nothing the worker says is trusted).
pub enum Event {
    Msg(FromWorker),
    Closed(Option<String>),
}

struct Worker {
    child: Child,
    /// `None` once the worker is finished with: killed, or its pipe broke.
    stdin: Option<ChildStdin>,
}

/// K worker processes of one executable, started alike.
pub struct Workers {
    workers: Vec<Worker>,
    events: Receiver<(usize, Event)>,
}

impl Workers {
    /// Starts `n` workers with `cmd` (stdin and stdout piped) and waits until each has said
    /// it is ready. On failure, those already started are killed and reaped (by `Drop`).
    pub fn start(cmd: &mut Command, n: usize) -> Result<Workers, String> {
        let (tx, events) = mpsc::channel();
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
                Some((k, _)) => return Err(format!("worker {k} exited during start-up")),
                None => return Err("workers did not start within 10 s".into()),
            }
        }
        Ok(all)
    }

    /// How many workers were started (live or not).
    pub fn len(&self) -> usize {
        self.workers.len()
    }

    /// The next event from any worker, or `None` if none comes by `deadline`. (Every reader
    /// sends `Closed` before it ends, so the channel cannot run dry while a worker lives.)
    pub fn recv(&self, deadline: Instant) -> Option<(usize, Event)> {
        let wait = deadline.saturating_duration_since(Instant::now());
        self.events.recv_timeout(wait).ok()
    }

    /// An event already waiting, if any.
    pub fn try_recv(&self) -> Option<(usize, Event)> {
        self.events.try_recv().ok()
    }

    /// Writes one message to worker `k`; a worker whose pipe is broken is finished with.
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
        let _ = w.child.kill();
        let _ = w.child.wait();
    }

    /// Why worker `k`, whose stdout closed, is finished: what it wrote, or its exit status.
    /// A process closes its files a moment before its status can be read, so that is waited
    /// for, 1 s at most.
    pub fn why_closed(&mut self, k: usize, garbage: Option<String>) -> String {
        let child = &mut self.workers[k].child;
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut status = child.try_wait();
        while garbage.is_none() && matches!(status, Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            status = child.try_wait();
        }
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

    /// Sends `report` to every live worker and adds up the peak memory they answer with,
    /// waiting 2 s at most.
    pub fn peak_rss_kib<T: serde::Serialize>(&mut self, report: &T) -> u64 {
        let asked = (0..self.len()).filter(|&k| self.send(k, report)).count();
        let deadline = Instant::now() + Duration::from_secs(2);
        let (mut total, mut answered) = (0, 0);
        while answered < asked {
            match self.recv(deadline) {
                Some((_, Event::Msg(FromWorker::Report { peak_rss_kib }))) => {
                    total += peak_rss_kib;
                    answered += 1;
                }
                Some(_) => {} // a late answer from a worker that was killed
                None => break,
            }
        }
        total
    }
}

/// Starts worker `k`, with a reader thread that turns its stdout lines into events.
fn spawn(k: usize, cmd: &mut Command, events: Sender<(usize, Event)>) -> Result<Worker, String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start a worker: {e}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("the worker's stdout is not piped")?;
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
    let stdin = child.stdin.take();
    let mut worker = Worker { child, stdin };
    let thread = std::thread::Builder::new().name(format!("worker-{k}-reader"));
    if let Err(e) = thread.spawn(reader) {
        let _ = worker.child.kill();
        let _ = worker.child.wait();
        return Err(format!("no reader thread: {e}"));
    }
    Ok(worker)
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Closing a worker's stdin tells it to exit; give it a moment, then kill and reap it.
        for w in &mut self.workers {
            w.stdin = None;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        for k in 0..self.len() {
            let w = &mut self.workers[k];
            while matches!(w.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.kill(k);
        }
    }
}

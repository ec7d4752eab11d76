//! The kill probe: can something stuck on a host that never replies be stopped from outside?
//!
//! The course claims "a thread cannot be killed, but a process can". Rather than assume it,
//! the probe tries, five ways, each against a fresh greet server on 127.0.0.1 (in this
//! process) whose host reads the greeting and never replies (`Behavior::Silent`):
//!
//! 1. A thread blocked in the blocking models' own greet. std has no kill: we drop its
//!    `JoinHandle`, then sample whether it is still blocked, until it ends by its timeout.
//! 2. The cooperative way out: another thread shuts down a clone of the blocked socket.
//! 3. A tokio task waiting on the host, cancelled with `JoinHandle::abort`.
//! 4. A worker process (`greetbench run`) blocked on the host, sent SIGKILL.
//! 5. A fatal signal (SIGTERM) sent to one thread of a process with several.
//!
//! Each records what it *observed* in [`greetbench_report::kill`]'s types, so the claim's
//! verdict can come out otherwise. The observations come from the kernel:
//! - a thread's report on a channel, and its entry in `/proc/<pid>/task`;
//! - what it is doing: `/proc/<pid>/task/<tid>/syscall` names the system call it sits in and
//!   its file descriptor, so "blocked" means *in a receive call on the socket connected to
//!   the host*, not merely "not finished yet";
//! - the host's end of each TCP connection in `/proc/net/tcp`: `ESTABLISHED` while the
//!   client holds it open, `CLOSE_WAIT` (or gone) once the client's close reached the host.
//!   The greet server counts connections accepted, not open ones, and a silent host reads
//!   nothing after the greeting, so the kernel's view of its socket is how we see it. The
//!   kernel walks its whole connection table to produce that file, so one look can take
//!   milliseconds; the probe records what a look cost, the resolution of those figures.
//!
//! Every wait is bounded, and the whole probe takes a second or two: the blocked thread's
//! 1 s timeout, plus two short-lived child processes. An experiment that cannot run
//! records why; nothing here panics. Linux only, like the rest of `/proc`.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use greet_core::GreetError;
use greet_core::protocol::{GREETING, MAX_REPLY, Reply, ReplyReader};
use greet_server::{Behavior, Config, Server};
use greetbench_report::kill::{
    AbortedTask, DetachedThread, Ended, Experiment, KillProbe, KilledProcess, SignalledThread,
    SocketShutdown,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod observe;

use greet_os::proc::net::{self, LISTEN};
use greet_os::proc::{self, Who};
use greet_os::process::{self, thread_id};
use observe::{HostEnd, blocked_threads, host_end, still_blocked};

/// Experiment 1's greet timeout: the only thing that ends its blocked thread.
const THREAD_TIMEOUT: Duration = Duration::from_secs(1);
/// How long experiments 2 and 3 would wait for a reply if nothing stopped them. Reaching it
/// means the way out under test did not work.
const STUCK_TIMEOUT: Duration = Duration::from_secs(3);
/// The most any one step may take to reach the state it waits for.
const SETTLE: Duration = Duration::from_secs(5);
/// A child process gets longer to start and connect: a debug build on a busy machine.
const CHILD_SETTLE: Duration = Duration::from_secs(15);
/// How often experiment 1 samples the thread it gave up on.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// How often a wait for a state change looks.
const POLL: Duration = Duration::from_micros(200);
/// The greet threads of experiment 5's child process.
const THREADS: usize = 3;
/// The fatal signal experiment 5 sends to one thread. Not SIGKILL, which the kernel always
/// applies to the whole process: SIGTERM's default action is what a thread cannot escape.
const ONE_THREAD_SIGNAL: i32 = libc::SIGTERM;

/// Runs the five experiments, one after another, each on a silent host of its own. `exe` is
/// re-executed as the worker process of experiments 4 and 5 (the `greetbench` binary, or any
/// executable that calls `cli::run_as_cli_if_requested` first).
pub fn run(exe: &Path) -> KillProbe {
    if proc::tasks(Who::Me).is_empty() || !net::available() {
        return KillProbe {
            detached_thread: no_proc(),
            socket_shutdown: no_proc(),
            aborted_task: no_proc(),
            killed_process: no_proc(),
            signalled_thread: no_proc(),
            host_look_ms: None,
        };
    }
    KillProbe {
        host_look_ms: Some(host_look_ms()),
        detached_thread: experiment(detached_thread()),
        socket_shutdown: experiment(socket_shutdown()),
        aborted_task: experiment(aborted_task()),
        killed_process: experiment(killed_process(exe)),
        signalled_thread: experiment(signalled_thread(exe)),
    }
}

/// The median cost of one look at the hosts' sockets, ms. The kernel walks its whole
/// connection table for `/proc/net/tcp`, so on a machine with a large table a look takes
/// milliseconds, and the "host saw the close" times cannot be finer than that.
fn host_look_ms() -> f64 {
    let mut looks: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = net::tcp();
            ms(t.elapsed())
        })
        .collect();
    looks.sort_by(f64::total_cmp);
    looks[looks.len() / 2]
}

fn no_proc<T>() -> Experiment<T> {
    Experiment::NotRun("the probe reads Linux's /proc, and there is none here".into())
}

fn experiment<T>(result: Result<T, String>) -> Experiment<T> {
    match result {
        Ok(t) => Experiment::Ran(t),
        Err(why) => Experiment::NotRun(why),
    }
}

/// (1) A thread blocked on the silent host, given up on the only way std allows.
fn detached_thread() -> Result<DetachedThread, String> {
    let (server, host) = silent_host()?;
    let (id_tx, id_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let began = Instant::now();
    let handle = thread::Builder::new()
        .name("probe-blocked".into())
        .spawn(move || {
            let _ = id_tx.send(thread_id());
            // The blocking models' own greet: connect, send, wait for the reply.
            let result = greet_core::client::greet(host, THREAD_TIMEOUT);
            let _ = done_tx.send((ended(&result), Instant::now()));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let pid = std::process::id();
    let tid = id_rx
        .recv_timeout(SETTLE)
        .ok()
        .ok_or("the thread never said its id")?;
    // Wait until it is blocked: connected, its greeting sent, in a receive call on the socket.
    let client = poll(SETTLE, POLL, || {
        blocked_threads(pid, host, Some(tid))
            .first()
            .map(|&(_, client)| client)
    })
    .ok_or("the thread never blocked reading from the silent host")?;

    // Give up. There is no kill: the most a JoinHandle offers is to stop waiting for the
    // thread, by dropping the handle (which detaches it).
    let gave_up = Instant::now();
    drop(handle);

    // Sample it until it reports its end, at most until well past its own timeout.
    let deadline = gave_up + THREAD_TIMEOUT + SETTLE;
    let most = (THREAD_TIMEOUT + SETTLE).as_millis() / SAMPLE_EVERY.as_millis();
    let (mut samples, mut blocked_samples, mut last_blocked) = (0u32, 0u32, None);
    let mut end = None;
    for _ in 0..most {
        // The wait for its report is the pause between two samples.
        match done_rx.recv_timeout(SAMPLE_EVERY) {
            Ok(report) => {
                end = Some(report);
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if Instant::now() >= deadline {
            break;
        }
        samples += 1;
        // Timed at its start: a look at the host's sockets can take milliseconds.
        let at = ms(gave_up.elapsed());
        if still_blocked(pid, tid, host, client) {
            blocked_samples += 1;
            last_blocked = Some(at);
        }
    }
    let ended_ok = end.is_some();
    let thread_exited = ended_ok
        && poll(SETTLE, POLL, || {
            (!proc::task_exists(pid, tid)).then_some(())
        })
        .is_some();
    let host_saw_close = ended_ok && wait_closed(host, client).is_some();
    drop(server);
    Ok(DetachedThread {
        timeout_ms: ms(THREAD_TIMEOUT),
        gave_up_at_ms: ms(gave_up - began),
        samples,
        blocked_samples,
        last_blocked_ms: last_blocked,
        ended_at_ms: end
            .as_ref()
            .map(|(_, at)| ms(at.saturating_duration_since(began))),
        ended_with: end.map(|(e, _)| e),
        thread_exited,
        host_saw_close,
    })
}

/// (2) A blocked thread released by another thread shutting down its socket.
fn socket_shutdown() -> Result<SocketShutdown, String> {
    let (server, host) = silent_host()?;
    let stream = TcpStream::connect_timeout(&host, SETTLE)
        .map_err(|e| format!("cannot connect to the silent host: {e}"))?;
    let client = stream.local_addr().map_err(|e| e.to_string())?;
    // A second handle on the same socket, for this thread to shut down.
    let other = stream
        .try_clone()
        .map_err(|e| format!("cannot clone the socket: {e}"))?;
    let (id_tx, id_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("probe-shutdown".into())
        .spawn(move || {
            let _ = id_tx.send(thread_id());
            let result = greet_on(stream, STUCK_TIMEOUT);
            let _ = done_tx.send((ended(&result), Instant::now()));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let pid = std::process::id();
    let tid = id_rx
        .recv_timeout(SETTLE)
        .ok()
        .ok_or("the thread never said its id")?;
    let blocked_before = poll(SETTLE, POLL, || {
        still_blocked(pid, tid, host, client).then_some(())
    })
    .is_some();

    let shut = Instant::now();
    other
        .shutdown(Shutdown::Both)
        .map_err(|e| format!("shutdown failed: {e}"))?;
    let report = done_rx.recv_timeout(STUCK_TIMEOUT + SETTLE).ok();
    let host_saw_close = wait_closed(host, client).is_some();
    // It has reported, so it is on its way out: wait (bounded) for it to finish.
    if poll(SETTLE, POLL, || handle.is_finished().then_some(())).is_some() {
        let _ = handle.join();
    }
    drop(server);
    Ok(SocketShutdown {
        blocked_before,
        returned_after_ms: report
            .as_ref()
            .map(|(_, at)| ms(at.saturating_duration_since(shut))),
        ended_with: report.map(|(e, _)| e),
        host_saw_close,
    })
}

/// (3) An async task waiting on the silent host, aborted.
fn aborted_task() -> Result<AbortedTask, String> {
    let (server, host) = silent_host()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let (drop_tx, drop_rx) = mpsc::channel();
    let observed = rt.block_on(async move {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            // Sends the moment the task's future is dropped, finished or cancelled.
            let _guard = DropGuard(drop_tx);
            let mut stream = tokio::net::TcpStream::connect(host).await?;
            stream.write_all(GREETING).await?;
            let _ = ready_tx.send(stream.local_addr()?);
            let mut buf = [0u8; 64];
            // The host never replies: this waits for the whole timeout unless cancelled.
            tokio::time::timeout(STUCK_TIMEOUT, stream.read(&mut buf))
                .await
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
        });
        let client = match tokio::time::timeout(SETTLE, ready_rx).await {
            Ok(Ok(client)) => client,
            _ => return Err("the task never sent its greeting".to_string()),
        };
        let pending_before = poll_async(SETTLE, || {
            (!task.is_finished() && host_end(host, client) == HostEnd::Open).then_some(())
        })
        .await
        .is_some();
        let aborted = Instant::now();
        task.abort();
        let joined = tokio::time::timeout(SETTLE, task).await;
        let join_cancelled = matches!(joined, Ok(Err(ref e)) if e.is_cancelled());
        let closed = poll_async(SETTLE, || {
            (host_end(host, client) == HostEnd::Closed).then(|| aborted.elapsed())
        })
        .await;
        Ok((aborted, pending_before, join_cancelled, closed))
    })?;
    let (aborted, pending_before, join_cancelled, closed) = observed;
    let dropped_at = drop_rx.try_recv().ok();
    drop(rt);
    drop(server);
    Ok(AbortedTask {
        runtime: "tokio current-thread".into(),
        pending_before,
        future_dropped: dropped_at.is_some(),
        dropped_after_ms: dropped_at.map(|at| ms(at.saturating_duration_since(aborted))),
        join_cancelled,
        host_saw_close: closed.is_some(),
        close_seen_after_ms: closed.map(ms),
    })
}

/// (4) A worker process blocked on the silent host, killed.
fn killed_process(exe: &Path) -> Result<KilledProcess, String> {
    let (server, host) = silent_host()?;
    // A `greetbench run` child that would wait 60 s for its one reply.
    // One greet, one thread: the baseline model, whatever it is called.
    let model = crate::registry::first_where(|d| d.family == greet_core::Family::Sequential);
    let mut child = Disposable(spawn_run(exe, &model, 1, host)?);
    let pid = child.0.id();
    let (_, client) = *wait_blocked(&mut child.0, host, 1)?
        .first()
        .ok_or("the worker has no connection")?;
    let blocked_before = matches!(child.0.try_wait(), Ok(None))
        && proc::exists(pid)
        && host_end(host, client) == HostEnd::Open;

    let killed = Instant::now();
    child
        .0
        .kill()
        .map_err(|e| format!("kill (SIGKILL) failed: {e}"))?;
    let reaped = reap(&mut child.0, SETTLE);
    let proc_entry_gone = reaped.is_some() && !proc::exists(pid);
    let closed = wait_closed(host, client).map(|at| at.saturating_duration_since(killed));
    drop(server);
    Ok(KilledProcess {
        pid,
        blocked_before,
        signal: reaped.and_then(|(s, _)| s.signal()),
        exit_code: reaped.and_then(|(s, _)| s.code()),
        reaped_after_ms: reaped.map(|(_, at)| ms(at.saturating_duration_since(killed))),
        proc_entry_gone,
        host_saw_close: closed.is_some(),
        close_seen_after_ms: closed.map(ms),
    })
}

/// (5) A fatal signal sent to one thread of a process with several.
fn signalled_thread(exe: &Path) -> Result<SignalledThread, String> {
    let (server, host) = silent_host()?;
    // A disposable `greetbench run` child: the threads model, one thread per greet, each
    // blocked on the silent host, and its main thread waiting for them.
    // One OS thread per greet, so that several threads block at once.
    let model = crate::registry::first_where(|d| {
        d.family == greet_core::Family::Threads && d.shape == greet_core::Shape::PerJob
    });
    let mut child = Disposable(spawn_run(exe, &model, THREADS, host)?);
    let pid = child.0.id();
    let blocked = wait_blocked(&mut child.0, host, THREADS)?;
    let tasks = proc::tasks(Who::Pid(pid));
    // One of the greet threads: never the main thread, whose id is the process's.
    let target = blocked
        .iter()
        .map(|&(tid, _)| tid)
        .find(|&tid| tid != pid)
        .ok_or("no thread but the main one is blocked")?;

    let sent = Instant::now();
    process::signal_thread(pid, target, ONE_THREAD_SIGNAL)
        .map_err(|e| format!("tgkill failed: {e}"))?;
    let reaped = reap(&mut child.0, SETTLE);
    let proc_entry_gone = reaped.is_some() && !proc::exists(pid);
    drop(server);
    Ok(SignalledThread {
        pid,
        threads_before: u32::try_from(tasks.len()).unwrap_or(u32::MAX),
        target_tid: target,
        sent_signal: ONE_THREAD_SIGNAL,
        signal: reaped.and_then(|(s, _)| s.signal()),
        exit_code: reaped.and_then(|(s, _)| s.code()),
        ended_after_ms: reaped.map(|(_, at)| ms(at.saturating_duration_since(sent))),
        proc_entry_gone,
    })
}

/// A fresh silent host, so that every connection to it is the experiment's own. Its
/// listening socket must show in `/proc/net/tcp`, or the host's end could not be seen.
fn silent_host() -> Result<(Server, SocketAddr), String> {
    let server = Server::start(Config {
        behavior: Behavior::Silent,
        ..Default::default()
    })
    .map_err(|e| format!("cannot start a silent host: {e}"))?;
    let host = *server.addrs().first().ok_or("the server has no host")?;
    if !net::tcp()
        .iter()
        .any(|r| r.local == host && r.state == LISTEN)
    {
        return Err(format!(
            "the host {host} does not show in /proc/net/tcp (another network namespace?)"
        ));
    }
    Ok((server, host))
}

/// Experiment 2's greet, on a socket another thread holds a clone of: send the greeting,
/// then read until a full reply, the deadline, or the end of the stream.
fn greet_on(mut stream: TcpStream, timeout: Duration) -> Result<Reply, GreetError> {
    let deadline = Instant::now() + timeout;
    stream.set_nodelay(true)?;
    stream.write_all(GREETING)?;
    let mut reader = ReplyReader::new();
    let mut buf = [0u8; 64];
    // Every read that returns brings at least one byte (or ends it): at most MAX_REPLY.
    for _ in 0..=MAX_REPLY {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        stream.set_read_timeout(Some(left))?;
        let n = stream.read(&mut buf)?;
        if let Some(reply) = reader.push(&buf[..n])? {
            return Ok(reply);
        }
    }
    Err(GreetError::Timeout)
}

/// How a greet ended, in the stored words.
fn ended(result: &Result<Reply, GreetError>) -> Ended {
    match result {
        Ok(_) => Ended::Reply,
        Err(GreetError::Timeout) => Ended::Timeout,
        Err(GreetError::Closed) => Ended::Closed,
        Err(GreetError::Reset) => Ended::Reset,
        Err(e) => Ended::Error(e.to_string()),
    }
}

/// Sends the time on a channel when dropped: proof that a future was dropped, and when.
struct DropGuard(mpsc::Sender<Instant>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        let _ = self.0.send(Instant::now());
    }
}

/// A child process that is killed and reaped if an experiment returns early.
struct Disposable(Child);

impl Drop for Disposable {
    fn drop(&mut self) {
        process::kill_and_reap(&mut self.0, SETTLE);
    }
}

/// `exe run --model=<model> --count=<count> --timeout=60s --targets=<host>`, silenced.
fn spawn_run(exe: &Path, model: &str, count: usize, host: SocketAddr) -> Result<Child, String> {
    crate::child::command(exe)
        .arg("run")
        .arg(format!("--model={model}"))
        .arg(format!("--count={count}"))
        .args(["--timeout=60s", "--json"])
        .arg(format!("--targets={host}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))
}

/// Waits until `k` of `child`'s threads are blocked reading from connections to `host`: its
/// greets are waiting. Returns those threads, each with its connection's client end.
fn wait_blocked(
    child: &mut Child,
    host: SocketAddr,
    k: usize,
) -> Result<Vec<(u32, SocketAddr)>, String> {
    let pid = child.id();
    let mut exited = None;
    let blocked = poll(CHILD_SETTLE, POLL * 10, || {
        if let Ok(Some(status)) = child.try_wait() {
            exited = Some(status);
            return Some(Vec::new());
        }
        let blocked = blocked_threads(pid, host, None);
        (blocked.len() >= k).then_some(blocked)
    });
    match (exited, blocked) {
        (Some(status), _) => Err(format!("the worker process ended by itself ({status})")),
        (None, Some(blocked)) => Ok(blocked),
        (None, None) => Err(format!(
            "the worker process (pid {pid}) never blocked on the silent host within {}s",
            CHILD_SETTLE.as_secs()
        )),
    }
}

/// Waits (bounded) for `child` to end; its status and when it was collected.
fn reap(child: &mut Child, limit: Duration) -> Option<(ExitStatus, Instant)> {
    let status = process::wait_timeout(child, limit).ok().flatten()?;
    Some((status, Instant::now()))
}

/// Waits (bounded) until the host's end of the connection from `client` is no longer open;
/// when that was seen.
fn wait_closed(host: SocketAddr, client: SocketAddr) -> Option<Instant> {
    poll(SETTLE, POLL, || {
        (host_end(host, client) == HostEnd::Closed).then(Instant::now)
    })
}

/// Calls `check` every `every` until it gives `Some`, for at most `limit` (and so at most
/// `limit / every` times).
fn poll<T>(limit: Duration, every: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    let most = limit.as_micros() / every.as_micros().max(1) + 1;
    for _ in 0..most {
        if let Some(t) = check() {
            return Some(t);
        }
        if start.elapsed() >= limit {
            break;
        }
        thread::sleep(every);
    }
    None
}

/// [`poll`] inside a runtime: pauses with the runtime's timer, so the tasks keep running.
async fn poll_async<T>(limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    let most = limit.as_micros() / POLL.as_micros() + 1;
    for _ in 0..most {
        if let Some(t) = check() {
            return Some(t);
        }
        if start.elapsed() >= limit {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    None
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

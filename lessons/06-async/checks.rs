// Lesson 06's checks, shared by `lesson06-exercise` and `lesson06-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 06`. Do not edit: they are how the checker knows you are done.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use greet_core::client::greet_target;
use greet_core::workload::crunch;
use greet_core::{GreetError, Reply, Target};
use greet_server::{Config, Server};
use lesson06::{crunch_inline, crunch_off_loop, greet_all, mixed, run_off_loop};

/// Whether this process runs the check `name` and nothing else, so that counting its threads
/// counts that check's threads alone. `cargo test` runs a file's checks side by side in one
/// process; then this runs the check again in a fresh process of its own (`--exact`, one test
/// thread), fails with that run's message if it failed, and returns `false`.
fn alone_in_this_process(name: &str) -> bool {
    const ALONE: &str = "LESSON06_CHECK_ALONE";
    if std::env::var_os(ALONE).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the path of this test executable");
    let mut child = std::process::Command::new(exe)
        .args(["--exact", name, "--test-threads", "1", "--nocapture"])
        .env(ALONE, "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("this test executable starts again");
    let mut stderr = child.stderr.take().expect("stderr was piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(50);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let text = reader.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => false,
        Some(_) => {
            // The child's panic message and where it came from, without libtest's notes.
            let message: Vec<&str> = text
                .lines()
                .skip_while(|l| !l.contains("panicked at "))
                .map(|l| l.find("panicked at ").map_or(l, |i| &l[i..]))
                .take_while(|l| !l.starts_with("note: "))
                .collect();
            panic!("(run alone) {}", message.join("\n"))
        }
        None => panic!("{name} did not finish within 50 s in a process of its own"),
    }
}

/// The ids of this process's threads, from `/proc/self/task`; `None` where there is no `/proc`.
fn thread_ids() -> Option<BTreeSet<u32>> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .flatten()
            .filter_map(|t| t.file_name().to_str()?.parse().ok())
            .collect(),
    )
}

/// Waits until `ready()` holds or `stop` is set, for at most `limit`. Whether it held.
fn wait_until(limit: Duration, stop: &AtomicBool, ready: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !ready() {
        if stop.load(Ordering::SeqCst) || Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Sets the flag when dropped, also while a panic unwinds: it tells a helper thread to stop
/// waiting, so that a failed check ends at once.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A crunch that takes a while in a debug build (tens of milliseconds).
const BIG: u32 = 2_000_000;

/// The single-threaded runtime these checks run on: the event loop of the lesson.
fn event_loop() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime starts")
}

/// An address where nothing listens: bind a free port, then let it go.
fn refused_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

/// Spawns a task that counts its turns on the event loop: a tick, then it yields the thread
/// and waits for its next turn. It gets one whenever the loop is free, at once and with no
/// timer, so a crunch that leaves the loop free lets it tick, and one that blocks the loop
/// leaves it none. (At most ten million ticks; the checks abort it sooner.)
fn ticker() -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let ticks = Arc::new(AtomicU64::new(0));
    let t = ticks.clone();
    let task = tokio::spawn(async move {
        for _ in 0..10_000_000 {
            t.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
        }
    });
    (ticks, task)
}

#[test]
fn all_greets_wait_at_once_on_one_thread() {
    if !alone_in_this_process("all_greets_wait_at_once_on_one_thread") {
        return; // it ran, and passed, in a process of its own
    }
    // The server holds every reply until 9 greets wait at once: the 8 of greet_all, and one
    // that a watcher thread sends itself, once it has seen the 8 waiting and counted this
    // process's threads. Greets awaited one by one never get there and time out; greets on
    // threads of their own get there, but the watcher sees the threads.
    let n = 8;
    let server = Server::start(Config {
        hosts: 4,
        latency: Duration::from_millis(20),
        rendezvous: Some(n + 1),
        idle_timeout: Duration::from_secs(5),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets: Vec<Target> = server.targets().into_iter().cycle().take(n).collect();
    let stop = AtomicBool::new(false);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (results, (all_waited, started, last)) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            // Every thread there is now, the watcher's own included: greet_all has not begun.
            let before = thread_ids();
            let _ = ready_tx.send(());
            let all_waited = wait_until(Duration::from_secs(5), &stop, || {
                server.stats().in_flight >= n as u64
            });
            // The threads greet_all started, counted while its 8 greets are held.
            let started = match (before, thread_ids()) {
                (Some(before), Some(now)) => Some(now.difference(&before).count()),
                _ => None,
            };
            // The 9th greet opens the rendezvous for everyone (no use sending it otherwise).
            let last = if all_waited {
                greet_target(&server.targets()[0], Duration::from_secs(5))
            } else {
                Err(GreetError::Timeout)
            };
            (all_waited, started, last)
        });
        let _stop = StopOnDrop(&stop);
        let _ = ready_rx.recv_timeout(Duration::from_secs(5));
        let results = greet_all(&targets, Duration::from_secs(3));
        let watched = watcher.join().expect("the watcher does not panic");
        (results, watched)
    });
    assert!(
        all_waited,
        "the 8 greets never all waited at once: spawn them all before awaiting any"
    );
    match started {
        Some(0) => {}
        Some(k) => panic!(
            "greet_all started {k} thread(s) to wait on its 8 greets: on an event loop they all \
             wait on the one thread that runs it (a current-thread runtime)"
        ),
        None => eprintln!("(no /proc/self/task here: the thread count is not checked)"),
    }
    assert_eq!(
        last.map(|r| r.host),
        Ok(0),
        "the watcher's own greet is answered"
    );
    assert_eq!(results.len(), n, "one result per target");
    for (i, r) in results.iter().enumerate() {
        let reply = r
            .as_ref()
            .unwrap_or_else(|e| panic!("greet {i} failed ({e}): were all 8 greets waiting at once?"));
        assert_eq!(reply.host, (i % 4) as u32, "result {i} is host {}'s", i % 4);
    }
    assert_eq!(server.stats().peak_in_flight, n as u64 + 1);
}

#[test]
fn a_failed_greet_keeps_its_place() {
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let mut targets = server.targets();
    targets.insert(
        1,
        Target {
            addr: refused_addr(),
            host: Some(9),
        },
    );
    let results = greet_all(&targets, Duration::from_secs(5));
    let hosts: Vec<_> = results.iter().map(|r| r.as_ref().map(|r| r.host)).collect();
    assert_eq!(hosts, [Ok(0), Err(&GreetError::Refused), Ok(1)]);
}

#[test]
fn crunch_inline_blocks_the_event_loop() {
    // Given code, shown failing on purpose: while the crunch runs on the loop, the ticker
    // never gets a turn.
    event_loop().block_on(async {
        let (ticks, task) = ticker();
        let sum = crunch_inline(BIG, 7).await;
        let during = ticks.load(Ordering::SeqCst);
        task.abort();
        assert_eq!(sum, crunch(BIG, 7));
        assert_eq!(during, 0, "an inline crunch leaves no turn for the ticker");
    });
}

#[test]
fn crunch_off_loop_lets_other_tasks_run() {
    event_loop().block_on(async {
        let (ticks, task) = ticker();
        let sum = crunch_off_loop(BIG, 7).await;
        let during = ticks.load(Ordering::SeqCst);
        task.abort();
        assert_eq!(
            sum,
            crunch(BIG, 7),
            "the same checksum as crunch(work, seed)"
        );
        assert!(
            during > 0,
            "the ticker never ran while the crunch did: the crunch blocked the event loop"
        );
    });
}

#[test]
fn blocking_work_off_the_loop_can_wait_for_another_task() {
    // The blocking function waits for a message that only another task *on this loop* can
    // send, and that task needs 10 turns first. If the function ran on the loop, the task
    // would never get them: the wait would time out (after 3 s) and return false.
    event_loop().block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let helper = tokio::spawn(async move {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            let _ = tx.send(());
        });
        let got = run_off_loop(move || rx.recv_timeout(Duration::from_secs(3)).is_ok()).await;
        helper.abort();
        assert!(
            got,
            "the other task could not run while the blocking function did: it ran on the loop"
        );
    });
}

#[test]
fn mixed_crunches_with_the_replys_seed() {
    let server = Server::start(Config {
        hosts: 3,
        ..Config::default()
    })
    .expect("the greet server starts");
    let target = server.targets()[2].clone();
    let got = event_loop().block_on(mixed(target, 5, 10_000, Duration::from_secs(5)));
    let expected = crunch(10_000, Reply { host: 2 }.seed(5));
    assert_eq!(got, Ok(expected), "crunch(work, reply.seed(index))");
    // A host that is not the one expected is an error, not a crunch.
    let wrong = Target {
        addr: server.addrs()[0],
        host: Some(1),
    };
    let got = event_loop().block_on(mixed(wrong, 0, 10_000, Duration::from_secs(5)));
    assert_eq!(
        got,
        Err(GreetError::WrongHost {
            expected: 1,
            got: 0
        })
    );
}

// Lesson 06's checks, shared by `lesson06-exercise` and `lesson06-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 06`. Do not edit: they are how the checker knows you are done.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use greet_core::workload::crunch;
use greet_core::{GreetError, Reply, Target};
use greet_server::{Config, Server};
use lesson06::{crunch_inline, crunch_off_loop, greet_all, mixed, run_off_loop};

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

/// Spawns a task that counts its turns on the event loop: one tick per millisecond, for
/// as long as the loop lets it run (at most a minute).
fn ticker() -> (Arc<AtomicU64>, tokio::task::JoinHandle<()>) {
    let ticks = Arc::new(AtomicU64::new(0));
    let t = ticks.clone();
    let task = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(1));
        for _ in 0..60_000 {
            every.tick().await; // the first tick is immediate
            t.fetch_add(1, Ordering::SeqCst);
        }
    });
    (ticks, task)
}

#[test]
fn all_greets_wait_at_once_on_one_thread() {
    // The server holds every reply until all 8 greets wait at the same time: awaiting them
    // one by one times out instead.
    let server = Server::start(Config {
        hosts: 4,
        latency: Duration::from_millis(20),
        rendezvous: Some(8),
        idle_timeout: Duration::from_secs(2),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets: Vec<Target> = server.targets().into_iter().cycle().take(8).collect();
    let results = greet_all(&targets, Duration::from_secs(1));
    for (i, r) in results.iter().enumerate() {
        let reply = r.as_ref().unwrap_or_else(|e| {
            panic!("greet {i} failed ({e}): were all 8 greets waiting at once?")
        });
        assert_eq!(reply.host, (i % 4) as u32, "result {i} is host {}'s", i % 4);
    }
    assert_eq!(results.len(), 8);
    assert_eq!(server.stats().peak_in_flight, 8);
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

// Lesson 06's checks, shared by `lesson06-exercise` and `lesson06-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 06`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson06-wrong that proves it does:
// - all_greets_wait_at_once_on_one_thread: many greets wait at once on one thread, the event
//   loop, the point of the lesson (wrong/os_threads, wrong/multi_thread_runtime).
// - a_failed_greet_keeps_its_place: one result per target, in order, failures included.
// - the_timeout_given_is_the_one_used: greet_all and mixed wait no longer, and no shorter,
//   than the caller says (wrong/greet_all_ignores_the_timeout).
// - crunch_inline_blocks_the_event_loop: the given inline crunch, shown blocking the loop.
// - crunch_off_loop_lets_other_tasks_run: CPU work off the loop (wrong/run_off_loop_runs_on_the_loop).
// - blocking_work_off_the_loop_can_wait_for_another_task: run_off_loop really leaves the loop.
// - the_loop_sleeps_while_run_off_loop_waits: while it waits, the loop sleeps; it does not
//   poll the handle in a loop (wrong/run_off_loop_polls_the_handle).
// - mixed_crunches_with_the_replys_seed: the mixed job's checksum (wrong/seed_ignores_the_reply).
// - mixed_leaves_the_loop_free_while_it_crunches: another job's reply, arriving while mixed
//   crunches, is handled before that crunch ends (wrong/mixed_crunches_inline).
// - mixed_greets_wait_together_on_the_loop: mixed's greet is async I/O, not a blocking call
//   that holds the loop (wrong/mixed_greets_with_blocking_io).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::io::{Read, Write};
use std::net::TcpListener;

use greet_core::client::greet_target;
use greet_core::protocol::{GREETING, reply_line};
use greet_core::workload::crunch;
use greet_core::{GreetError, Reply, Target};
use greet_server::{Config, Server};
use lesson_measure::{alone, cpu};
use lesson06::{crunch_inline, crunch_off_loop, greet_all, mixed, run_off_loop};

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
    if !alone::in_a_process_of_its_own("all_greets_wait_at_once_on_one_thread") {
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
    assert_eq!(
        results.len(),
        n,
        "results: {}, want {n} (one per target)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let reply = r.as_ref().unwrap_or_else(|e| {
            panic!("greet {i} failed ({e}): were all 8 greets waiting at once?")
        });
        assert_eq!(reply.host, (i % 4) as u32, "result {i} is host {}'s", i % 4);
    }
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak,
        n as u64 + 1,
        "the most greets waiting at once: {peak}, want {} (yours and the watcher's)",
        n + 1
    );
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
    assert_eq!(
        hosts,
        [Ok(0), Err(&GreetError::Refused), Ok(1)],
        "the hosts that answered, target by target (the second target refuses)"
    );
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
        assert_eq!(
            sum,
            crunch(BIG, 7),
            "the same checksum as crunch(work, seed)"
        );
        assert_eq!(
            during, 0,
            "the ticker's turns during an inline crunch: {during}, want 0 (it blocks the loop)"
        );
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
fn the_loop_sleeps_while_run_off_loop_waits() {
    // A blocking function that takes 1 s (it sleeps, on a thread of tokio's blocking pool).
    // While run_off_loop waits for it, the event loop has nothing else to do, so its thread
    // should sleep until the function is done: the kernel hardly puts it on a CPU
    // (/proc/self/task/TID/schedstat counts how often). A run_off_loop that polls the handle
    // in a loop (is_finished, yield_now) keeps the loop, and a core, busy the whole second.
    let me = cpu::current_thread_id();
    let before = me.and_then(cpu::runs);
    let got = event_loop().block_on(run_off_loop(|| {
        std::thread::sleep(Duration::from_secs(1));
        7
    }));
    let used = me
        .and_then(cpu::runs)
        .zip(before)
        .map(|(after, before)| after.since(before));
    assert_eq!(got, 7, "run_off_loop returns what the function returned");
    let Some(used) = used else {
        eprintln!("(no schedstat here: the loop's CPU is not checked)");
        return;
    };
    let on_cpu_ms = used.on_cpu_ns as f64 / 1e6;
    assert!(
        used.runs <= 10 && on_cpu_ms <= 50.0,
        "while run_off_loop waited 1 s for a blocking function, the event loop's thread was put \
         on a CPU {} times and used {on_cpu_ms:.1} ms of it, want at most 10 times and 50 ms: \
         await the blocking task's handle, so the loop sleeps until it is done, rather than \
         asking again and again whether it has finished",
        used.runs
    );
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
        }),
        "mixed on host 0's address, expecting host 1"
    );
}

#[test]
fn the_timeout_given_is_the_one_used() {
    // Hosts that answer after 1 s. Given 4 s, greet_all waits for the answers; given 300 ms,
    // every greet gives up first, and so does mixed. No timeout fixed in the code does both.
    let slow = Server::start(Config {
        hosts: 2,
        latency: Duration::from_secs(1),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = slow.targets();
    let patient: Vec<_> = greet_all(&targets, Duration::from_secs(4))
        .into_iter()
        .map(|r| r.map(|reply| reply.host))
        .collect();
    assert_eq!(
        patient,
        [Ok(0), Ok(1)],
        "greet_all(.., 4 s) to hosts that answer after 1 s must get the replies: is the timeout \
         each greet gets the one greet_all was given?"
    );
    let hasty = greet_all(&targets, Duration::from_millis(300));
    assert_eq!(
        hasty,
        [Err(GreetError::Timeout), Err(GreetError::Timeout)],
        "greet_all(.., 300 ms) to hosts that answer after 1 s must time out"
    );
    let got = event_loop().block_on(mixed(
        targets[0].clone(),
        0,
        1_000,
        Duration::from_millis(300),
    ));
    assert_eq!(
        got,
        Err(GreetError::Timeout),
        "mixed(.., 300 ms) to a host that answers after 1 s must time out"
    );
}

/// The host number of [`answer_once_served`]'s host.
const HELD_HOST: u32 = 7;

/// A greet host of its own, on `listener`: it accepts one connection, reads the greeting, and
/// answers (as host [`HELD_HOST`]) only once `server` has served a greet. Every wait here is
/// bounded (5 s), so the check ends whatever the solution does.
fn answer_once_served(listener: &TcpListener, server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(5);
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let mut conn = loop {
        match listener.accept() {
            Ok((conn, _)) => break conn,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            Err(_) => return,
        }
    };
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut greeting = [0u8; GREETING.len()];
    if conn.read_exact(&mut greeting).is_err() {
        return;
    }
    while server.stats().served < 1 {
        if Instant::now() >= deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = conn.write_all(reply_line(HELD_HOST).as_bytes());
}

#[test]
fn mixed_leaves_the_loop_free_while_it_crunches() {
    // Two mixed jobs on one event loop. Job A's host answers at once, and A then crunches for
    // a long while (hundreds of milliseconds in a debug build). Job B's host answers only once
    // A has had its reply, so B's reply arrives while A crunches, and B's own crunch is tiny.
    // With A's crunch off the loop, the loop reads B's reply meanwhile and B finishes first; a
    // crunch on the loop holds B's reply unread until A is done.
    let fast = Server::start(Config::default()).expect("the greet server starts");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let held = Target {
        addr: listener.local_addr().expect("local address"),
        host: Some(HELD_HOST),
    };
    let a_target = fast.targets()[0].clone();
    let finished = std::sync::Mutex::new(Vec::new());
    let (a, b) = std::thread::scope(|s| {
        s.spawn(|| answer_once_served(&listener, &fast));
        event_loop().block_on(async {
            tokio::join!(
                async {
                    let r = mixed(a_target, 0, 4 * BIG, Duration::from_secs(5)).await;
                    finished.lock().unwrap_or_else(|p| p.into_inner()).push('A');
                    r
                },
                async {
                    let r = mixed(held, 1, 1_000, Duration::from_secs(5)).await;
                    finished.lock().unwrap_or_else(|p| p.into_inner()).push('B');
                    r
                },
            )
        })
    });
    assert_eq!(a, Ok(crunch(4 * BIG, Reply { host: 0 }.seed(0))), "job A");
    assert_eq!(
        b,
        Ok(crunch(1_000, Reply { host: HELD_HOST }.seed(1))),
        "job B"
    );
    let order = finished.into_inner().unwrap_or_else(|p| p.into_inner());
    assert_eq!(
        order,
        ['B', 'A'],
        "the order the jobs finished in: {order:?}, want B (whose reply came while A crunched) \
         first: is mixed's crunch off the loop (crunch_off_loop), or does it block the loop?"
    );
}

#[test]
fn mixed_greets_wait_together_on_the_loop() {
    // The server holds every reply until 2 greets wait at once. Two mixed jobs on one event
    // loop get there only if mixed's greet is async I/O that yields the loop while it waits; a
    // blocking greet holds the loop, the second job never starts, and the first times out.
    let server = Server::start(Config {
        hosts: 2,
        rendezvous: Some(2),
        idle_timeout: Duration::from_secs(5),
        ..Config::default()
    })
    .expect("the greet server starts");
    let [a, b] = [server.targets()[0].clone(), server.targets()[1].clone()];
    let (ra, rb) = event_loop().block_on(async {
        tokio::join!(
            mixed(a, 0, 1_000, Duration::from_secs(2)),
            mixed(b, 1, 1_000, Duration::from_secs(2)),
        )
    });
    assert!(
        ra.is_ok() && rb.is_ok(),
        "two mixed jobs on one loop: {ra:?}, {rb:?}; a timeout means their greets did not wait at \
         the same time: mixed must greet with the given async `greet`, not a blocking call"
    );
}

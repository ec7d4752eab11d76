//! The prefork model's structure: K worker processes, each serving its share of the greets on
//! one thread, every greet waiting at once; a killed worker's greets counted, the worker
//! reaped; open-loop jobs never started before they are due; a worker out of open files
//! counting the limit instead of failing the batch.
//!
//! Structure only, never the clock: greets are *held* by a slow host while the test looks at
//! the workers (their PIDs, their threads in /proc), and a wait for that moment is bounded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use greet_core::{Arrivals, ErrorKind, Model, OsLimit, Outcome, Pattern, Plan, Summary, Workload};
use greet_server::{Config, Server};
use model_prefork::Prefork;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn plan(count: usize, server: &Server, workers: usize) -> Plan {
    let mut p = Plan::new(Workload::Greet, count, server.targets());
    p.workers = workers;
    p.timeout = Duration::from_secs(60);
    p.worker_exe = Some(PathBuf::from(EXE));
    p
}

fn server(latency: Duration) -> Server {
    Server::start(Config {
        hosts: 4,
        latency,
        ..Config::default()
    })
    .unwrap()
}

/// Waits (every 5 ms, 30 s at most) until `server` holds `n` greets at once; whether it did.
fn until_held(server: &Server, n: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.stats().in_flight < n {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

/// How many threads process `pid` runs now.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

/// The threads an outcome's stamps say its job ran on (0 is "not seen": a step elsewhere).
fn tids(o: &Outcome) -> impl Iterator<Item = u32> {
    let s = o.stamps;
    [s.picked, s.connected, s.sent, s.greeted, s.done]
        .into_iter()
        .map(|st| st.tid)
        .filter(|&t| t != 0)
}

#[test]
fn k_workers_each_serve_their_greets_on_one_thread_while_every_greet_waits() {
    let (k, n) = (3, 12);
    // The host holds each greet 2 s: time to look at the workers while all of them wait.
    let server = server(Duration::from_secs(2));
    let p = plan(n, &server, k);
    let mut runner = Prefork.start(&p).unwrap();
    let pids = runner.helper_pids();
    assert_eq!(pids.iter().collect::<BTreeSet<_>>().len(), k, "{pids:?}");
    assert!(!pids.contains(&std::process::id()));
    let (batch, threads) = std::thread::scope(|s| {
        let look = s.spawn(|| {
            let held = until_held(&server, n as u64);
            (
                held,
                pids.iter().map(|&pid| threads_of(pid)).collect::<Vec<_>>(),
            )
        });
        let batch = runner.run(&p).unwrap();
        (batch, look.join().unwrap())
    });
    let s = Summary::new(n, &batch.outcomes).unwrap();
    assert_eq!((s.ok, s.errors), (n, 0), "{:?}", s.first_errors);
    // Every greet waited at once, across the workers.
    assert_eq!(server.stats().peak_in_flight, n as u64);
    // While they waited, each worker process ran exactly one thread.
    assert_eq!(threads, (true, vec![1; k]));
    // The workers served the greets: K distinct PIDs, each its round-robin share...
    let mut by_pid: BTreeMap<u32, Vec<&Outcome>> = BTreeMap::new();
    for o in &batch.outcomes {
        by_pid.entry(o.pid).or_default().push(o);
    }
    assert_eq!(by_pid.keys().copied().collect::<Vec<_>>(), {
        let mut sorted = pids.clone();
        sorted.sort_unstable();
        sorted
    });
    for (w, &pid) in pids.iter().enumerate() {
        let mut mine: Vec<usize> = by_pid[&pid].iter().map(|o| o.index).collect();
        mine.sort_unstable();
        assert_eq!(mine, (w..n).step_by(k).collect::<Vec<_>>(), "worker {w}");
        // ...every step of every one of them stamped on one and the same thread.
        let on: BTreeSet<u32> = by_pid[&pid].iter().flat_map(|o| tids(o)).collect();
        assert_eq!(on.len(), 1, "worker {w} ran its greets on threads {on:?}");
    }
}

#[test]
fn a_killed_workers_greets_are_counted_and_it_is_reaped() {
    // Worker 0 takes the even jobs, which greet the host that holds them a minute; worker 1
    // the odd ones, which greet a quick host. Worker 0 is killed while it holds its greets.
    let (slow, quick) = (server(Duration::from_secs(60)), server(Duration::ZERO));
    let mut p = plan(6, &slow, 2);
    p.targets = vec![slow.targets()[0].clone(), quick.targets()[0].clone()];
    let mut runner = Prefork.start(&p).unwrap();
    let pids = runner.helper_pids();
    let batch = std::thread::scope(|s| {
        s.spawn(|| {
            assert!(until_held(&slow, 3), "worker 0 never held its 3 greets");
            let pid = pids[0].to_string();
            let killed = Command::new("kill").args(["-KILL", &pid]).status();
            assert!(killed.unwrap().success());
        });
        runner.run(&p).unwrap()
    });
    let s = Summary::new(6, &batch.outcomes).unwrap();
    assert_eq!(s.ok + s.errors, 6);
    assert_eq!(s.ok, 3, "{:?}", s.first_errors);
    assert_eq!(s.errors_by_kind, BTreeMap::from([(ErrorKind::Worker, 3)]));
    assert!(
        s.first_errors[0].contains("SIGKILL"),
        "{:?}",
        s.first_errors
    );
    for o in &batch.outcomes {
        assert_eq!(o.is_ok(), o.index % 2 == 1, "job {}", o.index);
        if o.is_ok() {
            assert_eq!(o.pid, pids[1]);
        }
    }
    // Reaped: no zombie is left behind, and the runner no longer counts it.
    assert!(!PathBuf::from(format!("/proc/{}", pids[0])).exists());
    assert_eq!(runner.helper_pids(), vec![pids[1]]);
    // The runner goes on with the worker left: the dead one's share is counted, not lost.
    let mut again = p.clone();
    again.targets = vec![quick.targets()[0].clone()];
    let s = Summary::new(6, &runner.run(&again).unwrap().outcomes).unwrap();
    assert_eq!(
        (s.ok, s.errors_by_kind.get(&ErrorKind::Worker)),
        (3, Some(&3))
    );
}

#[test]
fn open_loop_jobs_start_no_earlier_than_they_are_due_and_all_are_counted() {
    let server = server(Duration::from_millis(5));
    let arrivals = Arrivals::new(Pattern::Poisson, 200.0, Duration::from_millis(300), 7).unwrap();
    let mut p = plan(arrivals.count(), &server, 2);
    let mut runner = Prefork.start(&p).unwrap();
    p.arrivals = Some(arrivals.start_in(Duration::from_millis(50)));
    let batch = runner.run(&p).unwrap();
    let s = Summary::new(p.count, &batch.outcomes).unwrap();
    assert_eq!(s.ok, p.count, "{:?}", s.first_errors);
    let a = p.arrivals.as_ref().unwrap();
    for o in &batch.outcomes {
        let ran = o.open_loop.expect("an open-loop job says when it ran");
        assert!(
            ran.started_us >= a.offset_us(o.index),
            "job {} early",
            o.index
        );
        assert!(ran.done_us >= ran.started_us);
    }
}

#[test]
fn a_worker_out_of_open_files_counts_the_limit_and_the_batch_goes_on() {
    // The worker starts under a hard limit of 48 open files (which it cannot raise past), so
    // of 120 greets held at once most find no descriptor left.
    let dir = std::env::temp_dir().join(format!("gb-prefork-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("worker");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec prlimit --nofile=48:48 {EXE}\n"),
    )
    .unwrap();
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    assert!(chmod.success());
    let server = server(Duration::from_millis(500));
    let mut p = plan(120, &server, 1);
    p.worker_exe = Some(script);
    let batch = Prefork.run(&p).unwrap();
    let s = Summary::new(p.count, &batch.outcomes).unwrap();
    assert_eq!(s.ok + s.errors, p.count);
    assert!(s.ok > 0, "{:?}", s.first_errors);
    assert_eq!(
        s.errors_by_kind.keys().collect::<Vec<_>>(),
        [&ErrorKind::OpenFiles]
    );
    assert_eq!(s.limits(), vec![OsLimit::OpenFiles]);
    let _ = std::fs::remove_dir_all(&dir);
}

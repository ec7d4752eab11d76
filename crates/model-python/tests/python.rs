//! The course's Python models against the real greet server, checked by structure, never by
//! the clock: replies from the intended hosts, every job accounted for, Rust's checksums, the
//! server's peak of greets in flight (a rendezvous host replies only once K greets wait
//! together), the interpreter's threads, the workers' PIDs, and a hung worker killed.
//!
//! Every test needs `python3` (3.9 or newer). Without it, each one prints a note and passes:
//! CI installs python3, so there they run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use greet_core::workload::crunch;
use greet_core::{ErrorKind, Model, Outcome, Plan, Reply, Summary, Target, Workload};
use greet_server::{Behavior, Config, Server};
use model_python::{Kind, Python};

/// Whether python3 is here; if not, says so and the test passes without running.
fn python(test: &str) -> bool {
    match model_python::available() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("note: {test} skipped: {why}");
            false
        }
    }
}

/// Every Python model this machine can run (py-asyncio-uvloop only where uvloop imports).
fn runnable() -> Vec<Python> {
    Kind::ALL
        .into_iter()
        .map(Python::new)
        .filter(|m| m.unavailable().is_none())
        .collect()
}

fn plan(workload: Workload, count: usize, targets: Vec<Target>, workers: usize) -> Plan {
    let mut p = Plan::new(workload, count, targets);
    p.work = 2_000;
    p.workers = workers;
    p.timeout = Duration::from_secs(10);
    p
}

fn summary(model: &Python, plan: &Plan) -> (Summary, Vec<Outcome>) {
    let batch = model
        .run(plan)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    let s = Summary::new(plan.count, &batch.outcomes)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    assert_eq!(s.ok + s.errors, plan.count, "{}", model.name());
    (s, batch.outcomes)
}

#[test]
fn every_python_model_every_workload_reaches_the_intended_hosts_with_rusts_checksums() {
    if !python("every_python_model_every_workload") {
        return;
    }
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    let count = 9;
    for workload in Workload::ALL {
        for model in runnable() {
            let p = plan(workload, count, server.targets(), 2);
            let (s, outcomes) = summary(&model, &p);
            let name = model.name();
            assert_eq!(s.ok, count, "{name} {workload}: {:?}", s.first_errors);
            for o in &outcomes {
                let want = workload.greets().then_some((o.index % 3) as u32);
                assert_eq!(o.reply.map(|r| r.host), want, "{name} {workload}");
            }
            // The same work gives Rust's checksum: Python's crunch is Rust's, bit for bit.
            if workload.crunches() {
                assert_eq!(Some(s.checksum), p.expected_checksum(), "{name} {workload}");
            }
        }
    }
}

#[test]
fn the_python_crunch_kernel_gives_rusts_checksums() {
    if !python("the_python_crunch_kernel_gives_rusts_checksums") {
        return;
    }
    // Seeds at the edges of 64 bits, and a mixed job's seed (host << 32) ^ index.
    let seeds = [
        0,
        1,
        7,
        u64::MAX,
        1 << 63,
        0x9E37_79B9_7F4A_7C15,
        Reply { host: 999 }.seed(12_345),
    ];
    for work in [0u32, 1, 2, 1_000] {
        let mut args = vec!["crunch".to_string(), work.to_string()];
        args.extend(seeds.iter().map(u64::to_string));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out =
            model_python::run_script("greetbench_py.py", &args, Duration::from_secs(30)).unwrap();
        let got: Vec<u64> = out.lines().map(|l| l.trim().parse().unwrap()).collect();
        let want: Vec<u64> = seeds.iter().map(|&s| crunch(work, s)).collect();
        assert_eq!(got, want, "work {work}");
    }
}

/// Runs `model` on `count` greets against a fresh server that holds its replies until
/// `rendezvous` greets wait at once, and returns the server's peak in-flight count.
fn peak(model: &Python, count: usize, workers: usize, rendezvous: Option<usize>) -> u64 {
    let server = Server::start(Config {
        hosts: 4,
        rendezvous,
        latency: Duration::from_millis(5),
        ..Config::default()
    })
    .unwrap();
    let (s, _) = summary(
        model,
        &plan(Workload::Greet, count, server.targets(), workers),
    );
    assert_eq!(s.ok, count, "{}: {:?}", model.name(), s.first_errors);
    server.stats().peak_in_flight
}

#[test]
fn py_sequential_never_has_two_greets_in_flight() {
    if !python("py_sequential_never_has_two_greets_in_flight") {
        return;
    }
    assert_eq!(peak(&Python::new(Kind::Sequential), 6, 2, None), 1);
}

#[test]
fn python_pools_keep_exactly_their_size_in_flight() {
    if !python("python_pools_keep_exactly_their_size_in_flight") {
        return;
    }
    let k = 3;
    for kind in [Kind::ThreadPool, Kind::Processes] {
        let model = Python::new(kind);
        // The rendezvous of k proves at least k wait together; the pool's size caps it at k.
        assert_eq!(
            peak(&model, 3 * k, k, Some(k)),
            k as u64,
            "{}",
            model.name()
        );
        // count == workers: every job gets a worker of its own at once.
        assert_eq!(peak(&model, k, k, Some(k)), k as u64, "{}", model.name());
    }
}

#[test]
fn py_threads_and_py_asyncio_keep_every_greet_in_flight() {
    if !python("py_threads_and_py_asyncio_keep_every_greet_in_flight") {
        return;
    }
    let n = 16;
    let per_job = runnable()
        .into_iter()
        .filter(|m| m.describe().shape == greet_core::Shape::PerJob);
    let mut checked = 0;
    for model in per_job {
        assert_eq!(peak(&model, n, 2, Some(n)), n as u64, "{}", model.name());
        checked += 1;
    }
    assert!(checked >= 2, "py-threads and py-asyncio at least");
}

/// The most threads the process `pid` had, read from `/proc/PID/task` every millisecond while
/// `model` runs `plan` in it; and how many samples were taken.
fn threads_while_running(model: &Python, plan: &Plan) -> (u64, u64) {
    let mut runner = model.start(plan).unwrap();
    let pid = runner.helper_pids()[0];
    let (stop, peak, samples) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let sampler = {
        let (stop, peak, samples) = (stop.clone(), peak.clone(), samples.clone());
        std::thread::spawn(move || {
            // Bounded: told to stop after the batch, and at most a minute in any case.
            for _ in 0..60_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
                    peak.fetch_max(tasks.count() as u64, Ordering::Relaxed);
                    samples.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let batch = runner.run(plan).unwrap();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let s = Summary::new(plan.count, &batch.outcomes).unwrap();
    assert_eq!(s.ok, plan.count, "{}: {:?}", model.name(), s.first_errors);
    (
        peak.load(Ordering::Relaxed),
        samples.load(Ordering::Relaxed),
    )
}

#[test]
fn py_asyncio_waits_on_every_greet_with_one_thread() {
    if !python("py_asyncio_waits_on_every_greet_with_one_thread") {
        return;
    }
    // Every greet waits at the rendezvous until all n are in flight, then 300 ms more: the
    // sampler sees the interpreter while all of them wait.
    let n = 16;
    let server = Server::start(Config {
        hosts: 4,
        rendezvous: Some(n),
        latency: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    let p = plan(Workload::Greet, n, server.targets(), 2);
    let (asyncio, samples) = threads_while_running(&Python::new(Kind::Asyncio), &p);
    assert!(samples > 0);
    assert_eq!(
        asyncio, 1,
        "asyncio runs every task on the interpreter's one thread"
    );
    // The same sampler sees a thread per greet when there is one: it would have seen more.
    let (threads, _) = threads_while_running(&Python::new(Kind::Threads), &p);
    assert!(threads > n as u64, "py-threads peaked at {threads} threads");
    assert_eq!(server.stats().peak_in_flight, n as u64);
}

#[test]
fn py_processes_run_jobs_in_k_distinct_worker_processes() {
    if !python("py_processes_run_jobs_in_k_distinct_worker_processes") {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    let k = 3;
    let p = plan(Workload::Greet, 9, server.targets(), k);
    let model = Python::new(Kind::Processes);
    let mut runner = model.start(&p).unwrap();
    let helpers = runner.helper_pids();
    assert_eq!(
        helpers.len(),
        1 + k,
        "the interpreter and its workers: {helpers:?}"
    );
    let method = runner.start_method().expect("the start method is recorded");
    assert!(
        ["fork", "spawn", "forkserver"].contains(&method.as_str()),
        "{method}"
    );
    let batch = runner.run(&p).unwrap();
    let s = Summary::new(p.count, &batch.outcomes).unwrap();
    assert_eq!((s.ok, s.distinct_pids), (9, k));
    let pids: BTreeSet<u32> = batch.outcomes.iter().map(|o| o.pid).collect();
    let workers: BTreeSet<u32> = helpers[1..].iter().copied().collect();
    assert_eq!(pids, workers, "every job ran in one of the K workers");
    assert!(!pids.contains(&helpers[0]) && !pids.contains(&std::process::id()));
    // The other Python models run every job in the interpreter itself.
    let (s, outcomes) = summary(&Python::new(Kind::Threads), &p);
    assert_eq!(s.distinct_pids, 1);
    assert!(outcomes.iter().all(|o| o.pid != std::process::id()));
}

#[test]
fn a_hung_python_worker_is_killed_and_counted() {
    if !python("a_hung_python_worker_is_killed_and_counted") {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    // Each worker hangs on its first job: both are killed once past the job's budget (2 x the
    // 200 ms timeout + 1 s), each hung job counted, and the job each held behind it lost.
    let model = Python::new(Kind::Processes).with_fault("hang:1");
    let mut p = plan(Workload::Greet, 4, server.targets(), 2);
    p.timeout = Duration::from_millis(200);
    let (s, _) = summary(&model, &p);
    assert_eq!(s.ok, 0);
    assert_eq!(s.errors_by_kind.get(&ErrorKind::Worker), Some(&4));
    assert!(
        s.first_errors
            .iter()
            .any(|e| e.contains("hung and was killed")),
        "{:?}",
        s.first_errors
    );
}

#[test]
fn a_python_worker_that_exits_is_counted_and_the_run_completes() {
    if !python("a_python_worker_that_exits_is_counted_and_the_run_completes") {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    // Each worker exits on its 2nd job: 2 jobs succeed, the 2 in hand die with their workers,
    // and the 2 left over have no worker to run them.
    let model = Python::new(Kind::Processes).with_fault("exit:2");
    let (s, _) = summary(&model, &plan(Workload::Greet, 6, server.targets(), 2));
    assert_eq!(s.ok, 2);
    assert_eq!(s.errors_by_kind.get(&ErrorKind::Worker), Some(&4));
}

/// Runs every Python model against `targets` and checks that every job failed with `kind`.
fn every_model_fails_with(targets: Vec<Target>, timeout: Duration, kind: ErrorKind) {
    for model in runnable() {
        let mut p = plan(Workload::Greet, 4, targets.clone(), 2);
        p.timeout = timeout;
        let (s, _) = summary(&model, &p);
        assert_eq!(
            s.errors_by_kind.get(&kind),
            Some(&4),
            "{}: {:?}",
            model.name(),
            s.first_errors
        );
    }
}

#[test]
fn failures_are_counted_by_kind_as_in_rust() {
    if !python("failures_are_counted_by_kind_as_in_rust") {
        return;
    }
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let host0 = |addr| {
        vec![Target {
            addr,
            host: Some(0),
        }]
    };
    every_model_fails_with(host0(refused), Duration::from_secs(5), ErrorKind::Refused);
    let silent = Server::start(Config {
        behavior: Behavior::Silent,
        ..Config::default()
    })
    .unwrap();
    every_model_fails_with(
        silent.targets(),
        Duration::from_millis(300),
        ErrorKind::Timeout,
    );
    let reset = Server::start(Config {
        behavior: Behavior::Reset,
        ..Config::default()
    })
    .unwrap();
    every_model_fails_with(reset.targets(), Duration::from_secs(5), ErrorKind::Reset);
    // Host 1's address claimed as host 0: the reply names the wrong host.
    let two = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    every_model_fails_with(
        host0(two.addrs()[1]),
        Duration::from_secs(5),
        ErrorKind::BadReply,
    );
}

#[test]
fn a_python_runner_can_be_reused_for_many_batches() {
    if !python("a_python_runner_can_be_reused_for_many_batches") {
        return;
    }
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    for model in runnable() {
        let p = plan(Workload::Mixed, 5, server.targets(), 2);
        let mut runner = model.start(&p).unwrap();
        for _ in 0..3 {
            let batch = runner.run(&p).unwrap();
            let s = Summary::new(p.count, &batch.outcomes).unwrap();
            assert_eq!(s.ok, 5, "{}: {:?}", model.name(), s.first_errors);
            assert_eq!(Some(s.checksum), p.expected_checksum(), "{}", model.name());
        }
    }
}

#[test]
fn uvloop_is_a_row_where_it_imports_and_not_installed_where_it_does_not() {
    if !python("uvloop_is_a_row_where_it_imports_and_not_installed_where_it_does_not") {
        return;
    }
    let uvloop = Python::new(Kind::AsyncioUvloop);
    let installed = model_python::interpreter().unwrap().uvloop;
    match uvloop.unavailable() {
        Some(why) => {
            assert!(!installed);
            assert!(
                why.starts_with("not installed") && why.contains("pip install uvloop"),
                "{why}"
            );
            // Starting it anyway is a start error naming the same fix, not a crash.
            let err = uvloop.run(&plan(Workload::Crunch, 1, Vec::new(), 1));
            assert!(
                err.err()
                    .is_some_and(|e| e.to_string().contains("pip install uvloop"))
            );
        }
        None => {
            assert!(installed);
            let (s, _) = summary(&uvloop, &plan(Workload::Crunch, 3, Vec::new(), 1));
            assert_eq!(s.ok, 3);
        }
    }
}

//! The course's Python models against the real greet server, checked by structure, never by
//! the clock: replies from the intended hosts, every job accounted for, Rust's checksums, the
//! server's peak of greets in flight (a rendezvous host replies only once K greets wait
//! together), the interpreter's threads, the workers' PIDs, and a hung worker killed. In
//! open-loop runs: no job started before it was due, starts spread over the schedule, jobs cut
//! by the deadline counted, and a pool's queue, each read off the jobs' own stamps; and the
//! models that keep every greet waiting keep many in flight when many fall due within one
//! latency (the server's peak), where a closed loop would keep one.
//!
//! Every test needs `python3` (3.9 or newer). Without it, each one prints a note and passes:
//! CI installs python3, so there they run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use greet_core::workload::crunch;
use greet_core::{
    Arrivals, ErrorKind, Model, OpenLoop, Outcome, Pattern, Plan, Reply, Shape, Summary, Target,
    Workload,
};
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
                // A batch is not an open-loop run: no stamps, as before arrivals existed.
                assert_eq!(o.open_loop, None, "{name} {workload}");
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
    let installed = model_python::interpreter(None).unwrap().uvloop;
    match uvloop.unavailable() {
        Some(why) => {
            assert!(!installed);
            assert!(
                why.starts_with("not installed")
                    && why.contains("pip install -r python/requirements.txt"),
                "{why}"
            );
            // Starting it anyway is a start error naming the same fix, not a crash.
            let err = uvloop.run(&plan(Workload::Crunch, 1, Vec::new(), 1));
            assert!(
                err.err()
                    .is_some_and(|e| e.to_string().contains("python/requirements.txt"))
            );
        }
        None => {
            assert!(installed);
            let (s, _) = summary(&uvloop, &plan(Workload::Crunch, 3, Vec::new(), 1));
            assert_eq!(s.ok, 3);
        }
    }
}

/// How far an open-loop stamp may read before the instant greet-core means: the interpreter
/// converts the UNIX epoch to `time.monotonic` once, from two clock readings a few µs apart,
/// and asyncio's timer may wake a hair early. Far below the 10 ms between two arrivals here.
const CLOCK_SLACK_US: u64 = 2_000;

/// An open-loop plan of `rate` jobs/s for `duration` (a constant schedule), its epoch not set
/// yet: see [`run_open`].
fn open_plan(
    workload: Workload,
    targets: Vec<Target>,
    rate: f64,
    duration: Duration,
    workers: usize,
) -> Plan {
    let arrivals = Arrivals::new(Pattern::Constant, rate, duration, 0).unwrap();
    let mut p = plan(workload, arrivals.count(), targets, workers);
    p.arrivals = Some(arrivals);
    p
}

/// Starts `model`, then sets `plan`'s epoch 100 ms ahead (the interpreter's start-up is not
/// queueing) and runs it; `deadline_after`, if any, is the run's deadline after the epoch.
/// Every job is accounted for, once.
fn run_open(
    model: &Python,
    plan: &mut Plan,
    deadline_after: Option<Duration>,
) -> (Summary, Vec<Outcome>) {
    let name = model.name();
    let mut runner = model.start(plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    let arrivals = plan.arrivals.take().unwrap();
    let arrivals = arrivals.start_in(Duration::from_millis(100));
    plan.deadline = deadline_after
        .map(|d| SystemTime::UNIX_EPOCH + Duration::from_micros(arrivals.epoch_us) + d);
    plan.arrivals = Some(arrivals);
    plan.validate().unwrap();
    let batch = runner.run(plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    let s = Summary::new(plan.count, &batch.outcomes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(s.ok + s.errors, plan.count, "{name}");
    (s, batch.outcomes)
}

/// An outcome's open-loop stamps, checked against its schedule: never started before it was
/// due, never ended before it started.
fn stamps(name: &str, plan: &Plan, o: &Outcome) -> OpenLoop {
    let ol = o
        .open_loop
        .unwrap_or_else(|| panic!("{name}: job {} ran but has no open_loop", o.index));
    let due = plan.arrivals.as_ref().unwrap().offset_us(o.index);
    assert!(
        ol.started_us + CLOCK_SLACK_US >= due,
        "{name}: job {} started at {} µs, before it was due at {due} µs",
        o.index,
        ol.started_us
    );
    assert!(
        ol.done_us >= ol.started_us,
        "{name}: job {}: {ol:?}",
        o.index
    );
    ol
}

#[test]
fn every_python_model_runs_every_open_loop_workload_each_job_once_and_none_early() {
    if !python("every_python_model_runs_an_open_loop_plan") {
        return;
    }
    let server = Server::start(Config {
        hosts: 4,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    let models = runnable();
    assert!(models.len() >= 5, "every model but uvloop runs here");
    for workload in Workload::ALL {
        for model in &models {
            let name = model.name();
            // 20 jobs at 100/s: one due every 10 ms.
            let mut p = open_plan(
                workload,
                server.targets(),
                100.0,
                Duration::from_millis(200),
                2,
            );
            assert_eq!(p.count, 20);
            let (s, outcomes) = run_open(model, &mut p, None);
            assert_eq!(s.ok, p.count, "{name} {workload}: {:?}", s.first_errors);
            for o in &outcomes {
                let want = workload.greets().then_some((o.index % 4) as u32);
                assert_eq!(o.reply.map(|r| r.host), want, "{name} {workload}");
                stamps(name, &p, o);
            }
            if workload.crunches() {
                assert_eq!(Some(s.checksum), p.expected_checksum(), "{name} {workload}");
            }
        }
    }
}

#[test]
fn python_open_loop_starts_spread_over_the_schedule_not_all_at_once() {
    if !python("python_open_loop_starts_spread_over_the_schedule") {
        return;
    }
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    for model in runnable() {
        let name = model.name();
        // 10 greets at 10/s: due at 0, 100, ..., 900 ms.
        let mut p = open_plan(
            Workload::Greet,
            server.targets(),
            10.0,
            Duration::from_secs(1),
            2,
        );
        let last_due = p.arrivals.as_ref().unwrap().offset_us(p.count - 1);
        assert_eq!((p.count, last_due), (10, 900_000));
        let (s, outcomes) = run_open(&model, &mut p, None);
        assert_eq!(s.ok, p.count, "{name}: {:?}", s.first_errors);
        let started: Vec<u64> = outcomes
            .iter()
            .map(|o| stamps(name, &p, o).started_us)
            .collect();
        // A driver that started every job at once would start them all within a few ms.
        let spread = started.iter().max().unwrap() - started.iter().min().unwrap();
        assert!(
            spread >= last_due * 8 / 10,
            "{name}: the starts span {spread} µs of a {last_due} µs schedule: {started:?}"
        );
    }
}

#[test]
fn python_jobs_due_after_the_deadline_are_counted_as_cut_off() {
    if !python("python_jobs_due_after_the_deadline_are_counted_as_cut_off") {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    let deadline = Duration::from_millis(350);
    for model in runnable() {
        let name = model.name();
        // Due at 0, 100, ..., 900 ms; the deadline at 350 ms: jobs 4 to 9 can never start.
        let mut p = open_plan(
            Workload::Greet,
            server.targets(),
            10.0,
            Duration::from_secs(1),
            2,
        );
        let (s, outcomes) = run_open(&model, &mut p, Some(deadline));
        let cut = s.errors_by_kind.get(&ErrorKind::Deadline).copied();
        assert!(cut >= Some(6), "{name}: {:?}", s.errors_by_kind);
        // Nothing else failed: every error is a job the deadline cut before it started.
        assert_eq!(cut, Some(s.errors), "{name}: {:?}", s.first_errors);
        for o in &outcomes {
            match &o.error {
                None => {
                    let ol = stamps(name, &p, o);
                    assert!(ol.started_us <= deadline.as_micros() as u64 + CLOCK_SLACK_US);
                }
                Some(_) => assert_eq!(o.open_loop, None, "{name}: job {} never ran", o.index),
            }
        }
    }
}

#[test]
fn a_python_pool_queues_jobs_that_arrive_faster_than_k_over_l() {
    if !python("a_python_pool_queues_jobs_that_arrive_faster_than_k_over_l") {
        return;
    }
    // K = 2 workers, L = 50 ms: the pool serves at most K/L = 40 greets/s. At 100/s, 20 jobs
    // arrive within 200 ms, but the server holds each reply 50 ms, so the pool needs at least
    // ten rounds: its last job starts no earlier than 9 x 50 ms, long after it was due.
    let (k, latency) = (2, Duration::from_millis(50));
    let server = Server::start(Config {
        hosts: 2,
        latency,
        ..Config::default()
    })
    .unwrap();
    let pools: Vec<Python> = runnable()
        .into_iter()
        .filter(|m| m.describe().shape == Shape::Pool)
        .collect();
    // py-thread-pool and py-processes, and py-interpreters where subinterpreters run.
    assert!(
        pools.len() >= 2,
        "{:?}",
        pools.iter().map(|m| m.name()).collect::<Vec<_>>()
    );
    for model in pools {
        let name = model.name();
        let mut p = open_plan(
            Workload::Greet,
            server.targets(),
            100.0,
            Duration::from_millis(200),
            k,
        );
        let (s, outcomes) = run_open(&model, &mut p, None);
        assert_eq!(s.ok, p.count, "{name}: {:?}", s.first_errors);
        let last_due = p.arrivals.as_ref().unwrap().offset_us(p.count - 1);
        let last_start = outcomes
            .iter()
            .map(|o| stamps(name, &p, o).started_us)
            .max()
            .unwrap();
        let rounds = (p.count / k) as u64;
        let floor = (rounds - 1) * latency.as_micros() as u64;
        assert!(
            last_start + CLOCK_SLACK_US >= floor && floor > last_due,
            "{name}: the last job started at {last_start} µs; the schedule ended at {last_due} µs"
        );
        // However many are queued, no more than K greets wait on the server at once.
        assert!(server.stats().peak_in_flight <= k as u64, "{name}");
    }
}

#[test]
fn python_models_that_keep_every_greet_waiting_keep_many_in_flight_in_an_open_loop() {
    if !python("python_models_that_keep_every_greet_waiting_keep_many_in_flight_in_an_open_loop") {
        return;
    }
    // 40 greets at 100/s, one due every 10 ms over 390 ms, each held by its host L = 200 ms:
    // rate × L = 20 greets fall due within one L. A model that keeps every greet waiting
    // starts each when it is due, so about 20 wait on the server together; one that has
    // fallen back to a closed loop (each greet waited for before the next starts) has 1.
    //
    // The bound of 5 needs no timing from the machine. The server holds each greet at least
    // L from when it reads it, so any 5 greets it reads within one L are in flight together.
    // For the peak to stay below 5, every 5 consecutive reads must span more than L: reads
    // 0, 4, 8, ..., 36 each more than L apart, 40 reads over more than 9 × L = 1.8 s, against
    // a schedule of 390 ms. A stalled interpreter or machine bunches the starts and only
    // raises the peak.
    let latency = Duration::from_millis(200);
    let floor = 5;
    let mut checked = Vec::new();
    for model in runnable() {
        let name = model.name();
        // A server of its own per model: its peak is this model's alone.
        let server = Server::start(Config {
            hosts: 4,
            latency,
            ..Config::default()
        })
        .unwrap();
        let mut p = open_plan(
            Workload::Greet,
            server.targets(),
            100.0,
            Duration::from_millis(400),
            2,
        );
        assert_eq!(p.count, 40);
        if model.concurrency(&p).io < p.count {
            // A pool of 2 (or one greet at a time) keeps only that many waiting, by design.
            continue;
        }
        let (s, outcomes) = run_open(&model, &mut p, None);
        // `run_open` checked ok + errors == count; none may fail here either.
        assert_eq!(s.ok, p.count, "{name}: {:?}", s.first_errors);
        for o in &outcomes {
            stamps(name, &p, o);
        }
        let stats = server.stats();
        assert_eq!(stats.served, 40, "{name}: {stats:?}");
        assert!(
            stats.peak_in_flight >= floor,
            "{name}: at most {} greets in flight at once, with 20 due within one latency: \
             it waits for each greet before starting the next",
            stats.peak_in_flight
        );
        checked.push(name);
    }
    // Never vacuous: the models of one thread or one task per job keep every greet waiting,
    // so each of them was checked (py-threads and py-asyncio at least).
    let per_job: Vec<&str> = runnable()
        .iter()
        .filter(|m| m.describe().shape == Shape::PerJob)
        .map(|m| m.name())
        .collect();
    assert!(
        per_job.len() >= 2 && per_job.iter().all(|n| checked.contains(n)),
        "checked {checked:?}; every per-job model {per_job:?} keeps every greet waiting"
    );
}

#[test]
fn a_python_model_may_stay_silent_while_it_waits_for_a_job_to_come_due() {
    if !python("a_python_model_may_stay_silent_while_it_waits_for_a_job_to_come_due") {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    // Two jobs, 7 s apart: longer than the silence a batch of 100 ms greets is allowed (twice
    // the timeout plus 5 s), after which a silent interpreter counts as hung and is killed.
    let mut p = open_plan(
        Workload::Greet,
        server.targets(),
        2.0 / 14.0,
        Duration::from_secs(14),
        1,
    );
    assert_eq!(p.count, 2);
    p.timeout = Duration::from_millis(100);
    let model = Python::new(Kind::Sequential);
    let (s, outcomes) = run_open(&model, &mut p, None);
    assert_eq!(s.ok, 2, "{:?}", s.first_errors);
    for o in &outcomes {
        stamps(model.name(), &p, o);
    }
}

#[test]
fn py_interpreters_runs_in_one_process_where_subinterpreters_exist_and_says_what_it_needs_elsewhere()
 {
    if !python("py_interpreters_runs_in_one_process") {
        return;
    }
    let model = Python::new(Kind::Interpreters);
    let found = model_python::interpreter(None).unwrap();
    match model.unavailable() {
        Some(why) => {
            assert!(!found.subinterpreters, "{why}");
            assert!(why.contains("needs Python >= 3.13"), "{why}");
            assert!(!why.contains('\n'), "one line: {why}");
        }
        None => {
            assert!(found.release >= model_python::MIN_SUBINTERPRETERS);
            let (s, outcomes) = summary(&model, &plan(Workload::Crunch, 6, Vec::new(), 2));
            assert_eq!(s.ok, 6);
            // K interpreters, one process: every job ran in the interpreter's own pid.
            let pids: BTreeSet<u32> = outcomes.iter().map(|o| o.pid).collect();
            assert_eq!(pids.len(), 1, "{pids:?}");
        }
    }
}

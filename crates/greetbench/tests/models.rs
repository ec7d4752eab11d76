//! Every model × every workload against an in-process server, and the error paths.
//!
//! Concurrency is shown by structure, never by the clock: the server counts how many greets
//! are waiting at once (`peak_in_flight`), and a *rendezvous* host replies only once K greets
//! wait together, so a model that cannot keep K greets waiting times out instead of passing.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use greet_core::plan::default_workers;
use greet_core::workload::{PANIC_WORK, crunch, crunch_seed};
use greet_core::{
    ErrorKind, Family, GreetError, Model, Plan, PlanError, Shape, Summary, Target, Workload,
};
use greet_server::{Behavior, Config, Server};
use greetbench::registry;
use model_processes::Processes;
use model_processes::faults::Fault;

const WORK: u32 = 2_000;

/// A plan against `targets`, small enough for debug builds. The processes model re-executes
/// the greetbench binary as its workers.
fn plan(workload: Workload, count: usize, targets: Vec<Target>, workers: usize) -> Plan {
    let mut p = Plan::new(workload, count, targets);
    p.work = WORK;
    p.workers = workers;
    p.timeout = Duration::from_secs(10);
    p.worker_exe = Some(PathBuf::from(env!("CARGO_BIN_EXE_greetbench")));
    p
}

fn summary(model: &dyn Model, plan: &Plan) -> (Summary, Vec<greet_core::Outcome>) {
    let batch = model
        .run(plan)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    let s = Summary::new(plan.count, &batch.outcomes)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    assert_eq!(s.ok + s.errors, plan.count, "{}", model.name());
    (s, batch.outcomes)
}

#[test]
fn every_model_every_workload_reaches_the_intended_hosts_with_equal_checksums() {
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    let count = 12;
    for workload in Workload::ALL {
        let mut checksums = Vec::new();
        for model in registry::runnable() {
            let p = plan(workload, count, server.targets(), 2);
            let (s, outcomes) = summary(model.as_ref(), &p);
            assert_eq!(
                s.ok,
                count,
                "{} {workload}: {:?}",
                model.name(),
                s.first_errors
            );
            for o in &outcomes {
                match workload {
                    // Round-robin: job i greets host i % 3, and that host must be the one that replied.
                    Workload::Greet | Workload::Mixed => {
                        assert_eq!(
                            o.reply.map(|r| r.host),
                            Some((o.index % 3) as u32),
                            "{}",
                            model.name()
                        )
                    }
                    Workload::Crunch => assert_eq!(o.reply, None),
                }
            }
            checksums.push((model.name(), s.checksum));
        }
        // The same work gives the same checksum, whichever model ran it.
        let first = checksums[0].1;
        assert!(
            checksums.iter().all(|c| c.1 == first),
            "{workload}: {checksums:?}"
        );
        if workload == Workload::Crunch {
            let expected =
                (0..count).fold(0u64, |a, i| a.wrapping_add(crunch(WORK, crunch_seed(i))));
            assert_eq!(first, expected);
        }
    }
}

/// Runs `model` on `count` greets against a fresh server holding replies until `rendezvous`
/// greets wait at once, and returns the server's peak in-flight count.
fn peak(model: &dyn Model, count: usize, workers: usize, rendezvous: Option<usize>) -> u64 {
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
fn sequential_never_has_two_greets_in_flight() {
    assert_eq!(peak(&model_sequential::Sequential, 10, 2, None), 1);
}

/// The registered models of one shape.
fn models_shaped(shape: Shape) -> Vec<Box<dyn Model>> {
    let models = registry::runnable().into_iter();
    models.filter(|m| m.describe().shape == shape).collect()
}

#[test]
fn pools_keep_exactly_their_size_in_flight() {
    let k = 3;
    for model in models_shaped(Shape::Pool) {
        // The rendezvous of k proves at least k wait together; the pool's size caps it at k.
        assert_eq!(
            peak(model.as_ref(), 3 * k, k, Some(k)),
            k as u64,
            "{}",
            model.name()
        );
    }
}

#[test]
fn unbounded_models_keep_every_greet_in_flight() {
    let n = 24;
    for model in models_shaped(Shape::PerJob) {
        assert_eq!(
            peak(model.as_ref(), n, 2, Some(n)),
            n as u64,
            "{}",
            model.name()
        );
    }
}

#[test]
fn processes_run_jobs_in_other_processes() {
    let server = Server::start(Config::default()).unwrap();
    let p = plan(Workload::Greet, 8, server.targets(), 2);
    let (s, outcomes) = summary(&Processes::default(), &p);
    assert_eq!(s.ok, 8);
    assert_eq!(s.distinct_pids, 2);
    assert!(outcomes.iter().all(|o| o.pid != std::process::id()));
    // The others run jobs in this process.
    let (s, outcomes) = summary(&model_threads::Threads, &p);
    assert_eq!(s.distinct_pids, 1);
    assert!(outcomes.iter().all(|o| o.pid == std::process::id()));
}

/// Runs every model against `targets` and checks that every job failed with `kind`.
fn every_model_fails_with(targets: Vec<Target>, timeout: Duration, kind: ErrorKind) {
    for model in registry::runnable() {
        let mut p = plan(Workload::Greet, 4, targets.clone(), 2);
        p.timeout = timeout;
        let (s, _) = summary(model.as_ref(), &p);
        assert_eq!(s.errors, 4, "{}", model.name());
        assert_eq!(
            s.errors_by_kind.get(&kind),
            Some(&4),
            "{}: {:?}",
            model.name(),
            s.errors_by_kind
        );
    }
}

#[test]
fn a_refused_port_is_a_counted_error() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // The listener is dropped: nothing listens there now.
    every_model_fails_with(
        vec![Target {
            addr,
            host: Some(0),
        }],
        Duration::from_secs(5),
        ErrorKind::Refused,
    );
}

#[test]
fn a_host_that_never_replies_times_out() {
    let server = Server::start(Config {
        behavior: Behavior::Silent,
        ..Config::default()
    })
    .unwrap();
    every_model_fails_with(
        server.targets(),
        Duration::from_millis(300),
        ErrorKind::Timeout,
    );
}

#[test]
fn a_host_that_resets_is_a_counted_error() {
    let server = Server::start(Config {
        behavior: Behavior::Reset,
        ..Config::default()
    })
    .unwrap();
    every_model_fails_with(server.targets(), Duration::from_secs(5), ErrorKind::Reset);
}

#[test]
fn a_reply_from_the_wrong_host_is_caught() {
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    // Claim that host 1's address is host 0.
    let targets = vec![Target {
        addr: server.addrs()[1],
        host: Some(0),
    }];
    let (s, _) = summary(
        &model_sequential::Sequential,
        &plan(Workload::Greet, 2, targets, 1),
    );
    assert_eq!(s.errors_by_kind.get(&ErrorKind::BadReply), Some(&2));
}

#[test]
fn a_worker_process_that_exits_is_reported_and_the_run_completes() {
    let server = Server::start(Config::default()).unwrap();
    // Each worker exits on its 2nd job: 2 jobs succeed, the 2 in hand die with their workers,
    // and the 2 left over have no worker to run them.
    let model = Processes {
        fault: Some(Fault::Exit(2)),
    };
    let (s, _) = summary(&model, &plan(Workload::Greet, 6, server.targets(), 2));
    assert_eq!(s.ok, 2);
    assert_eq!(s.errors_by_kind.get(&ErrorKind::Worker), Some(&4));
    assert!(
        s.first_errors.iter().any(|e| e.contains("exited")),
        "{:?}",
        s.first_errors
    );
}

#[test]
fn a_hung_worker_process_is_killed_not_waited_on() {
    let server = Server::start(Config::default()).unwrap();
    let model = Processes {
        fault: Some(Fault::Hang(1)),
    };
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
fn a_runner_can_be_reused_for_many_batches() {
    // The benches start a model once and time only `run`: check that is sound for every model.
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    for model in registry::runnable() {
        let p = plan(Workload::Mixed, 5, server.targets(), 2);
        let mut runner = model.start(&p).unwrap();
        for _ in 0..3 {
            let batch = runner.run(&p).unwrap();
            let s = Summary::new(p.count, &batch.outcomes).unwrap();
            assert_eq!(s.ok, 5, "{}", model.name());
        }
    }
}

#[test]
fn pools_spread_a_small_batch_over_every_worker() {
    // count == workers: every job must get a worker of its own at once (a rendezvous of k
    // proves it), not queue up two to a worker.
    let k = 3;
    for model in models_shaped(Shape::Pool) {
        assert_eq!(
            peak(model.as_ref(), k, k, Some(k)),
            k as u64,
            "{}",
            model.name()
        );
    }
}

#[test]
fn a_worker_that_writes_garbage_is_killed_not_waited_on() {
    // Each worker prints a stray line at its first job: the parent must notice, kill it and
    // count its jobs, not wait for it to exit.
    let server = Server::start(Config::default()).unwrap();
    let model = Processes {
        fault: Some(Fault::Garbage(1)),
    };
    let (s, _) = summary(&model, &plan(Workload::Greet, 4, server.targets(), 2));
    assert_eq!(s.ok + s.errors, 4);
    assert!(s.errors >= 2, "{s:?}");
    assert!(
        s.first_errors.iter().any(|e| e.contains("not a message")),
        "{:?}",
        s.first_errors
    );
}

#[test]
fn a_long_crunch_is_not_mistaken_for_a_hung_worker() {
    // The hang budget counts the crunch's expected time, not only the greet timeout. Size the
    // job to take about 1.5 s here: past a budget of 2 x timeout + 1 s that ignored crunch.
    let unit = greet_core::workload::DEFAULT_WORK;
    let per_unit = greet_core::workload::crunch_time(unit)
        .as_secs_f64()
        .max(1e-6);
    let mut p = plan(Workload::Crunch, 2, Vec::new(), 2);
    p.work = ((1.5 / per_unit) * f64::from(unit)).min(f64::from(PANIC_WORK - 1)) as u32;
    p.timeout = Duration::from_millis(1);
    let (s, _) = summary(&Processes::default(), &p);
    assert_eq!(s.ok, 2, "{:?}", s.first_errors);
}

/// A crunch batch of `count` jobs at [`PANIC_WORK`]: every odd job's crunch panics wherever
/// the model runs it, every even job does a crunch of no rounds. [`Plan::validate`] refuses
/// it, so `Model::run` would too: tests start the model and call `Runner::run` themselves.
fn panicking_plan(count: usize) -> Plan {
    let mut p = plan(Workload::Crunch, count, Vec::new(), 2);
    p.work = PANIC_WORK;
    assert_eq!(p.validate().err(), Some(PlanError::Work));
    quiet_injected_panics();
    p
}

/// Keeps the injected panics' messages out of the test output; any other panic still prints.
fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload().downcast_ref::<String>();
            if !message.is_some_and(|m| m.starts_with("injected panic")) {
                default(info);
            }
        }));
    });
}

#[test]
fn a_job_that_panics_is_a_counted_error_in_every_model_and_its_siblings_complete() {
    let count = 8;
    let p = panicking_plan(count);
    for model in registry::runnable() {
        let name = model.name();
        let mut runner = model.start(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The runner returns normally: no job's panic unwinds out of it.
        let batch = catch_unwind(AssertUnwindSafe(|| runner.run(&p)))
            .unwrap_or_else(|_| panic!("{name}: a job's panic unwound out of the runner"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let s = Summary::new(count, &batch.outcomes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.ok + s.errors, count, "{name}");
        let panicked = BTreeMap::from([(ErrorKind::Panicked, count / 2)]);
        assert_eq!(s.errors_by_kind, panicked, "{name}: {:?}", s.first_errors);
        for o in &batch.outcomes {
            if o.index % 2 == 0 {
                // A panicking job's siblings complete, with their own checksums.
                assert_eq!(o.error, None, "{name}: job {}", o.index);
                assert_eq!(o.checksum, crunch(0, crunch_seed(o.index)), "{name}");
                continue;
            }
            let message = match &o.error {
                Some(GreetError::Panicked(m)) => m,
                other => panic!("{name}: job {} ended as {other:?}", o.index),
            };
            assert!(message.contains("injected panic"), "{name}: {message}");
            // The processes model's worker process catches the panic itself and answers with
            // it; it does not die. (A job lost with a dead worker would be counted as
            // `worker`, in an outcome the parent writes with its own PID.)
            if model.describe().family == Family::Processes {
                assert_ne!(o.pid, std::process::id(), "{name}");
            }
        }
        // Nothing was lost to the panics: the same runner runs a clean batch in full.
        let mut clean = p.clone();
        clean.work = WORK;
        let s = Summary::new(count, &runner.run(&clean).unwrap().outcomes).unwrap();
        assert_eq!(s.ok, count, "{name}: {:?}", s.first_errors);
    }
}

/// The id of the thread an injected panic ran on, as its message names it.
fn panicked_on(o: &greet_core::Outcome) -> Option<String> {
    let Some(GreetError::Panicked(message)) = &o.error else {
        return None;
    };
    let (_, rest) = message.split_once(" on thread ")?;
    rest.split_whitespace().next().map(str::to_owned)
}

/// How many threads of this process have a name that starts with `prefix` (from
/// /proc/self/task, where Linux cuts names to 15 bytes).
///
/// A std thread names itself once it starts running, so for a moment a new thread carries the
/// name of the thread that spawned it (a blocking-pool thread started from `smol-1` is briefly
/// `smol-1` too), and a runtime's own new thread is not named yet. So look again (every 10 ms,
/// for at most 10 s) until exactly `want` are named, and return what was seen last. Only the
/// count is asserted, never the time.
fn threads_named(prefix: &str, want: usize) -> usize {
    let count = || {
        let tasks = std::fs::read_dir("/proc/self/task").expect("Linux /proc");
        let names = tasks.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok());
        names.filter(|name| name.starts_with(prefix)).count()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = count();
    while seen != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        seen = count();
    }
    seen
}

/// The thread count an environment variable asks a runtime for, if any.
fn env_threads(var: &str) -> Option<usize> {
    std::env::var(var).ok()?.parse().ok()
}

/// Starts the model called `name`, runs the panicking batch, and returns the executor
/// threads it reports and the threads its injected panics ran on.
fn executor_run(name: &str) -> (usize, BTreeSet<String>) {
    let model = registry::find(name).unwrap();
    let p = panicking_plan(8);
    let mut runner = model.start(&p).unwrap();
    let batch = runner.run(&p).unwrap();
    let threads = runner.executor_threads();
    let threads = threads.unwrap_or_else(|| panic!("{name} reports no executor threads"));
    (
        threads,
        batch.outcomes.iter().filter_map(panicked_on).collect(),
    )
}

const EXECUTOR_CHILD_ENV: &str = "GREETBENCH_TEST_EXECUTOR_CHILD";

/// Where an async model's loop runs and its crunch goes, as its description and concurrency
/// say.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Loop {
    /// One thread, crunching inline on it.
    OneThread,
    /// Several worker threads, crunching inline on them (crunch concurrency: the workers).
    CrunchInline,
    /// Several worker threads, crunch sent off them (one crunch per job at once).
    CrunchOff,
}

/// The async model on the runtime crate `runtime` whose loop is `shape`: picked by its
/// description and concurrency, never by its name.
fn on_runtime(runtime: &str, shape: Loop) -> String {
    let p = panicking_plan(10_000);
    registry::models()
        .into_iter()
        .find(|m| {
            let d = m.describe();
            let on = d.runtime.as_ref().is_some_and(|r| r.name == runtime);
            let inline = m.concurrency(&p).cpu < p.count;
            let this = match (d.one_thread, inline) {
                (true, _) => Loop::OneThread,
                (false, true) => Loop::CrunchInline,
                (false, false) => Loop::CrunchOff,
            };
            on && this == shape && d.family == greet_core::Family::Async
        })
        .map(|m| m.name().to_owned())
        .unwrap_or_else(|| panic!("no {shape:?} model on {runtime}"))
}

/// Checks what the async models report against what their runtimes did, in this process.
fn check_executor_threads() {
    let cores = default_workers();
    let here = format!("{:?}", std::thread::current().id());
    // tokio-current-thread: one thread, the caller's, and every crunch (inline on the
    // loop) panicked there.
    let one_thread = on_runtime("tokio", Loop::OneThread);
    let (n, ran_on) = executor_run(&one_thread);
    assert_eq!((n, ran_on), (1, BTreeSet::from([here.clone()])));
    // tokio-inline: crunch runs inline on the async workers, so the panics ran on at most
    // that many threads, none of them the caller's; and that is the crunch concurrency the
    // model claims.
    let inline = on_runtime("tokio", Loop::CrunchInline);
    let (n, ran_on) = executor_run(&inline);
    assert_eq!(n, env_threads("TOKIO_WORKER_THREADS").unwrap_or(cores));
    assert!(
        !ran_on.is_empty() && ran_on.len() <= n && !ran_on.contains(&here),
        "{ran_on:?}"
    );
    let p = panicking_plan(8);
    let inline = registry::find(&inline).unwrap();
    assert_eq!(inline.concurrency(&p).cpu, p.count.min(n));
    let tokio = on_runtime("tokio", Loop::CrunchOff);
    let (n, _) = executor_run(&tokio);
    assert_eq!(n, env_threads("TOKIO_WORKER_THREADS").unwrap_or(cores));
    // smol and async-std run global executors whose threads are named: count them.
    let smol = on_runtime("smol", Loop::CrunchOff);
    let (n, _) = executor_run(&smol);
    assert_eq!(n, env_threads("SMOL_THREADS").unwrap_or(1));
    assert_eq!(threads_named("smol-", n), n, "smol's executor threads");
    let async_std = on_runtime("async-std", Loop::CrunchOff);
    let (n, _) = executor_run(&async_std);
    assert_eq!(n, env_threads("ASYNC_STD_THREAD_COUNT").unwrap_or(cores));
    assert_eq!(
        threads_named("async-std/runti", n),
        n,
        "async-std's executor threads"
    );
}

#[test]
fn async_models_report_the_executor_threads_their_runtimes_run() {
    if std::env::var_os(EXECUTOR_CHILD_ENV).is_some() {
        // The child below: its runtimes were asked for 3 threads each.
        for var in [
            "TOKIO_WORKER_THREADS",
            "SMOL_THREADS",
            "ASYNC_STD_THREAD_COUNT",
        ] {
            assert_eq!(env_threads(var), Some(3), "{var}");
        }
        return check_executor_threads();
    }
    // Only the async models have an executor to report.
    let p = plan(Workload::Crunch, 1, Vec::new(), 1);
    for model in registry::runnable() {
        let runner = model.start(&p).unwrap();
        let is_async = model.describe().family == Family::Async;
        assert_eq!(
            runner.executor_threads().is_some(),
            is_async,
            "{}",
            model.name()
        );
    }
    check_executor_threads();
    // Again in a child process of this test binary, with every runtime asked for 3 threads
    // through its environment variable: the global executors read it once per process.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "async_models_report_the_executor_threads_their_runtimes_run",
        ])
        .env(EXECUTOR_CHILD_ENV, "1")
        .env("TOKIO_WORKER_THREADS", "3")
        .env("SMOL_THREADS", "3")
        .env("ASYNC_STD_THREAD_COUNT", "3")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its report says whether the test ran at all (a filter that matched nothing passes).
    let mut stdout = child.stdout.take().unwrap();
    let report = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child test did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let report = report.join().unwrap().unwrap();
    assert!(
        status.success(),
        "the child test failed: {status}\n{report}"
    );
    assert!(report.contains("1 passed"), "{report}");
}

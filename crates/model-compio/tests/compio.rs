//! The compio model against the real server on loopback, and what it says where io_uring is
//! missing.
//!
//! Everything here is structural: which host replied, how many greets the server saw waiting
//! at once, which error each job was counted under, which line the model printed. No test
//! reads the clock to pass or fail. Two tests need a process of their own (a lower open-files
//! limit, a seccomp filter that the child installs on itself): they re-run this test binary on
//! one test, with a variable that tells that test it is the child.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use greet_core::workload::{crunch, crunch_seed};
use greet_core::{
    Arrivals, ErrorKind, Model, ModelError, Pattern, Plan, Summary, Target, Workload,
};
use greet_server::{Config, Server};
use model_compio::Compio;

/// Set in a child run of this binary; its value says what the child is for.
const CHILD_ENV: &str = "MODEL_COMPIO_TEST_CHILD";

fn plan(workload: Workload, count: usize, targets: Vec<Target>) -> Plan {
    let mut p = Plan::new(workload, count, targets);
    p.work = 2_000;
    p.timeout = Duration::from_secs(10);
    p
}

/// Whether this host can set up an io_uring ring. Where it cannot (`kernel.io_uring_disabled`,
/// a container's seccomp profile), the model reports that in one line and greetbench shows it
/// as not available: a test that needs a ring then prints that line and skips, not fails.
fn has_ring() -> bool {
    match Compio.unavailable() {
        None => true,
        Some(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// Runs `plan` on a freshly started compio model: its summary (which checks
/// `ok + errors == count`) and outcomes.
fn run(plan: &Plan) -> (Summary, Vec<greet_core::Outcome>) {
    let batch = Compio.run(plan).unwrap_or_else(|e| panic!("{e}"));
    let s = Summary::new(plan.count, &batch.outcomes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.ok + s.errors, plan.count);
    (s, batch.outcomes)
}

#[test]
fn replies_come_from_the_intended_hosts_and_crunches_add_up() {
    if !has_ring() {
        return;
    }
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    let count = 12;
    for workload in [Workload::Greet, Workload::Mixed] {
        let (s, outcomes) = run(&plan(workload, count, server.targets()));
        assert_eq!(s.ok, count, "{workload}: {:?}", s.first_errors);
        for o in &outcomes {
            // Round-robin: job i greets host i % 3, and that host must be the one that replied.
            assert_eq!(o.reply.map(|r| r.host), Some((o.index % 3) as u32));
            assert_eq!(o.pid, std::process::id());
        }
    }
    // Crunch alone, on compio's blocking pool: the same checksum as the kernel's own.
    let (s, _) = run(&plan(Workload::Crunch, count, Vec::new()));
    let expected = (0..count).fold(0u64, |a, i| a.wrapping_add(crunch(2_000, crunch_seed(i))));
    assert_eq!((s.ok, s.checksum), (count, expected));
}

#[test]
fn every_greet_of_a_small_batch_waits_at_once() {
    if !has_ring() {
        return;
    }
    let n = 24;
    // The rendezvous holds every reply until n greets wait together: a model that could not
    // keep n waiting would time out instead.
    let server = Server::start(Config {
        hosts: 4,
        rendezvous: Some(n),
        latency: Duration::from_millis(5),
        ..Config::default()
    })
    .unwrap();
    let (s, _) = run(&plan(Workload::Greet, n, server.targets()));
    assert_eq!(s.ok, n, "{:?}", s.first_errors);
    assert_eq!(server.stats().peak_in_flight, n as u64);
}

#[test]
fn an_open_loop_run_starts_no_job_before_it_is_due() {
    if !has_ring() {
        return;
    }
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    // 20 jobs, one every 5 ms.
    let arrivals = Arrivals::new(Pattern::Constant, 200.0, Duration::from_millis(100), 1)
        .unwrap()
        .start_in(Duration::from_millis(10));
    let mut p = plan(Workload::Greet, arrivals.count(), server.targets());
    p.arrivals = Some(arrivals.clone());
    let (s, outcomes) = run(&p);
    assert_eq!(s.ok, p.count, "{:?}", s.first_errors);
    for o in &outcomes {
        let ran = o.open_loop.expect("an open-loop job records when it ran");
        // The dispatcher spawned job i once it was due, not before; the job then ran to its end.
        assert!(
            ran.started_us >= arrivals.offset_us(o.index),
            "job {} started at {} µs, due at {} µs",
            o.index,
            ran.started_us,
            arrivals.offset_us(o.index)
        );
        assert!(ran.done_us >= ran.started_us);
    }
}

#[test]
fn a_deadline_that_has_passed_ends_every_job_as_a_counted_deadline_error() {
    if !has_ring() {
        return;
    }
    let server = Server::start(Config::default()).unwrap();
    let mut p = plan(Workload::Greet, 6, server.targets());
    p.deadline = Some(std::time::SystemTime::now() - Duration::from_secs(1));
    let (s, _) = run(&p);
    assert_eq!(s.errors_by_kind, BTreeMap::from([(ErrorKind::Deadline, 6)]));
}

#[test]
fn a_silent_host_times_out_each_greet() {
    if !has_ring() {
        return;
    }
    let server = Server::start(Config {
        behavior: greet_server::Behavior::Silent,
        ..Config::default()
    })
    .unwrap();
    let mut p = plan(Workload::Greet, 4, server.targets());
    p.timeout = Duration::from_millis(200);
    let (s, _) = run(&p);
    assert_eq!(s.errors_by_kind, BTreeMap::from([(ErrorKind::Timeout, 4)]));
}

/// Re-runs this test binary on the test `name` alone, with [`CHILD_ENV`] set to `role`, as
/// `command` prepares it; returns its standard output once it passed. Waits at most 60 s.
fn run_child(name: &str, role: &str, mut command: Command) -> String {
    command
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, role)
        .stdout(Stdio::piped());
    let mut child = command.spawn().expect("re-run the test binary");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child test did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let report = reader.join().unwrap().unwrap();
    assert!(status.success(), "the child failed: {status}\n{report}");
    // A filter that matched nothing passes too: make sure the test really ran.
    assert!(report.contains("1 passed"), "{report}");
    report
}

/// The rest of the line the child printed after `key` (the test harness may have put its own
/// words before it on the same line).
fn printed<'a>(report: &'a str, key: &str) -> &'a str {
    report
        .lines()
        .find_map(|l| l.split_once(key).map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("the child printed no {key}\n{report}"))
}

#[test]
fn the_open_files_limit_is_a_counted_error_and_the_rest_complete() {
    if !has_ring() {
        return;
    }
    const NAME: &str = "the_open_files_limit_is_a_counted_error_and_the_rest_complete";
    if std::env::var_os(CHILD_ENV).is_some() {
        // The child: 48 open files at most, and 100 greets that each hold a socket for 300
        // ms. Some connect before the limit; the rest must fail as counted OpenFiles errors.
        let addrs = std::env::var("MODEL_COMPIO_TEST_ADDRS").unwrap();
        let targets = addrs
            .split(',')
            .enumerate()
            .map(|(i, a)| Target {
                addr: a.parse::<SocketAddr>().unwrap(),
                host: Some(i as u32),
            })
            .collect();
        let (s, _) = run(&plan(Workload::Greet, 100, targets));
        println!("SUMMARY: {} ok, {:?}", s.ok, s.errors_by_kind);
        assert!(s.ok > 0, "{:?}", s.first_errors);
        let open_files = s.errors_by_kind.get(&ErrorKind::OpenFiles).copied();
        assert_eq!(open_files, Some(s.errors), "{:?}", s.first_errors);
        return;
    }
    // The hosts live in this process, with the usual limit; only the child's is lowered.
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    let addrs: Vec<String> = server.addrs().iter().map(|a| a.to_string()).collect();
    let mut sh = Command::new("sh");
    sh.args(["-c", "ulimit -n 48 && exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().unwrap())
        .env("MODEL_COMPIO_TEST_ADDRS", addrs.join(","));
    let report = run_child(NAME, "open-files", sh);
    println!("{}", printed(&report, "SUMMARY: "));
}

/// Makes `io_uring_setup` fail with `errno` for this thread and every thread it starts from
/// now on, letting every other system call through, as a container runtime's default seccomp
/// profile does. Irreversible: only ever called in a child run of this binary.
fn refuse_io_uring_setup(errno: i32) {
    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter};
    let filter = SeccompFilter::new(
        // No condition on the arguments: every io_uring_setup matches.
        [(libc::SYS_io_uring_setup, vec![])].into(),
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        std::env::consts::ARCH
            .try_into()
            .expect("an architecture seccompiler knows"),
    )
    .expect("a filter of one rule");
    let program: BpfProgram = filter.try_into().expect("a filter that compiles");
    // Sets PR_SET_NO_NEW_PRIVS first, as an unprivileged process must.
    seccompiler::apply_filter(&program).expect("the filter installs");
}

#[test]
fn without_io_uring_the_model_says_why_in_one_line_and_does_not_start() {
    const NAME: &str = "without_io_uring_the_model_says_why_in_one_line_and_does_not_start";
    let errnos = [(libc::EPERM, "EPERM"), (libc::ENOSYS, "ENOSYS")];
    if let Ok(role) = std::env::var(CHILD_ENV) {
        // The child: refuse io_uring_setup, then print what the model says.
        let (errno, _) = errnos.into_iter().find(|(_, n)| *n == role).unwrap();
        refuse_io_uring_setup(errno);
        let why = Compio
            .unavailable()
            .expect("io_uring was refused: the model must say so");
        println!("UNAVAILABLE: {why}");
        let p = plan(Workload::Greet, 1, Vec::new());
        match Compio.start(&p) {
            Err(ModelError::Start { reason, .. }) => println!("START: {reason}"),
            Err(e) => panic!("start failed some other way: {e}"),
            Ok(_) => panic!("the model started without io_uring"),
        }
        return;
    }
    for (_, name) in errnos {
        let report = run_child(NAME, name, Command::new(std::env::current_exe().unwrap()));
        let why = printed(&report, "UNAVAILABLE: ");
        println!("{name}: {why}");
        let expected = format!("io_uring is not available here: io_uring_setup returned {name} (");
        assert!(why.starts_with(&expected), "{why}");
        // start() refuses with the same one line: no fallback to another driver.
        assert_eq!(printed(&report, "START: "), why);
    }
}

#[test]
fn a_blocking_greet_on_the_same_thread_after_a_batch_is_not_interrupted() {
    if !has_ring() {
        return;
    }
    // Closing a ring can queue kernel work to the thread that used it, and that interrupts a
    // blocking socket call with a timeout (EINTR). The benches and tests run the models one
    // after another on one thread, so no trace of compio's ring may reach the caller's thread.
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(1),
        ..Config::default()
    })
    .unwrap();
    let targets = server.targets();
    for round in 0..20 {
        let (s, _) = run(&plan(Workload::Greet, 8, targets.clone()));
        assert_eq!(s.ok, 8, "{:?}", s.first_errors);
        for t in &targets {
            let reply = greet_core::client::greet_target(t, Duration::from_secs(5));
            assert!(reply.is_ok(), "round {round}: {reply:?}");
        }
    }
}

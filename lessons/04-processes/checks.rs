// Lesson 04's checks, shared by `lesson04-exercise` and `lesson04-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 04`. Do not edit: they are how the checker knows you are done.
//
// The worker executable is this package's `lesson04-<exercise|solution>-worker` binary, which
// cargo builds for the tests and names in CARGO_BIN_EXE_<name>.
//
// What each check guards, and the wrong solution in lesson04-wrong that proves it does:
// - jobs_run_in_other_processes_one_per_worker: the jobs run in K worker processes, all at
//   once (wrong/threads_not_processes).
// - each_worker_logs_its_jobs_to_its_own_file: one log file per worker (wrong/shared_log).
// - ask_kills_a_hung_worker_and_reaps_it_before_returning: a hung worker is killed and waited
//   for, no zombie (wrong/no_kill_on_timeout, wrong/kill_without_wait).
// - a_hung_job_is_an_error_and_the_other_worker_runs_the_rest: the queue is shared; a hung
//   job is one counted error (wrong/fixed_split).
// - jobs_left_when_every_worker_is_gone_are_counted_errors: no job is lost, ok + errors ==
//   count (wrong/lost_jobs).
// - each_job_has_its_own_timeout: the timeout is per job, not one deadline for the batch
//   (wrong/one_deadline_for_the_batch).
// - results_come_back_in_the_order_jobs_finish: `ask` returns as soon as the answer arrives,
//   not when the timeout is up (wrong/ask_waits_the_whole_timeout).
// - the_job_timeout_given_is_the_one_used: every ask gets run_pool's job_timeout, whole
//   (wrong/constant_job_timeout).
// - ask_waits_for_the_answer_without_using_the_cpu: ask blocks on the channel while it waits;
//   it does not spin (wrong/ask_spins_until_the_answer).
// - run_pool_fails_only_when_a_worker_cannot_start: the docstring's error case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use greet_core::GreetError;
use greet_server::{Config, Server};
use lesson04::{Done, Job, run_pool, spawn_worker};

const WORKER_EXE: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"), "-worker"));

/// Long enough for any real greet here; a job past it is hung.
const JOB_TIMEOUT: Duration = Duration::from_secs(10);

fn greet_jobs(server: &Server, count: usize, timeout: Duration) -> Vec<Job> {
    let targets = server.targets();
    (0..count)
        .map(|index| Job::Greet {
            index,
            target: targets[index % targets.len()].clone(),
            timeout_ms: timeout.as_millis() as u64,
        })
        .collect()
}

/// The results sorted by job index, after checking each index came back exactly once.
fn by_index(mut done: Vec<Done>, count: usize) -> Vec<Done> {
    done.sort_by_key(|d| d.index);
    let indexes: Vec<usize> = done.iter().map(|d| d.index).collect();
    assert_eq!(
        indexes,
        (0..count).collect::<Vec<_>>(),
        "the job indexes that came back ({} results), want 0 to {} once each",
        indexes.len(),
        count.saturating_sub(1)
    );
    done
}

/// Each log file in `dir`, keyed by the pid its first line names (`worker PID: started`).
fn logs_by_pid(dir: &Path) -> BTreeMap<u32, String> {
    let mut logs = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the log directory exists") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a readable log file");
        let pid = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("worker "))
            .and_then(|l| l.strip_suffix(": started"))
            .and_then(|pid| pid.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "{} does not start with `worker PID: started`",
                    path.display()
                )
            });
        logs.insert(pid, text);
    }
    logs
}

#[test]
fn jobs_run_in_other_processes_one_per_worker() {
    // Replies wait until 3 greets are in flight at once: only 3 workers greeting at the same
    // time get them, so each of the 3 processes must have run a job.
    let workers = 3;
    let server = Server::start(Config {
        hosts: 3,
        rendezvous: Some(workers),
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    // Generous: the first greet also waits for the slowest worker process to start.
    let jobs = greet_jobs(&server, 9, Duration::from_secs(5));
    let done = run_pool(
        Path::new(WORKER_EXE),
        workers,
        logs.path(),
        &jobs,
        JOB_TIMEOUT,
    )
    .expect("the workers start");
    let done = by_index(done, 9);
    for d in &done {
        let reply = d
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("job {} failed: {e}", d.index));
        assert_eq!(reply.host, (d.index % 3) as u32, "job {}", d.index);
        assert_ne!(
            d.pid,
            std::process::id(),
            "job {} ran in the test's own process",
            d.index
        );
    }
    let pids: BTreeSet<u32> = done.iter().map(|d| d.pid).collect();
    assert_eq!(
        pids.len(),
        workers,
        "distinct worker pids in the results: {}, want {workers}",
        pids.len()
    );
}

#[test]
fn each_worker_logs_its_jobs_to_its_own_file() {
    let workers = 2;
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let jobs = greet_jobs(&server, 6, Duration::from_secs(5));
    let done = run_pool(
        Path::new(WORKER_EXE),
        workers,
        logs.path(),
        &jobs,
        JOB_TIMEOUT,
    )
    .expect("the workers start");
    let done = by_index(done, 6);
    let by_pid = logs_by_pid(logs.path());
    assert_eq!(
        by_pid.len(),
        workers,
        "log files, each naming its own worker's pid: {}, want {workers} (one per worker)",
        by_pid.len()
    );
    for d in &done {
        assert!(d.result.is_ok(), "job {} failed: {:?}", d.index, d.result);
        let log = by_pid
            .get(&d.pid)
            .unwrap_or_else(|| panic!("no log file for worker {}", d.pid));
        assert!(
            log.contains(&format!("job {}:", d.index)),
            "worker {}'s log does not mention job {}:\n{log}",
            d.pid,
            d.index
        );
    }
}

/// Whether process `pid` still exists, zombie or not; `None` where there is no `/proc`.
fn process_exists(pid: u32) -> Option<bool> {
    Path::new("/proc/self")
        .exists()
        .then(|| Path::new(&format!("/proc/{pid}")).exists())
}

#[test]
fn ask_kills_a_hung_worker_and_reaps_it_before_returning() {
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut worker =
        spawn_worker(Path::new(WORKER_EXE), &logs.path().join("worker-0.log")).expect("it starts");
    let pid = worker.pid();
    assert!(process_exists(pid).unwrap_or(true), "worker {pid} runs");
    let hang = Job::Hang {
        index: 0,
        secs: 120,
    };
    assert_eq!(
        worker.ask(&hang, Duration::from_secs(1)),
        Err(GreetError::WorkerHung),
        "a worker that does not answer within the timeout is hung"
    );
    // `worker` is still alive here: its `Drop` (which kills whatever is left) has not run. So
    // this sees what `ask` itself did.
    assert_ne!(
        process_exists(pid),
        Some(true),
        "worker {pid} still exists when ask returns: kill it, then wait() for it, inside ask \
         (a killed process that nobody waited for stays listed, as a zombie)"
    );
    // A worker that is gone gets no more jobs.
    let again = worker.ask(&hang, Duration::from_secs(1));
    assert!(
        matches!(again, Err(GreetError::WorkerDied(_))),
        "asking a worker that was killed is WorkerDied, got {again:?}"
    );
}

#[test]
fn a_hung_job_is_an_error_and_the_other_worker_runs_the_rest() {
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut jobs = greet_jobs(&server, 7, Duration::from_secs(5));
    // Job 2 makes its worker sleep far longer than the pool's job timeout.
    jobs[2] = Job::Hang {
        index: 2,
        secs: 120,
    };
    // Far longer than a greet here takes (a worker's first job includes its start-up), far
    // shorter than the hang.
    let job_timeout = Duration::from_secs(3);
    let done = run_pool(Path::new(WORKER_EXE), 2, logs.path(), &jobs, job_timeout)
        .expect("the workers start");
    let done = by_index(done, 7);
    assert_eq!(
        done[2].result,
        Err(GreetError::WorkerHung),
        "job 2's worker hung"
    );
    let ok = done.iter().filter(|d| d.result.is_ok()).count();
    let errors = done.len() - ok;
    assert_eq!(
        (ok, errors),
        (6, 1),
        "(ok, errors): the other worker ran every other job: {done:?}"
    );
    assert_eq!(
        ok + errors,
        jobs.len(),
        "ok + errors: {}, want {} (every job counted once)",
        ok + errors,
        jobs.len()
    );
    let hung = done[2].pid;
    assert_ne!(hung, 0, "the hung job names the worker that ran it");
    let hung_log = &logs_by_pid(logs.path())[&hung];
    assert!(hung_log.contains("job 2: hanging"), "{hung_log}");
}

#[test]
fn jobs_left_when_every_worker_is_gone_are_counted_errors() {
    // One worker, and it hangs on the first job: nobody is left to run the other two. They
    // are not lost: each comes back as WorkerDied, with pid 0 since no worker ran it.
    let server = Server::start(Config::default()).expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut jobs = greet_jobs(&server, 3, Duration::from_secs(5));
    jobs[0] = Job::Hang {
        index: 0,
        secs: 120,
    };
    let done = run_pool(
        Path::new(WORKER_EXE),
        1,
        logs.path(),
        &jobs,
        Duration::from_secs(1),
    )
    .expect("the worker starts");
    let done = by_index(done, 3);
    assert_eq!(done[0].result, Err(GreetError::WorkerHung), "job 0 hung");
    for d in &done[1..] {
        assert!(
            matches!(d.result, Err(GreetError::WorkerDied(_))) && d.pid == 0,
            "job {} had no worker left to run it: WorkerDied with pid 0, got {d:?}",
            d.index
        );
    }
    let served = server.stats().served;
    assert_eq!(
        served, 0,
        "greets served: {served}, want 0 (no worker was left to greet)"
    );
}

#[test]
fn each_job_has_its_own_timeout() {
    // One worker, 12 greets to a host that answers after 250 ms, each job allowed 2 s: the
    // batch takes 3 s, well past one job's timeout, and every job must still succeed. One
    // deadline for the whole batch would kill the worker as hung partway through.
    let server = Server::start(Config {
        hosts: 1,
        latency: Duration::from_millis(250),
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let jobs = greet_jobs(&server, 12, Duration::from_secs(5));
    let done = run_pool(
        Path::new(WORKER_EXE),
        1,
        logs.path(),
        &jobs,
        Duration::from_secs(2),
    )
    .expect("the worker starts");
    let done = by_index(done, 12);
    let ok = done.iter().filter(|d| d.result.is_ok()).count();
    assert_eq!(
        ok,
        12,
        "jobs ok: {ok}, want 12: each job may take up to the job timeout, counted from when it \
         is sent, not from the start of the batch ({:?})",
        done.iter().find(|d| d.result.is_err())
    );
}

#[test]
fn results_come_back_in_the_order_jobs_finish() {
    // Two workers, each job allowed 6 s. Job 0 makes its worker sleep 3 s; the four greets
    // after it are answered at once, by the other worker, while job 0 sleeps. An `ask` that
    // returns as soon as the answer arrives hands back the four first and job 0 last; one that
    // waits out its whole timeout before it looks returns job 0 (at 6 s) before most of them.
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut jobs = greet_jobs(&server, 5, Duration::from_secs(5));
    jobs[0] = Job::Hang { index: 0, secs: 3 };
    let done = run_pool(
        Path::new(WORKER_EXE),
        2,
        logs.path(),
        &jobs,
        Duration::from_secs(6),
    )
    .expect("the workers start");
    let order: Vec<usize> = done.iter().map(|d| d.index).collect();
    assert_eq!(
        order.last(),
        Some(&0),
        "the order results came back in: {order:?}, want job 0 (which sleeps 3 s) last: does \
         ask return as soon as the answer arrives (recv_timeout), or wait out the timeout first?"
    );
    let done = by_index(done, 5);
    for d in &done[1..] {
        assert!(d.result.is_ok(), "job {} failed: {:?}", d.index, d.result);
    }
}

#[test]
fn the_job_timeout_given_is_the_one_used() {
    // A job that makes its worker sleep 2 s before it answers. Given 1 s, the worker is hung:
    // killed, and the job is WorkerHung. Given 8 s, it is not: the worker answers (the job's
    // own result, a timeout) and goes on to the next four jobs. No timeout fixed in the code
    // does both, nor a share of the 8 s per job.
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let logs = tempfile::tempdir().expect("a temp dir");
    let sleeper = Job::Hang { index: 0, secs: 2 };
    let hasty = run_pool(
        Path::new(WORKER_EXE),
        1,
        logs.path(),
        std::slice::from_ref(&sleeper),
        Duration::from_secs(1),
    )
    .expect("the worker starts");
    assert_eq!(
        hasty.first().map(|d| &d.result),
        Some(&Err(GreetError::WorkerHung)),
        "a job that takes 2 s, run with a job timeout of 1 s, is WorkerHung: does ask get the \
         job_timeout run_pool was given?"
    );
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut jobs = greet_jobs(&server, 5, Duration::from_secs(5));
    jobs[0] = sleeper;
    let patient = run_pool(
        Path::new(WORKER_EXE),
        1,
        logs.path(),
        &jobs,
        Duration::from_secs(8),
    )
    .expect("the worker starts");
    let patient = by_index(patient, 5);
    assert_eq!(
        (&patient[0].result, patient[0].pid != 0),
        (&Err(GreetError::Timeout), true),
        "(job 0's result, whether a worker answered it): a job that takes 2 s, run with a job \
         timeout of 8 s, is answered by its worker (its own result is a timeout), not killed as \
         hung: does every ask get the whole job_timeout?"
    );
    let ok = patient.iter().filter(|d| d.result.is_ok()).count();
    assert_eq!(ok, 4, "greet jobs ok after the slow one: {ok}, want 4");
}

#[test]
fn ask_waits_for_the_answer_without_using_the_cpu() {
    // One job that makes the worker sleep 2 s before it answers, asked with 6 s. While ask
    // waits, the thread that called it should sleep too, blocked until the answer arrives: the
    // kernel then hardly puts it on a CPU (/proc/self/task/TID/schedstat counts how often). One
    // that spins on try_recv until the answer or the timeout runs the whole time.
    let logs = tempfile::tempdir().expect("a temp dir");
    let mut worker =
        spawn_worker(Path::new(WORKER_EXE), &logs.path().join("worker-0.log")).expect("it starts");
    let me = lesson_measure::cpu::current_thread_id();
    let before = me.and_then(lesson_measure::cpu::runs);
    let answer = worker.ask(&Job::Hang { index: 0, secs: 2 }, Duration::from_secs(6));
    let used = me
        .and_then(lesson_measure::cpu::runs)
        .zip(before)
        .map(|(after, before)| after.since(before));
    assert_eq!(
        answer.map(|d| d.result),
        Ok(Err(GreetError::Timeout)),
        "the worker's answer to a 2 s sleep (its result is a timeout), within the 6 s"
    );
    let Some(used) = used else {
        eprintln!("(no schedstat here: ask's CPU is not checked)");
        return;
    };
    let on_cpu_ms = used.on_cpu_ns as f64 / 1e6;
    assert!(
        used.runs <= 10 && on_cpu_ms <= 50.0,
        "while ask waited 2 s for the answer, its thread was put on a CPU {} times and used \
         {on_cpu_ms:.1} ms of it, want at most 10 times and 50 ms: wait on the channel \
         (recv_timeout) rather than asking it again and again",
        used.runs
    );
}

#[test]
fn run_pool_fails_only_when_a_worker_cannot_start() {
    let logs = tempfile::tempdir().expect("a temp dir");
    let missing = logs.path().join("no-such-worker");
    let got = run_pool(&missing, 2, logs.path(), &[], Duration::from_secs(1));
    assert!(
        got.is_err(),
        "a worker executable that does not exist is an Err from run_pool, got {got:?}"
    );
}

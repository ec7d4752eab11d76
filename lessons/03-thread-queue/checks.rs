// Lesson 03's checks, shared by `lesson03-exercise` and `lesson03-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 03`. Do not edit: they are how the checker knows you are done.
//
// Results come back in whatever order the workers finish, so every check sorts them by job
// index (or counts them) before asserting anything.
//
// What each check guards, and the wrong solution in lesson03-wrong that proves it does. Most
// go through the given `pool_greet`, which runs your `run_pool`:
// - every_job_comes_back_once_from_its_host: one Done per job, each from its host.
// - peak_in_flight_equals_the_pool_size: at most K greets at once, and K reached: it is a pool
//   (wrong/thread_per_job).
// - distinct_workers_equal_the_pool_size: K threads of the pool's own do the jobs.
// - a_refused_job_is_an_error_and_the_rest_complete: a failure is one counted error.
// - a_held_job_leaves_the_rest_of_the_queue_to_the_other_workers: whichever worker is free
//   takes the next job: the queue balances the load (wrong/fixed_split).
// - results_come_back_while_the_queue_is_still_open: the work flows through the queues, job by
//   job, not gathered first and handed back at the end (wrong/no_queue).
// - idle_workers_wait_on_the_open_queue: a worker with no job blocks on the queue until it
//   is closed: it does not spin or poll (wrong/spinning_workers, wrong/sleeping_workers), nor
//   give up on a queue that stays empty a while (wrong/workers_quit_when_the_queue_is_idle).
// - the_timeout_given_is_the_one_used: every greet gets the caller's whole timeout
//   (wrong/constant_timeout).
// - zero_workers_means_one_worker: `workers = 0` is decided: one worker, never no work
//   (wrong/zero_workers_do_nothing).
// - run_pool_returns_once_its_workers_are_done: the workers end cleanly, and run_pool waits
//   for them (wrong/detached_workers).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use greet_core::protocol::{GREETING, reply_line};
use greet_core::{GreetError, Target};
use greet_server::{Config, Server};
use lesson_measure::{alone, cpu};
use lesson03::{Done, Job, pool_greet, run_pool};

/// Short on purpose: at a rendezvous, a greet that is not answered within this long means the
/// workers did not all wait at the same time.
const RENDEZVOUS_TIMEOUT: Duration = Duration::from_secs(2);

/// `count` jobs round-robin over the server's hosts.
fn jobs(server: &Server, count: usize) -> Vec<Target> {
    server.targets().into_iter().cycle().take(count).collect()
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

/// Job `index`: greet `target`.
fn job(index: usize, target: &Target) -> Job {
    Job {
        index,
        target: target.clone(),
    }
}

/// A server whose replies wait until `workers` greets are in flight at once, and then take
/// 50 ms more: long enough for a greet beyond the pool's `workers` to arrive while the others
/// still wait, and show in the peak, if a solution could send one.
fn rendezvous_server(workers: usize) -> Server {
    Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(50),
        rendezvous: Some(workers),
        ..Config::default()
    })
    .expect("the greet server starts")
}

/// The host number of [`answer_once_served`]'s host.
const HELD_HOST: u32 = 7;

/// A greet host of its own, on `listener`: it accepts one connection, reads the greeting, and
/// answers (as host [`HELD_HOST`]) only once `server` has served `others` greets. If that does
/// not happen within 5 s, or `stop` is set, it closes the connection without a reply. Every
/// wait here is bounded, so the check ends whatever the solution does.
fn answer_once_served(listener: &TcpListener, server: &Server, others: u64, stop: &AtomicBool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let waiting = || !stop.load(Ordering::SeqCst) && Instant::now() < deadline;
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let mut conn = loop {
        match listener.accept() {
            Ok((conn, _)) => break conn,
            Err(_) if waiting() => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => return,
        }
    };
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut greeting = [0u8; GREETING.len()];
    if conn.read_exact(&mut greeting).is_err() {
        return;
    }
    while server.stats().served < others {
        if !waiting() {
            return; // the other jobs never got done: close without a reply
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = conn.write_all(reply_line(HELD_HOST).as_bytes());
}

/// Sets the flag when dropped, also while a panic unwinds: it tells a helper thread to stop
/// waiting, so that a failed check ends at once.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn every_job_comes_back_once_from_its_host() {
    let server = Server::start(Config {
        hosts: 5,
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = jobs(&server, 12);
    let done = by_index(pool_greet(&targets, 3, Duration::from_secs(5)), 12);
    for d in &done {
        let reply = d
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("job {} failed: {e}", d.index));
        assert_eq!(Some(reply.host), targets[d.index].host, "job {}", d.index);
    }
    let served = server.stats().served;
    assert_eq!(served, 12, "greets the server answered: {served}, want 12");
}

#[test]
fn peak_in_flight_equals_the_pool_size() {
    // Replies are held until 3 greets wait at once, then take 50 ms more. Three workers get
    // there; fewer time out. A fourth greet sent meanwhile (a pool that is not a pool: say, a
    // thread per job) would be in flight with the three and show in the peak.
    let workers = 3;
    let server = rendezvous_server(workers);
    let targets = jobs(&server, 9);
    let done = by_index(pool_greet(&targets, workers, RENDEZVOUS_TIMEOUT), 9);
    for d in &done {
        assert!(
            d.result.is_ok(),
            "job {} failed ({:?}): did {workers} workers wait at the same time?",
            d.index,
            d.result
        );
    }
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, workers as u64,
        "exactly `workers` greets may be in flight at once; the server saw {peak}"
    );
}

#[test]
fn distinct_workers_equal_the_pool_size() {
    let workers = 4;
    let server = rendezvous_server(workers);
    let targets = jobs(&server, 10);
    let done = by_index(pool_greet(&targets, workers, RENDEZVOUS_TIMEOUT), 10);
    let ids: BTreeSet<String> = done.iter().map(|d| format!("{:?}", d.worker)).collect();
    assert_eq!(
        ids.len(),
        workers,
        "distinct worker thread ids in the results: {}, want {workers} (every worker ran a job, \
         and no other thread did)",
        ids.len()
    );
    let me = format!("{:?}", std::thread::current().id());
    assert!(
        !ids.contains(&me),
        "the jobs run on the pool's threads, not the caller's"
    );
}

#[test]
fn a_refused_job_is_an_error_and_the_rest_complete() {
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let mut targets = jobs(&server, 6);
    let refused: SocketAddr = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        l.local_addr().expect("local address")
    };
    targets[4] = Target {
        addr: refused,
        host: Some(4),
    };
    let done = by_index(pool_greet(&targets, 2, Duration::from_secs(5)), 6);
    assert_eq!(
        done[4].result,
        Err(GreetError::Refused),
        "job 4's host refuses"
    );
    let ok = done.iter().filter(|d| d.result.is_ok()).count();
    let errors = done.len() - ok;
    assert_eq!(
        (ok, errors),
        (5, 1),
        "(ok, errors) of 5 greets and 1 refusal"
    );
    assert_eq!(
        ok + errors,
        targets.len(),
        "ok + errors: {}, want {} (every job counted once)",
        ok + errors,
        targets.len()
    );
}

#[test]
fn a_held_job_leaves_the_rest_of_the_queue_to_the_other_workers() {
    // Job 4 goes to a host that answers only once the server has served the 8 other jobs. A
    // shared queue lets the other workers take all 8 while one worker waits on job 4. A fixed
    // split of the jobs among the workers cannot: whichever way they are dealt, some job dealt
    // to job 4's worker waits behind it, so the 8 are never all served, and job 4 gets no reply.
    let (workers, count, held) = (3, 9, 4);
    let server = Server::start(Config {
        hosts: 4,
        ..Config::default()
    })
    .expect("the greet server starts");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let mut targets = jobs(&server, count);
    targets[held] = Target {
        addr: listener.local_addr().expect("local address"),
        host: Some(HELD_HOST),
    };
    let stop = AtomicBool::new(false);
    let done = std::thread::scope(|s| {
        s.spawn(|| answer_once_served(&listener, &server, count as u64 - 1, &stop));
        let _stop = StopOnDrop(&stop);
        pool_greet(&targets, workers, Duration::from_secs(10))
    });
    let done = by_index(done, count);
    for d in &done {
        match &d.result {
            Ok(reply) => assert_eq!(Some(reply.host), targets[d.index].host, "job {}", d.index),
            Err(e) if d.index == held => panic!(
                "job {held} got no reply ({e}): its host answers once the 8 other jobs are done, \
                 and they were not. Do the other workers take every job that is left, from one \
                 shared queue?"
            ),
            Err(e) => panic!("job {} failed: {e}", d.index),
        }
    }
}

#[test]
fn results_come_back_while_the_queue_is_still_open() {
    // One job goes in and the queue stays open: its result must come back before any more
    // jobs arrive. A pool that waits for the whole batch before it starts (collecting the jobs
    // first), or hands every result back at the end (a Vec behind a lock), sends nothing yet.
    let server = Server::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = jobs(&server, 6);
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    let (first, rest) = std::thread::scope(|s| {
        s.spawn(move || run_pool(jobs_rx, done_tx, 3, Duration::from_secs(5)));
        let _ = jobs_tx.send(job(0, &targets[0]));
        let first = done_rx.recv_timeout(Duration::from_secs(5)).ok();
        for (i, t) in targets.iter().enumerate().skip(1) {
            let _ = jobs_tx.send(job(i, t));
        }
        drop(jobs_tx);
        (first, done_rx.iter().collect::<Vec<Done>>())
    });
    let first = first.unwrap_or_else(|| {
        panic!(
            "no result came back within 5 s of job 0 while the job queue was still open: take \
             each job from the queue as it comes, and send its Done as soon as it is done"
        )
    });
    assert_eq!(
        first.index, 0,
        "the first result is job 0's, the only job sent"
    );
    let mut all = rest;
    all.push(first);
    let done = by_index(all, 6);
    let ok = done.iter().filter(|d| d.result.is_ok()).count();
    assert_eq!(ok, 6, "jobs ok: {ok}, want 6");
}

#[test]
fn idle_workers_wait_on_the_open_queue() {
    if !alone::in_a_process_of_its_own("idle_workers_wait_on_the_open_queue") {
        return; // it ran, and passed, in a process of its own
    }
    // Four workers whose greets time out after 500 ms, one job, and then an open, empty queue
    // for 3 s, six timeouts' worth, once every worker has reached it; then one more job. A
    // worker blocked on the queue is never put on a CPU while it waits, and is still there for
    // the next job. One that spins on try_recv, or sleeps and polls, runs again and again (the
    // kernel counts it: /proc/self/task/*/schedstat); one that gives up on a queue that is
    // quiet for a while is gone when the next job comes.
    let server = Server::start(Config::default()).expect("the greet server starts");
    let Some(before) = cpu::thread_ids() else {
        eprintln!("(no /proc here: idle workers are not checked)");
        return;
    };
    let target = server.targets()[0].clone();
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    let idle_for = Duration::from_secs(3);
    let (first, pool_threads, idle, after) = std::thread::scope(|s| {
        s.spawn(move || run_pool(jobs_rx, done_tx, 4, Duration::from_millis(500)));
        let _ = jobs_tx.send(job(0, &target));
        let first = done_rx.recv_timeout(Duration::from_secs(5)).ok();
        // Every thread started since: the pool's (the server and this one were there before).
        let pool: Vec<u32> = cpu::thread_ids()
            .unwrap_or_default()
            .difference(&before)
            .copied()
            .collect();
        // Let them all get to the queue: a loaded machine may not have run a new thread yet.
        // A worker that waits on the queue is then asleep (S); one that spins never is, and
        // after 2 s it is measured all the same. (Bounded: 400 looks, 5 ms apart.)
        for _ in 0..400 {
            if pool.iter().all(|t| cpu::state(*t).is_none_or(|s| s == 'S')) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let start: Vec<Option<cpu::Runs>> = pool.iter().map(|t| cpu::runs(*t)).collect();
        std::thread::sleep(idle_for);
        let idle: Vec<cpu::Runs> = pool
            .iter()
            .zip(&start)
            .filter_map(|(t, s)| Some(cpu::runs(*t)?.since((*s)?)))
            .collect();
        // The queue is still open: the next job must still find a worker.
        let _ = jobs_tx.send(job(1, &target));
        let after = done_rx.recv_timeout(Duration::from_secs(5)).ok();
        drop(jobs_tx);
        (first, pool.len(), idle, after)
    });
    assert!(
        first.is_some_and(|d| d.index == 0),
        "job 0 did not come back within 5 s while the queue was open"
    );
    assert!(
        after.is_some_and(|d| d.index == 1),
        "job 1, sent after the queue had stood open and empty for 3 s, did not come back: a \
         worker waits on the queue until it is closed, however long it stays empty (it must not \
         give up after a timeout of its own)"
    );
    if idle.is_empty() {
        eprintln!("(no schedstat here: idle workers' CPU is not checked)");
        return;
    }
    let runs: u64 = idle.iter().map(|r| r.runs).sum();
    let on_cpu_ms = idle.iter().map(|r| r.on_cpu_ns).sum::<u64>() as f64 / 1e6;
    assert!(
        runs <= 3 && on_cpu_ms <= 5.0,
        "while the queue stayed open and empty for 3 s, the {pool_threads} threads started for \
         the pool (run_pool's own among them) were put on a CPU {runs} times and used \
         {on_cpu_ms:.1} ms of it, want at most 3 times and 5 ms: an idle worker must block on \
         the queue (recv, or `for job in jobs`), not spin on try_recv or sleep and poll"
    );
}

#[test]
fn the_timeout_given_is_the_one_used() {
    // Hosts that answer after 1 s. Six jobs on two workers, each greet allowed 2.5 s: every
    // job gets its reply, though the batch takes 3 s. Then two jobs allowed 300 ms: both time
    // out. Only the caller's timeout, given whole to every greet, does both: not a constant,
    // nor a deadline for the batch, nor a share of the timeout per job.
    let slow = Server::start(Config {
        hosts: 3,
        latency: Duration::from_secs(1),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = jobs(&slow, 6);
    let patient = by_index(pool_greet(&targets, 2, Duration::from_millis(2_500)), 6);
    let failed: Vec<usize> = patient
        .iter()
        .filter(|d| d.result.is_err())
        .map(|d| d.index)
        .collect();
    assert!(
        failed.is_empty(),
        "jobs that failed with 2.5 s each against hosts that answer after 1 s: {failed:?}, want \
         none: does every greet get the whole timeout run_pool was given, from its own start?"
    );
    let hasty = by_index(pool_greet(&targets[..2], 2, Duration::from_millis(300)), 2);
    let results: Vec<&Result<_, GreetError>> = hasty.iter().map(|d| &d.result).collect();
    assert_eq!(
        results,
        [&Err(GreetError::Timeout), &Err(GreetError::Timeout)],
        "two jobs with 300 ms each against hosts that answer after 1 s must both time out: pass \
         run_pool's own timeout on to every greet"
    );
}

#[test]
fn zero_workers_means_one_worker() {
    // `workers = 0` is a pool of one, as the docs say: the jobs still get done.
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(10),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = jobs(&server, 4);
    let done = by_index(pool_greet(&targets, 0, Duration::from_secs(5)), 4);
    assert!(done.iter().all(|d| d.result.is_ok()), "{done:?}");
    let ids: BTreeSet<String> = done.iter().map(|d| format!("{:?}", d.worker)).collect();
    assert_eq!(
        ids.len(),
        1,
        "distinct worker thread ids with workers = 0: {}, want 1",
        ids.len()
    );
    let peak = server.stats().peak_in_flight;
    assert_eq!(peak, 1, "the most greets in flight at once: {peak}, want 1");
}

#[test]
fn run_pool_returns_once_its_workers_are_done() {
    // Every job is queued and the queue closed before run_pool starts. When it returns, its
    // workers must have finished: every Done is already there, without waiting for any.
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(20),
        ..Config::default()
    })
    .expect("the greet server starts");
    let (jobs_tx, jobs_rx) = unbounded::<Job>();
    let (done_tx, done_rx) = unbounded::<Done>();
    for (i, t) in jobs(&server, 6).iter().enumerate() {
        let _ = jobs_tx.send(job(i, t));
    }
    drop(jobs_tx);
    run_pool(jobs_rx, done_tx, 2, Duration::from_secs(5));
    let there: Vec<Done> = done_rx.try_iter().collect();
    assert_eq!(
        there.len(),
        6,
        "results already sent when run_pool returned: {}, want 6: wait for your workers to \
         finish (a thread::scope does) before returning",
        there.len()
    );
    by_index(there, 6);
}

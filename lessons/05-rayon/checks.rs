// Lesson 05's checks, shared by `lesson05-exercise` and `lesson05-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 05`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson05-wrong that proves it does:
// - parallel_checksum_equals_the_sequential_one: the same jobs, the same checksum.
// - jobs_run_on_both_threads_of_the_pool: on the given pool, not the global one, and on all
//   of it (wrong/global_pool, wrong/sequential).
// - jobs_run_at_the_same_moment: parallelism itself, as many jobs running at once as the pool
//   has threads, on pools of 2, 3 and 8: not jobs handed to the pool one at a time
//   (wrong/install_per_job), nor a fixed split into two halves (wrong/two_halves).
// - one_thread_pool_gives_the_same_checksum: any pool size.
// - greets_on_the_pool_come_back_in_target_order: one result per target, in order.
// - the_timeout_given_is_the_one_used: every greet gets the caller's whole timeout
//   (wrong/constant_timeout).
// - greets_in_flight_are_capped_by_the_pool_size: blocking I/O on rayon is capped by its
//   threads, the lesson's second point (wrong/greets_on_threads).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use greet_core::{GreetError, Target};
use greet_server::{Config, Server};
use lesson05::{crunch_parallel, crunch_sequential, greet_all_on_pool, job};

/// A crunch size that takes a fraction of a millisecond even in a debug build.
const WORK: u32 = 20_000;

/// A rayon pool of `n` threads named `lesson05-pool-0`, `lesson05-pool-1`, ...
fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("lesson05-pool-{i}"))
        .build()
        .expect("a rayon pool starts")
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("lesson05-pool-{i}")).collect()
}

#[test]
fn parallel_checksum_equals_the_sequential_one() {
    let expected = crunch_sequential(64, WORK).checksum;
    let got = crunch_parallel(&pool(2), 64, |i| job(WORK, i));
    assert_eq!(
        got.checksum, expected,
        "the same 64 jobs must add up to the same checksum, whatever thread ran them"
    );
}

#[test]
fn jobs_run_on_both_threads_of_the_pool() {
    // 400 jobs of a fraction of a millisecond each: plenty for the second thread to steal
    // some, so a parallel solution shows two thread names. A sequential one shows the test's
    // own thread instead.
    let got = crunch_parallel(&pool(2), 400, |i| job(WORK, i));
    assert_eq!(
        got.threads,
        names(2),
        "every job must run on the given pool, and both of its threads must take part"
    );
}

#[test]
fn jobs_run_at_the_same_moment() {
    // On a pool of n threads, each job waits (at most 10 s, once per pool) until n jobs are
    // running at the same moment. The pool's threads steal work while the first ones wait, so
    // all n meet at once: parallelism itself, on every thread of the pool. Jobs handed to the
    // pool one at a time never meet, and a fixed split (two halves, say) meets only as many
    // as it has parts: on a pool of 3 or 8, the first job waits out its 10 s.
    for n in [2, 3, 8] {
        let (running, peak, gave_up) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicBool::new(false),
        );
        let count = 4 * n;
        let got = crunch_parallel(&pool(n), count, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(10);
            while peak.load(Ordering::SeqCst) < n && !gave_up.load(Ordering::SeqCst) {
                if Instant::now() >= deadline {
                    gave_up.store(true, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            running.fetch_sub(1, Ordering::SeqCst);
            job(1_000, i)
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!(
            peak >= n,
            "the most jobs running at the same moment on a pool of {n} threads: {peak}, want \
             {n}: run one parallel iterator over all the jobs inside pool.install, and let rayon \
             split it, rather than handing the pool one job, or a fixed number of parts, at a \
             time"
        );
        assert_eq!(
            got.checksum,
            crunch_sequential(count, 1_000).checksum,
            "the checksum of {count} jobs on a pool of {n}"
        );
    }
}

#[test]
fn one_thread_pool_gives_the_same_checksum() {
    let expected = crunch_sequential(30, WORK).checksum;
    let one = crunch_parallel(&pool(1), 30, |i| job(WORK, i));
    assert_eq!(
        one.checksum, expected,
        "the checksum of 30 jobs on a pool of one thread"
    );
    assert_eq!(
        one.threads,
        names(1),
        "a pool of one thread runs every job on it"
    );
    assert_eq!(
        crunch_parallel(&pool(3), 30, |i| job(WORK, i)).checksum,
        expected,
        "the checksum of 30 jobs on a pool of three threads"
    );
}

#[test]
fn greets_on_the_pool_come_back_in_target_order() {
    let server = Server::start(Config {
        hosts: 4,
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets: Vec<Target> = server.targets().into_iter().cycle().take(8).collect();
    let results = greet_all_on_pool(&pool(4), &targets, Duration::from_secs(5));
    assert_eq!(
        results.len(),
        8,
        "results: {}, want 8 (one per target)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let reply = r
            .as_ref()
            .unwrap_or_else(|e| panic!("greet {i} failed: {e}"));
        assert_eq!(
            reply.host,
            (i % 4) as u32,
            "result {i} is host {}'s reply",
            i % 4
        );
    }
    let served = server.stats().served;
    assert_eq!(served, 8, "greets the server answered: {served}, want 8");
}

#[test]
fn the_timeout_given_is_the_one_used() {
    // Hosts that answer after 1 s. Four greets on a pool of 4, each allowed 3 s, all get their
    // reply; two allowed 300 ms both time out. Only the caller's timeout, given whole to every
    // greet, does both: not a constant, nor a share of it per greet.
    let slow = Server::start(Config {
        hosts: 4,
        latency: Duration::from_secs(1),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = slow.targets();
    let patient: Vec<_> = greet_all_on_pool(&pool(4), &targets, Duration::from_secs(3))
        .into_iter()
        .map(|r| r.map(|reply| reply.host))
        .collect();
    assert_eq!(
        patient,
        [Ok(0), Ok(1), Ok(2), Ok(3)],
        "greet_all_on_pool(.., 3 s) to 4 hosts that answer after 1 s, on a pool of 4, must get \
         every reply: is the timeout each greet gets the whole one you were given?"
    );
    let hasty = greet_all_on_pool(&pool(2), &targets[..2], Duration::from_millis(300));
    assert_eq!(
        hasty,
        [Err(GreetError::Timeout), Err(GreetError::Timeout)],
        "greet_all_on_pool(.., 300 ms) to hosts that answer after 1 s must time out: pass your \
         own timeout on to every greet"
    );
}

#[test]
fn greets_in_flight_are_capped_by_the_pool_size() {
    // The server holds every reply until 3 greets wait at once. A pool of 3 threads can make
    // that happen, and can never have a 4th greet waiting: each thread blocks on its greet.
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(20),
        rendezvous: Some(3),
        idle_timeout: Duration::from_secs(2),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets: Vec<Target> = server.targets().into_iter().cycle().take(6).collect();
    let results = greet_all_on_pool(&pool(3), &targets, Duration::from_secs(1));
    let failed = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(
        failed, 0,
        "greets that failed: {failed}, want 0 (timeouts here mean fewer than 3 greets waited at \
         once): {results:?}"
    );
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, 3,
        "the most greets in flight at once: {peak}, want 3 (a pool of 3 blocking threads)"
    );
}

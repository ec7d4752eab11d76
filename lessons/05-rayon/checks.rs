// Lesson 05's checks, shared by `lesson05-exercise` and `lesson05-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 05`. Do not edit: they are how the checker knows you are done.

use std::time::Duration;

use greet_core::Target;
use greet_server::{Config, Server};
use lesson05::{crunch_parallel, crunch_sequential, greet_all_on_pool};

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
    let got = crunch_parallel(&pool(2), 64, WORK);
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
    let got = crunch_parallel(&pool(2), 400, WORK);
    assert_eq!(
        got.threads,
        names(2),
        "every job must run on the given pool, and both of its threads must take part"
    );
}

#[test]
fn one_thread_pool_gives_the_same_checksum() {
    let expected = crunch_sequential(30, WORK).checksum;
    let one = crunch_parallel(&pool(1), 30, WORK);
    assert_eq!(one.checksum, expected);
    assert_eq!(
        one.threads,
        names(1),
        "a pool of one thread runs every job on it"
    );
    assert_eq!(crunch_parallel(&pool(3), 30, WORK).checksum, expected);
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
    assert_eq!(results.len(), 8, "one result per target");
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
    assert_eq!(server.stats().served, 8);
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
        "timeouts here mean fewer than 3 greets waited at once: {results:?}"
    );
    assert_eq!(
        server.stats().peak_in_flight,
        3,
        "a pool of 3 blocking threads has exactly 3 greets in flight at its peak"
    );
}

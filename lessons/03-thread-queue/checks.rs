// Lesson 03's checks, shared by `lesson03-exercise` and `lesson03-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 03`. Do not edit: they are how the checker knows you are done.
//
// Results come back in whatever order the workers finish, so every check sorts them by job
// index (or counts them) before asserting anything.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use greet_core::{GreetError, Target};
use greet_server::{Config, Server};
use lesson03::{Done, pool_greet};

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
        "every job must come back exactly once"
    );
    done
}

/// A server whose replies wait until `workers` greets are in flight at once.
fn rendezvous_server(workers: usize) -> Server {
    Server::start(Config {
        hosts: 3,
        rendezvous: Some(workers),
        ..Config::default()
    })
    .expect("the greet server starts")
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
    assert_eq!(server.stats().served, 12);
}

#[test]
fn peak_in_flight_equals_the_pool_size() {
    // Replies are held until 3 greets wait at once. Three workers get there; fewer time out.
    // More than three greets at once would mean the pool is not a pool.
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
    assert_eq!(
        server.stats().peak_in_flight,
        workers as u64,
        "exactly `workers` greets may be in flight at once"
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
        "every one of the {workers} workers ran a job, and no other thread did"
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
    assert_eq!((ok, errors), (5, 1));
    assert_eq!(ok + errors, targets.len(), "every job is counted once");
}

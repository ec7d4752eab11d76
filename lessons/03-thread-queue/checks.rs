// Lesson 03's checks, shared by `lesson03-exercise` and `lesson03-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 03`. Do not edit: they are how the checker knows you are done.
//
// Results come back in whatever order the workers finish, so every check sorts them by job
// index (or counts them) before asserting anything.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use greet_core::protocol::{GREETING, reply_line};
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
    listener.set_nonblocking(true).expect("a non-blocking listener");
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
    assert_eq!(server.stats().served, 12);
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

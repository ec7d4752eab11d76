// Lesson 02's checks, shared by `lesson02-exercise` and `lesson02-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 02`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson02-wrong that proves it does:
// - all_greets_wait_at_the_same_time: one thread per greet, all waiting at once, the point of
//   the lesson (wrong/join_right_after_spawn).
// - results_keep_target_order_with_a_refused_host: one result per target, in the targets'
//   order, a failure among them.
// - the_timeout_given_is_the_one_used: every wait has the caller's timeout, not one of the
//   code's own (wrong/constant_timeout).
// - threads_add_through_the_mutex_and_none_is_lost / ..._atomic_...: exactly `threads`
//   threads, none the caller's, share one counter and lose no update
//   (wrong/hard_coded_total, wrong/one_thread_adds_for_all).
// Not checked, because no deterministic check can see it: whether the mutex is taken once
// per increment (as the docstring asks) or held for a thread's whole loop. Both give exact
// totals; the README's pitfall "Holding a lock while waiting" is where the lesson says it.
// Nor "a thread that panicked is an error result": the given greet never panics.

use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener};
use std::ops::AddAssign;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, ThreadId};
use std::time::Duration;

use greet_core::{GreetError, Target};
use greet_server::{Config, Server};
use lesson02::{SharedCounter, add_with_atomic, add_with_mutex, greet_all_threads};

/// Short on purpose: at a rendezvous, a greet that is not answered within this long means the
/// greets did not all wait at the same time.
const RENDEZVOUS_TIMEOUT: Duration = Duration::from_secs(2);

/// An address where nothing listens: bind a free port, then let it go.
fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

#[test]
fn all_greets_wait_at_the_same_time() {
    // The server holds every reply until 6 greets wait at once: only 6 concurrent greets get
    // an answer; one-after-another greets time out.
    let n = 6;
    let server = Server::start(Config {
        hosts: n,
        rendezvous: Some(n),
        ..Config::default()
    })
    .expect("the greet server starts");
    let results = greet_all_threads(&server.targets(), RENDEZVOUS_TIMEOUT);
    assert_eq!(
        results.len(),
        n,
        "results: {}, want {n} (one per target)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(reply) => assert_eq!(reply.host, i as u32, "result {i} must be host {i}'s reply"),
            Err(GreetError::Timeout) => panic!(
                "greet {i} timed out at the rendezvous: the {n} greets did not all wait at once \
                 (spawn every thread before joining any)"
            ),
            Err(e) => panic!("greet {i} failed: {e}"),
        }
    }
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, n as u64,
        "the most greets the server had waiting at once: {peak}, want {n}"
    );
}

#[test]
fn the_timeout_given_is_the_one_used() {
    // A host that answers after 1 s. Given 4 s, every greet waits for the answer; given 300 ms,
    // every greet gives up first. No timeout fixed in the code does both.
    let slow = Server::start(Config {
        hosts: 2,
        latency: Duration::from_secs(1),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = slow.targets();
    let patient = greet_all_threads(&targets, Duration::from_secs(4));
    let hosts: Vec<Result<u32, GreetError>> =
        patient.into_iter().map(|r| r.map(|reply| reply.host)).collect();
    assert_eq!(
        hosts,
        vec![Ok(0), Ok(1)],
        "greet_all_threads(.., 4 s) to hosts that answer after 1 s must get their replies: is the \
         timeout each thread uses the one greet_all_threads was given?"
    );
    let hasty = greet_all_threads(&targets, Duration::from_millis(300));
    assert_eq!(
        hasty,
        vec![Err(GreetError::Timeout), Err(GreetError::Timeout)],
        "greet_all_threads(.., 300 ms) to hosts that answer after 1 s must time out: pass its own \
         timeout on to every greet"
    );
}

#[test]
fn results_keep_target_order_with_a_refused_host() {
    let server = Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(20),
        ..Config::default()
    })
    .expect("the greet server starts");
    let mut targets = server.targets();
    targets.reverse(); // hosts 2, 1, 0
    targets.insert(
        1,
        Target {
            addr: refused_addr(),
            host: Some(9),
        },
    );
    let results = greet_all_threads(&targets, Duration::from_secs(5));
    let hosts: Vec<Result<u32, GreetError>> = results
        .into_iter()
        .map(|r| r.map(|reply| reply.host))
        .collect();
    assert_eq!(hosts, vec![Ok(2), Err(GreetError::Refused), Ok(1), Ok(0)]);
}

/// A counter for the mutex check: a total, and the threads that added to it.
#[derive(Debug)]
struct NotedTotal {
    total: u64,
    adders: HashSet<ThreadId>,
}

impl AddAssign<u64> for NotedTotal {
    fn add_assign(&mut self, n: u64) {
        self.total += n;
        self.adders.insert(thread::current().id());
    }
}

/// A counter for the atomic check: an `AtomicU64`, and the threads that added to it.
#[derive(Debug, Default)]
struct NotedAtomic {
    total: AtomicU64,
    adders: Mutex<HashSet<ThreadId>>,
}

impl SharedCounter for NotedAtomic {
    fn fetch_add(&self, n: u64, order: Ordering) -> u64 {
        self.adders
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(thread::current().id());
        self.total.fetch_add(n, order)
    }
}

/// Asserts that exactly `threads` threads added, none of them the caller.
fn assert_added_by(adders: &HashSet<ThreadId>, threads: usize) {
    assert_eq!(
        adders.len(),
        threads,
        "distinct threads that added to the counter: {}, want {threads} (each of the threads \
         you start does its share)",
        adders.len()
    );
    assert!(
        !adders.contains(&thread::current().id()),
        "the caller's thread added too: the adding belongs to the threads you start"
    );
}

#[test]
fn threads_add_through_the_mutex_and_none_is_lost() {
    for (threads, per_thread) in [(1, 1), (4, 10_000), (8, 5_000)] {
        let counter = Mutex::new(NotedTotal {
            total: 7,
            adders: HashSet::new(),
        });
        add_with_mutex(&counter, threads, per_thread);
        let noted = counter.into_inner().expect("no thread panicked");
        assert_eq!(
            noted.total,
            7 + threads as u64 * per_thread,
            "the total after {threads} threads × {per_thread} increments, starting from 7"
        );
        assert_added_by(&noted.adders, threads);
    }
    // And the plain `u64` of the README.
    let plain = Mutex::new(0u64);
    add_with_mutex(&plain, 3, 1_000);
    assert_eq!(
        plain.into_inner().expect("no thread panicked"),
        3_000,
        "the total after 3 threads × 1000 increments on a Mutex<u64>"
    );
}

#[test]
fn threads_add_through_the_atomic_and_none_is_lost() {
    for (threads, per_thread) in [(1, 1), (4, 10_000), (8, 5_000)] {
        let counter = NotedAtomic {
            total: AtomicU64::new(7),
            ..NotedAtomic::default()
        };
        add_with_atomic(&counter, threads, per_thread);
        assert_eq!(
            counter.total.into_inner(),
            7 + threads as u64 * per_thread,
            "the total after {threads} threads × {per_thread} increments, starting from 7"
        );
        let adders = counter.adders.into_inner().expect("no thread panicked");
        assert_added_by(&adders, threads);
    }
    // And the plain `AtomicU64` of the README.
    let plain = AtomicU64::new(0);
    add_with_atomic(&plain, 3, 1_000);
    assert_eq!(
        plain.into_inner(),
        3_000,
        "the total after 3 threads × 1000 increments on an AtomicU64"
    );
}

// Lesson 02's checks, shared by `lesson02-exercise` and `lesson02-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 02`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson02-wrong that proves it does:
// - all_greets_wait_at_the_same_time: one thread per greet, all waiting at once, the point of
//   the lesson (wrong/join_right_after_spawn).
// - results_keep_target_order_with_a_refused_host: one result per target, in the targets'
//   order, a failure among them.
// - the_timeout_given_is_the_one_used: every wait has the caller's whole timeout, not one of
//   the code's own (wrong/constant_timeout) nor a share of it (wrong/timeout_shared_out).
// - threads_add_through_the_mutex_and_none_is_lost / ..._atomic_...: exactly `threads`
//   threads, none the caller's, share one counter and lose no update, one addition of 1 per
//   increment (wrong/hard_coded_total, wrong/one_thread_adds_for_all,
//   wrong/mutex_adds_each_threads_sum, wrong/atomic_adds_each_threads_sum).
// - the_adding_threads_run_at_the_same_time: the threads share the counter *at the same
//   time*: a rendezvous in the atomic, and every thread alive at once while the check holds
//   the mutex (wrong/mutex_threads_one_at_a_time, wrong/atomic_threads_one_at_a_time).
// Not checked, because no deterministic check can see it: whether the mutex is taken once
// per increment (as the docstring asks) or held for a thread's whole loop. Both give exact
// totals; the README's pitfall "Holding a lock while waiting" is where the lesson says it.
// Nor "a thread that panicked is an error result": the given greet never panics.

use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener};
use std::ops::AddAssign;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use greet_core::{GreetError, Target};
use greet_server::{Config, Server};
use lesson_measure::{alone, cpu};
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
    // Hosts that answer after 1 s. Given 3 s, every greet waits for its answer, however many
    // there are; given 300 ms, every greet gives up first. No timeout fixed in the code does
    // both, and neither does the caller's timeout shared out among the 8 greets.
    let slow = Server::start(Config {
        hosts: 8,
        latency: Duration::from_secs(1),
        ..Config::default()
    })
    .expect("the greet server starts");
    let targets = slow.targets();
    let patient = greet_all_threads(&targets, Duration::from_secs(3));
    let hosts: Vec<Result<u32, GreetError>> = patient
        .into_iter()
        .map(|r| r.map(|reply| reply.host))
        .collect();
    assert_eq!(
        hosts,
        (0..8).map(Ok).collect::<Vec<_>>(),
        "greet_all_threads(.., 3 s) to 8 hosts that answer after 1 s must get every reply: is \
         the timeout each thread uses the whole of the one greet_all_threads was given?"
    );
    let hasty = greet_all_threads(&targets[..2], Duration::from_millis(300));
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
    assert_eq!(
        hosts,
        vec![Ok(2), Err(GreetError::Refused), Ok(1), Ok(0)],
        "the hosts that answered, target by target (the second target refuses)"
    );
}

/// A counter for the mutex checks: a total, the threads that added to it, and how many
/// additions it saw and how many of them added anything but 1.
#[derive(Debug)]
struct NotedTotal {
    total: u64,
    adders: HashSet<ThreadId>,
    additions: u64,
    not_one: u64,
}

impl NotedTotal {
    fn starting_at(total: u64) -> NotedTotal {
        NotedTotal {
            total,
            adders: HashSet::new(),
            additions: 0,
            not_one: 0,
        }
    }
}

impl AddAssign<u64> for NotedTotal {
    fn add_assign(&mut self, n: u64) {
        self.total += n;
        self.additions += 1;
        if n != 1 {
            self.not_one += 1;
        }
        self.adders.insert(thread::current().id());
    }
}

/// What [`NotedAtomic`] notes under its lock: the threads that added to it, and whether its
/// rendezvous gave up waiting for them.
#[derive(Debug, Default)]
struct Noted {
    adders: HashSet<ThreadId>,
    gave_up: bool,
}

/// A counter for the atomic checks: an `AtomicU64`, the threads that added to it, how many
/// additions it saw and how many of them added anything but 1. With `meet` above 0 it is also
/// a rendezvous: each thread's first addition waits (at most 10 s, once) until `meet`
/// different threads have made theirs, which they can only do if they run at the same time.
#[derive(Debug, Default)]
struct NotedAtomic {
    total: AtomicU64,
    additions: AtomicU64,
    not_one: AtomicU64,
    noted: Mutex<Noted>,
    arrived: Condvar,
    meet: usize,
}

impl NotedAtomic {
    fn starting_at(total: u64, meet: usize) -> NotedAtomic {
        NotedAtomic {
            total: AtomicU64::new(total),
            meet,
            ..NotedAtomic::default()
        }
    }

    /// The threads that added, and whether they all met.
    fn adders(&self) -> (HashSet<ThreadId>, bool) {
        let noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        (noted.adders.clone(), !noted.gave_up)
    }
}

impl SharedCounter for NotedAtomic {
    fn fetch_add(&self, n: u64, order: Ordering) -> u64 {
        self.additions.fetch_add(1, Ordering::SeqCst);
        if n != 1 {
            self.not_one.fetch_add(1, Ordering::SeqCst);
        }
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        if noted.adders.insert(thread::current().id()) && self.meet > 0 {
            self.arrived.notify_all();
            let deadline = Instant::now() + Duration::from_secs(10);
            while noted.adders.len() < self.meet && !noted.gave_up {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                    noted.gave_up = true;
                    self.arrived.notify_all();
                    break;
                };
                noted = self
                    .arrived
                    .wait_timeout(noted, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
        drop(noted);
        self.total.fetch_add(n, order)
    }
}

/// Asserts that exactly `threads` threads added, none of them the caller, one increment of 1
/// at a time.
fn assert_added_by(
    adders: &HashSet<ThreadId>,
    threads: usize,
    (additions, not_one): (u64, u64),
    per_thread: u64,
) {
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
    let want = threads as u64 * per_thread;
    assert_eq!(
        (additions, not_one),
        (want, 0),
        "(additions the counter saw, those that added more than 1): want ({want}, 0), one \
         addition of 1 per increment: a thread that sums its own share and adds it once does \
         not share the counter"
    );
}

#[test]
fn threads_add_through_the_mutex_and_none_is_lost() {
    for (threads, per_thread) in [(1, 1), (4, 10_000), (8, 5_000)] {
        let counter = Mutex::new(NotedTotal::starting_at(7));
        add_with_mutex(&counter, threads, per_thread);
        let noted = counter.into_inner().expect("no thread panicked");
        assert_eq!(
            noted.total,
            7 + threads as u64 * per_thread,
            "the total after {threads} threads × {per_thread} increments, starting from 7"
        );
        let counts = (noted.additions, noted.not_one);
        assert_added_by(&noted.adders, threads, counts, per_thread);
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
        let counter = NotedAtomic::starting_at(7, 0);
        add_with_atomic(&counter, threads, per_thread);
        let (adders, _) = counter.adders();
        let counts = (
            counter.additions.load(Ordering::SeqCst),
            counter.not_one.load(Ordering::SeqCst),
        );
        assert_eq!(
            counter.total.into_inner(),
            7 + threads as u64 * per_thread,
            "the total after {threads} threads × {per_thread} increments, starting from 7"
        );
        assert_added_by(&adders, threads, counts, per_thread);
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

#[test]
fn the_adding_threads_run_at_the_same_time() {
    if !alone::in_a_process_of_its_own("the_adding_threads_run_at_the_same_time") {
        return; // it ran, and passed, in a process of its own
    }
    let threads = 4;
    // The atomic: each thread's first addition waits until all 4 have made theirs. Threads
    // started one at a time never meet: the first waits out its 10 s alone.
    let counter = NotedAtomic::starting_at(0, threads);
    add_with_atomic(&counter, threads, 100);
    let (adders, met) = counter.adders();
    assert!(
        met,
        "the {threads} threads adding through the atomic never all ran at the same time (at most \
         {} had started when the first gave up waiting): start every thread before you wait \
         for any",
        adders.len()
    );
    // The mutex: this check holds it while add_with_mutex starts its threads, so none of them
    // can finish; meanwhile it counts this process's threads. All 4 exist at once only if
    // each is started before any is waited for.
    let Some(before) = cpu::thread_ids() else {
        eprintln!("(no /proc here: the mutex's threads are not counted)");
        return;
    };
    let counter = Mutex::new(NotedTotal::starting_at(0));
    let held = counter.lock().unwrap_or_else(|p| p.into_inner());
    let peak = thread::scope(|s| {
        s.spawn(|| add_with_mutex(&counter, threads, 100));
        // Beyond the threads there before: the one just started, and the adders. (Bounded:
        // 10 s, 2 ms apart.)
        let mut peak = 0;
        for _ in 0..5_000 {
            let now = cpu::thread_ids().map_or(0, |ids| ids.difference(&before).count());
            peak = peak.max(now.saturating_sub(1));
            if peak >= threads {
                break;
            }
            thread::sleep(Duration::from_millis(2));
        }
        drop(held);
        peak
    });
    assert!(
        peak >= threads,
        "while the mutex was held, at most {peak} of the {threads} adding threads existed at \
         once, want all {threads}: start every thread before you wait for any (the scope joins \
         them at its end)"
    );
    let total = counter.into_inner().expect("no thread panicked").total;
    assert_eq!(total, 400, "the total after 4 threads × 100 increments");
}

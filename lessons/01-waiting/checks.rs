// Lesson 01's checks, shared by `lesson01-exercise` and `lesson01-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 01`. Do not edit: they are how the checker knows you are done.
//
// What each check guards (the lesson's objectives and the requirements its README and
// docstrings state), and the wrong solution in lesson01-wrong that proves it does:
// - replies_come_from_each_host_in_order: one result per target, in the targets' order, each
//   from its own host.
// - one_greet_in_flight_at_a_time: sequential, the point of the lesson (N × L): never two
//   greets waiting at once (wrong/concurrent).
// - refused_target_is_counted_not_fatal: a failed greet is one counted error, the run goes on,
//   ok + errors == count (wrong/stops_at_the_first_error).
// - a_silent_host_times_out_and_the_run_goes_on: every wait has a timeout
//   (wrong/no_timeout).
// - a_silent_host_costs_one_connection_and_nothing_is_left_waiting: a host that never answers
//   costs one greet, one connection, one timeout (wrong/retries_a_failed_greet), and when
//   greet_all returns that greet is over, its connection closed, not left waiting on a thread
//   of its own (wrong/timeout_by_a_detached_thread).
// - the_timeout_given_is_the_one_used: the timeout is the caller's, not a constant that
//   happens to be short enough (wrong/constant_timeout).
// - wrong_host_is_an_error: a reply from another host is an error (wrong/trusts_any_reply).
// - prediction_is_count_times_latency: N × L, as code.
// The CPU the waiting costs (about none) is what `cargo lesson run 01` shows, not a check.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use greet_core::{GreetError, Target};
use greet_server::{Behavior, Config, Server};
use lesson01::{Tally, greet_all, predict_sequential, tally};

const TIMEOUT: Duration = Duration::from_secs(5);

fn server(hosts: usize, latency: Duration) -> Server {
    Server::start(Config {
        hosts,
        latency,
        ..Config::default()
    })
    .expect("the greet server starts on 127.0.0.1 port 0")
}

/// An address where nothing listens: bind a free port, then let it go.
fn refused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

#[test]
fn replies_come_from_each_host_in_order() {
    let server = server(4, Duration::ZERO);
    let targets = server.targets();
    let results = greet_all(&targets, TIMEOUT);
    assert_eq!(
        results.len(),
        4,
        "results: {}, want 4 (one per target)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let reply = r
            .as_ref()
            .unwrap_or_else(|e| panic!("greet {i} failed: {e}"));
        assert_eq!(reply.host, i as u32, "result {i} must be host {i}'s reply");
    }
    let served = server.stats().served;
    assert_eq!(served, 4, "greets the server answered: {served}, want 4");
}

#[test]
fn one_greet_in_flight_at_a_time() {
    // With a latency, a concurrent client would have several greets waiting at once; a
    // sequential one never has more than one.
    let server = server(3, Duration::from_millis(20));
    let targets: Vec<Target> = server.targets().into_iter().cycle().take(6).collect();
    let results = greet_all(&targets, TIMEOUT);
    assert!(
        results.iter().all(Result::is_ok),
        "every greet succeeds: {results:?}"
    );
    let stats = server.stats();
    assert_eq!(
        stats.served, 6,
        "greets the server answered: {}, want 6",
        stats.served
    );
    assert_eq!(
        stats.peak_in_flight, 1,
        "the most greets the server had waiting at once: {}, want 1 (greet_all must wait for \
         each reply before sending the next greet)",
        stats.peak_in_flight
    );
}

#[test]
fn refused_target_is_counted_not_fatal() {
    let server = server(2, Duration::ZERO);
    let mut targets = server.targets();
    targets.insert(
        1,
        Target {
            addr: refused_addr(),
            host: Some(7),
        },
    );
    let results = greet_all(&targets, TIMEOUT);
    assert_eq!(
        results.len(),
        3,
        "results: {}, want 3 (one per target, failures included)",
        results.len()
    );
    assert_eq!(
        results[0].as_ref().map(|r| r.host),
        Ok(0),
        "the first target's reply"
    );
    assert_eq!(
        results[1],
        Err(GreetError::Refused),
        "nothing listens there"
    );
    assert_eq!(
        results[2].as_ref().map(|r| r.host),
        Ok(1),
        "the run goes on"
    );
    let t = tally(&results);
    assert_eq!(
        t,
        Tally { ok: 2, errors: 1 },
        "tally of 2 replies and 1 refusal"
    );
    assert_eq!(
        t.ok + t.errors,
        targets.len(),
        "ok + errors: {}, want {} (every greet counted once)",
        t.ok + t.errors,
        targets.len()
    );
}

#[test]
fn a_silent_host_times_out_and_the_run_goes_on() {
    // Host 0 of `silent` reads the greeting and never answers; it closes the connection after
    // 3 s. A greet that keeps to its timeout (300 ms here) ends first, as a timeout; one that
    // waits longer sees the close instead.
    let silent = Server::start(Config {
        behavior: Behavior::Silent,
        idle_timeout: Duration::from_secs(3),
        ..Config::default()
    })
    .expect("the silent server starts");
    let normal = server(1, Duration::ZERO);
    let targets = [silent.targets()[0].clone(), normal.targets()[0].clone()];
    let results = greet_all(&targets, Duration::from_millis(300));
    assert_eq!(
        results[0],
        Err(GreetError::Timeout),
        "a host that never answers costs one timeout: pass the timeout on to every greet"
    );
    assert_eq!(
        results.get(1).map(|r| r.as_ref().map(|r| r.host)),
        Some(Ok(0)),
        "the run goes on"
    );
    assert_eq!(
        tally(&results),
        Tally { ok: 1, errors: 1 },
        "tally of 1 timeout and 1 reply"
    );
}

/// What a host that never answers saw: the connections made to it, and how many of them the
/// client had not closed yet.
#[derive(Debug, Default)]
struct Seen {
    connections: usize,
    still_open: usize,
}

/// Sets the flag when dropped, also while a panic unwinds: it tells a helper thread to stop
/// waiting, so that a failed check ends at once.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Whether the client has closed `conn`: its greeting, then the end of the stream (or a
/// reset). A connection still open after a second of silence is not closed.
fn closed_by_the_client(mut conn: TcpStream) -> bool {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 64];
    // Bounded: a greet is 12 bytes, so a hundred reads of data means something else is wrong.
    for _ in 0..100 {
        match conn.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
    false
}

/// Runs `greet` with the target of a host that never answers: a socket that listens and never
/// accepts. The kernel completes each connection and queues it with its greeting unread, so a
/// greet there waits for a reply that never comes. Once `greet` returns, the check accepts the
/// queued connections: a connection made is one queued, so the count is exact, whenever the
/// client made it. After 20 s the socket is closed, which resets every connection on it, so a
/// greet with no timeout of its own ends too, as a failure here.
fn greet_a_host_that_never_answers<T>(greet: impl FnOnce(Target) -> T) -> (T, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let target = Target {
        addr: listener.local_addr().expect("local address"),
        host: Some(5),
    };
    let listener = Mutex::new(Some(listener));
    let returned = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !returned.load(Ordering::SeqCst) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if !returned.load(Ordering::SeqCst) {
                listener.lock().unwrap_or_else(|p| p.into_inner()).take();
            }
        });
        let _returned = StopOnDrop(&returned);
        greet(target)
    });
    let listener = listener.into_inner().unwrap_or_else(|p| p.into_inner());
    let Some(listener) = listener else {
        panic!(
            "greet_all was still waiting on a host that never answers 20 s after it began, with \
             a timeout of 300 ms: pass the timeout on to every greet"
        );
    };
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let mut seen = Seen::default();
    // Bounded: one accept per connection queued, and a test makes a handful.
    for _ in 0..1_000 {
        let Ok((conn, _)) = listener.accept() else {
            break; // none left (WouldBlock)
        };
        seen.connections += 1;
        if !closed_by_the_client(conn) {
            seen.still_open += 1;
        }
    }
    (out, seen)
}

#[test]
fn a_silent_host_costs_one_connection_and_nothing_is_left_waiting() {
    // A host that never answers, then a normal one, greeted with 300 ms. The silent host must
    // cost exactly one greet: one connection, one timeout, no retry. And when greet_all
    // returns, that greet must be over: its connection closed, not still waiting for a reply
    // on a thread that was left behind.
    let normal = server(1, Duration::ZERO);
    let (results, seen) = greet_a_host_that_never_answers(|silent| {
        greet_all(
            &[silent, normal.targets()[0].clone()],
            Duration::from_millis(300),
        )
    });
    assert_eq!(
        results.first(),
        Some(&Err(GreetError::Timeout)),
        "greeting a host that never answers, with 300 ms, is a timeout"
    );
    assert_eq!(
        results.get(1).map(|r| r.as_ref().map(|r| r.host)),
        Some(Ok(0)),
        "the run goes on"
    );
    assert_eq!(
        seen.connections, 1,
        "connections greet_all opened to the host that never answers: {}, want 1 (a silent \
         host costs one greet and one timeout, not one per retry)",
        seen.connections
    );
    assert_eq!(
        seen.still_open, 0,
        "connections to the silent host still open after greet_all returned: {}, want 0 (the \
         greet that timed out must be over, not left waiting on a thread of its own)",
        seen.still_open
    );
}

#[test]
fn the_timeout_given_is_the_one_used() {
    // A host that answers after 1 s. Given 4 s, a greet waits for the answer; given 300 ms, it
    // gives up first. No timeout fixed in the code does both: only the argument does.
    let slow = server(1, Duration::from_secs(1));
    let target = slow.targets();
    let patient = greet_all(&target, Duration::from_secs(4));
    assert_eq!(
        patient.first().map(|r| r.as_ref().map(|r| r.host)),
        Some(Ok(0)),
        "greet_all(.., 4 s) to a host that answers after 1 s must get its reply: is the timeout \
         you pass on to greet_one the one greet_all was given?"
    );
    let hasty = greet_all(&target, Duration::from_millis(300));
    assert_eq!(
        hasty.first(),
        Some(&Err(GreetError::Timeout)),
        "greet_all(.., 300 ms) to a host that answers after 1 s must time out: pass greet_all's \
         own timeout on to every greet"
    );
}

#[test]
fn wrong_host_is_an_error() {
    let server = server(2, Duration::ZERO);
    // Aim at host 0's address but expect host 1: the reply must be rejected.
    let target = Target {
        addr: server.addrs()[0],
        host: Some(1),
    };
    let results = greet_all(&[target], TIMEOUT);
    assert_eq!(
        results,
        vec![Err(GreetError::WrongHost {
            expected: 1,
            got: 0
        })],
        "host 0's reply, where host 1 was expected"
    );
    assert_eq!(
        tally(&results),
        Tally { ok: 0, errors: 1 },
        "tally of 1 wrong host"
    );
}

#[test]
fn prediction_is_count_times_latency() {
    let l = Duration::from_millis(50);
    assert_eq!(
        predict_sequential(10, l),
        Duration::from_millis(500),
        "10 greets at 50 ms"
    );
    assert_eq!(predict_sequential(1, l), l, "1 greet at 50 ms");
    assert_eq!(predict_sequential(0, l), Duration::ZERO, "no greets at all");
    assert_eq!(
        predict_sequential(1000, Duration::from_millis(10)),
        Duration::from_secs(10),
        "1000 greets at 10 ms"
    );
}

// Lesson 08's checks, shared by `lesson08-exercise` and `lesson08-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 08`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson08-wrong that proves it does:
// - delays_grow_by_the_factor_up_to_the_cap: backoff grows, and no wait, the first included,
//   passes the cap (wrong/backoff_without_cap, wrong/first_delay_not_capped).
// - retry_waits_the_backoff_between_attempts, retry_gives_up_with_the_last_error: the waits
//   happen, on a paused clock (wrong/retries_without_waiting).
// - a_session_reuses_its_connection: a session is one long-lived connection.
// - a_silent_host_times_out_and_the_connection_is_dropped: every wait has a timeout; after one,
//   the connection goes, and no reconnect hides it (wrong/keeps_the_connection_after_a_timeout,
//   wrong/reconnects_after_a_timeout).
// - a_session_reconnects_after_the_host_restarts: a lost connection is replaced, once.
// - a_fresh_connection_that_closes_is_not_retried: only a connection that was already open is
//   replaced (wrong/reconnects_a_fresh_connection).
// - the_sessions_timeout_is_the_one_used: greet_once waits the session's timeout, and
//   greet_limited's sessions get its own (wrong/constant_session_timeout).
// - a_refused_host_is_an_error_not_a_loop: a refusal is not a lost connection.
// - at_most_k_sessions_to_one_host, zero_sessions_means_one_at_a_time: the semaphore as a lock
//   (wrong/permit_dropped_at_once).
// - a_new_session_starts_whenever_one_ends: a sliding window of k sessions, not waves
//   (wrong/sessions_in_waves), as lesson 07 checks for requests.
// - the_first_greeting_wins_and_the_rest_are_cancelled, failed_requests_do_not_win: cancelling
//   is dropping, seen at the server (wrong/detached_requests).

use std::net::SocketAddr;
use std::time::Duration;

use greet_core::GreetError;
use greet_server::{Behavior, Bind, Config, Server};
use lesson08::{Backoff, Greeting, Session, client, first_greeting, greet_limited, retry};
use tokio::time::Instant;

const MS: Duration = Duration::from_millis(1);

/// Starts the greet server on its own thread. (Outside any async code: `Server::start`
/// starts a runtime of its own, which cannot happen inside another.)
fn server(config: Config) -> Server {
    Server::start(config).expect("the greet server starts on 127.0.0.1 port 0")
}

/// The single-threaded runtime the session checks run on.
fn event_loop() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime starts")
}

// --- retries with backoff ---------------------------------------------------------------

#[test]
fn delays_grow_by_the_factor_up_to_the_cap() {
    let b = Backoff {
        first: 100 * MS,
        factor: 2,
        max_delay: 1000 * MS,
        retries: 5,
    };
    assert_eq!(
        b.delays(),
        [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS],
        "5 retries from 100 ms, factor 2, capped at 1 s"
    );
    assert_eq!(
        Backoff { retries: 0, ..b }.delays(),
        [],
        "no retries, no waits"
    );
    assert_eq!(
        Backoff {
            factor: 1,
            retries: 3,
            ..b
        }
        .delays(),
        [100 * MS; 3],
        "factor 1 waits the same each time"
    );
    let many = Backoff {
        factor: 10,
        retries: 30,
        max_delay: Duration::from_secs(3600),
        ..b
    };
    assert_eq!(
        many.delays().last(),
        Some(&Duration::from_secs(3600)),
        "30 retries of factor 10 stop at the cap instead of overflowing"
    );
    let long_first = Backoff {
        first: 5000 * MS,
        retries: 3,
        ..b
    };
    assert_eq!(
        long_first.delays(),
        [1000 * MS; 3],
        "no wait is longer than max_delay, the first one included"
    );
}

// Paused time: the clock only moves when every task is waiting on a timer, and then jumps
// straight to the next one. The delays below are exact, and the test takes no real time.
#[tokio::test(start_paused = true)]
async fn retry_waits_the_backoff_between_attempts() {
    let b = Backoff {
        first: 100 * MS,
        factor: 2,
        max_delay: 1000 * MS,
        retries: 5,
    };
    let start = Instant::now();
    let mut calls = Vec::new();
    let result = retry(&b, || {
        calls.push(start.elapsed());
        let attempt = calls.len();
        // Fails the first three times, then succeeds.
        async move {
            if attempt <= 3 {
                Err(attempt)
            } else {
                Ok(attempt)
            }
        }
    })
    .await;
    assert_eq!(result, Ok(4), "the 4th attempt succeeds and is returned");
    assert_eq!(
        calls,
        [Duration::ZERO, 100 * MS, 300 * MS, 700 * MS],
        "attempts at 0, then after waiting 100, 200 and 400 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_gives_up_with_the_last_error() {
    let b = Backoff {
        first: 100 * MS,
        factor: 2,
        max_delay: 1000 * MS,
        retries: 5,
    };
    let start = Instant::now();
    let mut attempts = 0;
    let result: Result<(), u32> = retry(&b, || {
        attempts += 1;
        let n = attempts;
        async move { Err(n) }
    })
    .await;
    assert_eq!(result, Err(6), "1 attempt + 5 retries, then the last error");
    assert_eq!(attempts, 6, "calls of op: {attempts}, want 6");
    assert_eq!(
        start.elapsed(),
        2500 * MS,
        "100 + 200 + 400 + 800 + 1000 ms of waiting"
    );
}

// --- a session with a timeout, that reconnects --------------------------------------------

#[test]
fn a_session_reuses_its_connection() {
    let server = server(Config::default());
    let mut session = Session::new(server.addrs()[0], Duration::from_secs(5));
    event_loop().block_on(async {
        for _ in 0..3 {
            assert_eq!(
                session.greet().await.map(|r| r.host),
                Ok(0),
                "each of three greets on the session"
            );
        }
    });
    assert_eq!(
        session.connects(),
        1,
        "connections the session opened for three greets: {}, want 1",
        session.connects()
    );
    let connections = server.stats().connections;
    assert_eq!(
        connections, 1,
        "connections the server saw: {connections}, want 1"
    );
}

#[test]
fn a_silent_host_times_out_and_the_connection_is_dropped() {
    let server = server(Config {
        behavior: Behavior::Silent,
        idle_timeout: Duration::from_secs(10),
        ..Config::default()
    });
    let rt = event_loop();
    let mut session = Session::new(server.addrs()[0], 200 * MS);
    assert_eq!(
        rt.block_on(session.greet()),
        Err(GreetError::Timeout),
        "the first greet to a host that never answers, with 200 ms"
    );
    assert_eq!(
        session.connects(),
        1,
        "a timeout is not a lost connection: no reconnect"
    );
    assert_eq!(
        rt.block_on(session.greet()),
        Err(GreetError::Timeout),
        "the second greet to a host that never answers"
    );
    assert_eq!(
        session.connects(),
        2,
        "the connection that timed out must be dropped, so the next greet opens a new one"
    );
}

#[test]
fn a_session_reconnects_after_the_host_restarts() {
    let first = server(Config::default());
    let addr: SocketAddr = first.addrs()[0];
    let rt = event_loop();
    let mut session = Session::new(addr, Duration::from_secs(5));
    assert_eq!(
        rt.block_on(session.greet()).map(|r| r.host),
        Ok(0),
        "the greet before the host restarts"
    );
    // The "device" reboots: the server stops (closing every connection) and a new one
    // starts on the same port.
    drop(first);
    let second = server(Config {
        bind: Bind::Ports {
            ip: addr.ip(),
            port: addr.port(),
        },
        ..Config::default()
    });
    assert_eq!(
        rt.block_on(session.greet()).map(|r| r.host),
        Ok(0),
        "the lost connection is noticed and replaced within one call"
    );
    assert_eq!(
        session.connects(),
        2,
        "connections the session opened: {}, want 2 (the first, and one after the restart)",
        session.connects()
    );
    let served = second.stats().served;
    assert_eq!(
        served, 1,
        "greets the restarted host served: {served}, want 1"
    );
}

#[test]
fn a_refused_host_is_an_error_not_a_loop() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut session = Session::new(addr, Duration::from_secs(5));
    let got = event_loop().block_on(session.greet());
    assert_eq!(
        got,
        Err(GreetError::Refused),
        "a greet where nothing listens"
    );
    assert_eq!(
        session.connects(),
        0,
        "connections the session opened to a refusing host: {}, want 0",
        session.connects()
    );
}

/// A greet host of its own, on `listener`, whose behaviour the check chooses per connection:
/// `answer(k, served)` for the `k`-th connection it accepts (from 0), given how many replies it
/// has sent so far, says when to reply: `Some(n)` once it has sent `n` replies (waiting at
/// most 3 s for them; then it closes without one), `None` never (it closes the connection
/// right after reading the greeting). Every connection is served on a thread of its own, and
/// every wait is bounded; it stops accepting once `stop` is set, or after 10 s.
fn host_of_its_own(
    listener: &std::net::TcpListener,
    stop: &std::sync::atomic::AtomicBool,
    answer: impl Fn(usize) -> Option<u64> + Sync,
) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant as Now;
    let served = AtomicU64::new(0);
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let deadline = Now::now() + Duration::from_secs(10);
    std::thread::scope(|s| {
        let mut accepted = 0;
        while !stop.load(Ordering::SeqCst) && Now::now() < deadline {
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(2));
                continue;
            };
            let (k, served, answer) = (accepted, &served, &answer);
            accepted += 1;
            s.spawn(move || {
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut greeting = [0u8; greet_core::protocol::GREETING.len()];
                if conn.read_exact(&mut greeting).is_err() {
                    return;
                }
                let Some(after) = answer(k) else {
                    return; // closes without a reply
                };
                let wait_until = Now::now() + Duration::from_secs(3);
                while served.load(Ordering::SeqCst) < after {
                    if Now::now() >= wait_until {
                        return; // the others never came: close without a reply
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                let reply = greet_core::protocol::reply_line(0);
                if conn.write_all(reply.as_bytes()).is_ok() {
                    served.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
}

/// Runs `client` against [`host_of_its_own`] with `answer`, and stops the host when it is done
/// (also if it panics).
fn against_a_host_of_its_own<T>(
    answer: impl Fn(usize) -> Option<u64> + Sync,
    client: impl FnOnce(SocketAddr) -> T,
) -> T {
    struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| host_of_its_own(&listener, &stop, &answer));
        let _stop = StopOnDrop(&stop);
        client(addr)
    })
}

#[test]
fn a_fresh_connection_that_closes_is_not_retried() {
    // A host that closes every connection right after reading its greeting. The session had
    // no connection before this greet, so nothing had gone stale: the close is this greet's
    // failure, returned as it is, after one connection. Reconnecting is only for a connection
    // that was already open and was lost meanwhile.
    let (got, connects) = against_a_host_of_its_own(
        |_| None,
        |addr| {
            let mut session = Session::new(addr, Duration::from_secs(5));
            let got = event_loop().block_on(session.greet());
            (got, session.connects())
        },
    );
    assert_eq!(
        got,
        Err(GreetError::Closed),
        "a greet on a fresh connection that the host closes"
    );
    assert_eq!(
        connects, 1,
        "connections the session opened: {connects}, want 1 (only a connection that was already \
         open before this greet is replaced)"
    );
}

#[test]
fn the_sessions_timeout_is_the_one_used() {
    // A host that answers after 1 s. A session given 4 s gets the reply; one given 300 ms
    // times out. The same through greet_limited, whose sessions get its timeout. No timeout
    // fixed in the code does both.
    let slow = server(Config {
        latency: Duration::from_secs(1),
        ..Config::default()
    });
    let addr = slow.addrs()[0];
    let rt = event_loop();
    let patient = rt.block_on(Session::new(addr, Duration::from_secs(4)).greet());
    assert_eq!(
        patient.map(|r| r.host),
        Ok(0),
        "a session with a timeout of 4 s, to a host that answers after 1 s: is greet_once's \
         timeout the session's own (self.timeout)?"
    );
    let hasty = rt.block_on(Session::new(addr, 300 * MS).greet());
    assert_eq!(
        hasty,
        Err(GreetError::Timeout),
        "a session with a timeout of 300 ms, to a host that answers after 1 s, times out"
    );
    let limited = rt.block_on(greet_limited(addr, 2, 2, 300 * MS));
    assert_eq!(
        limited,
        [Err(GreetError::Timeout), Err(GreetError::Timeout)],
        "greet_limited(.., 300 ms) to a host that answers after 1 s: each session gets that \
         timeout"
    );
}

// --- a semaphore as a lock on a shared resource -------------------------------------------

#[test]
fn at_most_k_sessions_to_one_host() {
    // The host holds every reply until 3 greets wait at once: fewer than 3 sessions at a time
    // time out. More than 3 show in the peak.
    let server = server(Config {
        latency: 10 * MS,
        rendezvous: Some(3),
        idle_timeout: Duration::from_secs(2),
        ..Config::default()
    });
    let results = event_loop().block_on(greet_limited(
        server.addrs()[0],
        9,
        3,
        Duration::from_secs(1),
    ));
    assert_eq!(
        results.len(),
        9,
        "results: {}, want 9 (one per task)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        assert_eq!(
            r.as_ref().map(|r| r.host),
            Ok(0),
            "task {i}: a timeout means fewer than 3 sessions were open at once"
        );
    }
    let s = server.stats();
    assert_eq!(
        s.peak_in_flight, 3,
        "the most sessions greeting at once: {}, want 3 (at most 3, and 3 were)",
        s.peak_in_flight
    );
    assert_eq!(
        s.connections, 9,
        "connections the server saw: {}, want 9 (one session per task)",
        s.connections
    );
}

#[test]
fn zero_sessions_means_one_at_a_time() {
    let server = server(Config {
        latency: 5 * MS,
        ..Config::default()
    });
    let results = event_loop().block_on(greet_limited(
        server.addrs()[0],
        4,
        0,
        Duration::from_secs(5),
    ));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, 1,
        "the most sessions greeting at once with 0 sessions: {peak}, want 1 (0 counts as 1)"
    );
}

#[test]
fn a_new_session_starts_whenever_one_ends() {
    // The host holds the reply on the first connection it accepts until it has answered the 9
    // others (for at most 3 s; then it closes it). With 2 sessions at a time, a sliding window
    // keeps one task waiting on that connection and runs the other 9 through the second place,
    // one after another. Waves of 2 (start 2, wait for both, start 2 more) never get past the
    // first wave: the held one waits for the others, and the others wait for the wave to end.
    let results = against_a_host_of_its_own(
        |k| Some(if k == 0 { 9 } else { 0 }),
        |addr| event_loop().block_on(greet_limited(addr, 10, 2, Duration::from_secs(5))),
    );
    let failed: Vec<(usize, &GreetError)> = results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
        .collect();
    assert!(
        failed.is_empty(),
        "tasks that failed: {failed:?}, want none: the first session's reply comes once the 9 \
         others are answered, and they were not while it waited. Does a task start as soon as a \
         session ends, or only when its whole group has?"
    );
    assert_eq!(
        results.len(),
        10,
        "results: {}, want 10 (one per task)",
        results.len()
    );
}

// --- cancellation -------------------------------------------------------------------------

#[tokio::test]
async fn the_first_greeting_wins_and_the_rest_are_cancelled() {
    // Two slow hosts (a minute each) and one fast one, on two APIs.
    let slow = greet_api::ApiServer::start(greet_api::Config {
        hosts: 2,
        latency: Duration::from_secs(60),
        ..greet_api::Config::default()
    })
    .expect("the slow API starts");
    // The fast host takes a moment too, so that the slow requests are normally out before
    // the race is decided; the checks below hold whichever of them got out.
    let fast = greet_api::ApiServer::start(greet_api::Config {
        hosts: 3,
        latency: 300 * MS,
        ..greet_api::Config::default()
    })
    .expect("the fast API starts");
    let urls = [
        slow.greeting_url(0),
        slow.greeting_url(1),
        fast.greeting_url(2),
    ];
    let http = client(Duration::from_secs(120));
    let first = first_greeting(&http, &urls).await;
    assert_eq!(first, Some(Greeting::of(2)), "the fast host answers first");
    // Every request the slow API received must be abandoned: its connection closes and the
    // API drops it. (A task that was only detached would still be waiting, for a minute.)
    let mut s = slow.stats();
    for _ in 0..500 {
        if s.requests > 0 && s.cancelled == s.requests && s.in_flight == 0 {
            break;
        }
        tokio::time::sleep(10 * MS).await;
        s = slow.stats();
    }
    assert!(s.requests >= 1, "no request reached the slow API: {s:?}");
    assert_eq!(
        (s.cancelled, s.in_flight, s.served),
        (s.requests, 0, 0),
        "every slow request cancelled (within 5 s), none left waiting, none served"
    );
}

#[tokio::test]
async fn failed_requests_do_not_win() {
    let api = greet_api::ApiServer::start(greet_api::Config {
        hosts: 2,
        latency: 20 * MS,
        ..greet_api::Config::default()
    })
    .expect("the API starts");
    let http = client(Duration::from_secs(10));
    // Host 5 does not exist: its 404 comes back first, but only a greeting counts.
    let urls = [api.greeting_url(5), api.greeting_url(1)];
    assert_eq!(
        first_greeting(&http, &urls).await,
        Some(Greeting::of(1)),
        "the first greeting from a 404 and host 1"
    );
    let none = [api.greeting_url(5), api.greeting_url(6)];
    assert_eq!(
        first_greeting(&http, &none).await,
        None,
        "every request failed"
    );
}

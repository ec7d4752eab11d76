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
// - a_refused_host_is_an_error_not_a_loop: a refusal is not a lost connection.
// - at_most_k_sessions_to_one_host, zero_sessions_means_one_at_a_time: the semaphore as a lock
//   (wrong/permit_dropped_at_once).
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
        [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS]
    );
    assert_eq!(Backoff { retries: 0, ..b }.delays(), []);
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
            assert_eq!(session.greet().await.map(|r| r.host), Ok(0));
        }
    });
    assert_eq!(
        session.connects(),
        1,
        "connections the session opened for three greets: {}, want 1",
        session.connects()
    );
    let connections = server.stats().connections;
    assert_eq!(connections, 1, "connections the server saw: {connections}, want 1");
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
    assert_eq!(rt.block_on(session.greet()), Err(GreetError::Timeout));
    assert_eq!(
        session.connects(),
        1,
        "a timeout is not a lost connection: no reconnect"
    );
    assert_eq!(rt.block_on(session.greet()), Err(GreetError::Timeout));
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
    assert_eq!(rt.block_on(session.greet()).map(|r| r.host), Ok(0));
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
    assert_eq!(served, 1, "greets the restarted host served: {served}, want 1");
}

#[test]
fn a_refused_host_is_an_error_not_a_loop() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let mut session = Session::new(addr, Duration::from_secs(5));
    let got = event_loop().block_on(session.greet());
    assert_eq!(got, Err(GreetError::Refused));
    assert_eq!(
        session.connects(),
        0,
        "connections the session opened to a refusing host: {}, want 0",
        session.connects()
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
    assert_eq!(first_greeting(&http, &urls).await, Some(Greeting::of(1)));
    let none = [api.greeting_url(5), api.greeting_url(6)];
    assert_eq!(
        first_greeting(&http, &none).await,
        None,
        "every request failed"
    );
}

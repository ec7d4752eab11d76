// Lesson 07's checks, shared by `lesson07-exercise` and `lesson07-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 07`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson07-wrong that proves it does:
// - fetches_one_greeting, unknown_host_is_a_404_error, no_server_is_an_error_not_a_panic:
//   every failure is a counted FetchError, never a panic.
// - replies_that_are_not_the_greeting_asked_for_are_errors: the status and the host are checked
//   (wrong/only_404_is_a_status_error, wrong/trusts_the_body).
// - fetches_every_host_matched_to_its_id, a_missing_host_is_a_counted_error: one result per
//   id, ok + errors == count.
// - requests_overlap_up_to_the_limit_and_no_further: bounded concurrency, K reached and never
//   passed (wrong/unbounded).
// - a_new_request_starts_whenever_one_finishes: a sliding window, not waves (wrong/waves).
// - limit_zero_means_one_at_a_time: the docstring's 0.
// - every_request_goes_through_the_given_client: one shared client, with its connection pool
//   and its timeout, not one made per request (wrong/a_client_per_request).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use greet_api::{ApiServer, Config};
use lesson07::{FetchError, Greeting, Tally, client, fetch_all, fetch_greeting, tally};

/// Every request gives up after this long, so no check can hang.
const TIMEOUT: Duration = Duration::from_secs(5);

fn api(config: Config) -> ApiServer {
    ApiServer::start(config).expect("the JSON API starts on 127.0.0.1 port 0")
}

/// A stand-in for the JSON API, for replies the real one never gives: a greeting from another
/// host, a body that is not a greeting, a host that waits for the others. It answers
/// `GET /hosts/{id}/greeting` with whatever `answer(id, served)` says (`served`: how many 200s
/// it has sent so far), one connection at a time on a thread each, and closes each connection
/// after its reply. Every wait in it is bounded; dropping it stops it.
struct FakeApi {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Requests received, and those that carried [`MARK`].
    requests: Arc<AtomicU64>,
    marked: Arc<AtomicU64>,
}

/// A header only the checks' own client sends: a request without it came from another client.
const MARK: (&str, &str) = ("x-lesson07-check", "the-given-client");

/// What [`FakeApi`] sends back: an HTTP status and a body.
type Answer = (u16, String);

impl FakeApi {
    fn start(answer: impl Fn(u32, &AtomicU64) -> Answer + Send + Sync + 'static) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let (answer, served) = (Arc::new(answer), Arc::new(AtomicU64::new(0)));
        let stopping = stop.clone();
        let (requests, marked) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let counts = (requests.clone(), marked.clone());
        let thread = std::thread::spawn(move || {
            // At most a minute, like every other wait here.
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stopping.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (answer, served) = (answer.clone(), served.clone());
                        let counts = counts.clone();
                        std::thread::spawn(move || serve(conn, &*answer, &served, &counts));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FakeApi {
            addr,
            stop,
            thread: Some(thread),
            requests,
            marked,
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection of a [`FakeApi`]: read one request, count it (and whether it carried
/// [`MARK`]), answer it, close.
fn serve(
    mut conn: TcpStream,
    answer: &dyn Fn(u32, &AtomicU64) -> Answer,
    served: &AtomicU64,
    (requests, marked): &(Arc<AtomicU64>, Arc<AtomicU64>),
) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    requests.fetch_add(1, Ordering::SeqCst);
    let mark = format!("{}: {}", MARK.0, MARK.1);
    if request
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case(&mark))
    {
        marked.fetch_add(1, Ordering::SeqCst);
    }
    let id = request.split_whitespace().nth(1).and_then(|path| {
        path.strip_prefix("/hosts/")?
            .strip_suffix("/greeting")?
            .parse()
            .ok()
    });
    let (status, body) = match id {
        Some(id) => answer(id, served),
        None => (404, r#"{"error":"no such path"}"#.to_owned()),
    };
    let reply = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        if status == 200 { "OK" } else { "Not OK" },
        body.len()
    );
    if conn.write_all(reply.as_bytes()).is_ok() && status == 200 {
        served.fetch_add(1, Ordering::SeqCst);
    }
}

/// Host `id`'s own greeting, as the real API sends it.
fn greeting_of(id: u32) -> Answer {
    let g = Greeting::of(id);
    let body = format!(r#"{{"host":{},"greeting":"{}"}}"#, g.host, g.greeting);
    (200, body)
}

/// How many times each id occurs.
fn counts(ids: impl IntoIterator<Item = u32>) -> BTreeMap<u32, usize> {
    let mut m = BTreeMap::new();
    for id in ids {
        *m.entry(id).or_insert(0) += 1;
    }
    m
}

#[tokio::test]
async fn fetches_one_greeting() {
    let server = api(Config {
        hosts: 3,
        ..Config::default()
    });
    let got = fetch_greeting(&client(TIMEOUT), &server.base_url(), 1).await;
    assert_eq!(got, Ok(Greeting::of(1)), "fetch_greeting of host 1");
    assert_eq!(server.stats().served, 1, "one request, one greeting");
}

#[tokio::test]
async fn unknown_host_is_a_404_error() {
    let server = api(Config {
        hosts: 3,
        ..Config::default()
    });
    let got = fetch_greeting(&client(TIMEOUT), &server.base_url(), 7).await;
    assert_eq!(
        got,
        Err(FetchError::Status(404)),
        "hosts are 0..3: 7 is not one"
    );
    let not_found = server.stats().not_found;
    assert_eq!(not_found, 1, "404s the API sent: {not_found}, want 1");
}

#[tokio::test]
async fn no_server_is_an_error_not_a_panic() {
    // An address where nothing listens: bind a free port, then let it go.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let got = fetch_greeting(&client(TIMEOUT), &format!("http://{addr}"), 0).await;
    assert!(
        matches!(got, Err(FetchError::Http(_))),
        "a refused connection is FetchError::Http, got {got:?}"
    );
}

#[tokio::test]
async fn fetches_every_host_matched_to_its_id() {
    let server = api(Config {
        hosts: 5,
        ..Config::default()
    });
    let ids: Vec<u32> = (0..5).cycle().take(15).collect();
    let results = fetch_all(&client(TIMEOUT), &server.base_url(), &ids, 4).await;
    assert_eq!(
        results.len(),
        ids.len(),
        "results: {}, want {} (one per id)",
        results.len(),
        ids.len()
    );
    for (id, r) in &results {
        let g = r.as_ref().unwrap_or_else(|e| panic!("host {id}: {e}"));
        assert_eq!(
            g,
            &Greeting::of(*id),
            "the greeting must be host {id}'s own"
        );
    }
    assert_eq!(
        counts(results.iter().map(|(id, _)| *id)),
        counts(ids.iter().copied()),
        "every id is fetched exactly as often as it was asked for"
    );
    let served = server.stats().served;
    assert_eq!(served, 15, "greetings the API served: {served}, want 15");
}

#[tokio::test]
async fn requests_overlap_up_to_the_limit_and_no_further() {
    // The API holds every reply until 3 requests wait at once: a client that sends one at a
    // time gets 503s (after 1 s each) instead of greetings. And a client that sends more than 3 at
    // once shows a peak above 3.
    let server = api(Config {
        hosts: 4,
        latency: Duration::from_millis(10),
        rendezvous: Some(3),
        gate_timeout: Duration::from_secs(1),
        ..Config::default()
    });
    let ids: Vec<u32> = (0..4).cycle().take(8).collect();
    let results = fetch_all(&client(TIMEOUT), &server.base_url(), &ids, 3).await;
    let t = tally(&results);
    assert_eq!(
        t,
        Tally { ok: 8, errors: 0 },
        "all 8 fetched; errors such as 503 mean fewer than 3 requests were in flight at once: {:?}",
        results.iter().find(|(_, r)| r.is_err())
    );
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, 3,
        "limit 3: the API saw {peak} requests in flight at once"
    );
}

#[tokio::test]
async fn limit_zero_means_one_at_a_time() {
    let server = api(Config {
        hosts: 2,
        latency: Duration::from_millis(5),
        ..Config::default()
    });
    let ids = [0, 1, 0, 1];
    let results = fetch_all(&client(TIMEOUT), &server.base_url(), &ids, 0).await;
    assert_eq!(
        tally(&results),
        Tally { ok: 4, errors: 0 },
        "tally of 4 fetches"
    );
    let peak = server.stats().peak_in_flight;
    assert_eq!(
        peak, 1,
        "the most requests in flight at once with limit 0: {peak}, want 1 (0 counts as 1)"
    );
}

#[tokio::test]
async fn a_missing_host_is_a_counted_error() {
    let server = api(Config {
        hosts: 3,
        ..Config::default()
    });
    let ids = [0, 1, 7, 2, 9];
    let results = fetch_all(&client(TIMEOUT), &server.base_url(), &ids, 2).await;
    let t = tally(&results);
    assert_eq!(
        t,
        Tally { ok: 3, errors: 2 },
        "tally of 3 hosts and 2 missing ones"
    );
    assert_eq!(
        t.ok + t.errors,
        ids.len(),
        "ok + errors: {}, want {} (every fetch counted once)",
        t.ok + t.errors,
        ids.len()
    );
    let mut failed: Vec<_> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e.clone())))
        .collect();
    failed.sort_by_key(|(id, _)| *id);
    assert_eq!(
        failed,
        [(7, FetchError::Status(404)), (9, FetchError::Status(404))],
        "the ids that failed, and why (7 and 9 are no hosts)"
    );
    let not_found = server.stats().not_found;
    assert_eq!(not_found, 2, "404s the API sent: {not_found}, want 2");
}

#[tokio::test]
async fn replies_that_are_not_the_greeting_asked_for_are_errors() {
    // Host 5 answers with host 6's greeting, host 6 with a body that is no greeting at all,
    // host 7 with a 503; the others as they should.
    let fake = FakeApi::start(|id, _| match id {
        5 => greeting_of(6),
        6 => (200, "Hello, world! (not JSON)".to_owned()),
        7 => (503, r#"{"error":"busy"}"#.to_owned()),
        id => greeting_of(id),
    });
    let http = client(TIMEOUT);
    let base = fake.base_url();
    assert_eq!(
        fetch_greeting(&http, &base, 1).await,
        Ok(Greeting::of(1)),
        "fetch_greeting of host 1, which answers as itself"
    );
    assert_eq!(
        fetch_greeting(&http, &base, 5).await,
        Err(FetchError::WrongHost {
            expected: 5,
            got: 6
        }),
        "a greeting from another host than the one asked for is an error"
    );
    let got = fetch_greeting(&http, &base, 6).await;
    assert!(
        matches!(got, Err(FetchError::Http(_))),
        "a 200 whose body is not a greeting is FetchError::Http, got {got:?}"
    );
    assert_eq!(
        fetch_greeting(&http, &base, 7).await,
        Err(FetchError::Status(503)),
        "any status but 200 is FetchError::Status, not only 404"
    );
}

#[tokio::test]
async fn a_new_request_starts_whenever_one_finishes() {
    // Host 0's reply waits until the API has answered the 9 other requests (for at most 3 s;
    // then it is a 503). With a limit of 2, a sliding window keeps one request waiting on
    // host 0 and sends the other 9 through its second place, one after another. Waves of 2
    // (start 2, wait for both, start 2 more) never get past the first wave: host 0 waits for
    // the others, and the others wait for the wave to end.
    let fake = FakeApi::start(|id, served| {
        if id != 0 {
            return greeting_of(id);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while served.load(Ordering::SeqCst) < 9 {
            if Instant::now() >= deadline {
                return (
                    503,
                    r#"{"error":"the other requests never came"}"#.to_owned(),
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        greeting_of(0)
    });
    let ids = [0, 1, 2, 3, 1, 2, 3, 1, 2, 3];
    let results = fetch_all(&client(TIMEOUT), &fake.base_url(), &ids, 2).await;
    let held = results
        .iter()
        .find(|(id, _)| *id == 0)
        .map(|(_, r)| r.clone());
    assert_eq!(
        held,
        Some(Ok(Greeting::of(0))),
        "host 0 answers once the 9 others are answered; they were not, while it waited: does \
         a new request start as soon as one finishes, or only when the whole batch has?"
    );
    assert_eq!(
        tally(&results),
        Tally { ok: 10, errors: 0 },
        "tally of 10 fetches"
    );
}

#[tokio::test]
async fn every_request_goes_through_the_given_client() {
    // The checks' client marks every request it sends with a header of its own. A request
    // without it came from a client made elsewhere: one per request (a new connection pool,
    // and none of the given client's settings, its timeout among them).
    let fake = FakeApi::start(|id, _| greeting_of(id));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(MARK.0, reqwest::header::HeaderValue::from_static(MARK.1));
    let marked = reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .default_headers(headers)
        .build()
        .expect("a plain-HTTP client builds");
    let ids = [0, 1, 2, 3, 4, 5];
    let results = fetch_all(&marked, &fake.base_url(), &ids, 3).await;
    assert_eq!(
        tally(&results),
        Tally { ok: 6, errors: 0 },
        "tally of 6 fetches"
    );
    let (requests, with_mark) = (
        fake.requests.load(Ordering::SeqCst),
        fake.marked.load(Ordering::SeqCst),
    );
    assert_eq!(
        (requests, with_mark),
        (6, 6),
        "(requests the API received, those sent by the client fetch_all was given): make no \
         client of your own, use the one you are given"
    );
}

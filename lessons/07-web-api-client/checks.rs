// Lesson 07's checks, shared by `lesson07-exercise` and `lesson07-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 07`. Do not edit: they are how the checker knows you are done.

use std::collections::BTreeMap;
use std::time::Duration;

use greet_api::{ApiServer, Config};
use lesson07::{FetchError, Greeting, Tally, client, fetch_all, fetch_greeting, tally};

/// Every request gives up after this long, so no check can hang.
const TIMEOUT: Duration = Duration::from_secs(5);

fn api(config: Config) -> ApiServer {
    ApiServer::start(config).expect("the JSON API starts on 127.0.0.1 port 0")
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
    assert_eq!(got, Ok(Greeting::of(1)));
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
    assert_eq!(server.stats().not_found, 1);
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
    assert_eq!(results.len(), ids.len(), "one result per id");
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
    assert_eq!(server.stats().served, 15);
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
    assert_eq!(tally(&results), Tally { ok: 4, errors: 0 });
    assert_eq!(server.stats().peak_in_flight, 1, "limit 0 counts as 1");
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
    assert_eq!(t, Tally { ok: 3, errors: 2 });
    assert_eq!(t.ok + t.errors, ids.len(), "every fetch is counted once");
    let mut failed: Vec<_> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| (*id, e.clone())))
        .collect();
    failed.sort_by_key(|(id, _)| *id);
    assert_eq!(
        failed,
        [(7, FetchError::Status(404)), (9, FetchError::Status(404))]
    );
    assert_eq!(server.stats().not_found, 2);
}

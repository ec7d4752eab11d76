//! The API's contract, through a real HTTP client (reqwest) on loopback: replies name the
//! right host, unknown hosts are 404s, the counters see concurrency and cancellation.

use std::time::Duration;

use greet_api::{ApiErrorBody, ApiServer, Config, Greeting};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Polls `cond` every 10 ms for up to 5 s.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{what} did not happen within 5 s");
}

#[test]
fn replies_name_the_host_asked_for() {
    let server = ApiServer::start(Config {
        hosts: 5,
        ..Config::default()
    })
    .unwrap();
    let http = client();
    runtime().block_on(async {
        for id in [4, 0, 2] {
            let reply = http.get(server.greeting_url(id)).send().await.unwrap();
            assert_eq!(reply.status(), 200);
            let body: Greeting = reply.json().await.unwrap();
            assert_eq!(body, Greeting::of(id));
            assert_eq!(body.greeting, format!("Hello, world! from host {id}"));
        }
        let hosts: serde_json::Value = http
            .get(format!("{}/hosts", server.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(hosts["hosts"], 5);
    });
    let s = server.stats();
    assert_eq!((s.requests, s.served, s.not_found), (3, 3, 0));
}

#[test]
fn unknown_hosts_are_json_404s() {
    let server = ApiServer::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    let http = client();
    runtime().block_on(async {
        for id in ["2", "99", "-1", "abc"] {
            let url = format!("{}/hosts/{id}/greeting", server.base_url());
            let reply = http.get(url).send().await.unwrap();
            assert_eq!(reply.status(), 404, "host {id}");
            let body: ApiErrorBody = reply.json().await.unwrap();
            assert!(body.error.contains("hosts are 0..2"), "{}", body.error);
        }
        let reply = http
            .get(format!("{}/nowhere", server.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 404);
    });
    let s = server.stats();
    assert_eq!((s.requests, s.served, s.not_found), (4, 0, 4));
}

#[test]
fn peak_in_flight_counts_concurrent_requests() {
    // The rendezvous holds every reply until 4 are in flight: the peak is then at least 4
    // by construction, and the 4 concurrent requests below are exactly enough.
    let server = ApiServer::start(Config {
        hosts: 4,
        rendezvous: Some(4),
        gate_timeout: Duration::from_secs(5),
        ..Config::default()
    })
    .unwrap();
    let http = client();
    let replies = runtime().block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for id in 0..4 {
            let (http, url) = (http.clone(), server.greeting_url(id));
            set.spawn(async move { http.get(url).send().await?.json::<Greeting>().await });
        }
        let mut hosts = Vec::new();
        while let Some(r) = set.join_next().await {
            hosts.push(r.unwrap().unwrap().host);
        }
        hosts.sort_unstable();
        hosts
    });
    assert_eq!(replies, [0, 1, 2, 3]);
    let s = server.stats();
    assert_eq!((s.served, s.peak_in_flight, s.in_flight), (4, 4, 0));
}

#[test]
fn sequential_requests_never_overlap() {
    let server = ApiServer::start(Config {
        hosts: 3,
        latency: Duration::from_millis(5),
        ..Config::default()
    })
    .unwrap();
    let http = client();
    runtime().block_on(async {
        for id in 0..6 {
            let r = http.get(server.greeting_url(id % 3)).send().await.unwrap();
            assert_eq!(r.json::<Greeting>().await.unwrap().host, id % 3);
        }
    });
    let s = server.stats();
    assert_eq!((s.served, s.peak_in_flight), (6, 1));
    // One keep-alive connection served all six.
    assert_eq!(s.connections, 1);
}

#[test]
fn a_rendezvous_that_never_comes_is_a_503() {
    let server = ApiServer::start(Config {
        rendezvous: Some(2),
        gate_timeout: Duration::from_millis(100),
        ..Config::default()
    })
    .unwrap();
    let http = client();
    runtime().block_on(async {
        let r = http.get(server.greeting_url(0)).send().await.unwrap();
        assert_eq!(r.status(), 503);
        let body: ApiErrorBody = r.json().await.unwrap();
        assert!(body.error.contains("concurrently"), "{}", body.error);
    });
    let s = server.stats();
    assert_eq!((s.served, s.unavailable, s.cancelled), (0, 1, 0));
}

#[test]
fn flaky_hosts_fail_their_first_requests() {
    let server = ApiServer::start(Config {
        hosts: 2,
        flaky: 2,
        ..Config::default()
    })
    .unwrap();
    let http = client();
    let statuses = runtime().block_on(async {
        let mut statuses = Vec::new();
        for id in [0, 0, 0, 1] {
            statuses.push(
                http.get(server.greeting_url(id))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        statuses
    });
    assert_eq!(statuses, [503, 503, 200, 503]);
    let s = server.stats();
    assert_eq!((s.requests, s.served, s.unavailable), (4, 1, 3));
}

#[test]
fn a_client_that_goes_away_is_counted_as_cancelled() {
    let server = ApiServer::start(Config {
        latency: Duration::from_secs(60),
        ..Config::default()
    })
    .unwrap();
    let http = client();
    let url = server.greeting_url(0);
    let rt = runtime();
    rt.block_on(async {
        let task = tokio::spawn(async move { http.get(url).send().await });
        // Wait until the server has the request, then cancel the client's task: dropping its
        // future drops the connection.
        for _ in 0..500 {
            if server.stats().in_flight == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(server.stats().in_flight, 1);
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    drop(rt); // the client's connection pool, too
    eventually("the server noticing the closed connection", || {
        let s = server.stats();
        s.cancelled == 1 && s.in_flight == 0 && s.open_connections == 0
    });
    assert_eq!(server.stats().served, 0);
}

#[tokio::test]
async fn starts_from_inside_an_async_runtime() {
    let server = ApiServer::start(Config::default()).unwrap();
    let reply = client().get(server.greeting_url(0)).send().await.unwrap();
    assert_eq!(reply.json::<Greeting>().await.unwrap(), Greeting::of(0));
}

/// A raw connection: writes `bytes`, then reads until the server closes (at most 5 s).
fn raw(server: &ApiServer, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // Bounded: 64 reads; the server closes long before.
    for _ in 0..64 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn odd_ids_methods_and_long_ids_get_consistent_json() {
    let server = ApiServer::start(Config {
        hosts: 2,
        ..Config::default()
    })
    .unwrap();
    let http = client();
    runtime().block_on(async {
        // One host, one URL: a sign or a leading zero is not the plain id.
        for id in ["+1", "01", "00", "1.0", "%201"] {
            let url = format!("{}/hosts/{id}/greeting", server.base_url());
            let reply = http.get(url).send().await.unwrap();
            assert_eq!(reply.status(), 404, "host {id}");
            let body: ApiErrorBody = reply.json().await.unwrap();
            assert!(body.error.contains("hosts are 0..2"), "{}", body.error);
        }
        let reply = http.get(server.greeting_url(1)).send().await.unwrap();
        assert_eq!(reply.status(), 200);
        // Another method: a 405 with the same JSON body as every error.
        let reply = http.post(server.greeting_url(1)).send().await.unwrap();
        assert_eq!(reply.status(), 405);
        assert_eq!(
            reply.headers()["content-type"],
            "application/json",
            "a JSON 405"
        );
        let body: ApiErrorBody = reply.json().await.unwrap();
        assert!(body.error.contains("use GET"), "{}", body.error);
        // A 10 KB id is not sent back whole.
        let long = "7".repeat(10_000);
        let url = format!("{}/hosts/{long}/greeting", server.base_url());
        let reply = http.get(url).send().await.unwrap();
        assert_eq!(reply.status(), 404);
        let body: ApiErrorBody = reply.json().await.unwrap();
        assert!(body.error.len() < 200, "{} bytes", body.error.len());
        assert!(body.error.contains("10000 bytes"), "{}", body.error);
    });
}

#[test]
fn a_slow_or_endless_request_head_and_an_idle_connection_are_closed() {
    let server = ApiServer::start(Config {
        header_read_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .unwrap();
    // Half a request line, then nothing: a 408 with a JSON body, and the connection closed.
    let reply = raw(&server, b"GET /hosts/0/gree");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply:?}");
    assert!(reply.ends_with(r#"{"error":"the request head did not arrive in time"}"#));
    // Nothing at all: closed after the idle timeout.
    assert_eq!(raw(&server, b""), "");
    // A head that never ends: cut at MAX_HEAD bytes with a 431.
    let mut endless = b"GET /hosts/0/greeting HTTP/1.1\r\n".to_vec();
    while endless.len() <= greet_api::MAX_HEAD + 1024 {
        endless.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let reply = raw(&server, &endless);
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply:?}");
    let s = server.stats();
    assert_eq!(s.timed_out, 3, "{s:?}");
    assert_eq!(s.requests, 0);
    eventually("every connection closed", || {
        server.stats().open_connections == 0
    });
    // A complete request still works, keep-alive included.
    let reply = raw(
        &server,
        b"GET /hosts/0/greeting HTTP/1.1\r\nHost: x\r\n\r\nGET /hosts/0/greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(reply.matches("HTTP/1.1 200").count(), 2, "{reply:?}");
}

#[test]
fn idle_and_partial_connections_cannot_lock_out_a_request() {
    use std::io::Write;
    let server = ApiServer::start(Config {
        max_connections: 4,
        evict_after: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap();
    // Twice the cap held open: half idle, half stuck in a request line.
    let held: Vec<_> = (0..8)
        .map(|i| {
            let mut s = std::net::TcpStream::connect(server.addr()).unwrap();
            if i % 2 == 1 {
                s.write_all(b"GET /hosts/0/gr").unwrap();
            }
            s
        })
        .collect();
    let http = client();
    runtime().block_on(async {
        let reply = http.get(server.greeting_url(0)).send().await.unwrap();
        assert_eq!(reply.status(), 200);
    });
    let s = server.stats();
    assert_eq!(s.served, 1);
    // Nine connections through a cap of four: at least five made room; never more open.
    assert!(s.evicted >= 5, "{s:?}");
    assert!(s.open_connections <= 4, "{s:?}");
    drop(held);
}

/// A request with `n` headers of `each` bytes (name, `: `, value and line end; at least 8),
/// besides Host and Connection.
fn with_headers(n: usize, each: usize) -> Vec<u8> {
    let mut head = b"GET /hosts/0/greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".to_vec();
    for i in 0..n {
        // Three letters name up to 17,576 headers.
        let letter = |k: usize| char::from(b'a' + (k % 26) as u8);
        let name: String = [letter(i / 676), letter(i / 26), letter(i)]
            .into_iter()
            .collect();
        let value = "v".repeat(each.saturating_sub(name.len() + 4).max(1));
        head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

#[test]
fn the_only_limit_on_a_head_is_its_size_and_its_431_has_the_json_body() {
    let server = ApiServer::start(Config::default()).unwrap();
    // 99 small headers, about 940 bytes in all (hyper's own limit was 100 headers, answered
    // with an empty 431), and 1,500 tiny ones in under 16 KiB: both are ordinary requests.
    for (n, each) in [(99, 9), (1_500, 8)] {
        let head = with_headers(n, each);
        assert!(head.len() < greet_api::MAX_HEAD, "{} bytes", head.len());
        let reply = raw(&server, &head);
        assert!(reply.starts_with("HTTP/1.1 200"), "{n} headers: {reply:?}");
    }
    // Past 16 KiB, however it is made up: a 431 with the JSON body of every other error.
    for (n, each) in [(40, 500), (3_000, 8)] {
        let head = with_headers(n, each);
        assert!(head.len() > greet_api::MAX_HEAD, "{} bytes", head.len());
        let reply = raw(&server, &head);
        assert!(reply.starts_with("HTTP/1.1 431"), "{n} headers: {reply:?}");
        assert!(
            reply.contains("content-type: application/json"),
            "{reply:?}"
        );
        let body = reply.split("\r\n\r\n").nth(1).unwrap_or_default();
        let body: ApiErrorBody = serde_json::from_str(body).expect(&reply);
        assert!(body.error.contains("16384 bytes"), "{}", body.error);
    }
    assert_eq!(server.stats().served, 2);
}

#[test]
fn the_heap_is_handed_back_once_after_a_storm_of_connections() {
    let server = ApiServer::start(Config::default()).unwrap();
    // Not a storm yet: a few connections come and go.
    for _ in 0..10 {
        assert!(
            raw(
                &server,
                b"GET /hosts/0/greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            .starts_with("HTTP/1.1 200")
        );
    }
    // A storm: STORM connections, each a request, then gone.
    for _ in 0..greet_api::STORM {
        let reply = raw(
            &server,
            b"GET /hosts/0/greeting HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    }
    eventually("the heap trimmed after the storm", || {
        server.stats().trims == 1
    });
    // Quiet again: no more trims without another storm (three more looks).
    std::thread::sleep(Duration::from_millis(3_100));
    assert_eq!(server.stats().trims, 1);
}

//! Each floor client against the real server on loopback: every greet gets its reply, and
//! the client waits the way its kind does (the server's own count of greets held at once).
//! Structural only: no test reads the clock to pass or fail.

use std::time::Duration;

use floor::{Batch, FloorError};
use greet_core::Lang;
use greet_core::floor::FloorKind;
use greet_server::{Config, Server};

fn server() -> Server {
    Server::start(Config {
        hosts: 3,
        latency: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap()
}

fn batch(server: &Server, count: usize, workers: usize) -> Batch {
    Batch {
        addrs: server.addrs().to_vec(),
        count,
        workers,
        timeout: Duration::from_secs(10),
    }
}

#[test]
fn every_floor_client_gets_every_reply_and_waits_as_its_kind_does() {
    let python = model_python::available();
    if let Err(why) = &python {
        eprintln!("python floor clients skipped: {why}");
    }
    let (count, workers) = (24, 4);
    for kind in FloorKind::ALL {
        if kind.lang() == Lang::Python && python.is_err() {
            continue;
        }
        let server = server();
        let run = floor::run(kind, &batch(&server, count, workers)).unwrap();
        assert_eq!((run.ok, run.count), (count, count), "{kind}");
        assert!(run.wall_s > 0.0, "{kind}");
        let stats = server.stats();
        assert_eq!(stats.served, count as u64, "{kind}");
        // How many greets the hosts held at once is the kind's concurrency: one at a time,
        // K, or all of them (the 50 ms latency is far above the time to connect 24).
        let expected = match kind {
            FloorKind::Sequential | FloorKind::PySequential => 1,
            FloorKind::ThreadPool | FloorKind::PyThreadPool => workers as u64,
            _ => count as u64,
        };
        assert_eq!(stats.peak_in_flight, expected, "{kind}");
    }
}

#[test]
fn a_host_that_is_gone_is_a_greet_without_a_reply_not_an_error() {
    let addr = {
        let s = server();
        s.addrs()[0]
    };
    let b = Batch {
        addrs: vec![addr],
        count: 3,
        workers: 2,
        timeout: Duration::from_secs(2),
    };
    for kind in [FloorKind::Threads, FloorKind::Tokio, FloorKind::ThreadPool] {
        let run = floor::run(kind, &b).unwrap();
        assert_eq!((run.ok, run.count), (0, 3), "{kind}");
    }
    let empty = Batch { count: 0, ..b };
    assert!(matches!(
        floor::run(FloorKind::Threads, &empty),
        Err(FloorError::Empty)
    ));
}

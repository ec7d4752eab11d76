//! The greet server against real sockets on loopback: the protocol, its limits and its
//! counters. Every assertion is about what was said and counted, never about how long it took.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::time::Duration;

use greet_core::client::{Connection, greet};
use greet_core::protocol::{ERROR_LINE, GREETING};
use greet_server::{Behavior, Bind, Config, Server, ServerError};

const T: Duration = Duration::from_secs(5);

fn read_all(mut s: TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(T)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    // Bounded: at most 64 reads; the server closes long before.
    for _ in 0..64 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn each_host_names_itself() {
    let server = Server::start(Config {
        hosts: 4,
        ..Config::default()
    })
    .unwrap();
    for (i, &addr) in server.addrs().iter().enumerate() {
        assert_eq!(greet(addr, T).unwrap().host, i as u32);
    }
    let s = server.stats();
    assert_eq!((s.served, s.errors, s.connections), (4, 0, 4));
}

#[test]
fn a_connection_can_greet_again_and_again() {
    let server = Server::start(Config::default()).unwrap();
    let mut conn = Connection::connect(server.addrs()[0], T).unwrap();
    for _ in 0..5 {
        assert_eq!(conn.greet(T).unwrap().host, 0);
    }
    let s = server.stats();
    assert_eq!((s.served, s.connections), (5, 1));
}

#[test]
fn a_greeting_split_across_writes_still_counts() {
    let server = Server::start(Config::default()).unwrap();
    let mut s = TcpStream::connect(server.addrs()[0]).unwrap();
    s.set_nodelay(true).unwrap();
    s.write_all(&GREETING[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    s.write_all(&GREETING[5..]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(read_all(s), b"Hello, world! from host 0\n");
}

#[test]
fn newline_separated_greetings_as_netcat_sends_them() {
    let server = Server::start(Config::default()).unwrap();
    let mut s = TcpStream::connect(server.addrs()[0]).unwrap();
    s.write_all(b"Hello, world\nHello, world\n").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let out = String::from_utf8(read_all(s)).unwrap();
    assert_eq!(out.lines().count(), 2, "{out:?}");
}

#[test]
fn garbage_gets_one_error_line_and_a_close() {
    let server = Server::start(Config::default()).unwrap();
    let mut s = TcpStream::connect(server.addrs()[0]).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_all(s), ERROR_LINE);
    assert_eq!(server.stats().errors, 1);
    // The server is still there for the next client.
    assert_eq!(greet(server.addrs()[0], T).unwrap().host, 0);
}

#[test]
fn oversized_input_is_not_buffered_and_does_not_crash() {
    let server = Server::start(Config::default()).unwrap();
    let mut s = TcpStream::connect(server.addrs()[0]).unwrap();
    s.set_write_timeout(Some(T)).unwrap();
    // 4 MiB of junk: the server reads one greeting's worth, answers ERR and closes, so our
    // writes start failing instead of filling its memory.
    let junk = vec![b'x'; 64 * 1024];
    let mut write_failed = false;
    for _ in 0..64 {
        if s.write_all(&junk).is_err() {
            write_failed = true;
            break;
        }
    }
    assert!(
        write_failed,
        "the server kept accepting junk instead of closing"
    );
    assert_eq!(server.stats().errors, 1);
    assert_eq!(greet(server.addrs()[0], T).unwrap().host, 0);
}

#[test]
fn the_connection_cap_bounds_what_is_in_flight() {
    let server = Server::start(Config {
        max_connections: 2,
        latency: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap();
    let addr = server.addrs()[0];
    let replies: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..6)
            .map(|_| s.spawn(move || greet(addr, Duration::from_secs(10))))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(replies.iter().all(|r| r.is_ok()), "{replies:?}");
    let s = server.stats();
    assert_eq!(s.served, 6);
    assert!(
        s.peak_in_flight <= 2,
        "peak {} above the cap of 2",
        s.peak_in_flight
    );
}

#[test]
fn a_rendezvous_proves_concurrency_by_structure() {
    let server = Server::start(Config {
        rendezvous: Some(3),
        ..Config::default()
    })
    .unwrap();
    let addr = server.addrs()[0];
    // One greet alone cannot pass the gate: it times out.
    assert!(greet(addr, Duration::from_millis(300)).is_err());
    // Three at once can.
    let ok = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3).map(|_| s.spawn(move || greet(addr, T))).collect();
        hs.into_iter()
            .map(|h| h.join().unwrap())
            .filter(Result::is_ok)
            .count()
    });
    assert_eq!(ok, 3);
    assert!(server.stats().peak_in_flight >= 3);
}

#[test]
fn silent_and_resetting_hosts() {
    let silent = Server::start(Config {
        behavior: Behavior::Silent,
        ..Config::default()
    })
    .unwrap();
    let err = greet(silent.addrs()[0], Duration::from_millis(200)).unwrap_err();
    assert_eq!(err, greet_core::GreetError::Timeout);

    let reset = Server::start(Config {
        behavior: Behavior::Reset,
        ..Config::default()
    })
    .unwrap();
    let err = greet(reset.addrs()[0], T).unwrap_err();
    assert_eq!(err.kind(), greet_core::ErrorKind::Reset, "{err:?}");
}

#[test]
fn hosts_can_spread_over_loopback_addresses() {
    let server = Server::start(Config {
        hosts: 3,
        bind: Bind::SpreadLoopback { port: 0 },
        ..Config::default()
    })
    .unwrap();
    let ips: Vec<_> = server.addrs().iter().map(|a| a.ip()).collect();
    let want: Vec<IpAddr> = (1..=3)
        .map(|d| IpAddr::V4(Ipv4Addr::new(127, 0, 0, d)))
        .collect();
    assert_eq!(ips, want);
    assert_eq!(greet(server.addrs()[2], T).unwrap().host, 2);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let bind = Bind::Ports {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
    };
    let err = Server::start(Config {
        bind,
        ..Config::default()
    })
    .unwrap_err();
    assert!(matches!(err, ServerError::PortInUse(_)), "{err:?}");
    assert!(err.to_string().contains("already in use"));
}

#[test]
fn bad_configs_are_refused() {
    assert!(
        Server::start(Config {
            hosts: 0,
            ..Config::default()
        })
        .is_err()
    );
    assert!(
        Server::start(Config {
            max_connections: 0,
            ..Config::default()
        })
        .is_err()
    );
}

#[test]
fn a_server_can_start_from_inside_a_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(async { Server::start(Config::default()) })
        .unwrap();
    assert_eq!(greet(server.addrs()[0], T).unwrap().host, 0);
}

#[test]
fn idle_hosts_do_not_eat_the_connection_cap() {
    // Two hosts, a cap of one: host 1 must still be served while host 0 sits idle.
    let server = Server::start(Config {
        hosts: 2,
        max_connections: 1,
        ..Config::default()
    })
    .unwrap();
    for _ in 0..2 {
        assert_eq!(greet(server.addrs()[1], T).unwrap().host, 1);
    }
    assert_eq!(greet(server.addrs()[0], T).unwrap().host, 0);
}

fn with_faults(spec: &str) -> Server {
    Server::start(Config {
        faults: greet_core::fault::Faults::parse(spec).unwrap(),
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn each_fault_breaks_the_greet_its_own_way_and_is_counted() {
    use greet_core::GreetError;
    let addr = |s: &Server| s.addrs()[0];
    let reset = with_faults("reset=100%");
    assert_eq!(greet(addr(&reset), T).unwrap_err(), GreetError::Reset);
    assert_eq!(reset.stats().faults.reset, 1);

    let close = with_faults("close=100%");
    assert_eq!(greet(addr(&close), T).unwrap_err(), GreetError::Closed);
    assert_eq!(close.stats().faults.close, 1);

    let stall = with_faults("stall=100%");
    let short = Duration::from_millis(300);
    assert_eq!(greet(addr(&stall), short).unwrap_err(), GreetError::Timeout);
    let s = stall.stats();
    assert_eq!((s.faults.stall, s.greetings, s.served), (1, 1, 0));

    // Slow, sliced and delayed replies still arrive whole: the client reads to the newline.
    for (spec, kind) in [
        ("slow=100%", greet_core::fault::FaultKind::Slow),
        ("slice=100%", greet_core::fault::FaultKind::Slice),
        ("delay=100%", greet_core::fault::FaultKind::Delay),
    ] {
        let server = with_faults(spec);
        assert_eq!(greet(addr(&server), T).unwrap().host, 0, "{spec}");
        let s = server.stats();
        assert_eq!((s.faults.get(kind), s.served), (1, 1), "{spec}");
        assert_eq!(s.faults.total(), 1, "{spec}");
    }
}

#[test]
fn the_same_seed_breaks_the_same_greets() {
    let fates = |seed: u64| {
        let server = Server::start(Config {
            faults: greet_core::fault::Faults {
                seed,
                ..greet_core::fault::Faults::parse("reset=50%").unwrap()
            },
            ..Config::default()
        })
        .unwrap();
        let fates: Vec<bool> = (0..40)
            .map(|_| greet(server.addrs()[0], T).is_ok())
            .collect();
        let s = server.stats();
        assert_eq!(s.faults.reset + s.served, 40);
        assert_eq!(
            s.faults.reset as usize,
            fates.iter().filter(|ok| !**ok).count()
        );
        fates
    };
    let first = fates(7);
    assert_eq!(first, fates(7));
    assert_ne!(first, fates(8));
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
}

#[test]
fn faults_hit_only_the_chosen_hosts() {
    let server = Server::start(Config {
        hosts: 2,
        faults: greet_core::fault::Faults {
            hosts: vec![1],
            ..greet_core::fault::Faults::parse("reset=100%").unwrap()
        },
        ..Config::default()
    })
    .unwrap();
    for _ in 0..5 {
        assert_eq!(greet(server.addrs()[0], T).unwrap().host, 0);
        assert!(greet(server.addrs()[1], T).is_err());
    }
    assert_eq!(server.stats().faults.reset, 5);
}

#[test]
fn a_host_down_all_the_time_refuses_from_the_start() {
    // However short the run: the cycle is a phase, not a countdown from the start. And from
    // the start means from the bind: the host never listens, so no greet is ever accepted,
    // not even one sent the moment its address is known.
    let server = with_faults("down=100%");
    for _ in 0..5 {
        assert_eq!(
            greet(server.addrs()[0], T).unwrap_err(),
            greet_core::GreetError::Refused
        );
    }
    // The host's task counts the outage when it first runs (bounded wait).
    for _ in 0..500 {
        if server.stats().faults.down >= 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let s = server.stats();
    assert_eq!((s.faults.down, s.connections, s.greetings), (1, 0, 0));
}

#[test]
fn a_host_down_from_the_start_is_bound_but_never_listens() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config {
        hosts: 2,
        faults: greet_core::fault::Faults {
            hosts: vec![1],
            ..greet_core::fault::Faults::parse("down=100%").unwrap()
        },
        ..Config::default()
    };
    let hosts = rt.block_on(greet_server::bind(&config)).unwrap();
    assert!(hosts[0].is_listening());
    assert!(!hosts[1].is_listening());
    // Before anything serves them: host 0's connection waits in its queue, host 1's is
    // refused, and its port stays taken.
    let addr = |i: usize| hosts[i].local_addr().unwrap();
    assert!(TcpStream::connect(addr(0)).is_ok());
    let refused = TcpStream::connect(addr(1)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let _context = rt.enter();
    let plain_bind = tokio::net::TcpSocket::new_v4().unwrap().bind(addr(1));
    assert!(plain_bind.is_err(), "the down host holds its port");
}

#[test]
fn a_host_that_goes_down_refuses_then_comes_back() {
    let server = with_faults("down=50%/400ms");
    let addr = server.addrs()[0];
    let (mut refused, mut ok, mut reset) = (0, 0, 0);
    // Bounded: 200 tries, 10 ms apart, cover five cycles.
    for _ in 0..200 {
        match greet(addr, T) {
            Ok(_) => ok += 1,
            Err(greet_core::GreetError::Refused) => refused += 1,
            // A connection whose handshake straddles the instant the listener closes; what
            // was queued before is served (see host.rs).
            Err(greet_core::GreetError::Reset) => reset += 1,
            Err(e) => panic!("a down host refuses, it does not {e}"),
        }
        if refused > 0 && ok > 0 && server.stats().faults.down >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(refused > 0 && ok > 0, "refused {refused}, ok {ok}");
    let s = server.stats();
    assert!(s.faults.down >= 2);
    assert!(
        reset <= s.faults.down,
        "{reset} resets in {} outages",
        s.faults.down
    );
    assert_eq!(s.served, ok, "every greet the host accepted was answered");
}

/// Opens `n` connections that never finish a greeting: `idle` of them send nothing, the rest
/// the first bytes only, as slowloris does.
fn hold(addr: std::net::SocketAddr, n: usize, idle: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|i| {
            let mut s = TcpStream::connect(addr).unwrap();
            if i >= idle {
                s.write_all(&GREETING[..3]).unwrap();
            }
            s
        })
        .collect()
}

#[test]
fn idle_and_slowloris_connections_cannot_lock_out_a_greet() {
    let server = Server::start(Config {
        max_connections: 8,
        evict_after: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap();
    let addr = server.addrs()[0];
    // Twice the cap, held open: half idle, half dribbling.
    let held = hold(addr, 16, 8);
    assert_eq!(greet(addr, T).unwrap().host, 0);
    let s = server.stats();
    assert_eq!(s.served, 1);
    // 17 connections through a cap of 8: at least 9 idlers made room.
    assert!(s.evicted >= 9, "{s:?}");
    // The oldest ones are the ones closed.
    let mut first = held.into_iter().next().unwrap();
    first.set_read_timeout(Some(T)).unwrap();
    assert_eq!(
        first.read(&mut [0u8; 8]).unwrap(),
        0,
        "the oldest idler was closed"
    );
}

#[test]
fn a_greet_being_answered_is_never_evicted() {
    let server = Server::start(Config {
        max_connections: 2,
        latency: Duration::from_millis(300),
        evict_after: Duration::ZERO,
        ..Config::default()
    })
    .unwrap();
    let addr = server.addrs()[0];
    let replies = std::thread::scope(|s| {
        let greets: Vec<_> = (0..2).map(|_| s.spawn(move || greet(addr, T))).collect();
        // Wait until both greets are in flight, then crowd the server.
        for _ in 0..500 {
            if server.stats().in_flight == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(server.stats().in_flight, 2);
        let crowd = hold(addr, 4, 4);
        let replies: Vec<_> = greets.into_iter().map(|h| h.join().unwrap()).collect();
        drop(crowd);
        replies
    });
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
    assert_eq!(server.stats().served, 2);
}

#[test]
fn the_cap_stays_below_the_open_files_limit() {
    let config = Config {
        hosts: 4,
        max_connections: 20_000,
        ..Config::default()
    };
    let cap = greet_server::effective_max_connections(&config, Some(20_000));
    assert_eq!(cap, 20_000 - greet_server::FD_RESERVE - 4);
    assert_eq!(
        greet_server::effective_max_connections(&config, None),
        20_000
    );
    assert_eq!(greet_server::effective_max_connections(&config, Some(3)), 1);
}

#[test]
fn a_block_of_hosts_answers_with_their_own_numbers_and_two_blocks_add_up() {
    // Two servers that split six hosts, as `serve --processes 2` does: each host answers
    // with its number among all six, wherever it runs.
    let block = |first_host| {
        Server::start(Config {
            hosts: 3,
            first_host,
            ..Config::default()
        })
        .unwrap()
    };
    let (low, high) = (block(0), block(3));
    for (server, first) in [(&low, 0u32), (&high, 3)] {
        for (i, &addr) in server.addrs().iter().enumerate() {
            assert_eq!(greet(addr, T).unwrap().host, first + i as u32);
        }
    }
    greet(high.addrs()[0], T).unwrap();
    let (a, b) = (low.stats(), high.stats());
    assert_eq!((a.served, b.served), (3, 4));
    let sum = a.plus(b);
    assert_eq!((sum.served, sum.connections, sum.greetings), (7, 7, 7));
    assert_eq!(sum.peak_in_flight, a.peak_in_flight + b.peak_in_flight);
}

#[test]
fn a_spread_block_listens_on_its_hosts_own_addresses() {
    let server = Server::start(Config {
        hosts: 2,
        first_host: 5,
        bind: Bind::SpreadLoopback { port: 0 },
        ..Config::default()
    });
    // Distinct loopback addresses need Linux; elsewhere the bind is refused with a reason.
    let Ok(server) = server else { return };
    let ips: Vec<IpAddr> = server.addrs().iter().map(|a| a.ip()).collect();
    assert_eq!(
        ips,
        [Ipv4Addr::new(127, 0, 0, 6), Ipv4Addr::new(127, 0, 0, 7)].map(IpAddr::V4)
    );
    assert_eq!(greet(server.addrs()[1], T).unwrap().host, 6);
}

#[test]
fn a_block_past_the_last_host_number_is_refused() {
    let e = Server::start(Config {
        hosts: 2,
        first_host: greet_server::MAX_HOSTS - 1,
        ..Config::default()
    })
    .unwrap_err();
    assert!(matches!(e, ServerError::Config(_)), "{e}");
}

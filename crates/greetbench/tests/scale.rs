//! Past one process: a server spread over several processes (`serve --processes`, and the
//! harness's server for large runs), and the scale sweep's climb to a named limit. Every
//! assertion is about who answered, which process holds which host, what was counted and
//! which limit was named; never about how long anything took.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use greet_core::client::greet;
use greet_core::record::{HostSpec, RunResult, Status};
use greet_core::{Family, Lang, OsLimit};
use greet_server::StatsSnapshot;
use greetbench::harness::ServerProcess;
use greetbench::registry;
use greetbench::sweep::scale;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");
const T: Duration = Duration::from_secs(10);

/// The inode of the listening TCP socket at `addr`, from `/proc/net/tcp` (IPv4 only).
fn listening_inode(addr: SocketAddr) -> Option<u64> {
    let SocketAddr::V4(v4) = addr else {
        return None;
    };
    // /proc/net/tcp prints the address as the u32 in host byte order, the port big-endian.
    let want = format!(
        "{:08X}:{:04X}",
        u32::from_ne_bytes(v4.ip().octets()),
        v4.port()
    );
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        // local_address, rem_address, st (0A: LISTEN), ..., inode (field 9).
        (f.get(1) == Some(&want.as_str()) && f.get(3) == Some(&"0A"))
            .then(|| f.get(9)?.parse().ok())
            .flatten()
    })
}

/// Whether process `pid` holds the socket with `inode` among its open files.
fn holds_socket(pid: u32, inode: u64) -> bool {
    let want = format!("socket:[{inode}]");
    std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|d| {
        d.flatten()
            .any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy() == want))
    })
}

/// Asserts that host `i` (at `addrs[i]`) listens in the process that holds its block, of
/// `pids.len()` equal blocks, and in no other.
fn assert_blocks(addrs: &[SocketAddr], pids: &[u32]) {
    if !Path::new("/proc/net/tcp").exists() {
        return; // not Linux: who holds a socket cannot be read
    }
    let (h, p) = (addrs.len(), pids.len());
    for (i, &addr) in addrs.iter().enumerate() {
        let inode = listening_inode(addr).unwrap_or_else(|| panic!("host {i} at {addr} listens"));
        let block = (0..p).find(|&b| i < (b + 1) * h / p).unwrap();
        for (b, &pid) in pids.iter().enumerate() {
            assert_eq!(
                holds_socket(pid, inode),
                b == block,
                "host {i}, process {pid}"
            );
        }
    }
}

#[test]
fn a_spread_server_holds_each_block_of_hosts_in_its_own_process_and_adds_their_counts() {
    let spec = HostSpec {
        hosts: 6,
        latency: Duration::from_millis(1),
        ..HostSpec::default()
    };
    let server = ServerProcess::start_spread(Path::new(EXE), &spec, 2).unwrap();
    let pids = server.pids();
    assert_eq!(pids.len(), 2);
    assert_ne!(pids[0], pids[1]);
    assert_blocks(server.addrs(), &pids);
    // Every host answers with its own number, whichever process holds it: twice each.
    for _ in 0..2 {
        for (i, &addr) in server.addrs().iter().enumerate() {
            assert_eq!(greet(addr, T).unwrap().host, i as u32, "host {i}");
        }
    }
    let each: Vec<StatsSnapshot> = server.snapshots().into_iter().map(Option::unwrap).collect();
    // Three hosts per process, two greets per host.
    assert_eq!(each.iter().map(|s| s.served).collect::<Vec<_>>(), [6, 6]);
    let sum = server.snapshot().unwrap();
    assert_eq!(sum, each[0].plus(each[1]));
    assert_eq!((sum.served, sum.greetings, sum.connections), (12, 12, 12));
    let counts = server.stats().unwrap();
    assert_eq!((counts.served, counts.greetings), (12, 12));
}

/// Lines from a pipe, read on a thread, so that each wait can time out.
fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe)
            .lines()
            .map_while(Result::ok)
            .take(1000)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[test]
fn serve_with_two_processes_answers_from_two_pids_each_greet_by_its_intended_host() {
    let mut serve = Command::new(EXE)
        .args([
            "serve",
            "--processes",
            "2",
            "--hosts",
            "4",
            "--latency",
            "1ms",
        ])
        .arg("--until-stdin-closes")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(serve.stdout.take().unwrap());
    let err = lines(serve.stderr.take().unwrap());
    let addrs: Vec<SocketAddr> = (0..4)
        .map(|i| {
            let line = out.recv_timeout(T).expect("an address line");
            let (host, addr) = greet_server::parse_listening_line(&line).expect(&line);
            assert_eq!(host, i);
            addr
        })
        .collect();
    // "server process PID holds hosts A to B", one line per process.
    let pids: Vec<u32> = (0..2)
        .map(|_| {
            let line = err.recv_timeout(T).expect("a process line");
            let pid = line
                .strip_prefix("server process ")
                .and_then(|r| r.split(' ').next());
            pid.and_then(|p| p.parse().ok()).expect(&line)
        })
        .collect();
    assert_ne!(pids[0], pids[1]);
    assert!(!pids.contains(&serve.id()), "the hosts are in the children");
    assert_blocks(&addrs, &pids);
    for (i, &addr) in addrs.iter().enumerate() {
        assert_eq!(greet(addr, T).unwrap().host, i as u32, "host {i}");
    }
    let mut stdin = serve.stdin.take().unwrap();
    stdin.write_all(b"stats\n").unwrap();
    let line = out.recv_timeout(T).expect("a stats line");
    let json = line.strip_prefix("stats ").expect(&line);
    let sum: StatsSnapshot = serde_json::from_str(json).unwrap();
    assert_eq!((sum.served, sum.connections), (4, 4));
    drop(stdin);
    // Closing stdin stops the server and its processes: bounded, then killed.
    for _ in 0..500 {
        if serve.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = serve.kill();
    assert!(serve.wait().unwrap().success());
}

#[test]
fn serve_refuses_more_processes_than_hosts_in_one_line() {
    let out = Command::new(EXE)
        .args(["serve", "--processes", "3", "--hosts", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--processes"), "{err}");
}

#[test]
fn the_scale_sweep_stops_at_the_open_files_limit_and_names_it() {
    // One async process, whatever it is called: its greets need an open file each.
    let model = scale::models()
        .into_iter()
        .find(|m| {
            registry::find(m).is_ok_and(|m| {
                let d = m.describe();
                d.family == Family::Async && d.lang == Lang::Rust && d.historical.is_none()
            })
        })
        .expect("an async model that holds every greet");
    // A 600-file budget: 100 and 200 greets fit, 1,000 cannot, and 2,000 must never run.
    let options = scale::Options {
        sizes: vec![100, 200, 1000, 2000],
        models: vec![model.clone()],
        base_latency: Duration::from_millis(300),
        per_greet: Duration::from_micros(200),
        open_files: Some(600),
    };
    let mut asked = Vec::new();
    let entries = scale::run(Path::new(EXE), &options, |p, r| {
        if r.is_none() {
            asked.push(p.count);
        }
    });
    let said: Vec<_> = entries.iter().map(|e| (e.status(), e.message())).collect();
    assert_eq!(
        asked,
        [100, 200, 1000],
        "the climb stops at the limit: {said:?}"
    );
    let counts: Vec<usize> = entries.iter().map(|e| e.request().count).collect();
    assert_eq!(counts, [100, 200, 1000]);
    for e in &entries[..2] {
        let r = e.record().expect("a record");
        assert_eq!(e.status(), Status::Ok, "{:?}", e.message());
        let s = r.scale.as_ref().expect("scale figures");
        // The server's own count: every greet waited at once.
        assert_eq!(s.peak_waiting, r.request.count as u64);
        assert_eq!((s.client_processes, s.server_processes), (1, 1));
        // Holding that many greets at once grew the client's own memory: a point whose PSS
        // was never read, or read after the greets let go, would show no growth here.
        assert!(s.user_kib_per_greet > 0.0, "{s:?}");
        assert!(s.cpu_us_per_greet > 0.0, "{s:?}");
        // The kernel's figures are whole-machine deltas, so at a hundred greets they may be
        // negative: their sign is not asserted, only that they are the four counters' deltas
        // per greet and that user plus kernel makes the total. Read back from JSON: equal to
        // the last bits a decimal round trip keeps.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        let kernel = s.kernel.total_kib() as f64 / s.peak_waiting as f64;
        assert!(close(s.kernel_kib_per_greet, kernel), "{s:?}");
        let sum = s.user_kib_per_greet + s.kernel_kib_per_greet;
        assert!(close(s.total_kib_per_greet, sum), "{s:?}");
        assert!(r.request.hosts.spread_addresses && r.request.scale_point);
    }
    let last = &entries[2];
    assert_eq!(last.status(), Status::Limit(OsLimit::OpenFiles), "{last:?}");
    if let RunResult::Record(r) = last {
        let s = r.scale.as_ref().expect("scale figures at the limit too");
        // The server spread to hold them (each process under 600 open files), and said so.
        assert_eq!(s.server_processes, 2, "{s:?}");
        assert!(
            s.past_limits
                .as_deref()
                .is_some_and(|w| w.contains("2 processes")),
            "{s:?}"
        );
        assert!(r.ok > 0 && r.ok < 1000, "{}", r.ok);
    }
}

#[test]
fn sweep_model_needs_scale_and_a_known_model_each_in_one_line() {
    let any = registry::names()[0];
    for (args, says) in [
        (&["sweep", "--model", any][..], "add --scale"),
        (
            &["sweep", "--scale", "--model", "tokyo"][..],
            "unknown model 'tokyo'",
        ),
    ] {
        let out = Command::new(EXE).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
}

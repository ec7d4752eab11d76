//! The CLI under hostile conditions (issue 10): injected faults and retries end to end, exit
//! statuses, `--targets` checks, the batch deadline, the `--workers` budget, writes to a
//! closed pipe or a full disk, children that must not outlive `compare`, and a `serve` whose
//! open files are held by idle connections. Every assertion is about what happened (counts,
//! kinds, statuses, processes), never about how long it took.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::Duration;

use greet_core::Family;
use greet_server::{Behavior, Config, Server};
use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

/// `greetbench ARGS` under `ulimit -n FILES` (soft and hard), through the shell.
fn greetbench_with_open_files(files: u32, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
        .arg(EXE)
        .args(args);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON object ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn model(family: Family) -> String {
    greetbench::registry::first_where(|d| d.family == family)
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

fn kind(v: &Value, kind: &str) -> u64 {
    v["errors_by_kind"][kind].as_u64().unwrap_or(0)
}

#[test]
fn injected_faults_are_accounted_for_and_retries_recover_them() {
    let m = model(Family::Async);
    let args = |retries: &str| {
        greetbench(&[
            "run",
            "--model",
            &m,
            "--count",
            "200",
            "--latency",
            "1ms",
            "--fault",
            "reset=20%,stall=5%",
            "--timeout",
            "500ms",
            "--retries",
            retries,
            "--json",
        ])
    };
    let once = args("0");
    let v = json(&once);
    assert_eq!(count(&v, "ok") + count(&v, "errors"), 200);
    assert!(kind(&v, "reset") > 0 && kind(&v, "timeout") > 0, "{v}");
    assert_eq!(count(&v, "errors"), kind(&v, "reset") + kind(&v, "timeout"));
    // The server's side: every attempt read, every fault counted, each error one fault.
    let server = &v["server"];
    assert_eq!(count(server, "greetings"), count(&v, "attempts"));
    assert_eq!(count(&server["faults"], "reset"), kind(&v, "reset"));
    assert_eq!(count(&server["faults"], "stall"), kind(&v, "timeout"));
    assert_eq!(count(server, "served"), count(&v, "ok"));
    // Every error was a fault asked for: exit 0, and the record says so.
    assert_eq!(v["status"], "faults_only");
    assert_eq!(once.status.code(), Some(0), "{}", stderr(&once));

    let retried = args("3");
    let v = json(&retried);
    assert_eq!(count(&v, "ok") + count(&v, "errors"), 200);
    assert!(count(&v, "ok") >= 190, "{v}");
    assert!(count(&v, "retries_used") > 0);
    assert_eq!(count(&v, "attempts"), 200 + count(&v, "retries_used"));
    assert_eq!(count(&v["server"], "greetings"), count(&v, "attempts"));
    assert_eq!(retried.status.code(), Some(0));
}

#[test]
fn every_model_retries_a_reset() {
    // One in two greets is reset; with 6 retries, a job fails only if 7 attempts in a row
    // are (1 in 128): at most a few of 24.
    // The Rust models: retries live in their job runners (the Python ones refuse --retries).
    let rust = greetbench::registry::names_where(|d| d.lang == greet_core::Lang::Rust);
    for m in &rust {
        let m = m.as_str();
        let out = greetbench(&[
            "run",
            "--model",
            m,
            "--count",
            "24",
            "--workers",
            "2",
            "--latency",
            "1ms",
            "--fault",
            "reset=50%",
            "--retries",
            "6",
            "--backoff",
            "1ms",
            "--json",
        ]);
        let v = json(&out);
        assert_eq!(count(&v, "ok") + count(&v, "errors"), 24, "{m}");
        assert!(count(&v, "ok") >= 20, "{m}: {v}");
        assert!(count(&v, "retries_used") > 0, "{m} never retried");
        assert_eq!(
            count(&v["server"], "greetings"),
            count(&v, "attempts"),
            "{m}"
        );
    }
}

#[test]
fn bad_fault_specs_get_one_line_naming_the_fix() {
    let m = model(Family::Async);
    for (spec, needle) in [
        ("rst=5%", "use reset, stall, close"),
        ("reset", "reset=5%"),
        ("reset=150%", "from 0% to 100%"),
        ("reset=60%,stall=50%", "add up to 110%"),
    ] {
        let out = greetbench(&["run", "--model", &m, "--fault", spec]);
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let err = stderr(&out);
        let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{spec}: {err}");
        assert!(lines[0].contains(needle), "{spec}: {err}");
    }
}

/// A server in this process whose host 0 answers as host 0.
fn server(behavior: Behavior) -> Server {
    Server::start(Config {
        behavior,
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn targets_are_checked_against_the_host_named_and_other_flags_are_refused() {
    let s = server(Behavior::Greet);
    let addr = s.addrs()[0].to_string();
    let m = model(Family::Sequential);
    let run = |target: &str, extra: &[&str]| {
        let mut args = vec!["run", "--model", &m, "--count", "3", "--json"];
        args.extend(["--targets", target]);
        args.extend(extra);
        greetbench(&args)
    };
    // Checked and right.
    let out = run(&format!("{addr}=0"), &[]);
    let v = json(&out);
    assert_eq!(
        (count(&v, "ok"), v["host_check"].as_str()),
        (3, Some("checked against --targets ADDR=HOST"))
    );
    assert!(
        v["floor_s"].is_null(),
        "no --latency: the floor is unknown, not 0"
    );
    // Checked and wrong: the replies are errors, and jobs that failed exit 1.
    let out = run(&format!("{addr}=5"), &[]);
    let v = json(&out);
    assert_eq!(kind(&v, "bad_reply"), 3, "{v}");
    assert_eq!(out.status.code(), Some(1));
    // Not checked: said so.
    let out = run(&addr, &["--latency", "20ms"]);
    let v = json(&out);
    assert!(
        v["host_check"]
            .as_str()
            .unwrap()
            .contains("host not checked")
    );
    assert!(stderr(&out).contains("host not checked"));
    // A --latency given is the floor's: 3 greets one after another.
    let floor = v["floor_s"].as_f64().unwrap();
    assert!((floor - 0.060).abs() < 1e-9, "{floor}");
    // What --targets would ignore is refused.
    for flag in [
        &["--hosts", "3"][..],
        &["--spread-addresses"][..],
        &["--jitter", "1ms"][..],
        &["--fault", "reset=5%"][..],
    ] {
        let out = run(&addr, flag);
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{flag:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_deadline_cuts_off_a_run_against_a_silent_host_and_counts_what_it_cut() {
    let s = server(Behavior::Silent);
    let target = s.addrs()[0].to_string();
    let out = greetbench(&[
        "run",
        "--model",
        &model(Family::Sequential),
        "--count",
        "20",
        "--targets",
        &target,
        "--timeout",
        "10s",
        "--deadline",
        "500ms",
        "--json",
    ]);
    let v = json(&out);
    assert_eq!(count(&v, "ok") + count(&v, "errors"), 20);
    // Without the deadline every job would wait out its 10 s timeout: none got that far.
    assert_eq!(kind(&v, "deadline"), 20, "{v}");
    assert_eq!(kind(&v, "timeout"), 0);
    assert_eq!(v["deadline_ms"], 500.0);
    assert_eq!(out.status.code(), Some(1));
    // A run with no --deadline states the one it had.
    let v = json(&greetbench(&[
        "run",
        "--model",
        &model(Family::Async),
        "--count",
        "2",
        "--latency",
        "1ms",
        "--json",
    ]));
    assert!(v["deadline_ms"].as_f64().unwrap() > 0.0, "{v}");
}

#[test]
fn workers_past_the_open_files_budget_fail_at_once_as_a_limit() {
    let out = greetbench_with_open_files(
        256,
        &[
            "run",
            "--model",
            &model(Family::Processes),
            "--workers",
            "500",
            "--count",
            "1",
            "--latency",
            "1ms",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("--workers 500 is past a limit") && err.contains("RLIMIT_NOFILE"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_closed_pipe_ends_output_quietly_and_a_full_disk_gets_one_line() {
    let dir = std::env::temp_dir().join(format!("gb-pipe-{}", std::process::id()));
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../greetbench-report/tests/fixtures/results.json");
    let report = [
        "report",
        "--results",
        fixture.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ];
    let m = model(Family::Async);
    let run = ["run", "--model", &m, "--count", "2", "--latency", "1ms"];
    let commands: [&[&str]; 4] = [
        &["models"],
        &run,
        &report,
        &[
            "run",
            "--json",
            "--model",
            &m,
            "--count",
            "2",
            "--latency",
            "1ms",
        ],
    ];
    for args in commands {
        // A pipe whose reader has gone before the first write: every write is EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(EXE)
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args:?}: {err}"
        );
        // A full disk: one line, and a failure.
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = Command::new(EXE)
            .args(args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let lines: Vec<_> = err
            .lines()
            .filter(|l| l.contains("cannot write to stdout"))
            .collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            after.split_whitespace().nth(1) == Some(&pid.to_string())
        })
        .collect()
}

/// Whether `pid` still runs (a zombie, or a pid gone, does not).
fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    !matches!(
        after.split_whitespace().next(),
        None | Some("Z") | Some("X")
    )
}

#[test]
fn no_child_or_grandchild_outlives_compare_whatever_signal_it_gets() {
    for signal in ["TERM", "INT", "KILL"] {
        // Long enough that the first model is still running when the signal comes.
        let mut compare = Command::new(EXE)
            .args(["compare", "--count", "100", "--latency", "200ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = compare.id();
        // Wait (at most 10 s) for its child run and that run's `serve`.
        let mut family = Vec::new();
        for _ in 0..1000 {
            let kids = children(pid);
            let grandkids: Vec<u32> = kids.iter().flat_map(|&k| children(k)).collect();
            if !kids.is_empty() && !grandkids.is_empty() {
                family = kids.into_iter().chain(grandkids).collect();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            family.len() >= 2,
            "{signal}: compare started no child and grandchild"
        );
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {pid}")])
            .status()
            .unwrap();
        assert!(status.success());
        let _ = compare.wait();
        // Bounded: at most 10 s for the kernel to deliver the death signals.
        for _ in 0..1000 {
            if !family.iter().any(|&p| alive(p)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let left: Vec<u32> = family.iter().copied().filter(|&p| alive(p)).collect();
        assert!(
            left.is_empty(),
            "SIG{signal}: {left:?} outlived compare {pid}"
        );
    }
}

/// `greetbench serve --until-stdin-closes` with a small open-files limit, its counters on
/// request.
struct Serve {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    addr: SocketAddr,
}

impl Serve {
    fn start(files: u32) -> Serve {
        let mut child = greetbench_with_open_files(
            files,
            &[
                "serve",
                "--hosts",
                "1",
                "--latency",
                "1ms",
                "--until-stdin-closes",
            ],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = greet_server::parse_listening_line(&line).expect("a host").1;
        let stdin = child.stdin.take().unwrap();
        Serve {
            child,
            stdin,
            stdout,
            addr,
        }
    }

    fn stats(&mut self) -> Value {
        writeln!(self.stdin, "{}", greetbench::harness::STATS_REQUEST).unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let json = line.trim().strip_prefix("stats ").expect("a stats line");
        serde_json::from_str(json).unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn idle_connections_past_the_open_files_limit_cannot_lock_serve_out() {
    // 64 open files: after the reserve, room for about 47 connections. Hold three times
    // that, half of them idle and half dribbling a greeting, as slowloris does.
    let mut serve = Serve::start(64);
    let held: Vec<TcpStream> = (0..150)
        .map(|i| {
            let mut s = TcpStream::connect(serve.addr).unwrap();
            if i % 2 == 1 {
                s.write_all(b"Hel").unwrap();
            }
            s
        })
        .collect();
    let reply = greet_core::client::greet(serve.addr, Duration::from_secs(10));
    assert_eq!(reply.map(|r| r.host), Ok(0));
    let stats = serve.stats();
    assert_eq!(count(&stats, "served"), 1);
    // 151 connections through at most 64 files: at least 151 - 64 idlers made room.
    assert!(count(&stats, "evicted") >= 151 - 64, "{stats}");
    drop(held);
}

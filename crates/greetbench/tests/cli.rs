//! The `greetbench` binary as a user meets it: `models`, `run --json`, `serve`, `diff`,
//! `report --baseline`, and bad input, which must end in one line on stderr and a non-zero
//! exit, never a panic.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = greetbench(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("run --json prints one JSON object")
}

#[test]
fn models_lists_every_registered_model_with_its_description() {
    let out = greetbench(&["models"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // One line per model, then one per Python interpreter (`[Python] interpreter …`).
    let lines: Vec<_> = text
        .lines()
        .filter(|l| !l.starts_with("[Python] interpreter "))
        .collect();
    assert_eq!(lines.len(), greetbench::registry::names().len(), "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("[Python] interpreter ")),
        "{text}"
    );
    for name in greetbench::registry::names() {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .expect(name);
        assert!(line.len() > name.len() + 10, "{name} has no description");
    }
    for d in greetbench::registry::descriptions() {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(&d.name));
        let line = line.expect("listed above");
        assert!(line.contains(d.family.name()), "{line}");
        if let Some(why) = &d.historical {
            assert!(
                line.contains(why.as_str()),
                "{line} does not say why it is historical"
            );
        }
    }
}

#[test]
fn run_json_has_every_key_and_adds_up() {
    use greet_core::Family;
    for family in [Family::Sequential, Family::Async, Family::Processes] {
        let model = &greetbench::registry::first_where(|d| d.family == family);
        let v = json(&[
            "run",
            "--model",
            model,
            "--count",
            "6",
            "--hosts",
            "3",
            "--latency",
            "1ms",
            "--json",
        ]);
        for key in [
            "model",
            "workload",
            "count",
            "ok",
            "errors",
            "wall_s",
            "cpu_user_s",
            "cpu_sys_s",
            "peak_rss_kib",
            "peak_threads",
            "latency_p50_ms",
            "latency_p99_ms",
            "checksum",
            "floor_s",
        ] {
            assert!(v.get(key).is_some(), "{model}: no key {key} in {v}");
        }
        assert_eq!(v["model"], model.as_str());
        assert_eq!(v["ok"].as_u64().unwrap() + v["errors"].as_u64().unwrap(), 6);
        assert_eq!(v["ok"], 6, "{v}");
    }
}

#[test]
fn run_json_crunch_checksum_matches_the_kernel() {
    let v = json(&[
        "run",
        "--model",
        &greetbench::registry::first_where(|d| d.family == greet_core::Family::DataParallel),
        "--workload",
        "crunch",
        "--count",
        "5",
        "--work",
        "1000",
        "--json",
    ]);
    let want = (0..5).fold(0u64, |a, i| {
        a.wrapping_add(greet_core::workload::crunch(1000, i))
    });
    assert_eq!(v["checksum"].as_u64(), Some(want));
    assert_eq!(v["ok"], 5);
}

#[test]
fn run_json_processes_uses_its_workers() {
    let v = json(&[
        "run",
        "--model",
        &processes(),
        "--workers",
        "3",
        "--count",
        "9",
        "--latency",
        "1ms",
        "--json",
    ]);
    assert_eq!(v["distinct_pids"], 3);
}

/// The worker-processes model, found by its description.
fn processes() -> String {
    greetbench::registry::first_where(|d| d.family == greet_core::Family::Processes)
}

/// An async model, found by its description.
fn async_model() -> String {
    greetbench::registry::first_where(|d| d.family == greet_core::Family::Async)
}

/// A bad argument: non-zero exit, exactly one line on stderr that contains `needle`.
fn refused(args: &[&str], needle: &str) {
    let out = greetbench(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: want one line, got {err:?}");
    assert!(
        lines[0].contains(needle),
        "{args:?}: {:?} lacks {needle:?}",
        lines[0]
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_line_naming_the_fix() {
    let m = async_model();
    let m = m.as_str();
    refused(
        &["run", "--model", "tokyo"],
        &format!("use one of {}", greetbench::registry::names().join(", ")),
    );
    refused(
        &["run", "--model", m, "--count", "0"],
        "'--count <COUNT>': 0 is not in 1..=",
    );
    refused(
        &["run", "--model", m, "--count", "99999999999"],
        "'--count <COUNT>': 99999999999 is not in 1..=",
    );
    refused(&["run", "--model", m, "--count", "many"], "--count");
    refused(
        &["run", "--model", m, "--latency", "fast"],
        "like 50ms, 1s or 250us",
    );
    refused(
        &["run", "--model", m, "--workload", "sleep"],
        "greet, crunch or mixed",
    );
    refused(
        &["run", "--model", m, "--workers", "0"],
        "--workers must be between",
    );
    refused(
        &["run", "--model", m, "--hosts", "0"],
        "'--hosts <HOSTS>': 0 is not in 1..=",
    );
    refused(&["frobnicate"], "unrecognized subcommand");
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    refused(
        &["run", "--model", m, "--targets", &free.to_string()],
        "cannot reach target",
    );
    refused(
        &[
            "run",
            "--model",
            m,
            "--fault-hosts",
            "9",
            "--fault",
            "reset=100%",
        ],
        "--fault-hosts 9 names no host",
    );
    // Never off this machine: refused before any packet is sent (192.0.2.0/24 is TEST-NET-1).
    refused(
        &["run", "--model", m, "--targets", "192.0.2.1:9"],
        "only IPv4 127.0.0.0/8 addresses are allowed",
    );
    refused(
        &["run", "--model", m, "--targets", "not-an-address"],
        "--targets",
    );
}

#[test]
fn serve_refuses_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    refused(&["serve", "--port", &port], "already in use");
}

/// `greetbench serve` on free ports; the child is killed when the guard drops.
struct Serve(Child, Vec<SocketAddr>);

impl Serve {
    fn start(hosts: usize) -> Serve {
        let mut child = Command::new(EXE)
            .args(["serve", "--hosts", &hosts.to_string(), "--latency", "1ms"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let addrs = out
            .lines()
            .take(hosts)
            .map(|l| {
                greet_server::parse_listening_line(&l.unwrap())
                    .expect("one line per host")
                    .1
            })
            .collect();
        Serve(child, addrs)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_one_line_per_host_and_run_can_target_it() {
    let serve = Serve::start(3);
    assert_eq!(serve.1.len(), 3);
    let targets = serve
        .1
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let v = json(&[
        "run",
        "--model",
        &async_model(),
        "--count",
        "9",
        "--targets",
        &targets,
        "--json",
    ]);
    assert_eq!(v["ok"], 9);
    // The record describes the targets, not hosts greetbench would have started.
    assert_eq!(v["hosts"], 3, "{v}");
    assert!(v["latency_ms"].is_null() && v["floor_s"].is_null(), "{v}");
    let (model, latency) = (async_model(), ["--latency", "1ms"]);
    let args = [
        "run",
        "--model",
        &model,
        "--count",
        "3",
        "--targets",
        &targets,
    ];
    let out = greetbench(&[&args[..], &latency].concat());
    let footer = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(str::to_owned);
    assert_eq!(
        footer.as_deref(),
        Some("workload greet x3 over 3 external target(s), at 1.0ms"),
    );
}

/// The course's own Python client, unchanged: connect, sendall, one recv(1024).
const COURSE_CLIENT: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(5)
s.connect((sys.argv[1], int(sys.argv[2])))
s.sendall(b'Hello, world')
data = s.recv(1024)
s.close()
print('Received', repr(data))
"#;

/// An asyncio client that writes the greeting and reads one reply.
const ASYNCIO_CLIENT: &str = r#"
import asyncio, sys
async def main():
    reader, writer = await asyncio.open_connection(sys.argv[1], int(sys.argv[2]))
    writer.write(b'Hello, world')
    await writer.drain()
    data = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    print('Received', repr(data))
asyncio.run(main())
"#;

#[test]
fn the_course_python_clients_get_their_replies() {
    let Ok(py) = Command::new("python3").arg("--version").output() else {
        panic!("python3 is needed for this test (the course's own client is Python)");
    };
    assert!(py.status.success());
    let serve = Serve::start(2);
    let addr = serve.1[1];
    for client in [COURSE_CLIENT, ASYNCIO_CLIENT] {
        let out = Command::new("python3")
            .args([
                "-c",
                client,
                &addr.ip().to_string(),
                &addr.port().to_string(),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.trim(), r"Received b'Hello, world! from host 1\n'");
    }
}

// ---- `greetbench diff` and `report --baseline`: the sample against itself reads no change and
// exits 0; a copy with one model's I/O 1.5 times as long reads slower on that model's rows
// only and fails `--fail-over 10%` with exit status 1; the Markdown and JSON list the same
// rows; bad input ends in one line and exit status 2 (1 for two runs with no row in common).

#[path = "../../greetbench-report/tests/support/sample.rs"]
mod sample;
use sample::{json_rows, markdown_rows, sample_path, slowed};

/// The model whose I/O is slowed.
const SLOWED: &str = "tokio";

fn diff_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-cli-diff-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The rows of the terminal output: (model, the rest of the line), under each question.
fn rows(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("NEW / OLD"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  "))
        .map(|l| {
            let l = l.trim();
            let (model, rest) = l.split_once("  ").unwrap();
            (model.to_owned(), rest.to_owned())
        })
        .collect()
}

#[test]
fn the_sample_against_itself_reads_no_change_and_exits_0() {
    let sample = sample_path();
    let out = greetbench(&["diff", s(&sample), s(&sample), "--fail-over", "10%"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = rows(&stdout);
    assert!(rows.len() > 100, "{stdout}");
    for (model, rest) in &rows {
        assert!(rest.ends_with("no change"), "{model}: {rest}");
    }
    assert!(stdout.contains("Same setup"));
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("{} no change", rows.len())),
        "{stdout}"
    );
}

#[test]
fn one_model_slowed_reads_slower_on_its_rows_only_and_fails_over_10_percent() {
    let dir = diff_dir("slowed");
    let file = dir.join("slowed.json");
    std::fs::write(&file, slowed(SLOWED, 1.5).to_string()).unwrap();
    let sample = sample_path();
    let out = greetbench(&["diff", s(&sample), s(&file), "--fail-over", "10%"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let mut slower = 0;
    for (model, rest) in rows(&stdout) {
        if model == SLOWED && rest.ends_with("slower") {
            slower += 1;
        } else if model == SLOWED {
            assert!(
                rest.ends_with("no change") || rest.contains("inconclusive: one run each"),
                "{model}: {rest}"
            );
        } else {
            assert!(rest.ends_with("no change"), "{model}: {rest}");
        }
    }
    assert!(slower >= 8, "{stdout}");
    assert!(stdout.contains(&format!("{slower} slower")));
    assert!(stdout.contains("--fail-over 10 %"));
    // Without --fail-over, a slower row alone does not fail the command.
    let out = greetbench(&["diff", s(&sample), s(&file)]);
    assert_eq!(out.status.code(), Some(0));
    // The Markdown and the JSON list the same rows, with the same words.
    let md = greetbench(&["diff", s(&sample), s(&file), "--markdown"]);
    let json = greetbench(&["diff", s(&sample), s(&file), "--json"]);
    let json: Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    let md = String::from_utf8_lossy(&md.stdout);
    let md_rows: Vec<(String, String)> = markdown_rows(&md)
        .into_iter()
        .map(|(_, model, _, word)| (model, word))
        .collect();
    let json_rows: Vec<(String, String)> = json_rows(&json)
        .into_iter()
        .map(|(_, model, _, word)| (model, word))
        .collect();
    assert_eq!(md_rows, json_rows);
    assert_eq!(
        json_rows.iter().filter(|(_, w)| w == "slower").count(),
        slower
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Bad input: `refused`, with the exit status `status`.
fn refused_with(args: &[&str], status: i32, needle: &str) {
    refused(args, needle);
    assert_eq!(greetbench(args).status.code(), Some(status), "{args:?}");
}

#[test]
fn diff_bad_input_gets_one_line_and_the_documented_status() {
    let dir = diff_dir("bad");
    let sample = sample_path();
    let missing = dir.join("missing.json");
    refused_with(&["diff", s(&missing), s(&sample)], 2, "does not exist");
    refused_with(&["diff", s(&sample), s(&dir)], 2, "holds no results.json");
    let not = dir.join("not.json");
    std::fs::write(&not, "[1, 2, 3]").unwrap();
    refused_with(
        &["diff", s(&not), s(&sample)],
        2,
        "not a greetbench results file",
    );
    refused_with(&["diff", "/dev/zero", s(&sample)], 2, "not a regular file");
    refused_with(
        &["diff", s(&sample), s(&sample), "--threshold", "lots"],
        2,
        "give a percentage",
    );
    refused_with(
        &["diff", s(&sample), s(&sample), "--fail-over", "2000%"],
        2,
        "--fail-over",
    );
    // Two formats: one line naming the fix.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
    let other = if v["format"] == 3 { 2 } else { 3 };
    v["format"] = Value::from(other);
    let file = dir.join("other-format.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let stale = if other == 3 { &sample } else { &file };
    let fix = format!("regenerate {} with this greetbench", stale.display());
    refused_with(&["diff", s(&sample), s(&file)], 2, &fix);
    refused_with(
        &[
            "report",
            "--results",
            s(&sample),
            "--out",
            s(&dir),
            "--baseline",
            s(&file),
        ],
        2,
        &fix,
    );
    // No row in common: exit 1.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
    v["criterion"] = Value::Array(Vec::new());
    v["sweep"] = Value::Null;
    let empty = dir.join("empty.json");
    std::fs::write(&empty, v.to_string()).unwrap();
    refused_with(&["diff", s(&sample), s(&empty)], 1, "share no measured row");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn report_against_a_baseline_adds_the_section_and_the_column() {
    let dir = diff_dir("baseline");
    let file = dir.join("slowed.json");
    std::fs::write(&file, slowed(SLOWED, 1.5).to_string()).unwrap();
    let out = dir.join("out");
    let sample = sample_path();
    let run = greetbench(&[
        "report",
        "--results",
        s(&file),
        "--out",
        s(&out),
        "--baseline",
        s(&sample),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let section = page
        .split("<section id=\"baseline\">")
        .nth(1)
        .expect("the section is there")
        .split("</section>")
        .next()
        .unwrap();
    assert!(section.contains("<h2>Against the baseline</h2>"));
    assert!(section.contains(" slower"), "{section}");
    let answer = page.split("<section id=\"answer\">").nth(1).unwrap();
    let answer = answer.split("</section>").next().unwrap();
    assert!(answer.contains("<th class=\"l\">against the baseline</th>"));
    // The section comes right after the answer.
    assert!(page.find("id=\"answer\"").unwrap() < page.find("id=\"baseline\"").unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn compare_ends_with_its_reading_and_one_run_names_no_winner() {
    let threads = greetbench::registry::first_where(|d| {
        d.family == greet_core::Family::Threads && d.shape == greet_core::Shape::PerJob
    });
    let models = format!("{},{}", async_model(), threads);
    let out = greetbench(&[
        "compare",
        "--model",
        &models,
        "--count",
        "8",
        "--latency",
        "5ms",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (table, reading) = text
        .split_once("reading (as the report's answer reads it):\n")
        .unwrap_or_else(|| panic!("no reading under the table:\n{text}"));
    // The table has a legend: every column it abbreviates, explained in one line.
    let legend = table
        .lines()
        .find(|l| l.starts_with("columns: "))
        .unwrap_or_else(|| panic!("no legend under the table:\n{table}"));
    for column in ["floor = ", "cpu = ", "peak rss = ", "p50/p99 = "] {
        assert!(legend.contains(column), "{column} not in {legend}");
    }
    let lines: Vec<&str> = reading.lines().collect();
    // What every model waited at best (one L), the I/O situation read, the exact CPU.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("waited about once: L = 5 ms")),
        "{reading}"
    );
    let io = lines
        .iter()
        .find(|l| l.contains("Many greets waiting on I/O"))
        .unwrap_or_else(|| panic!("{reading}"));
    // One run each: no interval, so no pick, whichever was faster.
    assert!(io.contains("no pick, inconclusive"), "{io}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CPU of the batch (exact totals")),
        "{reading}"
    );
    assert!(
        !reading.contains(", sure") && !reading.contains(" used "),
        "{reading}"
    );
    // One run each: no superlative, and no memory per waiting greet (no column shows it, and
    // these runs did not prove every greet waited at once).
    assert!(
        reading.contains("lowest in this run") && !reading.contains("the least"),
        "{reading}"
    );
    assert!(!reading.to_lowercase().contains("memory"), "{reading}");
}

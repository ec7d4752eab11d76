//! The course's Python models as a user meets them through `greetbench`: listed and marked as
//! Python, run with the same flags as the Rust models, compared with `--lang`; and without
//! python3, one line that names the fix while the Rust rows still run.
//!
//! Models are picked by their descriptions. The tests that run Python print a note and pass
//! when python3 is absent (CI installs it); the ones that simulate its absence always run.

use std::process::{Command, Output};

use greet_core::{Description, Family, Lang};
use greetbench::registry;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

/// An interpreter that does not exist: how the tests see a machine without python3.
const NO_PYTHON: &str = "/nonexistent/python3";

fn greetbench(args: &[&str], python: Option<&str>) -> Output {
    let mut cmd = Command::new(EXE);
    cmd.args(args);
    match python {
        Some(p) => cmd.env(model_python::PYTHON_ENV, p),
        None => cmd.env_remove(model_python::PYTHON_ENV),
    };
    cmd.output().expect("greetbench runs")
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

fn python_models() -> Vec<Description> {
    registry::descriptions()
        .into_iter()
        .filter(|d| d.lang == Lang::Python)
        .collect()
}

/// Whether python3 is here; if not, says so and the test passes without running.
fn python(test: &str) -> bool {
    match model_python::available() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("note: {test} skipped: {why}");
            false
        }
    }
}

#[test]
fn models_lists_the_python_models_marked_as_python_even_without_python3() {
    let out = greetbench(&["models"], Some(NO_PYTHON));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let python = python_models();
    assert!(python.len() >= 5, "{python:?}");
    for d in &python {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(d.name.as_str()))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", d.name));
        assert!(line.contains("[Python]"), "{line}");
    }
    // The Python rows come after every Rust row.
    let first_python = text.lines().position(|l| l.contains("[Python]")).unwrap();
    assert!(
        text.lines()
            .skip(first_python)
            .all(|l| l.contains("[Python]"))
    );
}

#[test]
fn without_python3_compare_runs_the_rust_rows_and_names_the_fix_once() {
    let out = greetbench(
        &[
            "compare",
            "--count",
            "2",
            "--hosts",
            "1",
            "--latency",
            "1ms",
        ],
        Some(NO_PYTHON),
    );
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    let fix: Vec<String> = stderr_lines(&out)
        .into_iter()
        .filter(|l| l.contains("install python3, or use --lang rust"))
        .collect();
    assert_eq!(fix.len(), 1, "one line names the fix: {fix:?}");
    let table = String::from_utf8(out.stdout).unwrap();
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"))
            .to_owned()
    };
    for d in registry::descriptions() {
        let line = row(&d.name);
        match d.lang {
            Lang::Rust => assert!(line.split_whitespace().nth(1) == Some("2"), "{line}"),
            Lang::Python => assert!(line.ends_with("not available here"), "{line}"),
        }
    }
}

#[test]
fn without_python3_a_python_run_is_one_line_naming_the_fix() {
    let model = &python_models()[0].name;
    for args in [
        vec!["run", "--model", model.as_str(), "--count", "2"],
        vec!["compare", "--lang", "python", "--count", "2"],
    ] {
        let out = greetbench(&args, Some(NO_PYTHON));
        assert!(!out.status.success(), "{args:?}");
        let lines = stderr_lines(&out);
        assert_eq!(lines.len(), 1, "{args:?}: {lines:?}");
        assert!(
            lines[0].contains("install python3, or use --lang rust"),
            "{lines:?}"
        );
    }
}

#[test]
fn compare_lang_python_prints_every_python_row_and_no_rust_row() {
    if !python("compare_lang_python_prints_every_python_row_and_no_rust_row") {
        return;
    }
    let out = greetbench(
        &[
            "compare",
            "--lang",
            "python",
            "--count",
            "4",
            "--hosts",
            "2",
            "--latency",
            "1ms",
            "--json",
        ],
        None,
    );
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = rows.iter().filter_map(|r| r["model"].as_str()).collect();
    let runnable = registry::all();
    let runnable = runnable
        .iter()
        .filter(|m| registry::describe(m.as_ref()).lang == Lang::Python)
        .filter(|m| m.unavailable().is_none());
    for m in runnable {
        assert!(
            names.contains(&m.name()),
            "no row for {}: {names:?}",
            m.name()
        );
    }
    for r in &rows {
        assert_eq!(r["ok"], 4, "{r}");
        let name = r["model"].as_str().unwrap();
        let d = registry::descriptions()
            .into_iter()
            .find(|d| d.name == name);
        assert_eq!(d.map(|d| d.lang), Some(Lang::Python), "{name}");
    }
}

#[test]
fn run_takes_the_same_flags_for_a_python_model() {
    if !python("run_takes_the_same_flags_for_a_python_model") {
        return;
    }
    let pick =
        |family: Family| registry::first_where(|d| d.lang == Lang::Python && d.family == family);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = greetbench(args, None);
        assert!(out.status.success(), "{args:?}: {:?}", stderr_lines(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // --workers: the processes model's jobs ran in that many worker processes, whose threads
    // the harness counted beside its own, and its start method is on the record.
    let processes = pick(Family::Processes);
    let v = json(&[
        "run",
        "--model",
        &processes,
        "--workers",
        "3",
        "--count",
        "9",
        "--latency",
        "1ms",
        "--json",
    ]);
    assert_eq!(
        (v["ok"].as_u64(), v["distinct_pids"].as_u64()),
        (Some(9), Some(3))
    );
    assert!(v["start_method"].is_string(), "{v}");
    assert!(v["peak_threads"].as_u64() >= Some(1 + 3), "{v}");
    // --workload crunch --work: Rust's checksum.
    let asyncio = pick(Family::Async);
    let crunch = ["--workload=crunch", "--count=5", "--work=1000", "--json"];
    let v = json(&[&["run", "--model", &asyncio][..], &crunch].concat());
    let mut plan = greet_core::Plan::new(greet_core::Workload::Crunch, 5, Vec::new());
    plan.work = 1000;
    assert_eq!(v["checksum"].as_u64(), plan.expected_checksum());
    assert_eq!(v["executor_threads"], 1, "{v}");
    // --workload mixed with --hosts, --jitter and --timeout.
    let threads = pick(Family::Threads);
    let v = json(&[
        "run",
        "--model",
        &threads,
        "--workload",
        "mixed",
        "--count",
        "6",
        "--hosts",
        "3",
        "--latency",
        "1ms",
        "--jitter",
        "1ms",
        "--timeout",
        "5s",
        "--json",
    ]);
    assert_eq!(v["ok"], 6, "{v}");
    assert_eq!(v["timeout_ms"], 5000.0);
    // --targets: hosts started elsewhere.
    let server = greet_server::Server::start(greet_server::Config::default()).unwrap();
    let target = server.addrs()[0].to_string();
    let sequential = pick(Family::Sequential);
    let v = json(&[
        "run",
        "--model",
        &sequential,
        "--targets",
        &target,
        "--count",
        "3",
        "--json",
    ]);
    assert_eq!(v["ok"], 3, "{v}");
    assert_eq!(server.stats().served, 3);
}

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
        .filter(|l| {
            l.contains(NO_PYTHON) && l.contains("not found") && l.contains("compare --lang rust")
        })
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
            lines[0].contains(NO_PYTHON)
                && lines[0].contains("compare --lang rust")
                && lines[0].contains("`run --model` with one"),
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

/// A scratch directory of its own for a test's files.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("greetbench-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[path = "../../model-python/tests/common/attacker.rs"]
mod attacker_file;

/// An "interpreter" at `dir/name` that answers the probe as a Python would and then does
/// `body` (model-python's attacker; see its `tests/attacker.py`), run by the real python3.
fn attacker(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = attacker_file::write(dir, name, body).expect("python3");
    path.display().to_string()
}

#[test]
fn several_interpreters_give_labelled_rows_each_and_a_bad_one_one_line_naming_it() {
    if !python("several_interpreters_give_labelled_rows_each") {
        return;
    }
    let dir = scratch("several");
    // One that hangs on start (it never answers the probe), one that is not there, and the
    // real one twice over (named by path and as python3: two sets of rows).
    let hung = attacker(&dir, "hung-python", "");
    let text = std::fs::read_to_string(&hung).unwrap();
    std::fs::write(
        &hung,
        text.replacen("if sys.argv[1:2]", "time.sleep(300)\nif sys.argv[1:2]", 1),
    )
    .unwrap();
    let real = model_python::interpreter(None).unwrap();
    let real_path = real.executable().display().to_string();
    let list = format!("python3,{NO_PYTHON},{hung},{real_path}");
    let sequential =
        registry::first_where(|d| d.lang == Lang::Python && d.family == Family::Sequential);
    let out = greetbench(
        &[
            "compare",
            "--lang",
            "python",
            "--python",
            &list,
            "--count",
            "2",
            "--hosts",
            "1",
            "--latency",
            "1ms",
        ],
        None,
    );
    assert!(out.status.success(), "{:?}", stderr_lines(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with(&format!("{sequential} (")))
        .collect();
    let label = real.interpreter.label();
    // The good interpreter's rows ran, labelled by it; each bad one's read not available.
    let ran: Vec<&&str> = rows
        .iter()
        .filter(|l| l.contains(&format!("({label})")) && !l.ends_with("not available here"))
        .collect();
    assert_eq!(ran.len(), 2, "python3 and its path each ran: {rows:?}");
    for bad in [NO_PYTHON, hung.as_str()] {
        let row = rows
            .iter()
            .find(|l| l.contains(&format!("({bad})")))
            .unwrap_or_else(|| panic!("no row for {bad}: {rows:?}"));
        assert!(row.ends_with("not available here"), "{row}");
        let said: Vec<String> = stderr_lines(&out)
            .into_iter()
            .filter(|l| l.contains(bad) && l.contains("--python"))
            .collect();
        assert_eq!(
            said.len(),
            1,
            "one line names {bad} and the fix: {:?}",
            stderr_lines(&out)
        );
    }
    let said = stderr_lines(&out).join("\n");
    assert!(
        said.contains("hung") && said.contains("not found"),
        "hung and missing read differently:\n{said}"
    );
}

#[test]
fn a_never_silent_interpreter_still_ends_run_and_load_with_a_record_by_the_deadline() {
    if !python("a_never_silent_interpreter_still_ends_run_and_load_with_a_record") {
        return;
    }
    let dir = scratch("chatty");
    // It never goes quiet: a ready every 0.1 s and a job reported every 0.5 s, of jobs that
    // would take 20 s; the deadline is 3 s.
    let chatty = attacker(
        &dir,
        "chatty-python",
        "ready()\nplan()\nfor i in range(40):\n    for _ in range(5):\n        ready()\n        time.sleep(0.1)\n    done(i)\nsys.stdin.read()",
    );
    let threads = registry::first_where(|d| d.lang == Lang::Python && d.family == Family::Threads);
    let run = greetbench(
        &[
            "run",
            "--model",
            &threads,
            "--python",
            &chatty,
            "--workload",
            "crunch",
            "--count",
            "40",
            "--deadline",
            "3s",
            "--json",
        ],
        None,
    );
    let load = greetbench(
        &[
            "load",
            "--model",
            &threads,
            "--python",
            &chatty,
            "--rate",
            "40",
            "--duration",
            "1s",
            "--deadline",
            "3s",
            "--workload",
            "crunch",
            "--json",
        ],
        None,
    );
    for (what, out) in [("run", run), ("load", load)] {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{what} printed its record ({e}): {:?}", stderr_lines(&out))
        });
        // `load --json` holds the record beside its open-loop figures.
        let v = if v["record"].is_object() {
            v["record"].clone()
        } else {
            v
        };
        let (ok, errors, count) = (
            v["ok"].as_u64().unwrap(),
            v["errors"].as_u64().unwrap(),
            v["count"].as_u64().unwrap(),
        );
        assert_eq!(ok + errors, count, "{what}: {v}");
        assert!(ok > 0, "{what}: what was reported stands: {v}");
        assert_eq!(
            v["errors_by_kind"]["deadline"].as_u64(),
            Some(errors),
            "{what}: the rest read deadline: {v}"
        );
        assert_eq!(
            v["interpreter"]["path"].as_str(),
            Some(chatty.as_str()),
            "{what}: {v}"
        );
    }
}

#[test]
fn a_free_threaded_build_reads_as_the_gil_it_ran_under_not_as_its_build() {
    // Only where `bash python/build-free-threaded.sh` has been run: CI does not build one.
    let ft =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/python-ft/bin/python3");
    if !ft.is_file() {
        eprintln!(
            "note: skipped: no free-threaded build at {} (bash python/build-free-threaded.sh)",
            ft.display()
        );
        return;
    }
    let sequential =
        registry::first_where(|d| d.lang == Lang::Python && d.family == Family::Sequential);
    let ft = ft.display().to_string();
    for gil in [None, Some("1")] {
        let mut cmd = Command::new(EXE);
        cmd.args([
            "run",
            "--model",
            &sequential,
            "--python",
            &ft,
            "--workload",
            "crunch",
            "--count",
            "2",
            "--work",
            "1000",
            "--json",
        ]);
        match gil {
            Some(v) => cmd.env("PYTHON_GIL", v),
            None => cmd.env_remove("PYTHON_GIL"),
        };
        let out = cmd.output().expect("greetbench runs");
        assert!(out.status.success(), "{:?}", stderr_lines(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["interpreter"]["free_threaded"], true, "{v}");
        assert_eq!(
            v["interpreter"]["gil_enabled"],
            gil.is_some(),
            "PYTHON_GIL={gil:?}: {v}"
        );
    }
}

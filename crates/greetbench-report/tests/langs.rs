//! Rust beside Python in the report: the fixture's Rust results plus a Python side built here
//! (descriptions with `lang: python`, sweep runs, spawn costs and a kill probe), rendered and
//! checked by structure. Each claim column and each pick reads only its own language's rows, a
//! GIL claim holds under the GIL and reads as the lesson in Rust, the charts draw both, a model
//! that is not installed reads "not available here", and a results file without a Python model
//! has one column.
//!
//! The Python models here have made-up names: the report must pick rows by description.

use std::time::Duration;

use greet_core::record::{FailureKind, RunFailure, RunRecord, RunRequest, RunResult};
use greet_core::{Description, Family, Lang, Shape, Workload};
use greetbench_report::results::{PyKillProbe, PythonSide, SpawnCost};
use greetbench_report::section::{Options, answer, claims};
use greetbench_report::verdict::Verdict;
use greetbench_report::view::{Column, View};
use greetbench_report::{Results, page};

mod common;
use common::fixture;

const SEQ: &str = "snake-one";
const THREADS: &str = "snake-threads";
const PROCS: &str = "snake-procs";
const LOOP: &str = "snake-loop";
const UV: &str = "snake-uv";

fn python_models() -> Vec<Description> {
    let d = |name, family, shape, crunch_on: &str| {
        Description::new(name, family, shape, "a Python model made up for this test")
            .crunch_on(crunch_on)
            .lang(Lang::Python)
    };
    vec![
        d(SEQ, Family::Sequential, Shape::OneAtATime, "one thread").one_thread(),
        d(
            THREADS,
            Family::Threads,
            Shape::PerJob,
            "threads under the GIL",
        )
        .gil(),
        d(PROCS, Family::Processes, Shape::Pool, "K processes"),
        d(LOOP, Family::Async, Shape::PerJob, "the loop's one thread").one_thread(),
        d(
            UV,
            Family::Async,
            Shape::PerJob,
            "another loop's one thread",
        )
        .one_thread(),
    ]
}

/// A record copied from the fixture's first one, as `model` ran it.
fn record(
    base: &RunRecord,
    model: &str,
    workload: Workload,
    count: usize,
    latency_ms: u64,
    workers: Option<usize>,
    wall_s: f64,
) -> RunResult {
    let mut k = base.clone();
    k.request.model = model.into();
    k.request.workload = workload;
    k.request.count = count;
    k.request.hosts.latency = Duration::from_millis(latency_ms);
    k.request.workers = workers;
    k.request.work = workload.crunches().then_some(100_000);
    k.ok = count;
    k.errors = 0;
    k.wall_s = wall_s;
    k.cpu_user_s = wall_s;
    k.cpu_sys_s = 0.0;
    k.baseline_rss_kib = 20_000;
    k.peak_rss_kib = 20_000;
    k.noise = None;
    RunResult::Record(Box::new(k))
}

/// The fixture with a Python side: the GIL holds its threads to one core, its processes reach
/// 1.9×, its loop crunches on one thread; its threads cost 17 KiB per waiting greet and its
/// tasks 10 KiB at N = 1000, and at N = 10000 its threads were still starting greets when the
/// first replies came (not all waited at once); uvloop is not installed.
fn with_python() -> Results {
    let mut r = fixture();
    let rust: Vec<String> = r.models.iter().map(|m| m.name.clone()).collect();
    r.models.extend(python_models());
    let sweep = r.sweep.as_mut().unwrap();
    let base = sweep
        .entries
        .iter()
        .find_map(RunResult::record)
        .unwrap()
        .clone();
    let mut add = |e: RunResult| sweep.entries.push(e);
    for (m, wall) in [(SEQ, 11.0), (THREADS, 0.45), (PROCS, 6.0), (LOOP, 0.30)] {
        for i in 0..3 {
            add(record(
                &base,
                m,
                Workload::Greet,
                1000,
                10,
                None,
                wall + 0.01 * i as f64,
            ));
        }
    }
    let mut waiting = |m: &str, n: usize, wall: f64, kib: f64| {
        let mut e = record(&base, m, Workload::Greet, n, 2000, None, wall);
        if let RunResult::Record(k) = &mut e {
            k.peak_rss_kib = 20_000 + (kib * n as f64) as u64;
        }
        add(e);
    };
    waiting(THREADS, 1000, 2.3, 17.0);
    waiting(LOOP, 1000, 2.2, 10.0);
    waiting(THREADS, 10_000, 6.9, 9.0);
    waiting(LOOP, 10_000, 3.5, 9.5);
    for (m, workers, wall) in [
        (SEQ, None, 0.40),
        (THREADS, None, 0.41),
        (PROCS, Some(1), 0.40),
        (PROCS, Some(2), 0.21),
        (LOOP, None, 0.40),
    ] {
        for i in 0..3 {
            let wall = wall + 0.002 * i as f64;
            add(record(&base, m, Workload::Crunch, 8, 50, workers, wall));
        }
    }
    let _ = rust;
    for (count, latency) in [(1000, 10), (1000, 2000), (8, 50)] {
        let workload = if count == 8 {
            Workload::Crunch
        } else {
            Workload::Greet
        };
        let mut request = RunRequest::new(UV, workload, count);
        request.hosts.latency = Duration::from_millis(latency);
        add(RunResult::Failure(RunFailure {
            request,
            kind: FailureKind::Unavailable,
            limit: None,
            message: "not installed: uvloop cannot be imported (pip install uvloop)".into(),
        }));
    }
    let cost = |kind: &str, median_ns: f64| SpawnCost {
        kind: kind.into(),
        what: format!("{kind}, made up"),
        median_ns,
        min_ns: median_ns * 0.8,
        max_ns: median_ns * 1.5,
        repeats: 10,
    };
    sweep.python = Some(PythonSide {
        python: "CPython 3.99.0".into(),
        default_start_method: "forkserver".into(),
        uvloop: None,
        spawn: vec![
            cost("thread", 70e3),
            cost("fork", 2.7e6),
            cost("forkserver", 20e6),
            cost("process", 99e6),
        ],
        kill: Some(PyKillProbe {
            thread_timeout_s: 1.0,
            thread_ended_after_s: 1.004,
            process_kill_ms: 1.7,
            process_killed: true,
        }),
    });
    r
}

fn python() -> Column {
    Column {
        lang: Lang::Python,
        interpreter: Some(greetbench_report::view::DEFAULT_INTERPRETER.into()),
    }
}

fn check(r: &Results, column: &Column, starts: &str) -> claims::Checked {
    let view = View::new(r);
    let i = claims::CLAIMS
        .iter()
        .position(|c| c.starts_with(starts))
        .expect("the claim is listed");
    claims::check(&view, column, i)
}

fn render(r: &Results) -> String {
    page(
        r,
        &Options {
            link_base: ".".into(),
            baseline: None,
        },
    )
    .unwrap()
}

#[test]
fn there_is_a_column_per_language_and_each_reads_its_own_rows() {
    let r = with_python();
    let view = View::new(&r);
    assert_eq!(view.columns().len(), 2, "{:?}", view.columns());
    assert_eq!(view.columns()[1], python());
    let a = answer::build(&view);
    assert_eq!(a.columns, ["Rust", "Python"]);
    for row in &a.rows {
        // A Python pick is a Python model (or a kind of start, or not made).
        if let Some(m) = &row.picks[1].model {
            assert!(
                m.starts_with("snake") || m.contains(' '),
                "{}: {m}",
                row.what
            );
        }
        if let Some(m) = &row.picks[0].model {
            assert!(!m.starts_with("snake"), "{}: {m}", row.what);
        }
    }
    let io = a
        .rows
        .iter()
        .find(|s| s.what.starts_with("Many greets"))
        .unwrap();
    assert_eq!(
        io.picks[1].model.as_deref(),
        Some(LOOP),
        "{:?}",
        io.picks[1]
    );
    assert!(
        io.picks[1]
            .evidence
            .contains(&format!("faster than {THREADS}"))
    );
    let cpu = a
        .rows
        .iter()
        .find(|s| s.what.starts_with("CPU-bound"))
        .unwrap();
    assert_eq!(
        cpu.picks[1].model.as_deref(),
        Some(PROCS),
        "{:?}",
        cpu.picks[1]
    );
    assert!(
        cpu.setting.contains("8 jobs"),
        "each language's crunch: {}",
        cpu.setting
    );
}

#[test]
fn the_gil_claims_hold_under_the_gil_and_read_as_the_lesson_in_rust() {
    let r = with_python();
    let gil = check(&r, &python(), "Threads give no CPU");
    assert_eq!(gil.verdict, Verdict::Holds, "{}", gil.evidence);
    assert!(gil.evidence.contains(THREADS), "{}", gil.evidence);
    let rust = Column {
        lang: Lang::Rust,
        interpreter: None,
    };
    assert!(matches!(
        check(&r, &rust, "Threads give no CPU").verdict,
        Verdict::Lesson(_)
    ));
    assert!(matches!(
        check(&r, &rust, "For CPU-bound work").verdict,
        Verdict::Lesson(_)
    ));
    let mp = check(&r, &python(), "For CPU-bound work");
    assert_eq!(mp.verdict, Verdict::Holds, "{}", mp.evidence);
    assert_eq!(
        check(&r, &python(), "Async is not parallel").verdict,
        Verdict::Holds
    );
    assert_eq!(
        check(&r, &python(), "Processes are slower").verdict,
        Verdict::Holds
    );
    // A fork costs 2.7 ms against a fresh interpreter's 99 ms.
    assert_eq!(check(&r, &python(), "fork is").verdict, Verdict::Holds);
    // Python's probe observed a thread ending only by its timeout and a killed process.
    assert_eq!(
        check(&r, &python(), "A thread cannot").verdict,
        Verdict::Holds
    );
    // Memory: where every greet waited at once, 17 KiB against 10.
    let memory = check(&r, &python(), "Async handles");
    assert!(memory.evidence.contains(THREADS), "{}", memory.evidence);
    // The page shows both columns, each evidence in its own cell.
    let page = render(&r);
    assert!(page.contains("<th class=\"l\">Python</th>"));
}

#[test]
fn the_charts_draw_both_languages_and_a_missing_model_says_why() {
    let r = with_python();
    let page = render(&r);
    let io = &page[page.find("<section id=\"io\">").unwrap()..];
    let io = &io[..io.find("</section>").unwrap()];
    for name in [SEQ, THREADS, PROCS, LOOP] {
        assert!(io.contains(&format!(">{name}<")), "{name}");
    }
    assert!(io.contains("class=\"b-py\""), "Python bars are told apart");
    assert!(io.contains("not available here"), "uvloop's row says why");
    assert!(!page.contains("failed (no figures): not installed"));
    // Each Python model sits beside the Rust model of the same shape.
    let view = View::new(&r);
    let rows: Vec<String> = greetbench_report::section::paired(
        &view,
        view.figures().iter().map(|f| f.row.clone()).collect(),
    )
    .into_iter()
    .map(|r| r.model)
    .collect();
    let at = |n: &str| rows.iter().position(|m| m == n).unwrap();
    let seq = fixture().models[0].name.clone();
    assert_eq!(at(SEQ), at(&seq) + 1, "{rows:?}");
    // The spawn section names this Python's default start method.
    assert!(page.contains("forkserver by default"));
    assert!(page.contains("CPython 3.99.0"));
}

#[test]
fn without_a_python_model_the_page_has_one_column() {
    let r = fixture();
    let view = View::new(&r);
    assert_eq!(view.columns().len(), 1);
    let page = render(&r);
    assert!(!page.contains("Python pick"));
}

/// An interpreter as a record names it.
fn interpreter(
    version: &str,
    free_threaded: bool,
    gil_enabled: bool,
) -> greet_core::interpreter::Interpreter {
    greet_core::interpreter::Interpreter {
        path: format!("/opt/python{version}/bin/python3").into(),
        implementation: "CPython".into(),
        version: version.into(),
        free_threaded,
        gil_enabled,
    }
}

#[test]
fn several_interpreters_get_a_column_each_and_the_gil_verdict_follows_the_measurements() {
    // The Python runs of `with_python` on 3.11 (GIL), and the same runs again on a
    // free-threaded 3.13 where the threads' crunch took half the time.
    let mut r = with_python();
    let sweep = r.sweep.as_mut().unwrap();
    let mut free = Vec::new();
    for e in &mut sweep.entries {
        if let RunResult::Record(k) = e
            && k.request.model.starts_with("snake")
        {
            k.interpreter = Some(interpreter("3.11.7", false, true));
            let mut f = k.clone();
            f.interpreter = Some(interpreter("3.13.5", true, false));
            if f.request.model == THREADS && f.request.workload == Workload::Crunch {
                f.wall_s /= 2.0;
            }
            free.push(RunResult::Record(f));
        }
    }
    sweep.entries.extend(free);
    let view = View::new(&r);
    let columns = view.columns();
    assert_eq!(columns.len(), 3, "{columns:?}");
    let headings: Vec<String> = columns.iter().map(|c| c.heading(true)).collect();
    assert_eq!(
        headings,
        ["Rust", "Python (3.11)", "Python (3.13t, no GIL)"]
    );
    let check = |c: &Column| {
        claims::check(
            &view,
            c,
            claims::CLAIMS
                .iter()
                .position(|x| x.starts_with("Threads give"))
                .unwrap(),
        )
    };
    assert_eq!(check(&columns[1]).verdict, Verdict::Holds);
    let free = check(&columns[2]);
    assert!(
        matches!(&free.verdict, Verdict::Lesson(w) if w.contains("3.13t, no GIL")),
        "{free:?}"
    );
    // The not-installed uvloop model has no record: it lands in a column all the same, never
    // in a column of its own.
    let page = render(&r);
    assert!(page.contains("Python (3.11) pick") && page.contains("Python (3.13t, no GIL) pick"));
    assert!(!page.contains("Python (python3)"));
}

//! Rust beside Python in the report: the fixture's Rust results plus a Python side built here
//! (descriptions with `lang: python`, sweep runs, spawn costs and a kill probe), rendered and
//! checked by structure. Each claim column reads only its own language's rows, the side-by-side
//! charts are drawn from both, a model that is not installed reads "not available here", and a
//! results file without a Python model renders the page it always did.
//!
//! The Python models here have made-up names: the report must pick rows by description.

use std::path::Path;
use std::time::Duration;

use greet_core::record::{FailureKind, RunFailure, RunRecord, RunRequest, RunResult};
use greet_core::{Description, Family, Lang, Shape, Workload};
use greetbench_report::results::{PyKillProbe, PythonSide, SpawnCost, read_versioned};
use greetbench_report::verdicts::{self, Verdict};
use greetbench_report::{Results, charts, html};

const SEQ: &str = "snake-one";
const THREADS: &str = "snake-threads";
const PROCS: &str = "snake-procs";
const LOOP: &str = "snake-loop";
const UV: &str = "snake-uv";

fn fixture() -> Results {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    read_versioned(&path).expect("the fixture parses")
}

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
    // The fixture's sweep has no crunch points: give its Rust models some, at the same work.
    for m in &rust {
        add(record(&base, m, Workload::Crunch, 200, 50, None, 0.064));
    }
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

fn claim(claims: &[verdicts::Claim], starts: &str) -> verdicts::Claim {
    claims
        .iter()
        .find(|c| c.claim.starts_with(starts))
        .cloned()
        .expect("the claim is listed")
}

#[test]
fn each_language_sees_only_its_own_rows() {
    let r = with_python();
    let py = r.for_lang(Lang::Python);
    let rust = r.for_lang(Lang::Rust);
    assert!(py.models.iter().all(|m| m.lang == Lang::Python));
    assert!(rust.models.iter().all(|m| m.lang == Lang::Rust));
    let swept =
        |v: &Results| -> Vec<String> { v.runs().map(|e| e.request().model.clone()).collect() };
    assert!(swept(&py).iter().all(|m| r.lang_of(m) == Lang::Python));
    assert!(swept(&rust).iter().all(|m| r.lang_of(m) == Lang::Rust));
    // Python's crunch speedups come from the sweep's repeats: the processes at 2 workers.
    let procs = py
        .cpu_speedups()
        .into_iter()
        .find(|s| s.model == PROCS)
        .unwrap();
    assert!(
        procs.all.unwrap() > 1.8 && procs.one.unwrap() < 1.1,
        "{procs:?}"
    );
    // Its spawn costs come from the Python side, the Rust ones from criterion.
    assert_eq!(py.spawn_cost("fork"), Some(2.7e6));
    assert_ne!(rust.spawn_cost("fork"), Some(2.7e6));
    assert!(rust.spawn_cost("fork").is_some());
}

#[test]
fn each_claim_column_is_computed_from_its_own_language() {
    let r = with_python();
    let rust = verdicts::claims(&r.for_lang(Lang::Rust));
    let py = verdicts::claims(&r.for_lang(Lang::Python));
    assert_eq!(rust.len(), py.len());
    // The GIL: Python's threads stayed at 1×, the fixture's Rust threads did not.
    assert_eq!(claim(&py, "Threads give no CPU").verdict, Verdict::Holds);
    assert_eq!(
        claim(&rust, "Threads give no CPU").verdict,
        Verdict::DoesNotHold
    );
    let gil = claim(&py, "Threads give no CPU").evidence;
    assert!(
        gil.contains(THREADS) && gil.contains("interpreter lock"),
        "{gil}"
    );
    // Only Python's processes sped up.
    assert_eq!(claim(&py, "For CPU-bound work").verdict, Verdict::Holds);
    assert_eq!(claim(&py, "Async is not parallel").verdict, Verdict::Holds);
    assert_eq!(claim(&py, "Processes are slower").verdict, Verdict::Holds);
    // fork is far cheaper than a fresh interpreter, but dearer than a thread.
    assert_eq!(claim(&py, "fork is").verdict, Verdict::HoldsWithCaveat);
    // Python's probe times a thread's timeout and a process's kill but observes none of what
    // the Rust experiments observe, so its column says not measured rather than holds.
    assert_eq!(claim(&py, "A thread cannot").verdict, Verdict::NotMeasured);
    // Memory is compared at N = 1000, where every greet waited at once: 17 against 10 KiB.
    let thousands = claim(&py, "Async handles");
    assert_eq!(
        thousands.verdict,
        Verdict::HoldsWithCaveat,
        "{}",
        thousands.evidence
    );
    assert!(
        thousands.evidence.contains("At N = 1000 "),
        "{}",
        thousands.evidence
    );
    assert!(
        thousands.evidence.contains("N = 10000"),
        "{}",
        thousands.evidence
    );
    // The page shows both columns.
    let page = html::page(
        &r,
        &html::Options {
            link_base: ".".into(),
            baseline: None,
        },
    );
    assert!(page.contains("Rust: evidence") && page.contains("Python: evidence"));
    for c in &py {
        assert!(page.contains(&html::escape(&c.evidence)), "{}", c.claim);
    }
}

#[test]
fn the_side_by_side_charts_draw_both_languages() {
    let r = with_python();
    let drawn = charts::side_by_side(&r);
    let keys: Vec<&str> = drawn.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "lang_greet",
            "lang_speedup_rust",
            "lang_speedup_python",
            "lang_cpu",
            "lang_memory",
            "lang_spawn"
        ]
    );
    let rust_model = &fixture().models[0].name;
    for (key, chart) in &drawn {
        let c = chart.as_ref().unwrap_or_else(|| panic!("{key} not drawn"));
        assert!(
            c.svg.starts_with("<svg") && c.caption.starts_with("Notice"),
            "{key}"
        );
    }
    let svg = |key: &str| {
        drawn
            .iter()
            .find(|(k, _)| k == key)
            .unwrap()
            .1
            .clone()
            .unwrap()
            .svg
    };
    // Both languages' rows, each Python model beside its Rust counterpart, and the model that
    // is not installed marked as such.
    let greet = svg("lang_greet");
    for name in [rust_model.as_str(), SEQ, THREADS, PROCS, LOOP, UV] {
        assert!(
            greet.contains(&format!(">{name}<")) || greet.contains(&format!("\n{name}\n")),
            "{name}"
        );
    }
    assert!(greet.contains("not available here"));
    let rows = charts::paired(&r, r.model_names());
    let at = |n: &str| rows.iter().position(|m| m == n).unwrap();
    assert_eq!(at(SEQ), at(rust_model) + 1, "{rows:?}");
    // The memory chart is drawn at N = 1000: at 10000 the Python threads did not all wait.
    let memory = drawn
        .iter()
        .find(|(k, _)| k == "lang_memory")
        .unwrap()
        .1
        .clone()
        .unwrap();
    assert!(memory.title.contains("N = 1000 "), "{}", memory.title);
    assert!(
        memory.caption.contains(&format!("{THREADS} at N = 10000")),
        "{}",
        memory.caption
    );
    // The spawn chart names this Python's default start method.
    let spawn = drawn
        .iter()
        .find(|(k, _)| k == "lang_spawn")
        .unwrap()
        .1
        .clone()
        .unwrap();
    assert!(
        spawn.caption.contains("forkserver by default"),
        "{}",
        spawn.caption
    );
}

#[test]
fn a_model_that_is_not_installed_reads_not_installed_not_failed() {
    let r = with_python();
    let page = html::page(
        &r,
        &html::Options {
            link_base: ".".into(),
            baseline: None,
        },
    );
    assert!(page.contains("not available here: uvloop cannot be imported"));
    assert!(!page.contains("failed (no figures): not installed"));
    assert!(page.contains("id=\"langs\"") && page.contains("CPython 3.99.0"));
}

#[test]
fn without_a_python_model_the_page_has_one_claims_column_and_no_side_by_side() {
    let r = fixture();
    assert!(!r.has_lang(Lang::Python));
    assert!(charts::side_by_side(&r).is_empty());
    let page = html::page(
        &r,
        &html::Options {
            link_base: ".".into(),
            baseline: None,
        },
    );
    assert!(!page.contains("id=\"langs\"") && !page.contains("Python: evidence"));
}

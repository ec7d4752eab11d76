//! What `greetbench compare` reads from its rows: results built from runs alone
//! ([`Results::from_runs`]), one run per model as compare has them, or a few each. A tie or a
//! one-run comparison names no winner; the CPU figures are the exact totals only. No model
//! name is typed in here: the tests take them from the fixture's descriptions.

use std::time::Duration;

use greet_core::record::{RunRecord, RunResult};
use greet_core::{Description, Family, Shape, Workload};
use greetbench_report::Results;
use greetbench_report::section::answer;
use greetbench_report::verdict::{Confidence, Why};
use greetbench_report::view::{Question, View};

mod common;
use common::fixture;

/// The fixture's first record of a greet batch: the template of every synthetic run.
fn template() -> RunRecord {
    fixture()
        .runs()
        .filter_map(RunResult::record)
        .find(|k| k.request.workload == Workload::Greet)
        .expect("the fixture has a greet run")
        .clone()
}

/// A greet batch of `count` at `latency` by `model`, with `wall_s`, its ideal `floor_s` and
/// (when given) the exact CPU total.
fn run(model: &str, wall_s: f64, floor_s: f64, cpu_total_s: Option<f64>) -> RunResult {
    let mut k = template();
    k.request.model = model.to_owned();
    k.request.count = 50;
    k.request.hosts.latency = Duration::from_millis(20);
    k.ok = 50;
    k.errors = 0;
    k.errors_by_kind.clear();
    k.wall_s = wall_s;
    k.floor_s = Some(floor_s);
    k.cpu_total_s = cpu_total_s;
    k.noise = None;
    RunResult::Record(Box::new(k))
}

/// The fixture's models whose description satisfies `keep`.
fn named(keep: impl Fn(&Description) -> bool) -> String {
    fixture()
        .models
        .iter()
        .find(|d| keep(d))
        .map(|d| d.name.clone())
        .expect("the fixture has such a model")
}

fn async_model() -> String {
    named(|d| d.family == Family::Async && !d.one_thread)
}

fn threads_model() -> String {
    named(|d| d.family == Family::Threads && d.shape == Shape::PerJob)
}

fn results(runs: Vec<RunResult>) -> Results {
    let f = fixture();
    Results::from_runs(f.provenance, f.models, runs)
}

/// The Rust pick of "Many greets waiting on I/O".
fn io_pick(r: &Results) -> answer::Pick {
    let view = View::new(r);
    answer::build(&view).rows.remove(0).picks.remove(0)
}

#[test]
fn one_run_each_names_no_winner_even_far_apart() {
    let (fast, slow) = (async_model(), threads_model());
    // One run each, the recommended model four times faster: still no interval, no pick.
    let r = results(vec![
        run(&fast, 0.025, 0.02, Some(0.01)),
        run(&slow, 0.1, 0.02, Some(0.02)),
    ]);
    let p = io_pick(&r);
    assert_eq!(p.model, None, "{p:?}");
    assert_eq!(p.confidence, Confidence::Unsure(Why::NoInterval));
    // A tie, one run each: no pick either.
    let r = results(vec![
        run(&fast, 0.025, 0.02, None),
        run(&slow, 0.025, 0.02, None),
    ]);
    assert_eq!(io_pick(&r).model, None);
    // Seven runs each, clearly apart: the recommended model is picked, sure.
    let mut runs = Vec::new();
    for i in 0..7 {
        let jitter = 1.0 + f64::from(i) * 0.01;
        runs.push(run(&fast, 0.025 * jitter, 0.02, None));
        runs.push(run(&slow, 0.1 * jitter, 0.02, None));
    }
    let p = io_pick(&results(runs));
    assert_eq!(p.model.as_deref(), Some(fast.as_str()), "{p:?}");
    assert_eq!(p.confidence, Confidence::Sure);
}

#[test]
fn greet_cpu_is_gathered_from_exact_totals_only() {
    let (a, b) = (async_model(), threads_model());
    let r = results(vec![
        run(&a, 0.025, 0.02, Some(0.012)),
        run(&b, 0.03, 0.02, None),
    ]);
    let view = View::new(&r);
    let q = Question::GreetCpu {
        count: 50,
        latency: Duration::from_millis(20),
    };
    let cpu: Vec<_> = view.figures_of(&q).collect();
    assert_eq!(
        cpu.len(),
        1,
        "only the record with the exact total: {cpu:?}"
    );
    assert_eq!(cpu[0].row.model, a);
    assert!((cpu[0].median - 0.012e9).abs() < 1.0);
}

/// A compare-like set of rows: one run each, at N = 50, L = 20 ms, with the ideals the harness
/// gives (N × L one at a time, ⌈N/K⌉ × L a pool of K = 2, one L the rest) and exact CPU totals.
fn one_run_each() -> (Results, [String; 4]) {
    let seq = named(|d| d.family == Family::Sequential);
    let pool = named(|d| d.family == Family::Threads && d.shape == Shape::Pool);
    let (fast, threads) = (async_model(), threads_model());
    let mut pooled = run(&pool, 0.51, 0.5, Some(0.004));
    if let RunResult::Record(k) = &mut pooled {
        k.request.workers = Some(2);
    }
    let r = results(vec![
        run(&seq, 1.02, 1.0, Some(0.003)),
        pooled,
        run(&fast, 0.024, 0.02, Some(0.010)),
        run(&threads, 0.026, 0.02, Some(0.015)),
    ]);
    (r, [seq, pool, fast, threads])
}

#[test]
fn the_reading_says_what_each_kind_waited_and_names_no_winner_from_one_run() {
    let (r, [seq, pool, fast, threads]) = one_run_each();
    let view = View::new(&r);
    let reading = greetbench_report::reading(&view);
    let all: Vec<&str> = reading.lines().collect();
    let find = |what: &str| {
        reading
            .waits
            .iter()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no wait with {what}: {all:#?}"))
    };
    let one = find("N × L = 50 × 20 ms = 1.00 s");
    assert!(one.contains(&seq) && one.contains("took 1.02 s"), "{one}");
    let pools = find("⌈N/K⌉ × L = 25 × 20 ms = 500 ms");
    assert!(pools.contains(&pool) && pools.contains("K = 2"), "{pools}");
    let once = find("every other model");
    assert!(once.contains("waited about once: L = 20 ms"), "{once}");
    assert!(once.contains(&fast) && once.contains(&threads), "{once}");
    assert!(
        once.contains("24.0 ms") && once.contains("26.0 ms"),
        "{once}"
    );
    // The I/O pick: none, and why.
    let io = &reading.picks[0];
    assert!(io.starts_with("Many greets"), "{io}");
    assert!(io.contains("no pick, inconclusive: one run each"), "{io}");
    // CPU: exact totals, compared, but one run each decides nothing.
    assert_eq!(reading.cpu.len(), 1, "{all:#?}");
    let cpu = &reading.cpu[0];
    assert!(cpu.contains("exact totals") && cpu.contains(&format!("{seq} the least, 3.00 ms")));
    assert!(cpu.contains("inconclusive: one run each"), "{cpu}");
    for line in &all {
        assert!(
            !line.contains(", sure") && !line.contains(" used "),
            "{line}"
        );
    }
}

#[test]
fn the_reading_compares_cpu_only_when_the_runs_decide_it() {
    let (fast, threads) = (async_model(), threads_model());
    let mut runs = Vec::new();
    for i in 0..7 {
        let jitter = 1.0 + f64::from(i) * 0.01;
        runs.push(run(&fast, 0.024 * jitter, 0.02, Some(0.010 * jitter)));
        runs.push(run(&threads, 0.026 * jitter, 0.02, Some(0.030 * jitter)));
    }
    let r = results(runs.clone());
    let reading = greetbench_report::reading(&View::new(&r));
    let cpu = reading.cpu.join("\n");
    assert!(
        cpu.contains(&format!("{threads} used 3.00× [")) && cpu.contains(&format!("CPU of {fast}")),
        "{cpu}"
    );
    // The same, 1.2× apart: tied within the band, no winner.
    for e in &mut runs {
        if let RunResult::Record(k) = e
            && k.request.model == threads
        {
            k.cpu_total_s = k.cpu_total_s.map(|c| c / 3.0 * 1.2);
        }
    }
    let r = results(runs);
    let cpu = greetbench_report::reading(&View::new(&r)).cpu.join("\n");
    assert!(cpu.contains("tied") && !cpu.contains(" used "), "{cpu}");
}

#[test]
fn the_page_reads_the_same_sentences_under_the_answer() {
    let (r, _) = one_run_each();
    let reading = greetbench_report::reading(&View::new(&r));
    let options = greetbench_report::Options {
        link_base: String::new(),
        baseline: None,
    };
    let page = greetbench_report::page(&r, &options).unwrap();
    let answer = common::text(common::section(&page, "answer"));
    for line in reading.waits.iter().chain(&reading.cpu) {
        assert!(answer.contains(line.as_str()), "{line}");
    }
}

#[test]
fn a_model_measured_alone_once_is_no_pick() {
    let fast = async_model();
    let r = results(vec![run(&fast, 0.025, 0.02, None)]);
    let p = io_pick(&r);
    assert_eq!(p.model, None, "{p:?}");
    assert_eq!(p.confidence, Confidence::Unsure(Why::NoInterval));
    let r = results((0..3).map(|_| run(&fast, 0.025, 0.02, None)).collect());
    assert_eq!(io_pick(&r).model.as_deref(), Some(fast.as_str()));
}

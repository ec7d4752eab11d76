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

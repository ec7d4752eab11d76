// Lesson 09's checks, shared by `lesson09-exercise` and `lesson09-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). Run them with
// `cargo lesson check 09`. Do not edit: they are how the checker knows you are done.
//
// What each check guards, and the wrong solution in lesson09-wrong that proves it does:
// - capacities_match_what_each_model_declares: how many greets wait and crunches run at once,
//   per model (wrong/current_thread_crunches_in_parallel).
// - unknown_models_have_no_capacity: a name that is not a model is None.
// - greets_are_paid_in_waves: ceil(N / io) waves of L (wrong/waves_rounded_down).
// - crunches_share_the_cores_the_model_can_use: min(cpu, the scenario's cores), on several
//   core counts, none of them necessarily the machine's (wrong/cores_ignored,
//   wrong/machine_cores).
// - mixed_pays_both, the_verdicts_follow_from_the_predictions: the sum, and the ranking.
// Durations are compared give or take a microsecond (or a millionth), so that a prediction
// worked out in floating point passes as well as one in whole nanoseconds; a failure names the
// known mistake the figure matches, where it matches one.

use std::time::Duration;

use greet_core::{Model, Plan, Target};
use lesson09::{Concurrency, Scenario, Workload, capacity, predict, rank};

const MS: Duration = Duration::from_millis(1);

/// Every model, from greetbench's own registry.
fn models() -> Vec<Box<dyn Model>> {
    greetbench::registry::models()
}

fn scenario(workload: Workload, count: usize) -> Scenario {
    Scenario {
        workload,
        count,
        latency: 50 * MS,
        job_time: MS,
        workers: 8,
        cores: 2,
    }
}

#[test]
fn capacities_match_what_each_model_declares() {
    let target = Target {
        addr: "127.0.0.1:9".parse().expect("an address"),
        host: Some(0),
    };
    for model in models() {
        for count in [1, 100, 5_000] {
            for workers in [1, 2, 8] {
                let mut plan = Plan::new(Workload::Greet, count, vec![target.clone()]);
                plan.workers = workers;
                assert_eq!(
                    capacity(model.name(), count, workers),
                    Some(model.concurrency(&plan)),
                    "{} with {count} jobs and {workers} workers (see its crate's docs)",
                    model.name()
                );
            }
        }
    }
}

#[test]
fn unknown_models_have_no_capacity() {
    assert_eq!(
        capacity("fibers", 10, 2),
        None,
        "capacity of \"fibers\", which is no model"
    );
    assert_eq!(capacity("", 10, 2), None, "capacity of the empty name");
}

/// Whether two durations agree to within a microsecond, or a millionth of the larger: a
/// prediction worked out in floating point is as right as one in whole nanoseconds.
fn close(a: Duration, b: Duration) -> bool {
    let diff = a.abs_diff(b);
    diff <= Duration::from_micros(1) || diff.as_secs_f64() <= 1e-6 * a.max(b).as_secs_f64()
}

/// `n` as a `u32`, for multiplying and dividing durations.
fn n32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What is wrong with `got` where `want` was due for concurrency `c` on scenario `s`: the
/// known mistake it matches, if any, else the rule it breaks.
fn mistake(got: Duration, c: Concurrency, s: &Scenario) -> &'static str {
    let crunch = |lanes: usize| s.job_time.saturating_mul(n32(s.count)) / n32(lanes.max(1));
    let waves_down = s.latency.saturating_mul(n32(s.count / c.io.max(1)));
    let here = std::thread::available_parallelism().map_or(1, usize::from);
    let crunches = s.workload != Workload::Greet;
    if crunches && here != s.cores && close(got, crunch(c.cpu.clamp(1, here))) {
        "that is the crunches shared by the cores of the machine running this check: use the \
         scenario's cores"
    } else if crunches && close(got, crunch(c.cpu)) {
        "that is the crunches shared by cpu lanes without looking at the cores: the scenario's \
         cores cap them, min(cpu, cores)"
    } else if s.workload == Workload::Greet && close(got, waves_down) {
        "that is ceil(N / io) rounded down: a last, partly full wave still takes one latency"
    } else {
        "greet: ceil(N / io) waves of L; crunch: N x t / min(cpu, cores); mixed: both"
    }
}

/// Asserts that `predict(c, s)` is `want`, give or take rounding (see [`close`]); the message
/// says what was predicted, what was due and, where it can tell, the mistake.
fn assert_predicts(c: Concurrency, s: &Scenario, want: Duration, case: &str) {
    let got = predict(c, s);
    assert!(
        close(got, want),
        "{case}: predict({c:?}, {} {:?} jobs, {} cores) = {got:?}, want {want:?}: {}",
        s.count,
        s.workload,
        s.cores,
        mistake(got, c, s)
    );
}

#[test]
fn greets_are_paid_in_waves() {
    let s = scenario(Workload::Greet, 100);
    let c = |io| Concurrency { io, cpu: 1 };
    assert_predicts(c(1), &s, 5000 * MS, "one at a time: N x L");
    assert_predicts(c(8), &s, 650 * MS, "ceil(100 / 8) = 13 waves of 50 ms");
    assert_predicts(c(100), &s, 50 * MS, "all at once: one latency");
    assert_predicts(
        c(10_000),
        &s,
        50 * MS,
        "more room than jobs changes nothing",
    );
}

#[test]
fn crunches_share_the_cores_the_model_can_use() {
    let s = scenario(Workload::Crunch, 200);
    let c = |cpu| Concurrency { io: 200, cpu };
    assert_predicts(c(1), &s, 200 * MS, "one lane: N x t");
    assert_predicts(c(8), &s, 100 * MS, "8 threads, but only 2 cores");
    assert_predicts(c(200), &s, 100 * MS, "a thread per job: still 2 cores");
    let four = Scenario { cores: 4, ..s };
    assert_predicts(c(2), &four, 100 * MS, "2 workers use 2 of the 4 cores");
    // The scenario's cores, whatever the machine running the check has.
    for (cores, want) in [(1, 200 * MS), (3, 200 * MS / 3), (1_000, 200 * MS / 200)] {
        let other = Scenario { cores, ..s };
        assert_predicts(
            c(200),
            &other,
            want,
            &format!("a thread per job on a scenario of {cores} core(s)"),
        );
    }
}

#[test]
fn mixed_pays_both() {
    let s = scenario(Workload::Mixed, 100);
    let c = Concurrency { io: 8, cpu: 8 };
    assert_predicts(
        c,
        &s,
        650 * MS + 50 * MS,
        "13 waves of greets (650 ms), then 100 crunches of 1 ms on 2 cores (50 ms)",
    );
}

#[test]
fn the_verdicts_follow_from_the_predictions() {
    let names: Vec<&str> = models().iter().map(|m| m.name()).collect();
    // I/O-bound, many jobs: the models that keep every greet waiting at once tie for first,
    // and the pools of 8 pay ceil(1000 / 8) = 125 waves.
    let io = rank(&names, &scenario(Workload::Greet, 1_000));
    let first = io.first().map(|r| r.1);
    assert!(
        first.is_some_and(|t| close(t, 50 * MS)),
        "the fastest prediction for 1,000 greets at 50 ms: {first:?}, want 50 ms (every greet \
         waiting at once)"
    );
    let pool = io.iter().find(|r| r.0 == "thread-pool").map(|r| r.1);
    assert!(
        pool.is_some_and(|t| close(t, 125 * 50 * MS)),
        "thread-pool's prediction for 1,000 greets at 50 ms with 8 workers: {pool:?}, want \
         6.25 s (125 waves)"
    );
    let last = io.last().map(|r| r.0);
    assert_eq!(
        last,
        Some("sequential"),
        "the slowest model for 1,000 greets: {last:?}, want sequential"
    );
    // CPU-bound: nothing beats the cores; the single-threaded ones come last.
    let cpu = rank(&names, &scenario(Workload::Crunch, 1_000));
    let first = cpu.first().map(|r| r.1);
    assert!(
        first.is_some_and(|t| close(t, 500 * MS)),
        "the fastest prediction for 1,000 crunches of 1 ms on 2 cores: {first:?}, want 500 ms \
         (both cores busy)"
    );
    let last_two: Vec<&str> = cpu[cpu.len().saturating_sub(2)..]
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(
        last_two,
        ["sequential", "tokio-current-thread"],
        "the two slowest models for 1,000 crunches: {last_two:?}, want the two that crunch on \
         one thread"
    );
    let slowest = cpu.last().map(|r| r.1);
    assert!(
        slowest.is_some_and(|t| close(t, 1000 * MS)),
        "the slowest prediction for 1,000 crunches of 1 ms: {slowest:?}, want 1 s (one core)"
    );
}

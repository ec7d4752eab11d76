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
    assert_eq!(capacity("fibers", 10, 2), None);
    assert_eq!(capacity("", 10, 2), None);
}

#[test]
fn greets_are_paid_in_waves() {
    let s = scenario(Workload::Greet, 100);
    let c = |io| Concurrency { io, cpu: 1 };
    assert_eq!(predict(c(1), &s), 5000 * MS, "one at a time: N x L");
    assert_eq!(
        predict(c(8), &s),
        650 * MS,
        "ceil(100 / 8) = 13 waves of 50 ms"
    );
    assert_eq!(predict(c(100), &s), 50 * MS, "all at once: one latency");
    assert_eq!(
        predict(c(10_000), &s),
        50 * MS,
        "more room than jobs changes nothing"
    );
}

#[test]
fn crunches_share_the_cores_the_model_can_use() {
    let s = scenario(Workload::Crunch, 200);
    let c = |cpu| Concurrency { io: 200, cpu };
    assert_eq!(predict(c(1), &s), 200 * MS, "one core: N x t");
    assert_eq!(predict(c(8), &s), 100 * MS, "8 threads, but only 2 cores");
    assert_eq!(
        predict(c(200), &s),
        100 * MS,
        "a thread per job: still 2 cores"
    );
    let four = Scenario { cores: 4, ..s };
    assert_eq!(
        predict(c(2), &four),
        100 * MS,
        "2 workers use 2 of the 4 cores"
    );
    // The scenario's cores, whatever the machine running the check has.
    for (cores, want) in [(1, 200 * MS), (3, 200 * MS / 3), (1_000, 200 * MS / 200)] {
        let other = Scenario { cores, ..s };
        assert_eq!(
            predict(c(200), &other),
            want,
            "a thread per job on a scenario of {cores} core(s): the scenario's cores, not the \
             machine's"
        );
    }
}

#[test]
fn mixed_pays_both() {
    let s = scenario(Workload::Mixed, 100);
    let c = Concurrency { io: 8, cpu: 8 };
    assert_eq!(predict(c, &s), 650 * MS + 50 * MS);
}

#[test]
fn the_verdicts_follow_from_the_predictions() {
    let names: Vec<&str> = models().iter().map(|m| m.name()).collect();
    // I/O-bound, many jobs: the models that keep every greet waiting at once tie for first,
    // and the pools of 8 pay ceil(1000 / 8) = 125 waves.
    let io = rank(&names, &scenario(Workload::Greet, 1_000));
    assert_eq!(io.first().map(|r| r.1), Some(50 * MS));
    let pool = io.iter().find(|r| r.0 == "thread-pool").map(|r| r.1);
    assert_eq!(pool, Some(125 * 50 * MS));
    assert_eq!(io.last().map(|r| r.0), Some("sequential"));
    // CPU-bound: nothing beats the cores; the single-threaded ones come last.
    let cpu = rank(&names, &scenario(Workload::Crunch, 1_000));
    assert_eq!(cpu.first().map(|r| r.1), Some(500 * MS));
    let last_two: Vec<&str> = cpu[cpu.len() - 2..].iter().map(|r| r.0).collect();
    assert_eq!(last_two, ["sequential", "tokio-current-thread"]);
    assert_eq!(cpu.last().map(|r| r.1), Some(1000 * MS));
}

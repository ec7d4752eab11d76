//! The reference binary end to end: it is started as `cargo lesson run` starts it, and what it
//! prints must be one measurement line whose figures follow from the model's structure. The
//! processes model re-executes the binary as its workers, so it is tested here too.

use std::process::Command;

use lesson_measure::{Measurement, PLAN_ENV, RunPlan};

fn run(model: &str, plan: &RunPlan) -> Result<Measurement, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_lesson-reference"))
        .arg(model)
        .env(PLAN_ENV, plan.to_env_value())
        .output()
        .expect("the reference binary starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    match Measurement::find_in(&stdout) {
        Some(m) if out.status.success() => m.map_err(|e| e.to_string()),
        _ => Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
    }
}

fn plan(count: usize, workers: usize) -> RunPlan {
    RunPlan {
        count,
        hosts: 3,
        latency_ms: 20,
        workers,
        timeout_ms: 5_000,
        idle_ms: 0,
    }
}

#[test]
fn sequential_has_one_greet_in_flight() {
    let m = run("sequential", &plan(5, 1)).unwrap();
    assert_eq!((m.jobs, m.results, m.ok, m.served), (5, 5, 5, 5));
    assert_eq!(m.peak_in_flight, 1);
}

#[test]
fn a_thread_pool_never_exceeds_its_size() {
    let m = run("thread-pool", &plan(9, 3)).unwrap();
    assert_eq!((m.results, m.ok, m.served), (9, 9, 9));
    assert!((1..=3).contains(&m.peak_in_flight), "{m:?}");
}

#[test]
fn an_idle_start_holds_every_greet_back_until_it_ends() {
    // The pool starts, and its queue stands open and empty for 300 ms before the greets
    // arrive (lesson 03's run). No greet is due before then, so the run cannot end sooner: a
    // lower bound that a sleep guarantees, not a figure of this machine.
    let idle = RunPlan {
        idle_ms: 300,
        ..plan(6, 3)
    };
    let m = run("thread-pool", &idle).unwrap();
    assert_eq!((m.results, m.ok, m.served), (6, 6, 6), "{m:?}");
    assert!((1..=3).contains(&m.peak_in_flight), "{m:?}");
    assert!(
        m.wall_us >= 300_000,
        "the greets came before their time: {m:?}"
    );
}

#[test]
fn the_processes_model_runs_its_workers_from_this_binary() {
    let m = run("processes", &plan(6, 2)).unwrap();
    assert_eq!((m.results, m.ok, m.served), (6, 6, 6), "{m:?}");
    assert!((1..=2).contains(&m.peak_in_flight), "{m:?}");
}

#[test]
fn an_unknown_model_is_one_line_naming_the_known_ones() {
    let err = run("tokyo", &plan(2, 1)).unwrap_err();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("tokio-current-thread"), "{err}");
}

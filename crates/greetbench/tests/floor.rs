//! `greetbench compare --floor`: each model beside the floor client of its kind, in
//! interleaved pairs against one server. Structural only: which floor client each model got,
//! how many pairs were kept and in which order they ran, and that both sides of every pair
//! waited for their hosts. No test reads the clock to pass or fail.

use std::process::{Command, Output};

use greet_core::floor::{FloorKind, FloorPairs};
use greet_core::{Family, Lang, Shape};
use greetbench::registry::{self, first_where};

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

fn greetbench_with((key, value): (&str, &str), args: &[&str]) -> Output {
    Command::new(EXE)
        .env(key, value)
        .args(args)
        .output()
        .expect("greetbench runs")
}

#[test]
fn each_model_is_paired_with_the_floor_client_of_its_kind_in_alternating_order() {
    let threads = first_where(|d| {
        d.family == Family::Threads && d.shape == Shape::PerJob && d.lang == Lang::Rust
    });
    let one_loop =
        first_where(|d| d.family == Family::Async && d.one_thread && d.lang == Lang::Rust);
    let processes = first_where(|d| d.family == Family::Processes && d.lang == Lang::Rust);
    // tokio's runtime, whose worker count an environment variable sets.
    let tokio = first_where(|d| {
        d.family == Family::Async
            && !d.one_thread
            && d.runtime.as_ref().is_some_and(|r| r.name == "tokio")
    });
    let models = [&threads, &one_loop, &processes, &tokio]
        .map(String::as_str)
        .join(",");
    let latency_s = 0.02;
    let out = greetbench_with(
        ("TOKIO_WORKER_THREADS", "1"),
        &[
            "compare",
            "--floor",
            "--model",
            &models,
            "--count",
            "16",
            "--latency",
            "20ms",
            "--repeats",
            "2",
            "--json",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let all: Vec<FloorPairs> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    // The processes model has no floor client: its worker processes are the model.
    let mut names: Vec<&str> = all.iter().map(|p| p.model.as_str()).collect();
    let mut expected = [threads.as_str(), one_loop.as_str(), tokio.as_str()];
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    for p in &all {
        let d = registry::describe(registry::find(&p.model).unwrap().as_ref());
        assert_eq!(Some(p.floor), FloorKind::of(&d), "{}", p.model);
        assert!(p.dropped.is_empty(), "{:?}", p.dropped);
        let order: Vec<bool> = p.pairs.iter().map(|x| x.model_first).collect();
        assert_eq!(
            order,
            [true, false],
            "pairs alternate which side runs first"
        );
        for pair in &p.pairs {
            // Both sides greeted hosts that wait 20 ms: a side that did not wait for its
            // replies would be faster than that.
            assert!(
                pair.model_wall_s >= latency_s && pair.floor_wall_s >= latency_s,
                "{pair:?}"
            );
        }
        assert_eq!((p.count, p.latency_s), (16, latency_s));
        assert!(p.ratio().is_some_and(|r| r.n == 2));
        if p.floor == FloorKind::Tokio {
            // Sized by the model's executor: one worker, as TOKIO_WORKER_THREADS gave tokio.
            assert_eq!(p.workers, 1, "{}", p.model);
        }
    }
    // The table says why a model has no floor client.
    let table = greetbench(&[
        "compare",
        "--floor",
        "--model",
        &processes,
        "--count",
        "4",
        "--latency",
        "1ms",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(processes.as_str()) && l.contains("no floor client of its kind")),
        "{text}"
    );
}

#[test]
fn what_the_floor_clients_cannot_do_is_refused_in_one_line() {
    let refused = |args: &[&str], needle: &str| {
        let out = greetbench(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(needle), "{args:?}: {err}");
    };
    refused(
        &["compare", "--floor", "--workload", "crunch"],
        "greet workload only",
    );
    refused(
        &["compare", "--floor", "--fault", "reset=5%"],
        "no --fault or --retries",
    );
    refused(&["compare", "--repeats", "3"], "--repeats needs --floor");
    refused(
        &["compare", "--floor", "--model", "no-such-model"],
        "no such model",
    );
}

//! `greetbench load` as a user meets it: bad input ends in one line naming the fix (exit 2),
//! and a run accounts for every greet it offered. Structural only: counts and keys, never a
//! wall-clock bound, and the models are picked by their descriptions, never by name.

use std::process::{Command, Output};
use std::time::Duration;

use greet_core::{Arrivals, Family, Lang, Pattern, Shape};

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

/// The Rust pool of threads fed by a queue (the course's thread pool).
fn thread_pool() -> String {
    greetbench::registry::first_where(|d| {
        d.shape == Shape::Pool && d.family == Family::Threads && d.lang == Lang::Rust
    })
}

fn load_json(extra: &[&str]) -> serde_json::Value {
    let model = thread_pool();
    let mut args = vec![
        "load",
        "--model",
        &model,
        "--workers",
        "2",
        "--latency",
        "50ms",
        "--hosts",
        "4",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = greetbench(&args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("load --json prints one JSON object")
}

#[test]
fn bad_rates_and_durations_get_one_line_naming_the_fix() {
    let model = thread_pool();
    let cases: &[(&[&str], &str)] = &[
        (&["--rate", "0", "--duration", "1s"], "--rate"),
        (&["--rate", "-5", "--duration", "1s"], "--rate"),
        (&["--rate", "nan", "--duration", "1s"], "--rate"),
        (&["--rate", "2000000", "--duration", "1s"], "--rate"),
        (&["--rate", "10", "--duration", "0s"], "--duration"),
        (&["--rate", "10", "--duration", "2h"], "--duration"),
        (&["--rate", "900000", "--duration", "60s"], "--rate"),
        (&["--rate", "ten", "--duration", "1s"], "--rate"),
        (&["--rate", "10", "--duration", "soon"], "--duration"),
        (&["--rate", "0.1", "--duration", "1s"], "--rate"),
        (
            &["--rate", "20", "--duration", "3s", "--deadline", "1s"],
            "--deadline",
        ),
        (
            &["--rate", "10", "--duration", "1s", "--arrivals", "uniform"],
            "--arrivals",
        ),
        (
            &["--rate", "10", "--duration", "1s", "--hosts", "0"],
            "--hosts",
        ),
        (
            &["--rate", "10", "--duration", "1s", "--timeout", "0s"],
            "--timeout",
        ),
    ];
    for (extra, flag) in cases {
        let mut args = vec!["load", "--model", model.as_str()];
        args.extend_from_slice(extra);
        let out = greetbench(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // An unknown model names the models.
    let out = greetbench(&[
        "load",
        "--model",
        "no-such",
        "--rate",
        "1",
        "--duration",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn a_pool_under_load_accounts_for_every_greet_it_was_offered() {
    let v = load_json(&["--rate", "20", "--duration", "1s"]);
    for key in [
        "model",
        "offered_rate",
        "achieved_rate",
        "count",
        "ok",
        "errors",
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_p999_ms",
        "latency_max_ms",
        "cpu_user_s",
        "cpu_sys_s",
        "queued_at_end",
        "in_flight_at_end",
        "max_queued",
        "never_started",
        "predicted_knee_rate",
        "knee_basis",
        "record",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    let n = |key: &str| v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"));
    // 20 greets/s for 1 s: 20 greets offered, each ok or a counted error.
    assert_eq!(n("count"), 20);
    assert_eq!(v["offered_rate"], 20.0);
    assert_eq!(n("ok") + n("errors"), n("count"));
    // When arrivals ended, each greet had ended, was running or was still queued; the ones
    // that never started are among the queued, and among the errors.
    assert!(
        n("queued_at_end") + n("in_flight_at_end") <= n("count"),
        "{v}"
    );
    assert!(n("never_started") <= n("queued_at_end"), "{v}");
    assert!(n("never_started") <= n("errors"), "{v}");
    assert!(n("max_queued") >= n("queued_at_end"), "{v}");
    // The percentiles are ordered and never above the largest latency.
    let ms = |key: &str| v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"));
    let order = [
        "latency_p50_ms",
        "latency_p90_ms",
        "latency_p99_ms",
        "latency_p999_ms",
        "latency_max_ms",
    ];
    assert!(order.windows(2).all(|w| ms(w[0]) <= ms(w[1])), "{v}");
    // A pool of 2 at 50 ms serves 40 greets/s: the knee is K/L.
    assert_eq!(v["predicted_knee_rate"], 40.0, "{v}");
    assert_eq!(v["knee_basis"], "K/L = 2 / 50 ms");
    // The record under it is the run's, with the load asked for and its figures.
    let r = &v["record"];
    assert_eq!(r["count"], v["count"]);
    assert_eq!(r["offered"]["rate"], 20.0);
    assert_eq!(r["offered"]["duration_ms"], 1000.0);
    assert_eq!(r["load"]["latency_p99_ms"], v["latency_p99_ms"]);
    assert_eq!(r["workers"], 2);
}

#[test]
fn a_poisson_run_offers_the_schedule_its_seed_draws() {
    let v = load_json(&[
        "--rate",
        "30",
        "--duration",
        "1s",
        "--arrivals",
        "poisson",
        "--seed",
        "7",
    ]);
    let drawn = Arrivals::new(Pattern::Poisson, 30.0, Duration::from_secs(1), 7)
        .unwrap()
        .count();
    assert_eq!(v["count"].as_u64(), Some(drawn as u64));
    assert_eq!(v["arrivals"], "poisson");
    assert_eq!(
        v["ok"].as_u64().unwrap() + v["errors"].as_u64().unwrap(),
        drawn as u64
    );
}

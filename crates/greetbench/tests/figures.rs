//! Figures a record must never contradict, on runs short enough to catch a sampler out: the
//! peak thread count is at least the executor's threads, and the approximate user/system split
//! of the CPU never adds up to more than its exact total.

use std::process::Command;

use greet_core::Lang;
use serde_json::Value;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

/// `run --json` of `model`: 10 greets at 1 ms, shorter than one 5 ms thread sample.
fn short_run(model: &str) -> Value {
    let out = Command::new(EXE)
        .args([
            "run",
            "--model",
            model,
            "--count",
            "10",
            "--latency",
            "1ms",
            "--json",
        ])
        .output()
        .expect("greetbench runs");
    assert!(
        out.status.success(),
        "{model}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON record")
}

#[test]
fn a_short_run_records_no_fewer_threads_than_its_executor_nor_more_cpu_than_its_total() {
    for model in greetbench::registry::names_where(|d| d.lang == Lang::Rust) {
        // Twice: a sampler that misses the workers misses them only sometimes.
        for _ in 0..2 {
            let v = short_run(&model);
            let peak = v["peak_threads"].as_u64().expect("peak_threads");
            if let Some(executor) = v["executor_threads"].as_u64() {
                assert!(peak >= executor, "{model}: {peak} < executor {executor}");
            }
            assert!(peak >= 1, "{model}: no thread at all");
            let (user, sys) = (v["cpu_user_s"].as_f64(), v["cpu_sys_s"].as_f64());
            let total = v["cpu_total_s"].as_f64().expect("cpu_total_s");
            let split = user.expect("cpu_user_s") + sys.expect("cpu_sys_s");
            assert!(
                split <= total + 2e-6,
                "{model}: user + sys = {split} > total {total}"
            );
            assert!((split - total).abs() < 2e-6, "{model}: {split} != {total}");
        }
    }
}

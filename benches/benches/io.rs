//! Question: how long does each model take to greet N hosts that each wait L before replying?
//!
//! Groups `io_10ms` (the question) and `io_0ms` (the raw cost of a greet), N ∈ {1, 10, 100,
//! 1000}, every model, `BenchmarkId::new(model, N)`; `GREETBENCH_PROFILE=full` adds N = 10,000
//! and the groups `io_1ms` and `io_50ms`. The hosts run in a `greetbench serve` child (this
//! executable, re-run), one per latency, started once and never inside a timed loop.
//! Benchmarks predicted to take too long per iteration (sequential at N = 1000 is 10 s) are
//! skipped with a one-line note; see `benches/src/lib.rs`.
//!
//! ```text
//! cargo bench --bench io
//! cargo bench --bench io -- --quick io_0ms
//! ```

use std::time::Duration;

use benches::{
    Budget, Servers, Sizes, bench_model, configure_slow, cores, io_group, plan, predict,
};
use criterion::Criterion;
use greet_core::Workload;

fn main() {
    // First: this binary is also its own `greetbench serve` child and processes-model worker.
    greetbench::cli::run_as_cli_if_requested();
    let mut c = Criterion::default().configure_from_args();
    io(&mut c);
    c.final_summary();
    benches::report();
}

fn io(c: &mut Criterion) {
    let profile = benches::profile();
    let mut budget = Budget::new(profile);
    let servers = Servers::new();
    let models = greetbench::registry::models();
    for latency in profile.io_latencies() {
        let group_name = io_group(latency);
        let watch = benches::watch_group(&group_name, Some(&servers));
        let mut group = c.benchmark_group(&group_name);
        configure_slow(&mut group);
        for (k, model) in models.iter().enumerate() {
            for &n in profile.io_sizes() {
                let estimate = plan(Workload::Greet, n, &[], 0, cores());
                let predicted = predict(model.as_ref(), &estimate, latency, Duration::ZERO);
                if !budget.admit(&group_name, model.name(), n, predicted) {
                    continue;
                }
                // Each model starts at a different host, spreading the connections (and
                // their TIME_WAIT sockets) over the server's ports.
                let make_plan = || {
                    plan(
                        Workload::Greet,
                        n,
                        &servers.targets(latency),
                        k * 101,
                        cores(),
                    )
                };
                bench_model(&mut group, model.as_ref(), n, make_plan, None);
            }
        }
        group.finish();
        watch.finish();
    }
    budget.save();
}

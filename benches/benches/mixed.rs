//! Question: where does a runtime that does CPU work on its event loop stall?
//!
//! Group `mixed`: each job greets a host (L = 10 ms) and then crunches (`DEFAULT_WORK`,
//! about 1 ms) with a seed taken from the reply; N ∈ {10, 100} (full: also 1000), every
//! model, pools sized to the logical cores. tokio-current-thread crunches on its only
//! thread, so while it crunches no other task's reply is read: compare it with tokio, whose
//! crunches go to the blocking pool. Every batch is checksum-checked, as crunch is: a model
//! that skipped its crunch here would otherwise look fast.
//!
//! ```text
//! cargo bench --bench mixed
//! cargo bench --bench mixed -- --quick tokio
//! ```

use std::time::Duration;

use benches::{
    Budget, Checksums, Group, Servers, Sizes, bench_model, configure_slow, cores, plan, predict,
};
use criterion::Criterion;
use greet_core::Workload;
use greet_core::workload::DEFAULT_WORK;
use greetbench::harness::job_time;

/// The hosts' latency.
const LATENCY: Duration = Duration::from_millis(10);

fn main() {
    // First: this binary is also its own `greetbench serve` child and processes-model worker.
    greetbench::cli::run_as_cli_if_requested();
    let mut c = Criterion::default().configure_from_args();
    mixed(&mut c);
    c.final_summary();
    benches::report();
}

fn mixed(c: &mut Criterion) {
    let profile = benches::profile();
    let mut budget = Budget::new(profile);
    let checksums = Checksums::default();
    let job = job_time(DEFAULT_WORK);
    let servers = Servers::new();
    let group_name = Group::Mixed.name();
    let watch = benches::watch_group(&group_name, Some(&servers));
    let mut group = c.benchmark_group(&group_name);
    configure_slow(&mut group);
    for (k, model) in greetbench::registry::models().iter().enumerate() {
        for &n in profile.mixed_sizes() {
            let estimate = plan(Workload::Mixed, n, &[], 0, cores());
            let predicted = predict(model.as_ref(), &estimate, LATENCY, job);
            if !budget.admit(&group_name, model.name(), n, predicted) {
                continue;
            }
            let make_plan = || {
                plan(
                    Workload::Mixed,
                    n,
                    &servers.targets(LATENCY),
                    k * 101,
                    cores(),
                )
            };
            bench_model(&mut group, model.as_ref(), n, make_plan, Some(&checksums));
        }
    }
    group.finish();
    watch.finish();
    budget.save();
}

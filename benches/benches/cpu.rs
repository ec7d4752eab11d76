//! Question: how much faster does CPU-bound work get with more workers, model by model?
//!
//! The crunch workload, sized so that sequential takes about 0.2 s at the largest size (the
//! time of one `DEFAULT_WORK` job is measured here first; sizes are that N and N/10).
//!
//! - `cpu_1worker`: the models with a pool-size knob (thread-pool, processes, rayon; found
//!   by asking each model whether its concurrency follows `plan.workers`) with one worker,
//!   plus sequential, the baseline every speedup is measured against.
//! - `cpu_allcores`: every model, pools sized to the logical cores. Models without a pool
//!   knob appear only here: threads starts one thread per job, tokio one worker per core
//!   plus its blocking pool, async-std and smol their global executors, and
//!   tokio-current-thread is single-threaded by construction (so it should match sequential).
//!
//! Every batch's checksum is checked against the expected one: skipped work cannot look fast.
//!
//! ```text
//! cargo bench --bench cpu
//! cargo bench --bench cpu -- --quick cpu_1worker
//! ```

use std::time::Duration;

use benches::{Budget, Checksums, Group, Sizes, bench_model, configure_slow, cores, plan, predict};
use criterion::Criterion;
use greet_core::workload::DEFAULT_WORK;
use greet_core::{Family, Model, Workload};
use greetbench::harness::job_time;

fn main() {
    // First: this binary is also its own processes-model worker.
    greetbench::cli::run_as_cli_if_requested();
    let mut c = Criterion::default().configure_from_args();
    cpu(&mut c);
    c.final_summary();
    benches::report();
}

/// Whether `model` runs more crunches at once when given more workers.
fn has_pool_knob(model: &dyn Model) -> bool {
    let with = |workers| model.concurrency(&plan(Workload::Crunch, 1000, &[], 0, workers));
    with(1) != with(2)
}

fn cpu(c: &mut Criterion) {
    let profile = benches::profile();
    let mut budget = Budget::new(profile);
    let job = job_time(DEFAULT_WORK);
    let sizes = profile.cpu_sizes(job);
    println!(
        "cpu: one crunch job (work {DEFAULT_WORK}) takes {:.3} ms here; sizes {sizes:?}, {} cores",
        job.as_secs_f64() * 1e3,
        cores()
    );
    let checksums = Checksums::default();
    let models = greetbench::registry::models();
    for (group, workers) in [(Group::CpuOneWorker, 1), (Group::CpuAllCores, cores())] {
        let group_name = &group.name();
        let watch = benches::watch_group(group_name, None);
        let mut group = c.benchmark_group(group_name);
        configure_slow(&mut group);
        for model in &models {
            let model = model.as_ref();
            let baseline = model.describe().family == Family::Sequential;
            if workers == 1 && !(has_pool_knob(model) || baseline) {
                continue;
            }
            for &n in &sizes {
                let make_plan = || plan(Workload::Crunch, n, &[], 0, workers);
                let predicted = predict(model, &make_plan(), Duration::ZERO, job);
                if budget.admit(group_name, model.name(), n, predicted) {
                    bench_model(&mut group, model, n, make_plan, Some(&checksums));
                }
            }
        }
        group.finish();
        watch.finish();
    }
    budget.save();
}

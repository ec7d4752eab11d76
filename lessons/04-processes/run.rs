// Lesson 04's standard run, shared by `lesson04-exercise` and `lesson04-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 04` runs
// it on your exercise and prints its figures beside greetbench's `processes` model, measured
// by the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 04` never run it. Do not edit.

use std::path::Path;

/// This package's worker executable, which cargo builds for the tests.
const RUN_WORKER_EXE: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"), "-worker"));

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 04 runs it"]
fn lesson_run() {
    let logs = tempfile::tempdir().expect("a temp dir for the workers' logs");
    // Your run_pool on the lesson's standard plan of greets: one `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        let timeout_ms = u64::try_from(jobs.timeout.as_millis()).unwrap_or(u64::MAX);
        let work: Vec<lesson04::Job> = jobs
            .targets
            .iter()
            .enumerate()
            .map(|(index, target)| lesson04::Job::Greet {
                index,
                target: target.clone(),
                timeout_ms,
            })
            .collect();
        // A job may take its greet's timeout plus its worker's start-up.
        let job_timeout = jobs.timeout * 2;
        match lesson04::run_pool(
            Path::new(RUN_WORKER_EXE),
            jobs.workers,
            logs.path(),
            &work,
            job_timeout,
        ) {
            Ok(done) => done.iter().map(|d| d.result.is_ok()).collect::<Vec<bool>>(),
            Err(e) => panic!("the worker processes did not start: {e}"),
        }
    });
}

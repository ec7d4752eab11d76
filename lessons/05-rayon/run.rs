// Lesson 05's standard run, shared by `lesson05-exercise` and `lesson05-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 05` runs
// it on your exercise and prints its figures beside greetbench's `rayon` model, measured by
// the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 05` never run it. Do not edit.

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 05 runs it"]
fn lesson_run() {
    // Your greet_all_on_pool on the lesson's standard plan of greets: one `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        // The pool is built inside the measured run, as greetbench's rayon model builds its own.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.workers)
            .build()
            .expect("a rayon pool starts");
        lesson05::greet_all_on_pool(&pool, &jobs.targets, jobs.timeout)
            .iter()
            .map(Result::is_ok)
            .collect::<Vec<bool>>()
    });
}

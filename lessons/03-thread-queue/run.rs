// Lesson 03's standard run, shared by `lesson03-exercise` and `lesson03-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 03` runs
// it on your exercise and prints its figures beside greetbench's `thread-pool` model, measured by
// the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 03` never run it. Do not edit.

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 03 runs it"]
fn lesson_run() {
    // Your pool_greet on the lesson's standard plan of greets: one `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        lesson03::pool_greet(&jobs.targets, jobs.workers, jobs.timeout)
            .iter()
            .map(|done| done.result.is_ok())
            .collect::<Vec<bool>>()
    });
}

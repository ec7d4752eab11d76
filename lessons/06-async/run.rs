// Lesson 06's standard run, shared by `lesson06-exercise` and `lesson06-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 06` runs
// it on your exercise and prints its figures beside greetbench's `tokio-current-thread` model, measured by
// the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 06` never run it. Do not edit.

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 06 runs it"]
fn lesson_run() {
    // Your greet_all on the lesson's standard plan of greets: one `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        lesson06::greet_all(&jobs.targets, jobs.timeout)
            .iter()
            .map(Result::is_ok)
            .collect::<Vec<bool>>()
    });
}

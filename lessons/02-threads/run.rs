// Lesson 02's standard run, shared by `lesson02-exercise` and `lesson02-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 02` runs
// it on your exercise and prints its figures beside greetbench's `threads` model, measured by
// the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 02` never run it. Do not edit.

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 02 runs it"]
fn lesson_run() {
    // Your greet_all_threads on the lesson's standard plan of greets: one `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        lesson02::greet_all_threads(&jobs.targets, jobs.timeout)
            .iter()
            .map(Result::is_ok)
            .collect::<Vec<bool>>()
    });
}

// Lesson 03's standard run, shared by `lesson03-exercise` and `lesson03-solution` through
// `include!` (so this file cannot carry a `//!` header of its own). `cargo lesson run 03` runs
// it on your exercise and prints its figures beside greetbench's `thread-pool` model, measured by
// the same code (crates/lesson-measure). It is `#[ignore]`d, so `cargo test` and
// `cargo lesson check 03` never run it. Do not edit.

#[test]
#[ignore = "a measurement, not a check: cargo lesson run 03 runs it"]
fn lesson_run() {
    // The caller's side of the diagram, as the given pool_greet has it, with one difference:
    // your pool starts, and its job queue stands open and empty for the plan's idle time
    // before the jobs arrive. A worker that waits on the queue costs nothing meanwhile; one
    // that spins on it shows in the CPU column. (greetbench's thread-pool model gets its jobs
    // the same moment after it started.) One `bool` (ok or not) per result.
    lesson_measure::run_test(|jobs| {
        let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded::<lesson03::Job>();
        let (done_tx, done_rx) = crossbeam_channel::unbounded::<lesson03::Done>();
        std::thread::scope(|s| {
            s.spawn(move || lesson03::run_pool(jobs_rx, done_tx, jobs.workers, jobs.timeout));
            std::thread::sleep(jobs.idle);
            for (index, target) in jobs.targets.iter().enumerate() {
                let job = lesson03::Job {
                    index,
                    target: target.clone(),
                };
                if jobs_tx.send(job).is_err() {
                    break;
                }
            }
            drop(jobs_tx);
            done_rx
                .iter()
                .map(|done| done.result.is_ok())
                .collect::<Vec<bool>>()
        })
    });
}

//! The exercise's given `pool_greet`, as a macro: it calls the `run_pool` of the module it is
//! declared in, so each mistake's pool is driven exactly as the learner's is.

/// Declares the given `pool_greet` in the calling module.
#[macro_export]
macro_rules! given_pool_greet {
    () => {
        /// As given: starts `run_pool` on a thread, queues one job per target, closes the
        /// queue, and collects the results.
        pub fn pool_greet(
            targets: &[greet_core::Target],
            workers: usize,
            timeout: std::time::Duration,
        ) -> Vec<Done> {
            let (jobs_tx, jobs_rx) = crossbeam_channel::unbounded::<Job>();
            let (done_tx, done_rx) = crossbeam_channel::unbounded::<Done>();
            std::thread::scope(|s| {
                s.spawn(move || run_pool(jobs_rx, done_tx, workers, timeout));
                for (index, target) in targets.iter().enumerate() {
                    let job = Job {
                        index,
                        target: target.clone(),
                    };
                    if jobs_tx.send(job).is_err() {
                        break;
                    }
                }
                drop(jobs_tx);
                done_rx.iter().collect()
            })
        }
    };
}

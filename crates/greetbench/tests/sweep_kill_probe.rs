//! The sweep's kill probe, end to end: a thread stuck on a silent host ends only by its own
//! timeout, while a stuck worker process is killed from outside.

use std::path::PathBuf;

fn greetbench_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_greetbench"))
}

#[test]
fn a_stuck_process_is_killed_and_a_stuck_thread_waits_for_its_timeout() {
    let k = greetbench::sweep::kill_probe(&greetbench_exe()).expect("the probe runs");
    assert!(k.process_killed, "the worker exited by itself: {k:?}");
    // The thread had no way out but its timeout, so it cannot have ended before it.
    assert!(k.thread_ended_after_s >= k.thread_timeout_s, "{k:?}");
}

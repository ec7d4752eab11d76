//! The sweep's kill probe, end to end, against real silent hosts and real child processes.
//! Each test checks the facts one experiment observed (never how fast): a thread nothing can
//! stop, the cooperative ways out (a socket shutdown, an aborted task), a process SIGKILL
//! stops, and a signal to one thread that ends its whole process. The probe runs once and
//! the tests share its record.

use std::path::PathBuf;
use std::sync::OnceLock;

use greetbench_report::kill::{Ended, Experiment, KillProbe};

fn probe() -> &'static KillProbe {
    static PROBE: OnceLock<KillProbe> = OnceLock::new();
    PROBE.get_or_init(|| {
        greetbench::sweep::kill::run(&PathBuf::from(env!("CARGO_BIN_EXE_greetbench")))
    })
}

fn ran<T: std::fmt::Debug>(e: &Experiment<T>) -> &T {
    match e {
        Experiment::Ran(t) => t,
        Experiment::NotRun(why) => panic!("the experiment did not run: {why}"),
    }
}

#[test]
fn a_detached_thread_stays_blocked_and_ends_only_by_its_own_timeout() {
    let t = ran(&probe().detached_thread);
    // Sampled after its JoinHandle was dropped, it was still there, in a receive call, with
    // its connection open at the host.
    assert!(t.blocked_samples >= 1, "{t:?}");
    let last_blocked = t.last_blocked_ms.expect("a blocked sample");
    // Its end came after the last time it was seen blocked, and it was the timeout.
    let ended_at = t.ended_at_ms.expect("it ended");
    assert!(ended_at >= t.gave_up_at_ms + last_blocked, "{t:?}");
    assert_eq!(t.ended_with, Some(Ended::Timeout), "{t:?}");
    // The observations can see an end: the thread left /proc and the host saw the close.
    assert!(t.thread_exited, "{t:?}");
    assert!(t.host_saw_close, "{t:?}");
}

#[test]
fn shutting_down_the_socket_releases_the_blocked_read_with_no_reply() {
    let s = ran(&probe().socket_shutdown);
    assert!(s.blocked_before, "{s:?}");
    assert_eq!(s.ended_with, Some(Ended::Closed), "{s:?}");
    assert!(s.returned_after_ms.is_some(), "{s:?}");
    assert!(s.host_saw_close, "{s:?}");
}

#[test]
fn aborting_a_task_drops_its_future_and_closes_its_connection() {
    let a = ran(&probe().aborted_task);
    assert!(a.pending_before, "{a:?}");
    assert!(a.future_dropped, "{a:?}");
    assert!(a.join_cancelled, "{a:?}");
    assert!(a.host_saw_close, "{a:?}");
}

#[test]
fn sigkill_ends_and_reaps_a_blocked_worker_process() {
    let p = ran(&probe().killed_process);
    assert!(p.blocked_before, "{p:?}");
    assert_eq!(p.signal, Some(libc::SIGKILL), "{p:?}");
    assert_eq!(p.exit_code, None, "{p:?}");
    assert!(p.reaped_after_ms.is_some(), "{p:?}");
    assert!(p.proc_entry_gone, "/proc/{} still exists: {p:?}", p.pid);
    assert!(p.host_saw_close, "{p:?}");
}

#[test]
fn a_fatal_signal_to_one_thread_ends_the_whole_process() {
    let s = ran(&probe().signalled_thread);
    assert_ne!(s.target_tid, s.pid, "the main thread was signalled: {s:?}");
    // Main, and one per greet at least.
    assert!(s.threads_before >= 4, "{s:?}");
    assert_eq!(s.sent_signal, libc::SIGTERM);
    assert_eq!(s.signal, Some(s.sent_signal), "{s:?}");
    assert!(s.proc_entry_gone, "/proc/{} still exists: {s:?}", s.pid);
}

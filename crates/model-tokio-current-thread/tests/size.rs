//! What one waiting greet keeps in user space on tokio, from the types: the future of its
//! job, and the task tokio allocates around it. The scale sweep measures the same thing from
//! outside (`greetbench sweep --scale`: PSS growth per waiting greet, 2 KiB the target); this
//! says where it goes. `cargo test -p model-tokio-current-thread --test size -- --nocapture`
//! prints it.

use std::mem::{size_of, size_of_val};
use std::sync::Arc;
use std::time::Duration;

use greet_core::{Outcome, Plan, Target, Workload};
use model_tokio_current_thread::{crunch_inline, greet, job};

/// tokio 1.x's task allocation, `runtime::task::core::Cell<T, S>` (`#[repr(C)]`), around a
/// future of `future` bytes whose output is an [`Outcome`]:
/// - the header, 32 bytes: its state word, the run-queue link, the vtable, the owner's id;
/// - the core: the scheduler handle (an `Arc`, 8), the task id (8), and the stage, an enum of
///   the future while it runs and its output once done, so the larger of the two, plus 8 for
///   the enum's tag and padding;
/// - the trailer, 48 bytes: the owned-tasks list links (16), the `JoinHandle`'s waker (16),
///   the termination hook (16);
/// - rounded up to a multiple of 128: the cell is `repr(align(128))` on x86_64 and aarch64,
///   one cache line pair, so that two tasks never share one.
fn task_cell_bytes(future: usize) -> usize {
    // The output is the task's `Result<Outcome, JoinError>`, no larger than the Outcome plus
    // a JoinError's 24 bytes.
    let stage = future.max(size_of::<Outcome>() + 24) + 8;
    (32 + 16 + stage + 48).next_multiple_of(128)
}

#[test]
fn a_waiting_greets_task_fits_in_one_kib() {
    let target = Target {
        addr: "127.0.0.1:9".parse().unwrap(),
        host: None,
    };
    let addr = target.addr;
    let plan = Arc::new(Plan::new(Workload::Greet, 1, vec![target]));
    // The future each task holds, from its first poll to its last: its size is the same
    // whatever the workload (a type's size is fixed), the largest of its states.
    let job = job(plan, 0, crunch_inline);
    let greet = greet(addr, Duration::from_secs(1));
    let (job_bytes, greet_bytes) = (size_of_val(&job), size_of_val(&greet));
    let cell = task_cell_bytes(job_bytes);
    println!(
        "a waiting greet's job future: {job_bytes} B, of which its greet (tokio's socket and \
         timeout) {greet_bytes} B; its task: about {cell} B with tokio's header, trailer and \
         128-byte alignment; its Outcome, once done: {} B",
        size_of::<Outcome>()
    );
    // Besides the task, a waiting greet keeps its socket's registration with the reactor (an
    // Arc'd, 128-byte-aligned ScheduledIo: 256 B) and its JoinHandle (8 B); the kernel's
    // socket is counted apart. 2 KiB in all is the target; the task is kept within 1 KiB so
    // that the rest, and the allocator's own overhead, fit beside it.
    assert!(
        cell <= 1024,
        "a task of {cell} B for a {job_bytes}-byte job future"
    );
}

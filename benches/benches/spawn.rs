//! Question: what does it cost to start one unit of concurrency, and wait for it to end?
//!
//! Group `spawn`, one benchmark per kind, `BenchmarkId::new(kind, 1)`:
//! - `thread`: `std::thread::spawn` of an empty closure, then `join`.
//! - `process`: spawn this executable as a processes-model worker (`GREETBENCH_WORKER=1`,
//!   stdin closed, so it prints its Ready line and exits), then wait. This is what the
//!   processes model pays per worker: exec, dynamic loading, Rust's start-up.
//! - `fork` (Unix): `fork()`, the child `_exit(0)`s at once, `waitpid()`. No exec.
//! - `tokio-task`, `async-std-task`, `smol-task`: spawn an empty task and await it, from a
//!   task on a runtime that was started before the timed loop.
//! - `rayon-join`: `rayon::join` of two empty closures on a pool built before the loop.
//!
//! The course's claims under test: processes are slower to start than threads; fork is
//! lightweight on Linux.
//!
//! ```text
//! cargo bench --bench spawn
//! cargo bench --bench spawn -- --quick spawn/thread
//! ```

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::Instant;

use benches::{Group, spawn};
use criterion::{BenchmarkId, Criterion, Throughput};

fn main() {
    // First: this binary is also the worker the `process` kind re-executes.
    greetbench::cli::run_as_cli_if_requested();
    let mut c = Criterion::default().configure_from_args();
    spawn(&mut c);
    c.final_summary();
    benches::report();
}

fn spawn(c: &mut Criterion) {
    let group_name = Group::Spawn.name();
    let watch = benches::watch_group(&group_name, None);
    let mut group = c.benchmark_group(&group_name);
    benches::configure_fast(&mut group);
    group.throughput(Throughput::Elements(1));

    group.bench_function(BenchmarkId::new(spawn::THREAD, 1), |b| {
        b.iter(|| {
            std::thread::spawn(|| black_box(1))
                .join()
                .expect("an empty thread cannot panic")
        })
    });

    let exe = std::env::current_exe().expect("the bench executable has a path");
    group.bench_function(BenchmarkId::new(spawn::PROCESS, 1), |b| {
        b.iter(|| {
            let status = Command::new(&exe)
                .env(model_processes::WORKER_ENV, "1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
            assert!(status.success(), "the worker exited with {status}");
        })
    });

    #[cfg(unix)]
    group.bench_function(BenchmarkId::new(spawn::FORK, 1), |b| {
        b.iter(|| benches::fork::fork_and_wait().unwrap_or_else(|e| panic!("{e}")))
    });

    // The runtimes are started here, outside the timed loop. The timed loop itself runs
    // inside a task on the runtime, as async code that spawns does: each iteration spawns one
    // empty task and awaits it. Timing from `block_on`'s thread instead would add a wake-up
    // across threads to every iteration, which is the OS scheduler's cost, not the task's.
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio's runtime starts");
    group.bench_function(BenchmarkId::new("tokio-task", 1), |b| {
        b.iter_custom(|iters| {
            let timed = tokio.spawn(async move {
                let t = Instant::now();
                for _ in 0..iters {
                    tokio::spawn(async { black_box(1) })
                        .await
                        .expect("an empty task cannot panic");
                }
                t.elapsed()
            });
            tokio.block_on(timed).expect("the timing task cannot panic")
        })
    });

    // async-std and smol run global executors that start their threads on first use: wake
    // them now so that their start-up is not timed.
    async_std::task::block_on(async_std::task::spawn(async {}));
    smol::block_on(smol::spawn(async {}));
    group.bench_function(BenchmarkId::new("async-std-task", 1), |b| {
        b.iter_custom(|iters| {
            async_std::task::block_on(async_std::task::spawn(async move {
                let t = Instant::now();
                for _ in 0..iters {
                    async_std::task::spawn(async { black_box(1) }).await;
                }
                t.elapsed()
            }))
        })
    });

    group.bench_function(BenchmarkId::new("smol-task", 1), |b| {
        b.iter_custom(|iters| {
            smol::block_on(smol::spawn(async move {
                let t = Instant::now();
                for _ in 0..iters {
                    smol::spawn(async { black_box(1) }).await;
                }
                t.elapsed()
            }))
        })
    });

    // `join` called from inside the pool: the cost rayon pays to offer the second closure
    // to other threads (and usually run it itself).
    let pool = rayon::ThreadPoolBuilder::new()
        .build()
        .expect("rayon's pool starts");
    group.bench_function(BenchmarkId::new("rayon-join", 1), |b| {
        b.iter_custom(|iters| {
            pool.install(|| {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(rayon::join(|| black_box(1), || black_box(2)));
                }
                t.elapsed()
            })
        })
    });
    group.finish();
    watch.finish();
}

//! Question: what does sharing one counter between threads cost, by the way it is shared?
//!
//! Group `shared_state`: T threads (T ∈ {1, 2, 4, 8}) add up [`TOTAL`] increments between
//! them, `BenchmarkId::new(method, T)`:
//! - `mutex`: every increment locks one `Mutex<u64>`;
//! - `atomic`: every increment is a `fetch_add` on one `AtomicU64`;
//! - `channel`: every increment is a message to a single owner thread, which adds them up;
//! - `per-thread-sum`: each thread counts in a local variable; the totals are merged at the
//!   end. Nothing is shared until then.
//!
//! The final count is checked every iteration: a race would show as a wrong total. The T
//! threads are a rayon pool built before the timed loop (`broadcast` runs the same closure
//! once on each of them), so thread start-up is not part of the figure; the `spawn` bench
//! measures that separately.
//!
//! ```text
//! cargo bench --bench shared_state
//! cargo bench --bench shared_state -- --quick 'shared_state/atomic'
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use benches::Group;
use criterion::{BenchmarkId, Criterion, Throughput};
use rayon::ThreadPool;

/// Increments per iteration, split evenly between the threads (divisible by 1, 2, 4 and 8).
const TOTAL: u64 = 400_000;

/// The thread counts.
const THREADS: [usize; 4] = [1, 2, 4, 8];

fn main() {
    // First, as in every greetbench bench binary (this one starts no children, but the same
    // entry point keeps all of them interchangeable).
    greetbench::cli::run_as_cli_if_requested();
    let mut c = Criterion::default().configure_from_args();
    shared_state(&mut c);
    c.final_summary();
    benches::report();
}

/// One way of counting: runs `TOTAL` increments on `pool` and returns the final count.
type Method = fn(&ThreadPool, u64) -> u64;

const METHODS: [(&str, Method); 4] = [
    ("mutex", mutex),
    ("atomic", atomic),
    ("channel", channel),
    ("per-thread-sum", per_thread_sum),
];

fn mutex(pool: &ThreadPool, share: u64) -> u64 {
    let counter = Mutex::new(0u64);
    pool.broadcast(|_| {
        for _ in 0..share {
            // Every increment takes the lock: the threads queue for it.
            *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        }
    });
    counter.into_inner().unwrap_or_else(PoisonError::into_inner)
}

fn atomic(pool: &ThreadPool, share: u64) -> u64 {
    let counter = AtomicU64::new(0);
    pool.broadcast(|_| {
        for _ in 0..share {
            // One indivisible read-modify-write; the cache line still moves between cores.
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    counter.into_inner()
}

fn channel(pool: &ThreadPool, share: u64) -> u64 {
    let (tx, rx) = mpsc::channel::<u64>();
    // The pool's threads send; this thread is the single owner of the count. The closure
    // owns the sender, so when every thread has finished, the channel closes.
    pool.spawn_broadcast(move |_| {
        for _ in 0..share {
            if tx.send(1).is_err() {
                break; // the owner is gone: nothing left to count for
            }
        }
    });
    rx.iter().sum()
}

fn per_thread_sum(pool: &ThreadPool, share: u64) -> u64 {
    let partial = pool.broadcast(|_| {
        let mut local = 0u64;
        for _ in 0..share {
            // black_box: count one by one, as the other methods do, rather than let the
            // compiler turn the loop into one addition.
            local += black_box(1);
        }
        local
    });
    partial.into_iter().sum()
}

fn shared_state(c: &mut Criterion) {
    let group_name = Group::SharedState.name();
    let watch = benches::watch_group(&group_name, None);
    let mut group = c.benchmark_group(&group_name);
    benches::configure_fast(&mut group);
    group.throughput(Throughput::Elements(TOTAL));
    for t in THREADS {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap_or_else(|e| panic!("cannot start {t} threads: {e}"));
        let share = TOTAL / t as u64;
        for (name, method) in METHODS {
            group.bench_function(BenchmarkId::new(name, t), |b| {
                b.iter(|| {
                    let count = method(&pool, share);
                    assert_eq!(count, TOTAL, "{name} with {t} threads lost increments");
                })
            });
        }
    }
    group.finish();
    watch.finish();
}

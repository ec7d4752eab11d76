//! The scale sweep (`greetbench sweep --scale`): each model that can keep every greet waiting
//! at once, from 1,000 waiting greets up to the OS limit that stops it, with what each
//! waiting greet costs in user space and in the kernel.
//!
//! The course says async holds "several thousand concurrent long-lived connections" where
//! threads "get difficult past a few thousand". Here a thread-per-greet model stops near 16k
//! threads (`vm.max_map_count`), one async process near its 20,000 open files, and a model
//! of several processes (prefork) goes past both. This sweep finds each model's stop and
//! names the limit.
//!
//! # How a point is run
//! - **Which models.** Those whose own concurrency keeps all N greets waiting at once
//!   (`Model::concurrency(plan).io >= N`), read from the models, never from a list of names.
//!   A model of the processes family runs its greets in several processes: it gets enough
//!   `--workers` that each holds at most [`PROCESS_FILL`] of one process's open files.
//! - **All N really wait at once.** The hosts answer after `L = 3 s + 0.2 ms × N`
//!   ([`latency`]). Opening a connection and starting a thread costs well under 0.1 ms here
//!   (10,000 tokio greets connect in about half a second; threads and an interpreter take
//!   longer), so the last greet has connected long before the first reply: 3.2 s at 1,000,
//!   5 s at 10,000, 15 s at 60,000. The record proves it for each point: `peak_waiting` is
//!   the server's own count of greets held at once, and reads N when all waited together.
//!   A model that starts its greets slower than that (an interpreter's threads) is run again
//!   once at a latency long enough for the rate it managed ([`longer_latency`]); if its
//!   greets still did not all wait at once, that point is kept and ends its climb.
//!   Each greet's timeout is `2 L + 10 s` ([`timeout`]), above the wait.
//! - **Enough addresses.** Hosts are spread over 127.0.0.x, one per [`GREETS_PER_ADDRESS`]
//!   greets (at least 8), so no destination address comes near its ~28k ephemeral ports.
//! - **Enough server.** The harness spreads the hosts over as many server processes as the
//!   greets need, each under its open-files limit (the hard limit is not raised: it is what
//!   the sweep measures against). The record says how ([`ScaleFigures::past_limits`]).
//! - **Measured at the peak.** The harness samples kernel memory (`Slab`, `KernelStack`,
//!   `PageTables`, TCP socket memory), the client's PSS and the server's waiting count during
//!   the batch, and keeps the look with the most greets waiting (see [`crate::harness::memory`]).
//! - **A stop.** A size that does not end with every greet ok and waiting at once ends the
//!   model's climb: an OS
//!   limit (a record whose errors are `open_files` or `thread_limit`, or a failure naming the
//!   limit), or anything else (timeouts, a crash, the point's deadline). Every point runs in a
//!   fresh child with a deadline, so nothing hangs the sweep.
//!
//! [`ScaleFigures::past_limits`]: greet_core::record::ScaleFigures::past_limits

use std::path::Path;
use std::time::Duration;

use greet_core::record::{FailureKind, HostSpec, RunFailure, RunRequest, RunResult, Status};
use greet_core::{Family, Model, Workload};

use crate::{child, registry};

/// The sizes each model climbs, in order, until one stops it. 15,000 sits under the threads'
/// limit (about 16k here), 19,000 under one process's 20,000 open files, 60,000 past three
/// processes' worth.
pub const SIZES: [usize; 9] = [
    1000, 2000, 5000, 10_000, 15_000, 19_000, 25_000, 40_000, 60_000,
];

/// The fixed part of a point's latency: the time the greets are held, at the least.
pub const BASE_LATENCY: Duration = Duration::from_secs(3);

/// The part of a point's latency per greet: at least twice what opening one connection (and
/// starting its thread) costs here, so that the last greet has connected before the first
/// reply.
pub const PER_GREET: Duration = Duration::from_micros(200);

/// Greets per host address: each host is its own 127.0.0.x, far below the ~28k ephemeral
/// ports one destination allows.
pub const GREETS_PER_ADDRESS: usize = 1000;

/// The share of one process's open files a worker process of a multi-process model is given.
pub const PROCESS_FILL: f64 = 0.9;

/// The longest latency a point is given when run again ([`longer_latency`]).
pub const MAX_LATENCY: Duration = Duration::from_secs(60);

/// What to sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The sizes each model climbs, smallest first.
    pub sizes: Vec<usize>,
    /// The models, in order.
    pub models: Vec<String>,
    /// The fixed part of the latency.
    pub base_latency: Duration,
    /// The part of the latency per greet.
    pub per_greet: Duration,
    /// Run every point with both open-files limits lowered to this (as `prlimit --nofile`
    /// would): to reach the open-files limit with a few hundred greets, in tests.
    pub open_files: Option<u64>,
}

impl Default for Options {
    /// The sweep `greetbench sweep --scale` runs: every model that holds all its greets
    /// waiting at once, at [`SIZES`].
    fn default() -> Options {
        Options {
            sizes: SIZES.to_vec(),
            models: models(),
            base_latency: BASE_LATENCY,
            per_greet: PER_GREET,
            open_files: None,
        }
    }
}

impl Options {
    /// The hosts' latency at `n` greets.
    pub fn latency(&self, n: usize) -> Duration {
        latency(self.base_latency, self.per_greet, n)
    }
}

/// The latency that keeps `n` greets waiting at once: `base + per_greet × n`.
pub fn latency(base: Duration, per_greet: Duration, n: usize) -> Duration {
    base + per_greet.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The latency for running again a point at `latency` whose `n` greets did not all wait at
/// once (the server held `held` at most): long enough for the rate the model started them at,
/// with half again to spare, at least twice the first, at most [`MAX_LATENCY`].
pub fn longer_latency(latency: Duration, n: usize, held: u64) -> Duration {
    let ratio = n as f64 / held.max(1) as f64 * 1.5;
    latency
        .mul_f64(ratio.clamp(2.0, 1e3))
        .min(MAX_LATENCY)
        .max(latency)
}

/// Whether a result is a point where every greet was ok and all of them waited at once (the
/// server's own count).
pub fn held_all(result: &RunResult) -> bool {
    result.status() == Status::Ok
        && result.record().is_some_and(|r| {
            r.scale
                .as_ref()
                .is_some_and(|s| s.peak_waiting >= r.request.count as u64)
        })
}

/// Each greet's timeout at `latency`: twice the wait, plus 10 s.
pub fn timeout(latency: Duration) -> Duration {
    latency * 2 + Duration::from_secs(10)
}

/// Hosts for `n` greets: one address per [`GREETS_PER_ADDRESS`], at least 8.
pub fn hosts(n: usize) -> usize {
    n.div_ceil(GREETS_PER_ADDRESS)
        .clamp(8, greet_server::MAX_HOSTS)
}

/// The models that keep every greet waiting at once, by their own concurrency at 1,000
/// greets: one thread, task or event-loop slot per greet, not a pool of K.
pub fn models() -> Vec<String> {
    registry::all()
        .into_iter()
        .filter(|m| holds_all(m.as_ref(), 1000))
        .map(|m| m.name().to_owned())
        .collect()
}

/// Whether `model` keeps all `n` greets of a plan waiting at once.
fn holds_all(model: &dyn Model, n: usize) -> bool {
    let plan = RunRequest::new(model.name(), Workload::Greet, n).plan(Vec::new());
    model.concurrency(&plan).io >= n
}

/// Worker processes for a multi-process model at `n` greets: enough that each holds at most
/// [`PROCESS_FILL`] of the open files one process may have (`open_files`, the hard limit),
/// and at least one per core. `None` (the model's default) for a one-process model.
pub fn workers(several_processes: bool, n: usize, open_files: u64) -> Option<usize> {
    if !several_processes {
        return None;
    }
    let per_process = ((open_files.saturating_sub(64)) as f64 * PROCESS_FILL).max(1.0);
    let needed = (n as f64 / per_process).ceil() as usize;
    Some(needed.max(greet_core::plan::default_workers()))
}

/// The request for `model` at `n` greets.
pub fn request(model: &str, n: usize, options: &Options) -> RunRequest {
    let latency = options.latency(n);
    let several = registry::find(model).is_ok_and(|m| m.describe().family == Family::Processes);
    let open_files = options
        .open_files
        .unwrap_or_else(greet_os::limits::open_files_hard);
    RunRequest {
        workers: workers(several, n, open_files),
        timeout: timeout(latency),
        hosts: HostSpec {
            hosts: hosts(n),
            latency,
            spread_addresses: true,
            ..HostSpec::default()
        },
        scale_point: true,
        ..RunRequest::new(model, Workload::Greet, n)
    }
}

/// How long a point may take before its child is killed: the wait, every greet's timeout,
/// and two minutes for starting and stopping tens of thousands of connections.
pub fn deadline(request: &RunRequest) -> Duration {
    request.hosts.latency + request.timeout + Duration::from_secs(120)
}

/// Runs the sweep in fresh children of `exe`: each model climbs `options.sizes` until a size
/// does not end with every greet ok and waiting at once (that one is kept: it names the limit,
/// or shows how many waited). `each` is told of every point before it runs and gets its
/// result after (the point as run last, if it was run again at a longer latency). A model that cannot run here gets
/// one "not available here" entry.
pub fn run(
    exe: &Path,
    options: &Options,
    mut each: impl FnMut(&RunRequest, Option<&RunResult>),
) -> Vec<RunResult> {
    let mut out = Vec::new();
    for model in &options.models {
        let Some(&first) = options.sizes.first() else {
            break;
        };
        if let Some(why) = registry::find(model).ok().and_then(|m| m.unavailable()) {
            out.push(RunResult::Failure(RunFailure {
                request: request(model, first, options),
                kind: FailureKind::Unavailable,
                limit: None,
                message: why,
            }));
            continue;
        }
        for &n in &options.sizes {
            let mut p = request(model, n, options);
            each(&p, None);
            let mut result = child::run_limited(exe, &p, deadline(&p), options.open_files);
            // Every greet ok but not all waiting at once: the model starts greets slower than
            // the latency allowed for. Once more, with time enough for the rate it managed.
            let held = result.record().and_then(|r| r.scale.as_ref());
            if let (Status::Ok, Some(s)) = (result.status(), held)
                && s.peak_waiting < n as u64
                && p.hosts.latency < MAX_LATENCY
            {
                p.hosts.latency = longer_latency(p.hosts.latency, n, s.peak_waiting);
                p.timeout = timeout(p.hosts.latency);
                result = child::run_limited(exe, &p, deadline(&p), options.open_files);
            }
            each(&p, Some(&result));
            let stop = !held_all(&result);
            out.push(result);
            if stop {
                break;
            }
        }
    }
    out
}

/// The largest N each model held with every greet ok and waiting at once, in sweep order,
/// and what stopped it (`None` if nothing did within the sizes swept).
pub fn largest(entries: &[RunResult]) -> Vec<(String, Option<usize>, Option<String>)> {
    let mut out: Vec<(String, Option<usize>, Option<String>)> = Vec::new();
    for e in entries {
        let q = e.request();
        if !out.iter().any(|(m, _, _)| *m == q.model) {
            out.push((q.model.clone(), None, None));
        }
        let Some(row) = out.iter_mut().find(|(m, _, _)| *m == q.model) else {
            continue;
        };
        match e.status() {
            Status::Ok if held_all(e) => row.1 = Some(q.count),
            Status::Ok => {
                let held = e
                    .record()
                    .and_then(|r| r.scale.as_ref())
                    .map(|s| s.peak_waiting);
                row.2 = Some(format!(
                    "greets not all waiting at once: at {}, {} waited together at most",
                    q.count,
                    held.unwrap_or(0)
                ));
            }
            Status::Limit(limit) => row.2 = Some(format!("{} at {}", limit.label(), q.count)),
            _ if e.unavailable().is_some() => row.2 = Some("not available here".into()),
            _ => {
                let why = e.message().unwrap_or_default();
                row.2 = Some(format!("failed at {}: {why}", q.count));
            }
        }
    }
    out
}

/// The scale points as a table: one line per point, then the largest N per model.
pub fn table(entries: &[RunResult]) -> String {
    let mut out = format!(
        "scale: {:<21} {:>6} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>5} {:>5}  outcome\n",
        "model", "N", "L", "waiting", "user/gr", "kernel/gr", "total/gr", "cpu/gr", "procs", "srv"
    );
    for e in entries {
        let q = e.request();
        let figures = match e.record().and_then(|r| r.scale.as_ref()) {
            Some(s) => format!(
                "{:>7} {:>6.2}KiB {:>6.2}KiB {:>6.2}KiB {:>7.0}µs {:>5} {:>5}",
                s.peak_waiting,
                s.user_kib_per_greet,
                s.kernel_kib_per_greet,
                s.total_kib_per_greet,
                s.cpu_us_per_greet,
                s.client_processes,
                s.server_processes
            ),
            None => format!(
                "{:>7} {:>9} {:>9} {:>9} {:>9} {:>5} {:>5}",
                "-", "-", "-", "-", "-", "-", "-"
            ),
        };
        let outcome = match e.status() {
            _ if e.unavailable().is_some() => "not available here".to_owned(),
            Status::Ok if held_all(e) => "ok".to_owned(),
            Status::Ok => "stopped: ok, but not all waited at once".to_owned(),
            Status::Limit(l) => format!("stopped: {}", l.label()),
            _ => format!("stopped: {}", e.message().unwrap_or_default()),
        };
        out.push_str(&format!(
            "scale: {:<21} {:>6} {:>6.1}s {figures}  {outcome}\n",
            q.model,
            q.count,
            q.hosts.latency.as_secs_f64()
        ));
    }
    for (model, held, stop) in largest(entries) {
        out.push_str(&format!(
            "scale: {model} held {} waiting greets{}\n",
            held.map_or("no".to_owned(), |n| n.to_string()),
            stop.map_or(String::new(), |s| format!("; stopped by {s}"))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_are_those_that_hold_every_greet_and_no_pool() {
        let picked = models();
        assert!(!picked.is_empty());
        for d in registry::descriptions() {
            let m = registry::find(&d.name).unwrap();
            assert_eq!(
                picked.contains(&d.name),
                holds_all(m.as_ref(), 1000),
                "{d:?}"
            );
            if d.shape == greet_core::Shape::Pool {
                assert!(!picked.contains(&d.name), "{}", d.name);
            }
        }
    }

    #[test]
    fn every_greet_connects_before_the_first_reply_and_times_out_after_it() {
        for &n in &SIZES {
            let o = Options::default();
            let l = o.latency(n);
            // Opening a connection costs well under 0.1 ms here: the ramp fits in half of L.
            assert!(
                l >= BASE_LATENCY + Duration::from_micros(100) * n as u32 * 2,
                "{n}"
            );
            let p = request(&o.models[0], n, &o);
            assert!(
                p.timeout > l && p.scale_point && p.hosts.spread_addresses,
                "{p:?}"
            );
            assert!(p.hosts.hosts * GREETS_PER_ADDRESS >= n, "{n}");
            assert!(deadline(&p) > p.timeout + l);
        }
    }

    #[test]
    fn a_point_run_again_waits_long_enough_for_the_rate_the_model_managed() {
        let l = Duration::from_secs(5);
        // 9,000 of 10,000 held: the rate fell short by a tenth; twice the wait covers it.
        assert_eq!(longer_latency(l, 10_000, 9_000), l * 2);
        // A quarter held: four times the ramp, and half again.
        assert_eq!(longer_latency(l, 10_000, 2_500), l * 6);
        assert_eq!(longer_latency(l, 60_000, 1), MAX_LATENCY);
        assert_eq!(longer_latency(MAX_LATENCY * 2, 10, 5), MAX_LATENCY * 2);
    }

    #[test]
    fn a_multi_process_model_gets_enough_workers_for_its_open_files() {
        assert_eq!(workers(false, 60_000, 20_000), None);
        let k = workers(true, 60_000, 20_000).unwrap();
        assert!(k >= 4, "{k}");
        assert!(
            60_000_usize.div_ceil(k) as f64 <= 20_000.0 * PROCESS_FILL,
            "{k}"
        );
        assert!(workers(true, 100, 20_000).unwrap() >= greet_core::plan::default_workers());
    }
}

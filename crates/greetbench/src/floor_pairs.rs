//! Each model beside the floor client of its kind: interleaved pairs of runs, each run in a
//! fresh child process, every one against the same greet server. `compare --floor` and the
//! sweep run them; the ratio and its interval are greet-core's ([`FloorPairs::ratio`]).
//!
//! A pair is the model's run and its floor client's, one straight after the other, in
//! alternating order (model first in even pairs), so that whatever a run leaves behind
//! (sockets in `TIME_WAIT`, a warm page cache, the server's allocations) falls on both sides
//! alike. The model runs as in every other command (`greetbench child`, the harness measuring
//! it) but greets the shared server through `--targets`, with each reply checked against its
//! host; the floor client runs in `greetbench floor-child`, with nothing around it but its
//! own clock. A pair in which either side lost a greet is not kept, and says why.
//!
//! The tokio floor client, which stands beside every async model but the one-thread event
//! loops, runs as many workers as the model's executor runs threads (read off the model's first
//! record), so that the pair differs in the harness, not in the cores used: smol's one
//! thread beside one worker, tokio's one per core beside as many.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use greet_core::floor::{FloorKind, FloorPair, FloorPairs, FloorRequest};
use greet_core::plan::default_workers;
use greet_core::record::{HostSpec, RunRequest, RunResult};
use greet_core::{Description, Workload};

use crate::harness::{HarnessError, ServerProcess};
use crate::{child, registry};

/// What the pairs run: `count` greets over `hosts` hosts that answer after `latency`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Greets per run.
    pub count: usize,
    /// Hosts of the shared server.
    pub hosts: usize,
    /// Their latency.
    pub latency: Duration,
    /// K for the pools (models and floor clients alike); the models' default when `None`.
    pub workers: Option<usize>,
    /// Each greet's timeout.
    pub timeout: Duration,
    /// Pairs per model.
    pub repeats: usize,
}

impl Options {
    /// How long one run may take before it is killed: the slowest kind (one greet after
    /// another) waits `count × latency`; twice that, plus a minute.
    pub fn run_deadline(&self) -> Duration {
        Duration::from_secs(60) + self.latency.saturating_mul(2 * self.count as u32)
    }
}

/// The floor client of each of `models` that has one (see [`FloorKind::of`]), and the models
/// that have none (worker processes), with their descriptions.
pub fn kinds(models: &[String]) -> (Vec<(Description, FloorKind)>, Vec<Description>) {
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for name in models {
        let Ok(model) = registry::find(name) else {
            continue;
        };
        let d = registry::describe(model.as_ref());
        match FloorKind::of(&d) {
            Some(kind) => with.push((d, kind)),
            None => without.push(d),
        }
    }
    (with, without)
}

/// Runs `options.repeats` pairs for each model of `models` beside its floor client, against
/// one server started here; `step` hears of each run before it starts. Fails only when the
/// server cannot start: a run that fails drops its pair and says why in the pair's record.
pub fn run(
    exe: &Path,
    models: &[(Description, FloorKind)],
    options: &Options,
    mut step: impl FnMut(&str),
) -> Result<Vec<FloorPairs>, HarnessError> {
    let spec = HostSpec {
        hosts: options.hosts,
        latency: options.latency,
        ..HostSpec::default()
    };
    let server = ServerProcess::start(exe, &spec)?;
    let addrs = server.addrs().to_vec();
    let pool = options.workers.unwrap_or_else(default_workers);
    let mut all = Vec::with_capacity(models.len());
    for (d, kind) in models {
        let mut pairs = FloorPairs {
            model: d.name.clone(),
            floor: *kind,
            count: options.count,
            latency_s: options.latency.as_secs_f64(),
            workers: pool,
            pairs: Vec::new(),
            dropped: Vec::new(),
        };
        for r in 0..options.repeats {
            let model_first = r % 2 == 0;
            let label = format!("{} beside floor:{kind}, pair {}", d.name, r + 1);
            step(&label);
            let model_run = || run_model(exe, &d.name, &addrs, options);
            let floor_run = |workers| run_floor(exe, *kind, &addrs, workers, options);
            // The first pair runs the model first, so its executor's thread count is known
            // before any tokio floor client is sized by it.
            let (m, f) = if model_first {
                let m = model_run();
                if let (FloorKind::Tokio, Ok((_, Some(threads)))) = (kind, &m) {
                    pairs.workers = *threads;
                }
                (m, floor_run(pairs.workers))
            } else {
                let f = floor_run(pairs.workers);
                (model_run(), f)
            };
            match (m.map(|(wall_s, _)| wall_s), f) {
                (Ok(model_wall_s), Ok(floor_wall_s)) => pairs.pairs.push(FloorPair {
                    model_wall_s,
                    floor_wall_s,
                    model_first,
                }),
                (m, f) => {
                    let why: Vec<String> = [m.err(), f.err()].into_iter().flatten().collect();
                    pairs
                        .dropped
                        .push(format!("pair {}: {}", r + 1, why.join("; ")));
                }
            }
        }
        all.push(pairs);
    }
    Ok(all)
}

/// One run of `model` against `addrs` in a fresh child: its wall time and its executor's
/// threads (an async model's), or why it does not count (a failed run, or a greet without its
/// reply).
fn run_model(
    exe: &Path,
    model: &str,
    addrs: &[SocketAddr],
    options: &Options,
) -> Result<(f64, Option<usize>), String> {
    let request = RunRequest {
        targets: addrs.to_vec(),
        // Each reply is checked against the host that should send it, as in any run.
        target_hosts: (0..addrs.len() as u32).collect(),
        targets_latency: Some(options.latency),
        workers: options.workers,
        timeout: options.timeout,
        ..RunRequest::new(model, Workload::Greet, options.count)
    };
    match child::run(exe, &request, options.run_deadline()) {
        RunResult::Record(r) if r.ok == r.request.count => Ok((r.wall_s, r.executor_threads)),
        RunResult::Record(r) => Err(format!(
            "{model} got {} of {} replies",
            r.ok, r.request.count
        )),
        RunResult::Failure(f) => Err(format!("{model}: {}", f.message)),
    }
}

/// One run of the floor client `kind` against `addrs` in a fresh child: its wall time, or why
/// it does not count.
fn run_floor(
    exe: &Path,
    kind: FloorKind,
    addrs: &[SocketAddr],
    workers: usize,
    options: &Options,
) -> Result<f64, String> {
    let request = FloorRequest {
        kind,
        addrs: addrs.to_vec(),
        count: options.count,
        workers,
        timeout_ms: u64::try_from(options.timeout.as_millis()).unwrap_or(u64::MAX),
    };
    match child::run_floor(exe, &request, options.run_deadline()) {
        Ok(run) if run.ok == run.count => Ok(run.wall_s),
        Ok(run) => Err(format!(
            "floor:{kind} got {} of {} replies",
            run.ok, run.count
        )),
        Err(why) => Err(format!("floor:{kind}: {why}")),
    }
}

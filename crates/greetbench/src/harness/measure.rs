//! [`measure`]: runs a plan once on a model and measures what it cost, in steps that each do
//! one thing, in the order the figures need:
//!
//! 1. [`Expected`]: what the run should take before it starts (its floor and its deadline),
//!    and the open-files limit raised for it;
//! 2. [`Before`]: the look before the model starts (memory, CPU, the machine's noise), and the
//!    thread sampler started;
//! 3. [`Started`]: the model started, and what starting it cost;
//! 4. [`Ran`]: the batch, with its deadline, and beside it a scale point's memory watch;
//! 5. [`Used`]: the CPU, threads and noise after the runner is dropped (worker processes count
//!    in `RUSAGE_CHILDREN` only once reaped), with the harness's own sampling taken out;
//! 6. the record: the figures from the outcomes, the open-loop and scale figures, all in one
//!    [`RunRecord`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use greet_core::record::{HostSpec, LoadFigures, RunRecord, RunRequest, ScaleFigures};
use greet_core::trace::Trace;
use greet_core::{Batch, Concurrency, Model, Plan, Runner, Shape, Summary};

use super::{HarnessError, NoiseWatch, ServerProcess, check_budget, job_time, memory};
use greet_os::proc::{self, Who};
use greet_os::sampler::ThreadSampler;
use greet_os::usage::{self, Usage};

use crate::{load, registry};

/// Runs `plan` once on `model` and measures it; `request` is what the record says was run,
/// and `server`, if the hosts are ours, is the process whose CPU is also the run's own.
pub fn measure(
    model: &dyn Model,
    request: &RunRequest,
    plan: &Plan,
    server: Option<&mut ServerProcess>,
) -> Result<RunRecord, HarnessError> {
    plan.validate()?;
    check_budget(model, plan.workers)?;
    let server = server.as_deref();
    let expected = Expected::new(model, request, plan);
    let before = Before::take(server);
    let mut started = Started::start(model, plan, &expected, &before)?;
    let ran = run_batch(started.runner.as_mut(), request, plan, &expected, server)?;
    let helpers_rss_kib = started.runner.helpers_peak_rss_kib();
    // What the interpreter (if any) ran under, as it said during the batch.
    let interpreter = started.runner.interpreter();
    // Drop the runner before reading the usage: worker processes are reaped here, and only
    // reaped children count in RUSAGE_CHILDREN.
    drop(started.runner);
    let used = Used::after(before, ran.peak.as_ref(), server);
    let summary = Summary::new(ran.plan.count, &ran.batch.outcomes)?;
    let load = open_loop_figures(model, request, &expected, &started.run, &used, server, &ran);
    let server_counts = server.and_then(|s| s.stats());
    let cpu_s = used.used.cpu_s - started.run.start_cpu_s;
    let scale = ran
        .look_before
        .as_ref()
        .zip(ran.peak.as_ref())
        .map(|(b, peak)| {
            let past = PastLimits {
                server_processes: server.map_or(0, ServerProcess::processes),
                hosts: &request.hosts,
                open_files_limit: expected.open_files_limit,
                soft_raised: expected
                    .open_files_soft_before
                    .is_some_and(|s| s < expected.open_files_limit),
            };
            scale_figures(b, peak, cpu_s, ran.plan.count, &past)
        });
    let figures = Figures {
        summary,
        helpers_rss_kib,
        load,
        scale,
        server: server_counts,
        interpreter,
    };
    Ok(record(
        request,
        &expected,
        &started.run,
        &ran,
        &used,
        figures,
    ))
}

/// What is known of a run before it starts: its floor (the ideal time) and its deadline.
struct Expected<'a> {
    plan: &'a Plan,
    request: &'a RunRequest,
    /// The open-files limit in force, raised to the hard limit.
    open_files_limit: u64,
    /// The soft limit as read after raising it (see `PastLimits::soft_raised`).
    open_files_soft_before: Option<u64>,
    /// One crunch job here, with the Rust kernel; zero for a greet run.
    job: Duration,
    cores: usize,
    /// The hosts' latency: our own hosts', or what the user says of `--targets`; unknown,
    /// `None` (and the floor is null, never 0).
    latency: Option<Duration>,
    concurrency: Concurrency,
    /// The batch's deadline: asked for, or derived.
    deadline: Duration,
}

impl<'a> Expected<'a> {
    fn new(model: &dyn Model, request: &'a RunRequest, plan: &'a Plan) -> Expected<'a> {
        let open_files_limit = greet_os::limits::raise_open_files();
        let job = if plan.workload.crunches() {
            job_time(plan.work)
        } else {
            Duration::ZERO
        };
        let latency = if request.targets.is_empty() {
            Some(request.hosts.latency)
        } else {
            request.targets_latency
        };
        let mut expected = Expected {
            plan,
            request,
            open_files_limit,
            open_files_soft_before: None,
            job,
            cores: greet_core::plan::default_workers(),
            latency,
            concurrency: model.concurrency(plan),
            deadline: Duration::ZERO,
        };
        expected.deadline = expected.derive_deadline();
        expected.open_files_soft_before = greet_core::limits::open_files_limit();
        expected
    }

    /// The deadline asked for, or derived. With an unknown latency, the derived one lets every
    /// wave of greets wait its whole timeout.
    fn derive_deadline(&self) -> Duration {
        let (plan, request) = (self.plan, self.request);
        let waves = plan.count.div_ceil(self.concurrency.io.max(1));
        request.deadline.unwrap_or_else(|| match &plan.arrivals {
            Some(a) => request.open_loop_deadline(Duration::from_micros(a.duration_us)),
            None => {
                let floor = self
                    .batch_floor(self.job)
                    .unwrap_or(plan.timeout.saturating_mul(waves as u32));
                request.default_deadline(floor, waves)
            }
        })
    }

    /// A batch's ideal time with crunch jobs of `job` each; `None` when the latency is
    /// unknown.
    fn batch_floor(&self, job: Duration) -> Option<Duration> {
        let (plan, c) = (self.plan, &self.concurrency);
        match (plan.workload.greets(), self.latency) {
            (false, _) => Some(c.floor(plan, Duration::ZERO, job, self.cores)),
            (true, Some(l)) => Some(c.floor(plan, l, job, self.cores)),
            (true, None) => None,
        }
    }

    /// The run's ideal time, s. An open-loop run cannot end before its last job is due, plus
    /// its latency: with the lead before the epoch, that is its ideal time when it is longer
    /// than the batch's.
    fn floor_s(&self, job: Duration) -> Option<f64> {
        let batch = self.batch_floor(job)?;
        let floor = match &self.plan.arrivals {
            Some(a) => batch.max(
                load::LEAD
                    + Duration::from_micros(a.offset_us(a.count().saturating_sub(1)))
                    + self.latency.unwrap_or_default(),
            ),
            None => batch,
        };
        Some(floor.as_secs_f64())
    }
}

/// The look before the model starts, and the watchers started for the run.
struct Before {
    baseline_rss_kib: u64,
    usage: Usage,
    server_cpu_s: f64,
    noise: NoiseWatch,
    sampler: ThreadSampler,
}

impl Before {
    fn take(server: Option<&ServerProcess>) -> Before {
        Before {
            baseline_rss_kib: proc::status(Who::Me).map_or(0, |s| s.vm_rss_kib),
            usage: usage::me().plus(usage::children()),
            server_cpu_s: server.map_or(0.0, ServerProcess::cpu_s),
            noise: NoiseWatch::start(),
            sampler: ThreadSampler::start(super::SAMPLE_THREADS_EVERY),
        }
    }
}

/// The model, started, and the figures of its start.
struct Started {
    runner: Box<dyn Runner>,
    run: StartFigures,
}

/// What starting the model cost, and what it says of itself once started.
struct StartFigures {
    start_s: f64,
    /// CPU spent starting, s (this process, reaped children and helper processes).
    start_cpu_s: f64,
    executor_threads: Option<usize>,
    /// Resident memory before the batch: this process's before the model started, and its
    /// helper processes' once started.
    baseline_rss_kib: u64,
    /// The floor, with the crunch time where the jobs run.
    floor_s: Option<f64>,
    /// One crunch job where the jobs run: an interpreter's, or the Rust kernel's.
    job: Duration,
    start_method: Option<String>,
}

impl Started {
    fn start(
        model: &dyn Model,
        plan: &Plan,
        expected: &Expected<'_>,
        before: &Before,
    ) -> Result<Started, HarnessError> {
        let t0 = Instant::now();
        let runner = model.start(plan)?;
        let start_s = t0.elapsed().as_secs_f64();
        let executor_threads = runner.executor_threads();
        // A model that runs its jobs in helper processes (an interpreter): their threads count
        // in every sample, and their memory once started is part of the baseline.
        let helpers = runner.helper_pids();
        before.sampler.watch(&helpers);
        // One look now that the model's threads exist: a batch shorter than the sampling
        // period would otherwise record fewer threads than the executor runs.
        before.sampler.sample_now();
        // In the measure their peak is taken in (`Runner::helpers_peak_rss_kib`): PSS, so
        // that the pages helper processes share count once on both sides of the growth.
        let helpers_baseline_kib: u64 =
            helpers.iter().filter_map(|&pid| memory::pss_kib(pid)).sum();
        let started = usage::me().plus(usage::children()).since(before.usage);
        let helpers_start_s: f64 = helpers.iter().map(|&pid| usage::process_cpu_s(pid)).sum();
        let start_cpu_s = started.cpu_s + helpers_start_s;
        // The floor's crunch time is where the jobs run: an interpreter's, if the model says so.
        let crunch = runner
            .crunch_time(plan.work)
            .filter(|_| plan.workload.crunches());
        let floor_s = match crunch {
            Some(job) => expected.floor_s(job),
            None => expected.floor_s(expected.job),
        };
        let run = StartFigures {
            start_s,
            start_cpu_s,
            executor_threads,
            baseline_rss_kib: before.baseline_rss_kib + helpers_baseline_kib,
            floor_s,
            job: crunch.unwrap_or(expected.job),
            start_method: runner.start_method(),
        };
        Ok(Started { runner, run })
    }
}

/// The batch as it ran.
struct Ran {
    batch: Batch,
    /// The plan as run: with its deadline, and an open-loop schedule's epoch set.
    plan: Plan,
    wall_s: f64,
    /// When every job was queued: the timeline's zero, on the clock the jobs stamp with.
    t1_us: u64,
    /// A scale point's look before the batch, and its peak beside it.
    look_before: Option<memory::Sample>,
    peak: Option<memory::Peak>,
}

/// Runs the batch with its deadline; a scale point looks before it, then samples beside it
/// (see [`memory`]).
fn run_batch(
    runner: &mut dyn Runner,
    request: &RunRequest,
    plan: &Plan,
    expected: &Expected<'_>,
    server: Option<&ServerProcess>,
) -> Result<Ran, HarnessError> {
    let mut plan = plan.clone();
    plan.deadline = Some(SystemTime::now() + expected.deadline);
    // Time zero of an open-loop run: now that the model has started, a little ahead.
    plan.arrivals = plan.arrivals.take().map(|a| a.start_in(load::LEAD));
    let servers = server.map(ServerProcess::pids).unwrap_or_default();
    let look_before = request
        .scale_point
        .then(|| memory::Sample::now(0, &servers));
    let stop = AtomicBool::new(false);
    let t1 = Instant::now();
    let t1_us = greet_core::trace::now_us();
    let (batch, peak) = std::thread::scope(|scope| {
        // Started before the model's threads, so it cannot meet a thread limit; if it cannot
        // start at all, the point has no scale figures rather than a panic.
        let watcher = look_before.is_some().then(|| {
            let (stop, servers) = (&stop, &servers);
            let limit = expected.deadline + Duration::from_secs(10);
            std::thread::Builder::new()
                .name("scale-watch".into())
                .spawn_scoped(scope, move || {
                    let waiting = || server.and_then(|s| s.snapshot()).map(|s| s.in_flight);
                    memory::watch(stop, waiting, servers, limit)
                })
                .ok()
        });
        let batch = runner.run(&plan);
        stop.store(true, Ordering::Relaxed);
        (batch, watcher.flatten().and_then(|w| w.join().ok()))
    });
    let batch = batch?;
    Ok(Ran {
        batch,
        plan,
        wall_s: t1.elapsed().as_secs_f64(),
        t1_us,
        look_before,
        peak,
    })
}

/// The run's usage after the runner is gone, with the harness's own sampling taken out.
struct Used {
    peak_threads: u64,
    /// This process's own usage (its peak RSS is the record's).
    own: Usage,
    /// The run's CPU and context switches: this process and its reaped children, less the
    /// samplers.
    used: Usage,
    /// The server's CPU over the run, s.
    server_used_s: f64,
    noise: Option<greet_core::record::Noise>,
}

impl Used {
    fn after(before: Before, peak: Option<&memory::Peak>, server: Option<&ServerProcess>) -> Used {
        let sampled = before.sampler.finish();
        let (peak_threads, sampling) = (sampled.peak, sampled.cost);
        // The scale watcher's thread is the harness's, not the model's.
        let (peak_threads, sampling) = match peak {
            Some(p) => (peak_threads.saturating_sub(1), sampling.plus(p.cost)),
            None => (peak_threads, sampling),
        };
        let own = usage::me();
        let total = own.plus(usage::children()).since(before.usage);
        // Everything we caused (the sampler and the server included) is not noise.
        let server_used_s = server.map_or(0.0, ServerProcess::cpu_s) - before.server_cpu_s;
        let ours = total.cpu_s + server_used_s;
        Used {
            peak_threads,
            own,
            // The sampler's CPU is the harness's, not the model's: take it out.
            used: total.since(sampling),
            server_used_s,
            noise: before.noise.finish(ours),
        }
    }
}

/// An open-loop run's figures ([`crate::load`]); `None` for a batch.
fn open_loop_figures(
    model: &dyn Model,
    request: &RunRequest,
    expected: &Expected<'_>,
    started: &StartFigures,
    used: &Used,
    server: Option<&ServerProcess>,
    ran: &Ran,
) -> Option<LoadFigures> {
    let (plan, a) = (&ran.plan, ran.plan.arrivals.as_ref()?);
    // A model that keeps at most K greets waiting serves at most K / L, L being how long
    // each holds its place: the hosts' mean latency (jitter included) and, in a mixed
    // run, the crunch after it. One thread or task per job is bound by the CPU alone.
    let bound = (registry::describe(model).shape != Shape::PerJob && plan.workload.greets())
        .then_some(expected.latency)
        .flatten()
        .map(|l| load::Bound {
            k: expected.concurrency.io,
            latency: l + request.hosts.jitter / 2 + started.job,
        });
    let u = &used.used;
    let cpu = load::CpuUse {
        client_s: (u.cpu_s - started.start_cpu_s).max(0.0),
        server_s: server.is_some().then_some(used.server_used_s.max(0.0)),
        cores: expected.cores,
        client_cores: expected.concurrency.cpu.min(expected.cores),
    };
    let deadline_us = plan
        .deadline
        .and_then(|d| d.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| (d.as_micros() as u64).saturating_sub(a.epoch_us));
    Some(load::figures(
        a,
        &ran.batch.outcomes,
        deadline_us,
        bound,
        &cpu,
    ))
}

/// The figures computed after the run, beside the measured ones.
struct Figures {
    summary: Summary,
    helpers_rss_kib: u64,
    load: Option<LoadFigures>,
    scale: Option<ScaleFigures>,
    server: Option<greet_core::record::ServerCounts>,
    interpreter: Option<greet_core::interpreter::Interpreter>,
}

/// The record: the request as run (its defaults filled in, its deadline stated) and every
/// figure.
fn record(
    request: &RunRequest,
    expected: &Expected<'_>,
    started: &StartFigures,
    ran: &Ran,
    used: &Used,
    f: Figures,
) -> RunRecord {
    let (plan, summary) = (&ran.plan, f.summary);
    RunRecord {
        request: RunRequest {
            deadline: Some(expected.deadline),
            ..request.resolved()
        },
        ok: summary.ok,
        errors: summary.errors,
        errors_by_kind: summary.errors_by_kind,
        first_errors: summary.first_errors,
        wall_s: ran.wall_s,
        start_s: started.start_s,
        floor_s: started.floor_s,
        cpu_user_s: used.used.user_s,
        cpu_sys_s: used.used.sys_s,
        cpu_total_s: Some(used.used.cpu_s),
        start_cpu_s: Some(started.start_cpu_s),
        peak_rss_kib: used.own.max_rss_kib + f.helpers_rss_kib,
        baseline_rss_kib: started.baseline_rss_kib,
        // Never fewer than the executor's own threads, which the run is known to have had.
        peak_threads: used
            .peak_threads
            .max(started.executor_threads.unwrap_or(0) as u64),
        executor_threads: started.executor_threads,
        start_method: started.start_method.clone(),
        interpreter: f.interpreter,
        ctx_voluntary: used.used.voluntary_cs,
        ctx_involuntary: used.used.involuntary_cs,
        latency_p50_ms: summary.latency_p50_ms,
        latency_p99_ms: summary.latency_p99_ms,
        checksum: plan.workload.crunches().then_some(summary.checksum),
        distinct_pids: summary.distinct_pids,
        open_files_limit: expected.open_files_limit,
        noise: used.noise,
        attempts: summary.attempts,
        retries_used: summary.retries,
        server: f.server,
        timeline: request
            .trace
            .then(|| Trace::new(ran.t1_us, plan, &ran.batch.outcomes)),
        load: f.load,
        scale: f.scale,
    }
}

/// How a run was laid out past the OS limits: what [`ScaleFigures::past_limits`] says.
struct PastLimits<'a> {
    server_processes: usize,
    hosts: &'a HostSpec,
    open_files_limit: u64,
    soft_raised: bool,
}

impl PastLimits<'_> {
    /// In a few words, how the run got past the limits; `None` if it did not have to.
    fn words(&self, client_processes: usize) -> Option<String> {
        let mut said = Vec::new();
        if self.soft_raised {
            said.push(format!(
                "soft open-files limit raised to the hard limit, {}",
                self.open_files_limit
            ));
        }
        if self.server_processes > 1 {
            said.push(format!(
                "server spread over {} processes (open files {} each, the hard limit, not raised)",
                self.server_processes, self.open_files_limit
            ));
        }
        if self.hosts.spread_addresses && self.hosts.hosts > 1 {
            let last = std::net::Ipv4Addr::from(
                u32::from(std::net::Ipv4Addr::LOCALHOST) + self.hosts.hosts as u32 - 1,
            );
            said.push(format!(
                "hosts over {} addresses, 127.0.0.1 to {last}",
                self.hosts.hosts
            ));
        }
        if client_processes > 1 {
            said.push(format!("client over {client_processes} processes"));
        }
        (!said.is_empty()).then(|| said.join("; "))
    }
}

/// A scale point's figures from the look before the batch and the peak: per greet held at the
/// peak (the server's own count of greets waiting at once), user space as PSS, kernel as the
/// deltas of its four counters; CPU per greet of the batch (start-up taken out) over `count`.
fn scale_figures(
    before: &memory::Sample,
    peak: &memory::Peak,
    cpu_s: f64,
    count: usize,
    past: &PastLimits<'_>,
) -> ScaleFigures {
    let at = &peak.at_peak;
    let held = at.waiting.max(1) as f64;
    let kernel = memory::delta(&at.kernel, &before.kernel);
    let user_kib_per_greet = at.client_pss_kib.saturating_sub(before.client_pss_kib) as f64 / held;
    let kernel_kib_per_greet = kernel.total_kib() as f64 / held;
    ScaleFigures {
        peak_waiting: at.waiting,
        user_kib_per_greet,
        kernel_kib_per_greet,
        kernel,
        total_kib_per_greet: user_kib_per_greet + kernel_kib_per_greet,
        cpu_us_per_greet: cpu_s.max(0.0) * 1e6 / count.max(1) as f64,
        client_processes: peak.client_processes.max(1),
        server_processes: past.server_processes,
        past_limits: past.words(peak.client_processes),
    }
}

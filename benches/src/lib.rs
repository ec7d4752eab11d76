//! The parts greetbench's criterion benchmarks share, written once: the profile and its sizes,
//! the greet servers, plans, the time budget and its skipped list, and the one function that
//! benchmarks a model on a plan without timing its set-up.
//!
//! Each bench target under `benches/benches/` answers one question (`io`, `cpu`, `mixed`,
//! `spawn`, `shared_state`); see their `//!` headers for the commands that run them.
//!
//! # Layout
//! - [`Profile`]: `default`, or `full` with `GREETBENCH_PROFILE=full`, and what each sweeps.
//! - [`Servers`]: one `greetbench serve` child per latency, started on first use and kept for
//!   the whole bench binary, so a server never starts inside a timed loop.
//! - [`Budget`]: predicts each benchmark's time per iteration from the model's
//!   [`Concurrency`](greet_core::Concurrency) and skips the ones over the profile's limit,
//!   saying so on one line and in `target/greetbench/skipped.json`.
//! - [`bench_model`]: registers `BenchmarkId::new(model, N)`; starts the model on first use
//!   (outside the timed region), times only `runner.run(&plan)`, and fails loudly if a job
//!   failed or a crunch checksum is wrong, so a broken run can never look fast.
//! - [`fork`]: `fork()` + `waitpid()`, the one place unsafe code is allowed.
//!
//! # Invariants
//! - Nothing is set up inside a timed region: servers, runtimes, pools and worker processes
//!   are built before criterion's routine runs, and the routine times `Runner::run` only.
//! - Every timed batch is checked: all `N` jobs accounted for and successful.

pub mod fork;

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, SamplingMode, Throughput};
use greet_core::record::HostSpec;
use greet_core::{Model, Plan, Runner, Summary, Target, Workload};
use greetbench::harness::NoiseWatch;
use greetbench::harness::ServerProcess;
pub use greetbench_report::group::{Group, spawn};
use greetbench_report::results::{GroupNoise, Skipped};

/// The environment variable that overrides the profile's limit on the predicted time per
/// iteration, in seconds (`0` or `inf`: no limit).
pub const MAX_ITER_ENV: &str = "GREETBENCH_MAX_ITER_S";

/// How many hosts the io and mixed servers have. A batch of `N` greets uses `min(N, HOSTS)`
/// of them, so "N = 1000" greets 1000 different hosts, as in the course.
pub const HOSTS: usize = 1000;

pub use greetbench::sweep::{PROFILE_ENV, Profile};

/// The profile `cargo bench` runs, from [`PROFILE_ENV`]. A bad value is one line on stderr
/// naming the fix, and exit 2.
pub fn profile() -> Profile {
    Profile::from_env().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    })
}

/// What each profile measures: the sizes and latencies of the criterion groups.
pub trait Sizes {
    /// The batch sizes N of the io groups.
    fn io_sizes(self) -> &'static [usize];
    /// The host latencies of the io groups.
    fn io_latencies(self) -> Vec<Duration>;
    /// The batch sizes N of the mixed group.
    fn mixed_sizes(self) -> &'static [usize];
    /// The crunch job counts of the cpu groups, for a job that takes `job`.
    fn cpu_sizes(self, job: Duration) -> Vec<usize>;
    /// The longest predicted time per iteration that is run, or `None` for no limit.
    fn max_iteration(self) -> Option<Duration>;
}

impl Sizes for Profile {
    /// The batch sizes N of the io groups.
    fn io_sizes(self) -> &'static [usize] {
        match self {
            Profile::Default => &[1, 10, 100, 1000],
            Profile::Full => &[1, 10, 100, 1000, 10_000],
        }
    }

    /// The host latencies of the io groups, one group (`io_10ms`, ...) each. L = 10 ms is the
    /// question; L = 0 shows the raw cost of one greet.
    fn io_latencies(self) -> Vec<Duration> {
        let ms: &[u64] = match self {
            Profile::Default => &[10, 0],
            Profile::Full => &[10, 0, 1, 50],
        };
        ms.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    /// The batch sizes of the mixed group.
    fn mixed_sizes(self) -> &'static [usize] {
        match self {
            Profile::Default => &[10, 100],
            Profile::Full => &[10, 100, 1000],
        }
    }

    /// The batch sizes of the cpu groups, given the time of one crunch job: the largest
    /// default size takes sequential about [`CPU_TARGET`].
    fn cpu_sizes(self, job: Duration) -> Vec<usize> {
        let largest = cpu_jobs_for(CPU_TARGET, job);
        let mut sizes = vec![(largest / 10).max(1), largest];
        if self == Profile::Full {
            sizes.push(largest * 10);
        }
        sizes.dedup();
        sizes
    }

    /// The largest predicted time per iteration a benchmark may have; slower ones are skipped.
    /// [`MAX_ITER_ENV`] overrides it. `None`: no limit.
    fn max_iteration(self) -> Option<Duration> {
        if let Some(v) = std::env::var_os(MAX_ITER_ENV) {
            match v.to_str().map(str::trim) {
                Some("0" | "inf") => return None,
                Some(s) => match s.parse::<f64>() {
                    Ok(secs) if secs.is_finite() && secs > 0.0 => {
                        return Some(Duration::from_secs_f64(secs));
                    }
                    _ => eprintln!(
                        "warning: {MAX_ITER_ENV}={s} is not a number of seconds; using the profile's limit"
                    ),
                },
                None => eprintln!("warning: {MAX_ITER_ENV} is not UTF-8; ignored"),
            }
        }
        match self {
            // Ten samples of a 1.5 s iteration already take 15 s.
            Profile::Default => Some(Duration::from_millis(1500)),
            // Sequential at N = 10,000 and L = 50 ms would be 500 s per iteration, over an
            // hour per benchmark: full goes far, but not there.
            Profile::Full => Some(Duration::from_secs(60)),
        }
    }
}

/// What the largest default cpu size should cost sequential: about 0.2 s.
pub const CPU_TARGET: Duration = Duration::from_millis(200);

/// How many jobs of `job` each fill `target`, rounded to 1, 2 or 5 times a power of ten so
/// that benchmark ids stay the same on machines of similar speed.
pub fn cpu_jobs_for(target: Duration, job: Duration) -> usize {
    let raw = target.as_secs_f64() / job.as_secs_f64().max(1e-9);
    let raw = raw.clamp(1.0, 1e6);
    let decade = 10f64.powf(raw.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .min_by(|a, b| {
            (a.ln() - raw.ln())
                .abs()
                .total_cmp(&(b.ln() - raw.ln()).abs())
        })
        .unwrap_or(decade);
    nice.round() as usize
}

/// The number of logical cores: "all cores" in the cpu groups.
pub fn cores() -> usize {
    greet_core::plan::default_workers()
}

/// The group name of the io benchmark at `latency`: `io_10ms`, `io_0ms`, ...
pub fn io_group(latency: Duration) -> String {
    format!("io_{}ms", latency.as_millis())
}

/// Bootstrap resamples per benchmark. Criterion's default (100,000) makes its plots cost
/// about 6 s per benchmark on the 2-core reference machine, for confidence bounds that
/// 10,000 already pin down; with ~140 benchmarks that is the difference between fitting the
/// budget and not.
pub const RESAMPLES: usize = 10_000;

/// Criterion settings for groups whose iterations take milliseconds to seconds: ten samples
/// of equal iteration counts, a short warm-up, a short measurement.
pub fn configure_slow(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .nresamples(RESAMPLES)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1));
}

/// Criterion settings for groups whose iterations take nanoseconds to milliseconds.
pub fn configure_fast(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(20)
        .nresamples(RESAMPLES)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1));
}

/// Greet servers in child processes, one per latency, each started the first time a
/// benchmark needs it and stopped when this value is dropped.
#[derive(Debug, Default)]
pub struct Servers {
    running: RefCell<Vec<(Duration, Vec<Target>, ServerProcess)>>,
}

impl Servers {
    /// No servers yet.
    pub fn new() -> Servers {
        Servers::default()
    }

    /// The [`HOSTS`] targets of the server with `latency`, starting it (this executable,
    /// re-run as `greetbench serve`) if it is not running yet.
    ///
    /// # Panics
    /// If the server cannot start: no benchmark can run without it.
    pub fn targets(&self, latency: Duration) -> Vec<Target> {
        let mut running = self.running.borrow_mut();
        if let Some((_, targets, _)) = running.iter().find(|(l, _, _)| *l == latency) {
            return targets.clone();
        }
        let exe = std::env::current_exe()
            .unwrap_or_else(|e| panic!("cannot find this bench executable to run the server: {e}"));
        let hosts = HostSpec {
            hosts: HOSTS,
            latency,
            ..HostSpec::default()
        };
        let server = ServerProcess::start(&exe, &hosts).unwrap_or_else(|e| panic!("{e}"));
        let targets = greet_server::targets(server.addrs());
        running.push((latency, targets.clone(), server));
        targets
    }

    /// The CPU seconds every running server has used so far.
    pub fn cpu_s(&self) -> f64 {
        self.running
            .borrow()
            .iter()
            .map(|(_, _, s)| s.cpu_s())
            .sum()
    }
}

/// Watches the rest of the machine while one criterion group runs, and records it in
/// `target/greetbench/noise.json` (see [`GroupWatch::finish`]).
pub struct GroupWatch<'a> {
    group: String,
    watch: NoiseWatch,
    t0: Instant,
    own_before: f64,
    servers: Option<&'a Servers>,
}

/// This bench process's CPU so far, its reaped children (processes-model workers) included.
fn own_cpu_s() -> f64 {
    greet_os::usage::me()
        .plus(greet_os::usage::children())
        .cpu_s
}

/// Starts watching the machine for `group`; `servers` are this binary's greet servers, whose
/// CPU is the benchmark's own, not noise.
pub fn watch_group<'a>(group: &str, servers: Option<&'a Servers>) -> GroupWatch<'a> {
    GroupWatch {
        group: group.to_owned(),
        own_before: own_cpu_s() + servers.map_or(0.0, Servers::cpu_s),
        watch: NoiseWatch::start(),
        t0: Instant::now(),
        servers,
    }
}

impl GroupWatch<'_> {
    /// Stops watching and stores the group's noise, replacing the group's previous entry and
    /// keeping the others'. Does nothing unless this run measures (see [`measuring`]).
    pub fn finish(self) {
        let own = own_cpu_s() + self.servers.map_or(0.0, Servers::cpu_s) - self.own_before;
        let wall_s = self.t0.elapsed().as_secs_f64();
        let Some(noise) = self.watch.finish(own) else {
            return;
        };
        if !measuring(std::env::args().skip(1)) {
            return;
        }
        println!(
            "{}: others used {:.1} % of the machine's CPU, steal {:.1} %{}",
            self.group,
            noise.other_busy * 100.0,
            noise.steal * 100.0,
            if noise.busy() {
                " (a busy machine: distrust these timings)"
            } else {
                ""
            }
        );
        let file = greetbench_report::Paths::locate()
            .data_dir()
            .join("noise.json");
        let mut all: Vec<GroupNoise> = if file.exists() {
            greetbench_report::results::read_json(&file).unwrap_or_default()
        } else {
            Vec::new()
        };
        all.retain(|g| g.group != self.group);
        all.push(GroupNoise {
            group: self.group,
            wall_s,
            noise,
        });
        if let Err(e) = greetbench_report::results::write_json(&file, &all) {
            eprintln!("warning: could not record the machine's noise: {e}");
        }
    }
}

/// A plan of `count` jobs of `workload` over `min(count, targets.len())` hosts, starting at
/// host `first` (so different benchmarks spread their connections over different ports).
pub fn plan(
    workload: Workload,
    count: usize,
    targets: &[Target],
    first: usize,
    workers: usize,
) -> Plan {
    let hosts = count.min(targets.len());
    let chosen = (0..hosts)
        .map(|j| targets[(first + j) % targets.len()].clone())
        .collect();
    let mut plan = Plan::new(workload, count, chosen);
    plan.workers = workers;
    plan
}

/// The ideal time of one iteration of `model` on `plan`: what [`Budget`] compares to its limit.
pub fn predict(model: &dyn Model, plan: &Plan, latency: Duration, job: Duration) -> Duration {
    model.concurrency(plan).floor(plan, latency, job, cores())
}

/// The time budget of one bench binary: which benchmarks to skip, and the record of them.
#[derive(Debug)]
pub struct Budget {
    limit: Option<Duration>,
    groups: BTreeSet<String>,
    skipped: Vec<Skipped>,
}

impl Budget {
    /// The budget of `profile`.
    pub fn new(profile: Profile) -> Budget {
        Budget {
            limit: profile.max_iteration(),
            groups: BTreeSet::new(),
            skipped: Vec::new(),
        }
    }

    /// Whether `group/model/size`, predicted at `predicted` per iteration, fits. If it does
    /// not, prints one line saying why and records it for [`Budget::save`].
    pub fn admit(&mut self, group: &str, model: &str, size: usize, predicted: Duration) -> bool {
        self.groups.insert(group.to_string());
        let Some(limit) = self.limit else {
            return true;
        };
        if predicted <= limit {
            return true;
        }
        println!(
            "skipped {group}/{model}/{size}: predicted {:.1} s per iteration, over the {:.1} s limit \
             (GREETBENCH_PROFILE=full or {MAX_ITER_ENV}=0 runs it)",
            predicted.as_secs_f64(),
            limit.as_secs_f64()
        );
        self.skipped.push(Skipped {
            group: group.to_string(),
            model: model.to_string(),
            size: size as u64,
            predicted_s: predicted.as_secs_f64(),
        });
        false
    }

    /// What was skipped so far.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Writes the skipped ids to `target/greetbench/skipped.json`, replacing the entries of
    /// the groups this budget saw and keeping the other bench binaries' entries. A failure
    /// is a one-line warning: the benchmarks themselves are done. Does nothing unless this
    /// run measures (see [`measuring`]), so that `--list` or a test run leaves the record of
    /// the last real run alone.
    pub fn save(&self) {
        if !measuring(std::env::args().skip(1)) {
            return;
        }
        let file = greetbench_report::Paths::locate()
            .data_dir()
            .join("skipped.json");
        let mut all: Vec<Skipped> = if file.exists() {
            greetbench_report::results::read_json(&file).unwrap_or_default()
        } else {
            Vec::new()
        };
        all.retain(|s| !self.groups.contains(&s.group));
        all.extend(self.skipped.iter().cloned());
        if let Err(e) = greetbench_report::results::write_json(&file, &all) {
            eprintln!("warning: could not record the skipped benchmarks: {e}");
        }
    }
}

/// Regenerates the report from everything stored and prints the one line saying where it is
/// (or why not); a closed pipe or a full disk on stdout is no reason to panic at the end of a
/// bench.
pub fn report() {
    use std::io::Write as _;
    let line = greetbench_report::regenerate_after_bench(&greetbench::registry::descriptions());
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Whether criterion will measure, given the bench binary's arguments: `cargo bench` passes
/// `--bench`; `--list`, `--test` and `--profile-time` run nothing that is stored.
pub fn measuring(args: impl IntoIterator<Item = String>) -> bool {
    let mut bench = false;
    for a in args {
        match a.as_str() {
            "--bench" => bench = true,
            "--list" | "--test" => return false,
            a if a.starts_with("--profile-time") => return false,
            _ => {}
        }
    }
    bench
}

/// What a plan's checksum depends on: the workload, the crunch size, the number of jobs and
/// each job's host. (Without the count, crunch plans of 20 and 200 jobs, which greet no host,
/// would share one checksum.)
type ChecksumKey = (Workload, u32, usize, Vec<Option<u32>>);

/// The expected checksums of crunch and mixed plans ([`Plan::expected_checksum`]), computed
/// once per plan shape on first use, so that models sharing a plan share the cost.
#[derive(Debug, Default)]
pub struct Checksums(RefCell<HashMap<ChecksumKey, Option<u64>>>);

impl Checksums {
    /// What every model's batch of `plan` must add up to; `None` for greet.
    pub fn expected(&self, plan: &Plan) -> Option<u64> {
        let hosts = if plan.workload.greets() {
            (0..plan.count).map(|i| plan.target(i).host).collect()
        } else {
            Vec::new()
        };
        *self
            .0
            .borrow_mut()
            .entry((plan.workload, plan.work, plan.count, hosts))
            .or_insert_with(|| plan.expected_checksum())
    }
}

/// Checks one timed batch: every job accounted for, all of them ok and, for crunch, the right
/// checksum.
///
/// # Panics
/// On any failure, with a message naming the benchmark and the first errors: a failing job
/// must never make a benchmark look fast.
pub fn check_batch(
    id: &str,
    plan: &Plan,
    batch: Result<greet_core::Batch, greet_core::ModelError>,
    checksum: Option<u64>,
) {
    let batch = batch.unwrap_or_else(|e| panic!("{id}: the batch did not run: {e}"));
    let summary = Summary::new(plan.count, &batch.outcomes)
        .unwrap_or_else(|e| panic!("{id}: the model lost or duplicated jobs: {e}"));
    assert!(
        summary.ok == plan.count,
        "{id}: only {} of {} jobs succeeded; first errors: {:?}; limits: {:?}",
        summary.ok,
        plan.count,
        summary.first_errors,
        summary.limits()
    );
    if let Some(expected) = checksum {
        assert_eq!(
            summary.checksum, expected,
            "{id}: wrong crunch checksum, so some jobs did not do their work"
        );
    }
}

/// Registers `BenchmarkId::new(model, size)` in `group`, with throughput `size` elements.
///
/// On criterion's first call (so only when the filter selects it) it builds the plan with
/// `make_plan` and starts the model: runtime, pool or worker processes. Every iteration then
/// times `runner.run(&plan)` alone and checks the batch outside the timed region. With
/// `checksums`, crunch and mixed batches must also produce the expected checksum.
pub fn bench_model(
    group: &mut BenchmarkGroup<'_, WallTime>,
    model: &dyn Model,
    size: usize,
    make_plan: impl Fn() -> Plan,
    checksums: Option<&Checksums>,
) {
    let id = BenchmarkId::new(model.name(), size);
    let name = format!("{}/{size}", model.name());
    let mut ready: Option<(Plan, Box<dyn Runner>, Option<u64>)> = None;
    group.throughput(Throughput::Elements(size as u64));
    group.bench_function(id, |b| {
        let (plan, runner, checksum) = ready.get_or_insert_with(|| {
            let plan = make_plan();
            let runner = model.start(&plan).unwrap_or_else(|e| panic!("{name}: {e}"));
            let checksum = checksums.and_then(|c| c.expected(&plan));
            (plan, runner, checksum)
        });
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let batch = runner.run(plan);
                timed += t.elapsed();
                check_batch(&name, plan, batch, *checksum);
            }
            timed
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_name_the_fix() {
        assert_eq!(Profile::parse("").unwrap(), Profile::Default);
        assert_eq!(Profile::parse("full").unwrap(), Profile::Full);
        let err = Profile::parse("fulll").unwrap_err();
        assert!(err.to_string().contains("use default or full"), "{err}");
        // Full sweeps everything default does, and further.
        for (d, f) in [
            (Profile::Default.io_sizes(), Profile::Full.io_sizes()),
            (Profile::Default.mixed_sizes(), Profile::Full.mixed_sizes()),
        ] {
            assert!(d.iter().all(|n| f.contains(n)));
            assert!(f.len() > d.len());
        }
        assert!(Profile::Full.io_latencies().len() > Profile::Default.io_latencies().len());
        assert_eq!(io_group(Duration::from_millis(10)), "io_10ms");
        assert_eq!(io_group(Duration::ZERO), "io_0ms");
    }

    #[test]
    fn cpu_sizes_round_to_nice_numbers() {
        let ms = Duration::from_millis(1);
        assert_eq!(cpu_jobs_for(CPU_TARGET, ms), 200);
        assert_eq!(cpu_jobs_for(CPU_TARGET, ms * 3 / 2), 100); // 133 is nearer 100 than 200
        assert_eq!(cpu_jobs_for(CPU_TARGET, Duration::from_micros(450)), 500);
        assert_eq!(cpu_jobs_for(CPU_TARGET, Duration::from_secs(1)), 1);
        assert_eq!(Profile::Default.cpu_sizes(ms), vec![20, 200]);
        assert_eq!(Profile::Full.cpu_sizes(ms), vec![20, 200, 2000]);
    }

    #[test]
    fn plans_rotate_over_hosts_and_keep_host_ids() {
        let targets: Vec<Target> = (0..5)
            .map(|i| Target {
                addr: format!("127.0.0.1:{}", 1000 + i).parse().unwrap(),
                host: Some(i),
            })
            .collect();
        let p = plan(Workload::Greet, 3, &targets, 4, 2);
        let hosts: Vec<_> = p.targets.iter().map(|t| t.host.unwrap()).collect();
        assert_eq!(hosts, vec![4, 0, 1]);
        assert_eq!(p.workers, 2);
        assert_eq!(plan(Workload::Greet, 50, &targets, 0, 2).targets.len(), 5);
    }

    #[test]
    fn budget_skips_only_what_is_over_the_limit() {
        let mut b = Budget {
            limit: Some(Duration::from_secs(1)),
            groups: BTreeSet::new(),
            skipped: Vec::new(),
        };
        assert!(b.admit("io_10ms", "a fast model", 1000, Duration::from_millis(10)));
        assert!(!b.admit("io_10ms", "a slow model", 1000, Duration::from_secs(10)));
        assert_eq!(b.skipped().len(), 1);
        assert_eq!(b.skipped()[0].model, "a slow model");
        assert_eq!(b.skipped()[0].size, 1000);
        assert!((b.skipped()[0].predicted_s - 10.0).abs() < 1e-9);
        // The prediction comes from the model's concurrency: sequential waits N x L.
        let seq = greetbench::registry::first_where(|d| d.family == greet_core::Family::Sequential);
        let seq = greetbench::registry::find(&seq).unwrap();
        let p = plan(Workload::Greet, 100, &[], 0, 2);
        let l = Duration::from_millis(10);
        assert_eq!(predict(seq.as_ref(), &p, l, Duration::ZERO), l * 100);
    }

    #[test]
    fn only_a_measuring_run_is_recorded() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(measuring(args(&["--bench"])));
        assert!(measuring(args(&["--bench", "--quick", "io_0ms"])));
        assert!(!measuring(args(&["--bench", "--list"])));
        assert!(!measuring(args(&["--bench", "--profile-time=5"])));
        assert!(!measuring(args(&[]))); // `cargo test --benches`
    }

    #[test]
    fn check_batch_rejects_a_failed_job() {
        use greet_core::{Batch, GreetError, Outcome};
        let p = plan(Workload::Crunch, 2, &[], 0, 1);
        let ok = |i| Outcome::new(i, Duration::ZERO, Ok((None, 0)));
        let good = Batch {
            outcomes: vec![ok(0), ok(1)],
        };
        check_batch("t", &p, Ok(good), Some(0));
        let bad = Batch {
            outcomes: vec![ok(0), Outcome::failed(1, GreetError::Timeout)],
        };
        let r = std::panic::catch_unwind(|| check_batch("t", &p, Ok(bad), None));
        assert!(r.is_err(), "a failed job must fail the benchmark");
    }
}

//! `greetbench load`: one model under open-loop load (greets offered at a rate for a while),
//! run in a fresh child process while a progress bar follows the arrivals; its latency runs
//! from when each greet was due (see [`crate::load`]).

use std::time::Duration;

use clap::Args;
use greet_core::Pattern;
use greet_core::duration::{self, human};
use greet_core::record::{LoadFigures, LoadSpec, RunRecord, RunRequest, RunResult, Status};

use super::args::{HostArgs, WorkArgs};
use super::output::{RecordJson, finish};
use super::{CliError, current_exe};
use crate::harness::HarnessError;
use crate::out::say;
use crate::{child, registry};

/// Arguments of `greetbench load`.
#[derive(Debug, Args)]
pub(super) struct LoadArgs {
    /// The model (see `greetbench models`).
    #[arg(long)]
    model: String,
    /// Greets offered per second, whether or not the model keeps up.
    #[arg(long, allow_hyphen_values = true)]
    rate: f64,
    /// How long greets keep arriving (3s, 500ms); at most 1h.
    #[arg(long, value_parser = duration::parse)]
    duration: Duration,
    /// How arrivals are spaced: constant (every 1/rate) or poisson (random gaps, mean 1/rate).
    #[arg(long, default_value = "constant")]
    arrivals: Pattern,
    /// The seed of a poisson schedule: the same seed, the same arrivals.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    work: WorkArgs,
    #[command(flatten)]
    hosts: HostArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

impl LoadArgs {
    /// The open-loop request these arguments ask for, or the one line that names the fix.
    fn request(&self) -> Result<RunRequest, CliError> {
        registry::find(&self.model).map_err(HarnessError::from)?;
        self.work.check_retries()?;
        self.work.check_one_python()?;
        if self.work.deadline.is_some_and(|d| d <= self.duration) {
            return Err(CliError::Usage(format!(
                "--deadline must be longer than --duration ({}): greets arrive for the whole \
                 duration, so a shorter deadline would cut off greets never offered; raise it or \
                 leave it out",
                human(self.duration)
            )));
        }
        if self.work.timeout.is_zero() {
            return Err(CliError::Usage("--timeout must be greater than 0".into()));
        }
        self.hosts.check()?;
        let spec = LoadSpec {
            rate: self.rate,
            duration: self.duration,
            arrivals: self.arrivals,
            seed: self.seed,
        };
        let request = RunRequest::open_loop(&self.model, self.work.workload, spec)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(self.work.apply(RunRequest {
            hosts: self.hosts.spec()?,
            ..request
        }))
    }
}

/// One open-loop run in a fresh child process (as `compare` runs each model), so that the
/// progress bar drawn here costs the record nothing.
pub(super) fn load(args: &LoadArgs) -> Result<u8, CliError> {
    let request = args.request()?;
    let exe = current_exe()?;
    // The run's own deadline, plus time to start the hosts and the model.
    let run_deadline = request
        .deadline
        .unwrap_or_else(|| request.open_loop_deadline(args.duration));
    let result = with_load_bar(args, || {
        child::run(&exe, &request, run_deadline + Duration::from_secs(120))
    });
    let record = match result {
        RunResult::Record(r) => r,
        RunResult::Failure(f) => {
            return Err(CliError::from_failure(
                &args.model,
                f.limit.is_some(),
                f.kind,
                f.message,
            ));
        }
    };
    let Some(figures) = record.load.as_ref() else {
        return Err(CliError::Run {
            model: args.model.clone(),
            message: "the run came back without its open-loop figures: a bug in the harness".into(),
        });
    };
    if args.json {
        let json = serde_json::to_string(&LoadJson::new(&record, figures)).unwrap_or_default();
        say(&format!("{json}\n"));
    } else {
        say(&load_table(&record, figures));
    }
    Ok(finish(&record))
}

/// Runs `work` while a progress bar on stderr follows the arrivals' duration. indicatif hides
/// the bar when stderr is not a terminal (a pipe, a file, a closed pipe), so it never writes
/// there; on a terminal a failed draw is dropped, never a panic.
fn with_load_bar<T>(args: &LoadArgs, work: impl FnOnce() -> T) -> T {
    let total_ms = u64::try_from(args.duration.as_millis()).unwrap_or(u64::MAX);
    let bar = indicatif::ProgressBar::new(total_ms.max(1));
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("load [{elapsed_precise}] {bar:30} {msg}")
    {
        bar.set_style(style);
    }
    bar.set_message(format!(
        "{}: {} greets/s for {} ({})",
        args.model,
        args.rate,
        human(args.duration),
        args.arrivals.name()
    ));
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let t0 = std::time::Instant::now();
            // Bounded: it ends when the work does, and the work has a deadline.
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let elapsed = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
                bar.set_position(elapsed.min(total_ms));
                if elapsed >= total_ms {
                    bar.set_message(format!(
                        "{}: arrivals over, waiting for the last greets",
                        args.model
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        let out = work();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    })
}

/// `load --json`: one flat object. Its top-level latency keys are the open-loop ones, from
/// each greet's *intended* start ([`greet_core::record::LoadFigures`], flattened in); the
/// whole run record, whose own `latency_p50_ms`/`latency_p99_ms` run from each greet's actual
/// start as in a batch, is under `record`.
#[derive(serde::Serialize)]
struct LoadJson<'a> {
    /// The model.
    model: &'a str,
    /// Greets offered (the schedule's count).
    count: usize,
    /// Greets that succeeded.
    ok: usize,
    /// Greets that failed; `ok + errors == count`.
    errors: usize,
    /// The client's user CPU, s.
    cpu_user_s: f64,
    /// The client's system CPU, s.
    cpu_sys_s: f64,
    /// The open-loop figures.
    #[serde(flatten)]
    load: &'a LoadFigures,
    /// ok, faults_only, limit or failed.
    status: Status,
    /// The run record, with `status`, `limits_hit` and `host_check`.
    record: RecordJson<'a>,
}

impl<'a> LoadJson<'a> {
    fn new(record: &'a RunRecord, load: &'a LoadFigures) -> LoadJson<'a> {
        LoadJson {
            model: &record.request.model,
            count: record.request.count,
            ok: record.ok,
            errors: record.errors,
            cpu_user_s: record.cpu_user_s,
            cpu_sys_s: record.cpu_sys_s,
            load,
            status: record.status(),
            record: RecordJson::new(record),
        }
    }
}

/// The human-readable figures of one open-loop run: a short table and two lines.
fn load_table(record: &RunRecord, f: &LoadFigures) -> String {
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| human(Duration::from_secs_f64(v / 1e3)));
    let mut out = format!(
        "{:<21} {:>9} {:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "model",
        "offered",
        "achieved",
        "count",
        "ok",
        "errors",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max"
    );
    out.push_str(&format!(
        "{:<21} {:>7.1}/s {:>7.1}/s {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        record.request.model,
        f.offered_rate,
        f.achieved_rate,
        record.request.count,
        record.ok,
        record.errors,
        ms(f.latency_p50_ms),
        ms(f.latency_p90_ms),
        ms(f.latency_p99_ms),
        ms(f.latency_p999_ms),
        ms(f.latency_max_ms),
    ));
    out.push_str(&format!(
        "when arrivals ended ({} s, {}): {} queued, {} running; at most {} queued at once; {} never started\n",
        f.duration_s,
        f.arrivals.name(),
        f.queued_at_end,
        f.in_flight_at_end,
        f.max_queued,
        f.never_started
    ));
    let knee = f
        .predicted_knee_rate
        .map_or("-".into(), |k| format!("{k:.1}/s"));
    out.push_str(&format!(
        "predicted knee {knee} ({}); cpu {:.3} s user, {:.3} s sys; latency from each greet's intended start\n",
        f.knee_basis, record.cpu_user_s, record.cpu_sys_s
    ));
    out
}

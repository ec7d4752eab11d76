//! `greetbench load`: one model under open-loop load (greets offered at a rate for a while),
//! run in a fresh child process while a progress bar follows the arrivals; its latency runs
//! from when each greet was due (see [`crate::load`]).

use std::time::Duration;

use clap::Args;
use greet_core::Pattern;
use greet_core::duration::{self, human};
use greet_core::record::{LoadFigures, LoadSpec, RunRecord, RunRequest, RunResult};

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
        let json = serde_json::to_string(&load_json(&record, figures)).unwrap_or_default();
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

/// The record's keys `load --json` repeats at its top level, beside the open-loop figures:
/// taken from the record's own JSON, so that no second struct copies its fields.
const LOAD_KEYS: [&str; 7] = [
    "model",
    "count",
    "ok",
    "errors",
    "cpu_user_s",
    "cpu_sys_s",
    "cpu_total_s",
];

/// `load --json`: one flat object. Its top-level latency keys are the open-loop ones, from
/// each greet's *intended* start ([`greet_core::record::LoadFigures`], flattened in), beside
/// [`LOAD_KEYS`] of the record and its `status`; the whole run record (with `status`,
/// `limits_hit` and `host_check`), whose own `latency_p50_ms`/`latency_p99_ms` run from each
/// greet's actual start as in a batch, is under `record`.
fn load_json(record: &RunRecord, load: &LoadFigures) -> serde_json::Value {
    let whole = serde_json::to_value(RecordJson::new(record)).unwrap_or_default();
    let mut top = serde_json::to_value(load).unwrap_or_default();
    if let Some(top) = top.as_object_mut() {
        for key in LOAD_KEYS {
            if let Some(v) = whole.get(key) {
                top.insert(key.to_owned(), v.clone());
            }
        }
        top.insert("status".into(), whole["status"].clone());
        top.insert("record".into(), whole);
    }
    top
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
        "predicted knee {knee} ({}); cpu {:.3} s; latency from each greet's intended start\n",
        f.knee_basis,
        record.cpu_s()
    ));
    out
}

//! `greetbench compare --floor`: each model beside the floor client of its kind, in
//! interleaved pairs of runs against one server ([`crate::floor_pairs`]), and the table of
//! their ratios: what the harness and the model's own choices cost over the bare way of
//! waiting.

use std::path::Path;
use std::time::Duration;

use greet_core::duration::human;
use greet_core::floor::{self, FloorKind, FloorPairs, Ratio};
use greet_core::{Description, Workload};

use super::args::{BatchArgs, HostArgs};
use super::{CliError, exit};
use crate::floor_pairs::{self, Options};
use crate::out::{say, warn};

/// Refuses, in one line, what the floor clients cannot do: a floor client greets, once per
/// greet, hosts that behave, on the default interpreter.
pub(super) fn check(b: &BatchArgs, h: &HostArgs) -> Result<(), CliError> {
    let refused = if b.work.workload != Workload::Greet {
        Some("--floor runs the greet workload only: the floor clients greet and nothing else")
    } else if !h.faults.fault.is_empty() || b.work.retries > 0 {
        Some("--floor takes no --fault or --retries: the floor clients have neither")
    } else if !h.jitter.is_zero() || h.spread_addresses {
        Some("--floor takes no --jitter or --spread-addresses: its hosts are one plain server")
    } else if !b.work.python.is_empty() {
        Some(
            "--floor runs the Python models and their floor clients on the default \
             interpreter: leave out --python",
        )
    } else {
        None
    };
    match refused {
        Some(why) => Err(CliError::Usage(why.into())),
        None => Ok(()),
    }
}

/// Runs the pairs for `models` and prints their table (or the JSON array of the pairs).
pub(super) fn compare(
    exe: &Path,
    models: &[String],
    b: &BatchArgs,
    h: &HostArgs,
    repeats: usize,
    json: bool,
) -> Result<u8, CliError> {
    let (with, without) = floor_pairs::kinds(models);
    let options = Options {
        count: b.count,
        hosts: h.hosts,
        latency: h.latency,
        workers: b.work.workers,
        timeout: b.work.timeout,
        repeats,
    };
    let all = floor_pairs::run(exe, &with, &options, |label| {
        if !json {
            warn(&format!("running {label}...\n"));
        }
    })?;
    let mut code = exit::OK;
    for p in &all {
        for why in &p.dropped {
            warn(&format!("note: {} not kept: {why}\n", p.model));
            code = exit::JOBS_FAILED;
        }
    }
    if json {
        say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&all).unwrap_or_default()
        ));
    } else {
        say(&table(&all, &with, &without, &options));
    }
    Ok(code)
}

/// The table: one row per model with a floor client, one per model without.
fn table(
    all: &[FloorPairs],
    with: &[(Description, FloorKind)],
    without: &[Description],
    options: &Options,
) -> String {
    let mut out = format!(
        "{:<21} {:<21} {:>5} {:>9} {:>9}  {:<34} {}\n",
        "model",
        "floor client",
        "pairs",
        "model",
        "floor",
        "ratio: median [interval] cover",
        "target"
    );
    let secs = |v: f64| human(Duration::from_secs_f64(v.max(0.0)));
    for (p, (d, _)) in all.iter().zip(with) {
        let median = |f: fn(&floor::FloorPair) -> f64| {
            Ratio::of(p.pairs.iter().map(f)).map_or("-".into(), |r| secs(r.median))
        };
        let (ratio, verdict) = match p.ratio() {
            Some(r) => {
                let target = floor::target(d.lang);
                (
                    format!("{} {:.0}%", r.text(), r.coverage * 100.0),
                    format!("{target}×: {}", r.against(target).word()),
                )
            }
            None => ("no pair kept".into(), "-".into()),
        };
        out.push_str(&format!(
            "{:<21} {:<21} {:>5} {:>9} {:>9}  {:<34} {}\n",
            p.model,
            p.floor.name(),
            format!("{}/{}", p.pairs.len(), p.pairs.len() + p.dropped.len()),
            median(|x| x.model_wall_s),
            median(|x| x.floor_wall_s),
            ratio,
            verdict,
        ));
    }
    for d in without {
        // Only the models of worker processes have none: a bare pool of processes over pipes
        // would be the model itself.
        out.push_str(&format!(
            "{:<21} no floor client of its kind: its worker processes are the model\n",
            d.name
        ));
    }
    out.push_str(&format!(
        "{} greets over {} host(s) at {}, pairs interleaved (the model first in odd pairs); \
         the interval: order statistics of the pairs' ratios, no assumption on their spread; \
         a verdict only when the whole interval is on one side of the target\n",
        options.count,
        options.hosts,
        human(options.latency)
    ));
    out
}

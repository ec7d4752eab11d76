//! What `run`, `compare` and `load` print about a finished record: the JSON object with what
//! is derived from the record ([`RecordJson`]), the human-readable table, and the notes on
//! stderr that end a run ([`finish`]) with its exit status.

use std::time::Duration;

use greet_core::OsLimit;
use greet_core::duration::human;
use greet_core::record::{RunRecord, RunRequest, Status};

use super::exit_status;
use crate::out::{say, warn};

/// `run --json` prints the record, plus what is derived from it. With `--targets`, `hosts` is
/// the number of targets and `latency_ms` their latency as given (`targets_latency_ms`) or
/// null: the record's host spec describes hosts greetbench starts, and it started none.
pub(super) struct RecordJson<'a> {
    fields: RecordFields<'a>,
}

#[derive(serde::Serialize)]
struct RecordFields<'a> {
    #[serde(flatten)]
    record: &'a RunRecord,
    /// ok, limit or failed.
    status: Status,
    /// One message per OS limit hit, naming the limit and the way round it.
    limits_hit: Vec<&'static str>,
    /// Whether each reply was checked to come from the host the job aimed at.
    host_check: &'static str,
}

impl<'a> RecordJson<'a> {
    pub fn new(record: &'a RunRecord) -> RecordJson<'a> {
        RecordJson {
            fields: RecordFields {
                record,
                status: record.status(),
                limits_hit: record
                    .limits()
                    .into_iter()
                    .map(|l| limit_hint(l, &record.request))
                    .collect(),
                host_check: host_check(&record.request),
            },
        }
    }
}

impl serde::Serialize for RecordJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = serde_json::to_value(&self.fields).map_err(serde::ser::Error::custom)?;
        let q = &self.fields.record.request;
        if let (false, Some(obj)) = (q.targets.is_empty(), v.as_object_mut()) {
            obj.insert("hosts".into(), q.targets.len().into());
            let latency = q.targets_latency.map(|l| l.as_secs_f64() * 1e3);
            obj.insert("latency_ms".into(), latency.into());
            obj.remove("jitter_ms");
        }
        v.serialize(s)
    }
}

/// The way round `limit` for a run of `request`: an open-loop run names its own flags.
fn limit_hint(limit: OsLimit, request: &RunRequest) -> &'static str {
    if request.offered.is_some() {
        limit.hint_open_loop()
    } else {
        limit.hint()
    }
}

/// How a run's replies were checked, in words.
fn host_check(request: &RunRequest) -> &'static str {
    if !request.workload.greets() {
        "no greets"
    } else if request.targets.is_empty() {
        "checked: each reply names the host greeted"
    } else if request.target_hosts.is_empty() {
        "host not checked (give --targets ADDR=HOST to check who answers)"
    } else {
        "checked against --targets ADDR=HOST"
    }
}

/// Says which limit stopped part of the run, and gives its exit status.
pub(super) fn finish(record: &RunRecord) -> u8 {
    let q = &record.request;
    for limit in record.limits() {
        warn(&format!(
            "limit: {} ({}): {}\n",
            q.model,
            q.workload,
            limit_hint(limit, q)
        ));
    }
    if record.status() == Status::FaultsOnly {
        warn(&format!(
            "note: {}: every error was a fault injected on purpose ({} of {} jobs)\n",
            q.model, record.errors, q.count
        ));
    }
    for e in record.first_errors.iter().take(3) {
        warn(&format!("note: {} had errors, e.g. {e}\n", q.model));
    }
    if q.workload.greets() && !q.targets.is_empty() && q.target_hosts.is_empty() {
        warn(&format!("note: {}: {}\n", q.model, host_check(q)));
    }
    exit_status(record.status())
}

/// The human-readable table of `run` and `compare`; `not_run` are the models that cannot run
/// here (a row each: "not available here"). Its `cpu` is the exact total, user and system:
/// their split is the kernel's tick sampling, too coarse for a run of milliseconds (it is in
/// `--json`, as `cpu_user_s` and `cpu_sys_s`).
pub(super) fn print_table(records: &[RunRecord], not_run: &[(String, String)]) {
    // A Python row says its interpreter: `py-threads (3.13t, no GIL)`.
    let names: Vec<String> = records
        .iter()
        .map(|r| crate::pythons::label(&r.request, r.interpreter.as_ref()))
        .collect();
    let width = names
        .iter()
        .chain(not_run.iter().map(|(n, _)| n))
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(21);
    let mut out = String::new();
    out.push_str(&format!(
        "{:<width$} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9}\n",
        "model", "ok", "errors", "wall", "floor", "cpu", "peak rss", "threads", "p50", "p99"
    ));
    let secs = |v: f64| human(Duration::from_secs_f64(v.max(0.0)));
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| secs(v / 1e3));
    for (r, name) in records.iter().zip(&names) {
        out.push_str(&format!(
            "{name:<width$} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7}Mi {:>7} {:>9} {:>9}\n",
            r.ok,
            r.errors,
            secs(r.wall_s),
            r.floor_s.map_or("-".into(), secs),
            secs(r.cpu_s()),
            r.peak_rss_kib / 1024,
            r.peak_threads,
            ms(r.latency_p50_ms),
            ms(r.latency_p99_ms),
        ));
    }
    for (name, _) in not_run {
        out.push_str(&format!("{name:<width$} not available here\n"));
    }
    if let Some(r) = records.first() {
        out.push_str(&workload_line(r));
    }
    // A closed pipe (`greetbench compare | head`) ends the table quietly.
    say(&out);
}

/// The table's last line: the workload every row ran (as `r` ran it), its hosts, work and
/// checksum.
fn workload_line(r: &RunRecord) -> String {
    let q = &r.request;
    let work = q.work.map_or(String::new(), |w| format!(", work {w}"));
    let checksum = r
        .checksum
        .map_or(String::new(), |c| format!(", checksum {c:#018x}"));
    let hosts = if !q.targets.is_empty() {
        let latency = q
            .targets_latency
            .map_or("latency not given".to_owned(), |l| {
                format!("at {}", human(l))
            });
        format!(" over {} external target(s), {latency}", q.targets.len())
    } else if q.workload.greets() {
        format!(
            " over {} host(s) at {}",
            q.hosts.hosts,
            human(q.hosts.latency)
        )
    } else {
        String::new()
    };
    format!(
        "workload {} x{}{hosts}{work}{checksum}\n",
        q.workload, q.count
    )
}

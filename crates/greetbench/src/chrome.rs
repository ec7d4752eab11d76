//! A run's timeline as Chrome trace-event JSON (`greetbench run --trace FILE`): the format
//! Perfetto (<https://ui.perfetto.dev>, "Open trace file") and `chrome://tracing` open.
//!
//! One track per process and thread (`pid`, `tid`: the same ids `ps -L` shows), named by
//! metadata events, and one complete (`"ph": "X"`) slice per phase of each job (connecting,
//! sending, waiting, crunching), in µs from the moment the batch began. A slice's name and
//! args carry its job's index and host.
//!
//! The format requires the slices of one thread to nest, and Perfetto drops those that
//! overlap without nesting. Waits on an event loop do overlap: twelve tasks wait at once on
//! one thread. So a thread's slices are packed into as few rows as keep them apart; the first
//! row is the thread's own track, holding its crunches first (what it was busy doing), and
//! each further row is a track of its own, named after the thread (`tid 812 · 2`) with an id
//! past any real thread id.

use std::collections::BTreeMap;

use greet_core::record::RunRecord;
use greet_core::trace::{Lane, Phase, Trace};
use serde_json::{Value, json};

/// Track ids for the extra rows of a thread, and for spans on threads a job could not see:
/// past Linux's largest possible pid (`pid_max` is at most 2^22), so never a real thread's.
const EXTRA_TRACKS: u32 = 1 << 22;

/// The trace-event JSON of `record`'s timeline, or `None` if it has none (its request did
/// not ask for `trace`).
pub fn trace_events(record: &RunRecord) -> Option<Value> {
    let trace = record.timeline.as_ref()?;
    let q = &record.request;
    let mut events = process_names(trace, &q.model);
    let mut next_extra = EXTRA_TRACKS;
    let mut sort_index = 0;
    for lane in trace.lanes() {
        let rows = pack(trace, lane);
        for (row, spans) in rows.iter().enumerate() {
            let tid = match (lane.tid, row) {
                (Some(tid), 0) => tid,
                _ => {
                    next_extra += 1;
                    next_extra
                }
            };
            let name = match (lane.tid, row) {
                (Some(tid), 0) => format!("tid {tid}"),
                (Some(tid), r) => format!("tid {tid} · {}", r + 1),
                (None, r) => format!("a thread the job could not see (blocking pool) · {}", r + 1),
            };
            events.push(meta("thread_name", lane.pid, tid, json!({ "name": name })));
            events.push(meta(
                "thread_sort_index",
                lane.pid,
                tid,
                json!({ "sort_index": sort_index }),
            ));
            sort_index += 1;
            events.extend(spans.iter().map(|&at| slice(trace, at, lane.pid, tid)));
        }
    }
    Some(json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "model": q.model,
            "workload": q.workload.name(),
            "count": q.count,
            "workers": q.workers,
            "latency_ms": q.hosts.latency.as_secs_f64() * 1e3,
            "wall_s": record.wall_s,
            "t0_unix_us": trace.t0_unix_us,
        },
    }))
}

/// The metadata events that name each process of the trace (the client first, then its
/// worker processes) and keep them in that order.
fn process_names(trace: &Trace, model: &str) -> Vec<Value> {
    let mut pids: Vec<u32> = vec![trace.pid];
    for lane in trace.lanes() {
        if !pids.contains(&lane.pid) {
            pids.push(lane.pid);
        }
    }
    let mut events = Vec::new();
    for (i, pid) in pids.iter().enumerate() {
        let who = if *pid == trace.pid {
            "client"
        } else {
            "worker process"
        };
        events.push(meta(
            "process_name",
            *pid,
            0,
            json!({ "name": format!("greetbench {model} ({who})") }),
        ));
        events.push(meta(
            "process_sort_index",
            *pid,
            0,
            json!({ "sort_index": i }),
        ));
    }
    events
}

/// One complete (`X`) slice: span `at` of the trace, on track `pid`/`tid`.
fn slice(trace: &Trace, (job, span): SpanAt, pid: u32, tid: u32) -> Value {
    let j = &trace.jobs[job];
    let s = &j.spans[span];
    let host = j.host.map_or("-".to_string(), |h| h.to_string());
    json!({
        "name": format!("{} · job {} · host {host}", s.phase.name(), j.index),
        "cat": s.phase.name(),
        "ph": "X",
        "ts": s.start_us,
        "dur": s.end_us - s.start_us,
        "pid": pid,
        "tid": tid,
        "args": {
            "job": j.index,
            "host": j.host,
            "phase": s.phase.name(),
            "queued_us": j.picked_us,
            "error": j.error,
            "ran_on_tid": s.tid,
        },
    })
}

/// A metadata event.
fn meta(name: &str, pid: u32, tid: u32, args: Value) -> Value {
    json!({ "name": name, "ph": "M", "pid": pid, "tid": tid, "args": args })
}

/// A span of a trace, as (job, span) indices into it.
type SpanAt = (usize, usize);

/// One row of a thread's spans, none overlapping.
#[derive(Default)]
struct Row {
    /// The intervals taken, `start → end`, µs.
    taken: BTreeMap<u64, u64>,
    spans: Vec<SpanAt>,
}

impl Row {
    /// Whether `start..end` overlaps nothing in this row.
    fn free(&self, start: u64, end: u64) -> bool {
        let before = self.taken.range(..=start).next_back();
        let after = self.taken.range(start..).next();
        before.is_none_or(|(_, e)| *e <= start) && after.is_none_or(|(s, _)| *s >= end)
    }
}

/// The spans of `lane`, packed into rows in which no two overlap. Crunches go first, so that
/// the thread's own row shows the work it did; then every other span, by start, into the
/// first row with room for it. Each row comes back sorted by start.
fn pack(trace: &Trace, lane: Lane) -> Vec<Vec<SpanAt>> {
    let mut spans: Vec<(bool, u64, u64, SpanAt)> = Vec::new();
    for (j, job) in trace.jobs.iter().enumerate() {
        for (k, s) in job.spans.iter().enumerate() {
            if job.pid == lane.pid && s.tid == lane.tid {
                spans.push((s.phase != Phase::Crunching, s.start_us, s.end_us, (j, k)));
            }
        }
    }
    spans.sort();
    let mut rows: Vec<Row> = Vec::new();
    for (_, start, end, at) in spans {
        let row = match rows.iter().position(|r| r.free(start, end)) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(Row::default());
                rows.last_mut().expect("just pushed")
            }
        };
        row.taken.insert(start, end);
        row.spans.push(at);
    }
    let when = |&(j, k): &SpanAt| {
        let s = &trace.jobs[j].spans[k];
        (s.start_us, s.end_us)
    };
    rows.into_iter()
        .map(|mut r| {
            r.spans.sort_by_key(when);
            r.spans
        })
        .collect()
}

/// The slices of a trace-event document by track: `(pid, tid)` → `(ts, dur)` in file order.
/// For tests and for checking a file by hand.
pub fn slices_by_track(doc: &Value) -> BTreeMap<(u64, u64), Vec<(f64, f64)>> {
    let mut out: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    let events = doc["traceEvents"].as_array().map_or(&[][..], Vec::as_slice);
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let (Some(pid), Some(tid), Some(ts), Some(dur)) = (
            e["pid"].as_u64(),
            e["tid"].as_u64(),
            e["ts"].as_f64(),
            e["dur"].as_f64(),
        ) else {
            continue;
        };
        out.entry((pid, tid)).or_default().push((ts, dur));
    }
    out
}

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
//!
//! # What it costs
//! Linear in the jobs, in time and memory. The events are written one at a time as they are
//! made ([`write_trace`]), never held as one document; the packing sorts each thread's spans
//! once and finds a row for each in a heap of the rows' ends. A greet job is three slices,
//! about 770 bytes of file, never more than [`BYTES_PER_GREET`] (a test holds it to that).
//! In memory, the timeline the run record carries is one `JobTrace` and its spans, about 250
//! bytes a job, built after the batch, so below the batch's own peak: counted with heaptrack,
//! a traced `run --model tokio` makes 12.5 more allocations a greet than an untraced one, at
//! 2,000 greets as at 8,000, and reaches the same peak heap. A run traces at most
//! [`MAX_TRACED_JOBS`] jobs; `run --trace` refuses more before it starts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::io::Write;

use greet_core::record::RunRecord;
use greet_core::trace::{Lane, Phase, Trace};
use serde::Serialize;
use serde_json::Value;

/// Track ids for the extra rows of a thread, and for spans on threads a job could not see:
/// past Linux's largest possible pid (`pid_max` is at most 2^22), so never a real thread's.
const EXTRA_TRACKS: u32 = 1 << 22;

/// The most jobs one trace holds: at most 100 MB of file at [`BYTES_PER_GREET`], which
/// Perfetto still opens in a browser tab; past that it slows to a crawl, and the run holds a
/// timeline it cannot show.
pub const MAX_TRACED_JOBS: usize = 100_000;

/// The most bytes of trace file one greet job takes (three slices with their names and
/// args, and its share of the track names), as a test measures it.
pub const BYTES_PER_GREET: usize = 1_000;

/// Writes `record`'s timeline to `out` as trace-event JSON, one event at a time; an empty
/// document (no events) if it has none (its request did not ask for `trace`).
pub fn write_trace(record: &RunRecord, out: &mut impl Write) -> std::io::Result<()> {
    let q = &record.request;
    let other = serde_json::json!({
        "model": q.model,
        "workload": q.workload.name(),
        "count": q.count,
        "workers": q.workers,
        "latency_ms": q.hosts.latency.as_secs_f64() * 1e3,
        "wall_s": record.wall_s,
        "t0_unix_us": record.timeline.as_ref().map(|t| t.t0_unix_us),
    });
    out.write_all(b"{\"displayTimeUnit\":\"ms\",\"otherData\":")?;
    serde_json::to_writer(&mut *out, &other)?;
    out.write_all(b",\"traceEvents\":[")?;
    if let Some(trace) = &record.timeline {
        let mut events = Events { out, first: true };
        write_events(trace, &q.model, &mut events)?;
    }
    out.write_all(b"]}\n")?;
    out.flush()
}

/// The event list being written: a comma before every event but the first.
struct Events<'a, W: Write> {
    out: &'a mut W,
    first: bool,
}

impl<W: Write> Events<'_, W> {
    fn push(&mut self, event: &impl Serialize) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, event).map_err(std::io::Error::from)
    }
}

fn write_events<W: Write>(
    trace: &Trace,
    model: &str,
    events: &mut Events<W>,
) -> std::io::Result<()> {
    let lanes = spans_by_lane(trace);
    for (i, pid) in process_order(trace, &lanes).into_iter().enumerate() {
        let who = if pid == trace.pid {
            "client"
        } else {
            "worker process"
        };
        let name = format!("greetbench {model} ({who})");
        events.push(&Meta::new("process_name", pid, 0, MetaArgs::Name { name }))?;
        let order = MetaArgs::SortIndex { sort_index: i };
        events.push(&Meta::new("process_sort_index", pid, 0, order))?;
    }
    let mut next_extra = EXTRA_TRACKS;
    let mut sort_index = 0;
    for (lane, spans) in lanes {
        for (row, spans) in pack(trace, spans).into_iter().enumerate() {
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
            events.push(&Meta::new(
                "thread_name",
                lane.pid,
                tid,
                MetaArgs::Name { name },
            ))?;
            let order = MetaArgs::SortIndex { sort_index };
            events.push(&Meta::new("thread_sort_index", lane.pid, tid, order))?;
            sort_index += 1;
            for at in spans {
                events.push(&slice(trace, at, lane.pid, tid))?;
            }
        }
    }
    Ok(())
}

/// Every span of the trace, by the lane it ran on, lanes in the order they were first used.
fn spans_by_lane(trace: &Trace) -> Vec<(Lane, Vec<SpanAt>)> {
    let mut by_lane: BTreeMap<Lane, (u64, Vec<SpanAt>)> = BTreeMap::new();
    for (j, job) in trace.jobs.iter().enumerate() {
        for (k, s) in job.spans.iter().enumerate() {
            let lane = Lane {
                pid: job.pid,
                tid: s.tid,
            };
            let (first, spans) = by_lane.entry(lane).or_insert((s.start_us, Vec::new()));
            *first = (*first).min(s.start_us);
            spans.push((j, k));
        }
    }
    let mut lanes: Vec<(u64, Lane, Vec<SpanAt>)> = by_lane
        .into_iter()
        .map(|(lane, (first, spans))| (first, lane, spans))
        .collect();
    lanes.sort_by_key(|(first, lane, _)| (*first, *lane));
    lanes.into_iter().map(|(_, l, s)| (l, s)).collect()
}

/// The processes of the trace: the client first, then its worker processes as their lanes
/// come.
fn process_order(trace: &Trace, lanes: &[(Lane, Vec<SpanAt>)]) -> Vec<u32> {
    let mut pids = vec![trace.pid];
    let mut seen = std::collections::BTreeSet::from([trace.pid]);
    for (lane, _) in lanes {
        if seen.insert(lane.pid) {
            pids.push(lane.pid);
        }
    }
    pids
}

/// A metadata event.
#[derive(Serialize)]
struct Meta {
    name: &'static str,
    ph: &'static str,
    pid: u32,
    tid: u32,
    args: MetaArgs,
}

impl Meta {
    fn new(name: &'static str, pid: u32, tid: u32, args: MetaArgs) -> Meta {
        Meta {
            name,
            ph: "M",
            pid,
            tid,
            args,
        }
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum MetaArgs {
    Name { name: String },
    SortIndex { sort_index: usize },
}

/// A complete (`X`) slice.
#[derive(Serialize)]
struct Slice {
    name: String,
    cat: &'static str,
    ph: &'static str,
    ts: u64,
    dur: u64,
    pid: u32,
    tid: u32,
    args: SliceArgs,
}

#[derive(Serialize)]
struct SliceArgs {
    job: usize,
    host: Option<u32>,
    phase: &'static str,
    queued_us: Option<u64>,
    error: Option<greet_core::ErrorKind>,
    ran_on_tid: Option<u32>,
}

/// One complete slice: span `at` of the trace, on track `pid`/`tid`.
fn slice(trace: &Trace, (job, span): SpanAt, pid: u32, tid: u32) -> Slice {
    let j = &trace.jobs[job];
    let s = &j.spans[span];
    let host = j.host.map_or("-".to_string(), |h| h.to_string());
    Slice {
        name: format!("{} · job {} · host {host}", s.phase.name(), j.index),
        cat: s.phase.name(),
        ph: "X",
        ts: s.start_us,
        dur: s.end_us - s.start_us,
        pid,
        tid,
        args: SliceArgs {
            job: j.index,
            host: j.host,
            phase: s.phase.name(),
            queued_us: j.picked_us,
            error: j.error,
            ran_on_tid: s.tid,
        },
    }
}

/// A span of a trace, as (job, span) indices into it.
type SpanAt = (usize, usize);

/// One lane's spans packed into rows in which no two overlap. Crunches go first, so that
/// the thread's own row (the first) shows the work it did; then every other span, by start:
/// into the first row if it has room there, otherwise into the row that frees up earliest,
/// or a new one. Each row comes back sorted by start.
fn pack(trace: &Trace, spans: Vec<SpanAt>) -> Vec<Vec<SpanAt>> {
    let n = spans.len();
    let Packed { rows, probes } = packed(trace, spans);
    debug_assert!(probes <= 2 * n, "{probes} looks for {n} spans");
    rows
}

/// Rows of spans, and how many rows were looked at to place them: two a span at most (the
/// first row, then the one that frees up earliest), so the packing is linear in the spans
/// however many rows they need (a test counts it).
struct Packed {
    rows: Vec<Vec<SpanAt>>,
    probes: usize,
}

fn packed(trace: &Trace, spans: Vec<SpanAt>) -> Packed {
    let when = |&(j, k): &SpanAt| {
        let s = &trace.jobs[j].spans[k];
        (s.start_us, s.end_us)
    };
    let mut order: Vec<(bool, u64, u64, SpanAt)> = spans
        .into_iter()
        .map(|at| {
            let (start, end) = when(&at);
            (
                trace.jobs[at.0].spans[at.1].phase != Phase::Crunching,
                start,
                end,
                at,
            )
        })
        .collect();
    order.sort_unstable();
    // The first row takes spans in any order (its gaps can be filled), so it keeps every
    // interval; every other row only ever grows at its end, so its end is all it needs.
    let mut first = Row::default();
    let mut rows: Vec<Vec<SpanAt>> = Vec::new();
    let mut ends: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let mut probes = 0;
    for (_, start, end, at) in order {
        probes += 1;
        if first.free(start, end) {
            first.taken.insert(start, end);
            first.spans.push(at);
            continue;
        }
        probes += 1;
        match ends.peek() {
            Some(&Reverse((free_at, row))) if free_at <= start => {
                ends.pop();
                rows[row].push(at);
                ends.push(Reverse((end, row)));
            }
            _ => {
                ends.push(Reverse((end, rows.len())));
                rows.push(vec![at]);
            }
        }
    }
    let rows = std::iter::once(first.spans)
        .chain(rows)
        .filter(|r| !r.is_empty())
        .map(|mut r| {
            r.sort_by_key(when);
            r
        })
        .collect();
    Packed { rows, probes }
}

/// The thread's own row: the intervals it holds, `start → end`, µs.
#[derive(Default)]
struct Row {
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

#[cfg(test)]
mod tests {
    use super::*;
    use greet_core::trace::{JobTrace, Span};

    /// `n` jobs on one thread: a crunch each, back to back, and a wait each, all at once.
    fn event_loop(n: usize) -> Trace {
        let jobs = (0..n)
            .map(|i| {
                let (i64, n64) = (i as u64, n as u64);
                let span = |phase, start_us, end_us| Span {
                    phase,
                    start_us,
                    end_us,
                    tid: Some(7),
                };
                JobTrace {
                    index: i,
                    pid: 1,
                    host: Some(0),
                    error: None,
                    picked_us: Some(i64),
                    done_us: Some(10 * n64 + i64 + 1),
                    tid: Some(7),
                    spans: vec![
                        span(Phase::Waiting, i64, 10 * n64 + i64),
                        span(Phase::Crunching, 10 * n64 + i64, 10 * n64 + i64 + 1),
                    ],
                }
            })
            .collect();
        Trace {
            t0_unix_us: 1,
            pid: 1,
            jobs,
        }
    }

    #[test]
    fn packing_keeps_each_row_apart_and_looks_at_two_rows_a_span_at_most() {
        let n = 5_000;
        let trace = event_loop(n);
        let spans = spans_by_lane(&trace).remove(0).1;
        let Packed { rows, probes } = packed(&trace, spans);
        // The crunches go in the thread's own row, with the first wait, which ends before
        // them; every other wait overlaps every other, so each needs a row of its own.
        assert_eq!(rows.len(), n);
        let crunches = rows[0]
            .iter()
            .filter(|&&(j, k)| trace.jobs[j].spans[k].phase == Phase::Crunching);
        assert_eq!(crunches.count(), n);
        for row in &rows {
            for w in row.windows(2) {
                let (a, b) = (
                    &trace.jobs[w[0].0].spans[w[0].1],
                    &trace.jobs[w[1].0].spans[w[1].1],
                );
                assert!(a.end_us <= b.start_us, "{a:?} and {b:?} overlap");
            }
        }
        // Scanning every row for room would take n²/2 looks here.
        assert!(probes <= 2 * 2 * n, "{probes} looks for {} spans", 2 * n);
    }
}

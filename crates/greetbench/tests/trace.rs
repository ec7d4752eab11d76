//! The timelines, checked by their shape: which threads and processes ran each phase of each
//! greet, and how many greets waited at once. Never by how long anything took.
//!
//! Models are picked by their descriptions. A rendezvous host (replies only once K greets wait
//! at once) turns "these waits overlapped" into a fact: without the concurrency, the greets
//! would time out instead.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use greet_core::trace::{Phase, Trace, now_us};
use greet_core::{Description, Family, Model, Plan, Shape, Summary, Workload};
use greet_server::{Config, Server};
use greetbench::registry;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

/// The registered models whose description satisfies `keep`.
fn models_where(keep: impl Fn(&Description) -> bool) -> Vec<Box<dyn Model>> {
    let models = registry::runnable().into_iter();
    models.filter(|m| keep(&m.describe())).collect()
}

/// The one model of `keep`, the first in registry order.
fn model_where(keep: impl Fn(&Description) -> bool) -> Box<dyn Model> {
    models_where(keep)
        .into_iter()
        .next()
        .expect("the registry has a model like that")
}

/// Runs `count` jobs of `workload` on `model` (pool size `workers`) against one host per job,
/// whose replies wait for `rendezvous` greets at once, and returns the batch's timeline.
fn traced(
    model: &dyn Model,
    workload: Workload,
    count: usize,
    workers: usize,
    rendezvous: Option<usize>,
) -> Trace {
    let server = Server::start(Config {
        hosts: count,
        latency: Duration::from_millis(20),
        rendezvous,
        ..Config::default()
    })
    .unwrap();
    let mut plan = Plan::new(workload, count, server.targets());
    plan.work = 20_000;
    plan.workers = workers;
    plan.worker_exe = Some(PathBuf::from(EXE));
    let mut runner = model
        .start(&plan)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    let t0 = now_us();
    let batch = runner
        .run(&plan)
        .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    let s = Summary::new(count, &batch.outcomes).unwrap();
    assert_eq!(s.ok, count, "{}: {:?}", model.name(), s.first_errors);
    Trace::new(t0, &plan, &batch.outcomes)
}

/// The distinct threads (pid, tid) the spans of `phase` ran on.
fn threads_of(trace: &Trace, phase: Phase) -> BTreeSet<(u32, Option<u32>)> {
    trace
        .spans()
        .filter(|(_, s)| s.phase == phase)
        .map(|(j, s)| (j.pid, s.tid))
        .collect()
}

#[test]
fn one_at_a_time_is_a_staircase_on_one_thread() {
    let model = model_where(|d| d.shape == Shape::OneAtATime);
    let trace = traced(model.as_ref(), Workload::Greet, 6, 2, None);
    assert_eq!(trace.lanes().len(), 1, "{trace:?}");
    // No two waits overlap...
    assert_eq!(trace.peak(Phase::Waiting), 1);
    // ...because each job starts only after the one before it has ended.
    for pair in trace.jobs.windows(2) {
        assert!(
            pair[1].picked_us >= pair[0].done_us,
            "job {} began before job {} ended",
            pair[1].index,
            pair[0].index
        );
    }
}

#[test]
fn a_pool_of_k_waits_on_k_lanes_at_most() {
    let k = 3;
    let pools = models_where(|d| d.shape == Shape::Pool);
    assert!(!pools.is_empty());
    for model in pools {
        let name = model.name();
        // The rendezvous of k proves k waits overlap; the pool caps both figures at k.
        let trace = traced(model.as_ref(), Workload::Greet, 4 * k, k, Some(k));
        assert_eq!(trace.peak(Phase::Waiting), k, "{name}");
        assert_eq!(threads_of(&trace, Phase::Waiting).len(), k, "{name}");
        assert!(trace.lanes().len() <= k, "{name}: {:?}", trace.lanes());
        if model.describe().family == Family::Processes {
            // Its lanes are its worker processes, none of them this one.
            let pids: BTreeSet<u32> = trace.jobs.iter().map(|j| j.pid).collect();
            assert_eq!(pids.len(), k, "{name}");
            assert!(!pids.contains(&std::process::id()), "{name}");
        }
    }
}

#[test]
fn one_thread_per_job_gives_every_greet_its_own_lane() {
    let n = 12;
    let model = model_where(|d| d.family == Family::Threads && d.shape == Shape::PerJob);
    let trace = traced(model.as_ref(), Workload::Greet, n, 2, Some(n));
    assert_eq!(threads_of(&trace, Phase::Waiting).len(), n, "{trace:?}");
    assert_eq!(trace.peak(Phase::Waiting), n);
    for j in &trace.jobs {
        let tids: BTreeSet<_> = j.spans.iter().map(|s| s.tid).collect();
        assert_eq!(tids, BTreeSet::from([j.tid]), "job {}", j.index);
    }
}

#[test]
fn the_event_loop_runs_every_phase_on_one_thread_while_the_waits_overlap() {
    let n = 12;
    let model = model_where(|d| d.family == Family::Async && d.one_thread);
    let trace = traced(model.as_ref(), Workload::Greet, n, 2, Some(n));
    let lanes = trace.lanes();
    assert_eq!(lanes.len(), 1, "{lanes:?}");
    assert!(lanes[0].tid.is_some());
    // Every greet waits at once, on that one thread.
    assert_eq!(trace.peak(Phase::Waiting), n);
    // With crunch on the loop too, the crunches take turns on the same thread.
    let mixed = traced(model.as_ref(), Workload::Mixed, n, 2, Some(n));
    assert_eq!(mixed.lanes().len(), 1, "{:?}", mixed.lanes());
    assert_eq!(threads_of(&mixed, Phase::Crunching).len(), 1);
    assert_eq!(mixed.peak(Phase::Crunching), 1);
}

#[test]
fn every_model_traces_one_span_per_phase_inside_its_job() {
    for model in registry::runnable() {
        let name = model.name();
        let trace = traced(model.as_ref(), Workload::Mixed, 6, 2, None);
        assert_eq!(trace.jobs.len(), 6, "{name}");
        for j in &trace.jobs {
            let phases: Vec<Phase> = j.spans.iter().map(|s| s.phase).collect();
            assert_eq!(phases, Phase::ALL, "{name} job {}", j.index);
            let (picked, done) = (j.picked_us.unwrap(), j.done_us.unwrap());
            let mut at = picked;
            for s in &j.spans {
                assert!(s.start_us >= at && s.end_us >= s.start_us, "{name}: {j:?}");
                at = s.end_us;
            }
            assert!(at <= done, "{name}: {j:?}");
            assert_eq!(j.host, Some(j.index as u32), "{name}: one host per job");
        }
    }
}

/// Runs the binary with `args` (and `env`), which must succeed.
fn greetbench(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let out = Command::new(EXE)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("greetbench runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn run_trace_writes_trace_event_json_with_one_slice_per_phase_per_job() {
    let n = 12;
    let model = registry::first_where(|d| d.family == Family::Async && d.one_thread);
    let dir = std::env::temp_dir().join(format!("gb-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.json");
    let out = greetbench(
        &[
            "run",
            "--model",
            &model,
            "--count",
            &n.to_string(),
            "--hosts",
            &n.to_string(),
            "--latency",
            "20ms",
            "--trace",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("perfetto"));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let events = doc["traceEvents"].as_array().expect("a traceEvents array");
    let mut seen = BTreeSet::new();
    let mut named_tracks = BTreeSet::new();
    for e in events {
        let track = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        assert!(e["name"].is_string(), "{e}");
        match e["ph"].as_str() {
            Some("M") => {
                if e["name"] == "thread_name" {
                    named_tracks.insert(track);
                }
            }
            Some("X") => {
                assert!(e["ts"].is_number() && e["dur"].is_number(), "{e}");
                let job = e["args"]["job"].as_u64().unwrap();
                let phase = e["cat"].as_str().unwrap().to_owned();
                assert!(e["name"].as_str().unwrap().contains(&format!("job {job}")));
                assert_eq!(e["args"]["host"], job, "one host per job");
                assert!(seen.insert((job, phase.clone())), "job {job} {phase} twice");
                assert!(named_tracks.contains(&track), "{e} on an unnamed track");
                if phase == "waiting" {
                    // Units are µs: the host sleeps 20 ms before it replies, so no wait can be
                    // shorter than 20,000 of them. (A bound the server guarantees, not a timing.)
                    assert!(e["dur"].as_f64().unwrap() >= 20_000.0, "{e}");
                }
            }
            other => panic!("unexpected phase type {other:?}"),
        }
    }
    // A greet run: connecting, sending and waiting for each of the n jobs, once each.
    let phases = [Phase::Connecting, Phase::Sending, Phase::Waiting];
    assert_eq!(seen.len(), n * phases.len());
    for job in 0..n as u64 {
        for p in phases {
            assert!(
                seen.contains(&(job, p.name().to_owned())),
                "job {job} {p:?}"
            );
        }
    }
    // Perfetto drops slices of one track that overlap without nesting: none here.
    for (track, mut slices) in greetbench::chrome::slices_by_track(&doc) {
        slices.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for w in slices.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "{track:?}: {w:?} overlap");
        }
    }
}

#[test]
fn a_traced_request_run_in_a_child_comes_back_with_its_timeline() {
    // The sweep's path: a typed request to a fresh child, a typed result back.
    let model = registry::first_where(|d| d.shape == Shape::PerJob);
    let mut request = greet_core::record::RunRequest::new(&model, Workload::Mixed, 4);
    request.hosts.latency = Duration::from_millis(1);
    request.work = Some(1_000);
    request.trace = true;
    let result = greetbench::child::run(&PathBuf::from(EXE), &request, Duration::from_secs(60));
    let record = result.record().unwrap_or_else(|| panic!("{result:?}"));
    let timeline = record.timeline.as_ref().expect("a timeline");
    assert_eq!(timeline.jobs.len(), 4);
    assert!(
        timeline
            .jobs
            .iter()
            .all(|j| j.spans.len() == Phase::ALL.len())
    );
}

#[test]
fn the_switch_turns_recording_off_and_ordinary_records_carry_no_trace() {
    let model = registry::first_where(|d| d.shape == Shape::Pool);
    let args = ["run", "--model", &model, "--count", "4", "--latency", "1ms"];
    let plain: serde_json::Value =
        serde_json::from_slice(&greetbench(&[&args[..], &["--json"][..]].concat(), &[]).stdout)
            .unwrap();
    assert!(plain.get("timeline").is_none(), "{plain}");
    let dir = std::env::temp_dir().join(format!("gb-trace-off-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("off.json");
    let traced = [
        &args[..],
        &["--json", "--trace", file.to_str().unwrap()][..],
    ]
    .concat();
    let on: serde_json::Value = serde_json::from_slice(&greetbench(&traced, &[]).stdout).unwrap();
    let off: serde_json::Value =
        serde_json::from_slice(&greetbench(&traced, &[(greet_core::trace::ENV, "off")]).stdout)
            .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let spans = |record: &serde_json::Value| -> usize {
        let jobs = record["timeline"]["jobs"]
            .as_array()
            .expect("a traced record");
        jobs.iter()
            .map(|j| j["spans"].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(spans(&on), 4 * 3, "connecting, sending, waiting per greet");
    assert_eq!(spans(&off), 0, "GREETBENCH_TRACE=off records nothing");
    assert_eq!(off["ok"], 4);
}

#[test]
fn the_report_draws_one_timeline_per_traced_run_with_a_bar_per_phase() {
    let n = 5;
    let models = [
        registry::first_where(|d| d.shape == Shape::OneAtATime),
        registry::first_where(|d| d.family == Family::Async && d.one_thread),
    ];
    let mut runs = Vec::new();
    for model in &models {
        let mut request = greet_core::record::RunRequest::new(model, Workload::Greet, n);
        request.hosts.hosts = n;
        request.hosts.latency = Duration::from_millis(2);
        request.trace = true;
        runs.push(greetbench::child::run(
            &PathBuf::from(EXE),
            &request,
            Duration::from_secs(60),
        ));
    }
    let paths = greetbench_report::Paths::locate();
    let descriptions = registry::descriptions();
    let nowhere = std::env::temp_dir().join(format!("gb-trace-report-{}", std::process::id()));
    let results = greetbench_report::Results {
        sweep: Some(greetbench_report::results::Sweep {
            format: greetbench_report::results::FORMAT,
            provenance: greetbench_report::Provenance::collect(&paths.workspace),
            models: descriptions.clone(),
            profile: "test".into(),
            wall_s: 0.0,
            entries: Vec::new(),
            kill: None,
            timelines: runs.clone(),
            faults: Vec::new(),
            python: None,
            rates: Vec::new(),
            scale: Vec::new(),
            floor: Vec::new(),
        }),
        ..greetbench_report::Results::gather(&paths.workspace, &nowhere, &descriptions)
    };
    let view = greetbench_report::View::new(&results);
    let waiting = greetbench_report::section::waiting::build(&view);
    let figures: Vec<_> = waiting.grids.iter().flat_map(|g| &g.figures).collect();
    assert_eq!(figures.len(), runs.len(), "one timeline per traced run");
    for f in &figures {
        // One waiting bar per greet; one lane, named once.
        let svg = f.svg.to_string();
        assert_eq!(svg.matches("class=\"ph-w\"").count(), n, "{}", f.title);
        assert_eq!(
            f.svg
                .text_boxes()
                .iter()
                .filter(|(_, t)| !t.contains("ms") && t.parse::<f64>().is_err())
                .count(),
            1,
            "{}: one lane label",
            f.title
        );
    }
    let page = greetbench_report::page(
        &results,
        &greetbench_report::Options {
            link_base: ".".into(),
            baseline: None,
        },
    )
    .unwrap();
    assert!(page.contains("What waiting looks like"));
    for model in &models {
        assert!(
            page.contains(&format!("id=\"timeline-{model}-greet\"")),
            "{model}"
        );
    }
}

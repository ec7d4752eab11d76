//! The run request and the run record: the contract between a harness and a model run.
//!
//! A harness asks for one run with a [`RunRequest`] (JSON on the child's stdin) and gets back
//! one [`RunResult`] (JSON on its stdout): a [`RunRecord`] with every figure of the run, or a
//! [`RunFailure`] saying why there are none. `greetbench run --json` prints the record, the
//! sweep stores the results, and the report reads them: the same type all the way, never
//! copied field by field into another struct. Whether a run was ok, stopped by an OS limit or
//! failed is derived ([`RunResult::status`]), never stored beside the figures.
//!
//! ARCHITECTURE.md documents these as the protocol any model implementation speaks, in any
//! language.
//!
//! # Layout
//! - `request`: [`RunRequest`], with the hosts it starts ([`HostSpec`]) and an open-loop
//!   run's arrivals ([`LoadSpec`]).
//! - `figures`: the figures a record carries beside its counts: the machine's [`Noise`], an
//!   open-loop run's [`LoadFigures`], a scale point's [`ScaleFigures`] (with
//!   [`KernelMemory`]) and the server's [`ServerCounts`].
//! - `result`: [`RunRecord`], [`RunFailure`] and [`RunResult`], and the [`Status`] derived
//!   from them.
//! - Here: how durations read in JSON ([`ms`], [`opt_ms`]).

mod figures;
mod request;
mod result;

pub use figures::{KernelMemory, LoadFigures, Noise, ScaleFigures, ServerCounts};
pub use request::{HostSpec, LoadSpec, RunRequest};
pub use result::{FailureKind, RunFailure, RunRecord, RunResult, Status};

/// Durations as milliseconds (`f64`) in JSON, so that records read naturally.
pub mod ms {
    use std::time::Duration;

    /// Serialises a duration as milliseconds.
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64() * 1e3)
    }

    /// Reads milliseconds; negative, infinite or absurd values are errors.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let v: f64 = serde::Deserialize::deserialize(d)?;
        Duration::try_from_secs_f64(v / 1e3).map_err(|_| {
            serde::de::Error::custom(format!("{v} ms is not a duration: use 0 or more"))
        })
    }
}

/// Optional durations as milliseconds, `null` for none.
pub mod opt_ms {
    use std::time::Duration;

    /// Serialises an optional duration as milliseconds or `null`.
    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::ms::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    /// Reads milliseconds or `null`.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let v: Option<f64> = serde::Deserialize::deserialize(d)?;
        v.map(|v| {
            Duration::try_from_secs_f64(v / 1e3).map_err(|_| {
                serde::de::Error::custom(format!("{v} ms is not a duration: use 0 or more"))
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::fault::{FaultKind, Faults};
    use crate::outcome::{ErrorKind, OsLimit};
    use crate::trace::Trace;
    use crate::workload::DEFAULT_WORK;
    use crate::{Arrivals, Pattern, Workload};

    fn record(errors_by_kind: &[(ErrorKind, usize)]) -> RunRecord {
        let errors = errors_by_kind.iter().map(|(_, n)| n).sum();
        RunRecord {
            request: RunRequest::new("m", Workload::Greet, 10).resolved(),
            ok: 10 - errors,
            errors,
            errors_by_kind: errors_by_kind.iter().copied().collect(),
            first_errors: vec!["job 3: timed out".into()],
            wall_s: 1.0,
            start_s: 0.0,
            floor_s: Some(0.5),
            cpu_user_s: 0.1,
            cpu_sys_s: 0.1,
            cpu_total_s: Some(0.3),
            start_cpu_s: None,
            peak_rss_kib: 3000,
            baseline_rss_kib: 1000,
            peak_threads: 3,
            executor_threads: None,
            start_method: None,
            interpreter: None,
            ctx_voluntary: 0,
            ctx_involuntary: 0,
            latency_p50_ms: None,
            latency_p99_ms: None,
            checksum: None,
            distinct_pids: 1,
            open_files_limit: 1024,
            noise: None,
            attempts: 10,
            retries_used: 0,
            server: None,
            timeline: None,
            load: None,
            scale: None,
        }
    }

    #[test]
    fn status_is_derived_from_the_counts() {
        assert_eq!(record(&[]).status(), Status::Ok);
        assert_eq!(record(&[(ErrorKind::Timeout, 2)]).status(), Status::Failed);
        let r = record(&[(ErrorKind::Timeout, 2), (ErrorKind::OpenFiles, 3)]);
        assert_eq!(r.status(), Status::Limit(OsLimit::OpenFiles));
        assert_eq!(r.limits(), vec![OsLimit::OpenFiles]);
    }

    #[test]
    fn errors_are_only_injected_when_the_faults_asked_for_explain_them() {
        let with =
            |spec: &str, errors: &[(ErrorKind, usize)], server: Option<&[(FaultKind, u64)]>| {
                let mut r = record(errors);
                r.request.hosts.faults = Faults::parse(spec).unwrap();
                r.server = server.map(|f| ServerCounts {
                    faults: f.iter().copied().collect(),
                    ..ServerCounts::default()
                });
                r.status()
            };
        let resets = [(ErrorKind::Reset, 2), (ErrorKind::Timeout, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, None),
            Status::FaultsOnly
        );
        let counted = [(FaultKind::Reset, 2), (FaultKind::Stall, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, Some(&counted)),
            Status::FaultsOnly
        );
        // More resets than the server injected: something else broke too.
        let fewer = [(FaultKind::Reset, 1), (FaultKind::Stall, 1)];
        assert_eq!(
            with("reset=20%,stall=5%", &resets, Some(&fewer)),
            Status::Failed
        );
        // Timeouts with no fault that delays: not explained.
        assert_eq!(with("reset=20%", &resets, None), Status::Failed);
        // A wrong reply is never a fault's doing.
        let bad = [(ErrorKind::BadReply, 1)];
        assert_eq!(with("reset=20%", &bad, None), Status::Failed);
        // Refusals only when a host goes down.
        let refused = [(ErrorKind::Refused, 3)];
        assert_eq!(with("reset=20%", &refused, None), Status::Failed);
        assert_eq!(with("down=20%", &refused, None), Status::FaultsOnly);
        // A reset by an outage: no more than the outages counted.
        let caught = [(ErrorKind::Refused, 6), (ErrorKind::Reset, 2)];
        let outages = |n| [(FaultKind::Down, n)];
        assert_eq!(
            with("down=50%", &caught, Some(&outages(2))),
            Status::FaultsOnly
        );
        assert_eq!(with("down=50%", &caught, Some(&outages(1))), Status::Failed);
        // Without faults, errors are failures.
        assert_eq!(with("", &resets, None), Status::Failed);
    }

    #[test]
    fn the_cpu_total_is_exact_where_kept_and_the_split_summed_in_older_records() {
        let r = record(&[]);
        assert_eq!(r.cpu_s(), 0.3, "the total, not user + sys");
        let mut json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["cpu_total_s"], 0.3);
        json.as_object_mut().unwrap().remove("cpu_total_s");
        let old: RunRecord = serde_json::from_value(json).unwrap();
        assert_eq!(old.cpu_total_s, None);
        assert!((old.cpu_s() - 0.2).abs() < 1e-12);
        let again = serde_json::to_value(&old).unwrap();
        assert!(
            again.get("cpu_total_s").is_none(),
            "re-serialised as it was: {again}"
        );
    }

    #[test]
    fn a_record_roundtrips_with_flat_keys() {
        let r = record(&[(ErrorKind::ThreadLimit, 1)]);
        let json = serde_json::to_value(&r).unwrap();
        for key in [
            "model",
            "workload",
            "count",
            "latency_ms",
            "hosts",
            "errors_by_kind",
        ] {
            assert!(json.get(key).is_some(), "{key} in {json}");
        }
        assert_eq!(json["errors_by_kind"]["thread_limit"], 1);
        assert_eq!(
            json["work"],
            serde_json::Value::Null,
            "greet runs do no crunch"
        );
        let back: RunRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn a_traced_record_roundtrips_with_its_request_flag_and_its_timeline() {
        let mut r = record(&[]);
        r.request.trace = true;
        r.timeline = Some(Trace {
            t0_unix_us: 5,
            pid: 1,
            jobs: Vec::new(),
        });
        // The request's flag and the record's timeline share one flat object: distinct keys.
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn an_open_loop_request_counts_its_schedule_and_roundtrips_beside_its_figures() {
        let spec = LoadSpec {
            rate: 20.0,
            duration: Duration::from_secs(3),
            arrivals: Pattern::Constant,
            seed: 0,
        };
        let req = RunRequest::open_loop("m", Workload::Greet, spec.clone()).unwrap();
        assert_eq!(req.count, 60);
        let plan = req.plan(Vec::new());
        assert_eq!(plan.arrivals.as_ref().map(Arrivals::count), Some(60));
        // A batch says nothing of it.
        let batch = serde_json::to_value(RunRequest::new("m", Workload::Greet, 1)).unwrap();
        assert!(batch.get("offered").is_none());
        // The request's spec and the record's figures are distinct keys of one flat object.
        let mut r = record(&[]);
        r.request.offered = Some(spec);
        r.load = Some(LoadFigures {
            offered_rate: 20.0,
            ..LoadFigures::default()
        });
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["offered"]["duration_ms"], 3000.0);
        assert_eq!(json["offered"]["arrivals"], "constant");
        assert_eq!(json["load"]["offered_rate"], 20.0);
        assert_eq!(serde_json::from_value::<RunRecord>(json).unwrap(), r);
        // A rate that makes no schedule names its flag.
        let bad = LoadSpec {
            rate: 0.0,
            ..req.offered.clone().unwrap()
        };
        let e = RunRequest::open_loop("m", Workload::Greet, bad).unwrap_err();
        assert!(e.to_string().starts_with("--rate"), "{e}");
    }

    #[test]
    fn a_scale_point_roundtrips_with_its_request_flag_and_its_figures() {
        let mut r = record(&[]);
        r.request.scale_point = true;
        r.scale = Some(ScaleFigures {
            peak_waiting: 10,
            user_kib_per_greet: 1.5,
            kernel_kib_per_greet: 2.5,
            kernel: KernelMemory {
                slab_kib: 20,
                ..KernelMemory::default()
            },
            total_kib_per_greet: 4.0,
            cpu_us_per_greet: 30.0,
            client_processes: 1,
            server_processes: 2,
            past_limits: Some("server spread over 2 processes".into()),
        });
        // The request's flag and the record's figures share one flat object: distinct keys.
        let result = RunResult::Record(Box::new(r));
        let text = serde_json::to_string(&result).unwrap();
        assert_eq!(serde_json::from_str::<RunResult>(&text).unwrap(), result);
    }

    #[test]
    fn a_request_reads_milliseconds_and_refuses_negative_ones() {
        let req: RunRequest = serde_json::from_str(
            r#"{"model":"m","workload":"greet","count":5,"timeout_ms":1000,"hosts":2,"latency_ms":2.5}"#,
        )
        .unwrap();
        assert_eq!(req.hosts.latency, Duration::from_micros(2500));
        assert_eq!(req.timeout, Duration::from_secs(1));
        assert!(
            serde_json::from_str::<RunRequest>(
                r#"{"model":"m","workload":"greet","count":5,"timeout_ms":-1,"hosts":2,"latency_ms":1}"#,
            )
            .is_err()
        );
        assert_eq!(req.resolved().work, None);
        // A request that does not ask for a trace gets none, and does not mention it.
        assert!(!req.trace);
        assert!(serde_json::to_value(&req).unwrap().get("trace").is_none());
        let traced = RunRequest { trace: true, ..req };
        let json = serde_json::to_value(&traced).unwrap();
        assert_eq!(json["trace"], true);
        assert_eq!(serde_json::from_value::<RunRequest>(json).unwrap(), traced);
        let crunch = RunRequest::new("m", Workload::Crunch, 1).resolved();
        assert_eq!(crunch.work, Some(DEFAULT_WORK));
    }
}

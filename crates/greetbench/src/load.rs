//! The figures of an open-loop run (`greetbench load`, the rate sweep), from its outcomes.
//!
//! In an open-loop run job `i` is *due* at a fixed instant of the schedule
//! ([`greet_core::Arrivals`]), however busy the model is. Each job's latency runs from that
//! instant to its end (`done_us - offset_us(i)`), so the time it spent queued behind a busy
//! model counts: a closed loop, which sends the next greet only once a reply is in, would not
//! have sent it yet and would never see that wait (*coordinated omission*). The latencies go
//! into an HDR histogram (3 significant digits: within 0.1 %) for the percentiles; the
//! largest is exact.
//!
//! Every offered job is accounted for: it ended (ok or an error, in the record's counts), and
//! when arrivals stopped it had ended, was running (`in_flight_at_end`) or had not started yet
//! (`queued_at_end`, of which `never_started` never did before the run's deadline). A job the
//! deadline cut off counts in the latencies as ending then (a lower bound on its wait), so
//! the jobs that waited longest are never left out of the tail. An error without stamps that
//! the deadline did not cut (a worker that died or was written off, a thread that could not
//! start) has no latency: nobody saw when it ended, so it is only counted among the errors.
//!
//! The *predicted knee* is the offered rate past which the model must queue. A model that
//! keeps at most K greets waiting (a pool of K, or one greet at a time: K = 1), each for the
//! hosts' latency L, serves at most K / L greets per second. Any model also stops at the
//! machine's CPU: its cores over the CPU one job costs, measured in this very run as the
//! client's CPU (start-up excluded) plus the server's, over the jobs that ran; and the client
//! alone cannot use more cores than its model runs CPU work on (one for an event loop on one
//! thread). The knee is the lower of the two, and `knee_basis` says which.
//!
//! This module only computes: [`figures`] is a pure function of the schedule, the outcomes
//! and the CPU the run used, so the tests build outcomes by hand and need no clock.

use std::time::Duration;

use greet_core::record::LoadFigures;
use greet_core::{Arrivals, GreetError, OpenLoop, Outcome};
use hdrhistogram::Histogram;

/// A job that started more than this before it was due counts in `started_early`: the
/// model's dispatcher did not wait for it. (Clocks of two processes, and a timer that fires a
/// little early, stay well within it.)
pub const EARLY_US: u64 = 1_000;

/// The largest latency the histogram tells apart, µs: an hour (the longest schedule).
const MAX_LATENCY_US: u64 = 3_600_000_000;

/// How long the arrivals' epoch is set ahead of the run's start: enough for a dispatcher to
/// receive its plan (a worker process or an interpreter reads it from a pipe) before the
/// first job is due, so that handing the plan over is not counted as queueing.
pub const LEAD: Duration = Duration::from_millis(100);

/// A model that keeps at most `k` greets waiting at once, each for `latency`: a pool of K,
/// or one greet at a time (K = 1). Such a model serves at most K / L greets per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// Greets that can wait at once (`Concurrency::io`).
    pub k: usize,
    /// How long each waits: the hosts' latency (mean, jitter included).
    pub latency: Duration,
}

/// The CPU a run's jobs used, for the CPU limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// The client's CPU (its process and worker processes), start-up excluded, s.
    pub client_s: f64,
    /// The server's CPU over the run, s, when the harness started the hosts.
    pub server_s: Option<f64>,
    /// This machine's logical cores: what client and server share.
    pub cores: usize,
    /// The cores the client's model can run CPU work on at once (`Concurrency::cpu`, at most
    /// `cores`): 1 for an event loop on one thread.
    pub client_cores: usize,
}

/// The figures of an open-loop run of `arrivals` that ended in `outcomes` (one per job, in
/// any order), whose deadline was `deadline_us` after the epoch (`None`: none), for a model
/// bounded by `bound` (`None`: one thread or task per job) that used `cpu`.
pub fn figures(
    arrivals: &Arrivals,
    outcomes: &[Outcome],
    deadline_us: Option<u64>,
    bound: Option<Bound>,
    cpu: &CpuUse,
) -> LoadFigures {
    let end = arrivals.duration_us;
    let mut t = Tally::of(arrivals, outcomes, deadline_us);
    let events = std::mem::take(&mut t.events);
    let (cpu_limit_rate, cpu_us_per_job, cpu_basis) = cpu_limit(cpu, t.ran);
    let (predicted_knee_rate, knee_basis) = knee(bound, cpu_limit_rate, cpu_basis);
    LoadFigures {
        arrivals: arrivals.pattern,
        offered_rate: arrivals.offered_rate(),
        achieved_rate: t.ok as f64 / (t.last_ok_us.max(end).max(1) as f64 / 1e6),
        duration_s: end as f64 / 1e6,
        queued_at_end: t.queued_at_end,
        in_flight_at_end: t.in_flight_at_end,
        max_queued: max_queued(events),
        never_started: t.never_started,
        latency_p50_ms: t.quantile(0.50),
        latency_p90_ms: t.quantile(0.90),
        latency_p99_ms: t.quantile(0.99),
        latency_p999_ms: t.quantile(0.999),
        latency_max_ms: t.max_us.map(|us| us as f64 / 1e3),
        predicted_knee_rate,
        knee_basis,
        cpu_limit_rate,
        cpu_us_per_job,
        started_early: t.started_early,
    }
}

/// What an open-loop run's outcomes add up to, job by job: the latencies from each job's
/// intended start, the queues when arrivals ended, and the queue's changes over time.
struct Tally {
    hist: Option<Histogram<u64>>,
    max_us: Option<u64>,
    queued_at_end: usize,
    in_flight_at_end: usize,
    never_started: usize,
    started_early: usize,
    ran: usize,
    ok: usize,
    last_ok_us: u64,
    /// Queue depth over time: +1 when a job is due, -1 when it starts.
    events: Vec<(u64, i64)>,
}

impl Tally {
    /// Tallies `outcomes` against the schedule `arrivals` and the deadline.
    fn of(arrivals: &Arrivals, outcomes: &[Outcome], deadline_us: Option<u64>) -> Tally {
        let mut t = Tally {
            hist: Histogram::<u64>::new_with_max(MAX_LATENCY_US, 3).ok(),
            max_us: None,
            queued_at_end: 0,
            in_flight_at_end: 0,
            never_started: 0,
            started_early: 0,
            ran: 0,
            ok: 0,
            last_ok_us: 0,
            events: Vec::with_capacity(2 * outcomes.len()),
        };
        // Cut off by the deadline before it started: the model counted it a `Deadline` error
        // without greeting. (A stamped job that started only past the deadline counts too.)
        let never = |o: &Outcome| match o.open_loop {
            None => o.attempts == 0 && o.error == Some(GreetError::Deadline),
            Some(ol) => deadline_us.is_some_and(|d| ol.started_us >= d),
        };
        for o in outcomes {
            let due = arrivals.offset_us(o.index);
            // An error with no stamps that the deadline did not cut: its worker died or was
            // written off, or its thread could not start, and nobody saw when it ended. It is
            // counted among the errors, but has no latency and no place in the queues.
            if o.open_loop.is_none() && !never(o) {
                continue;
            }
            t.events.push((due, 1));
            if never(o) {
                t.never_started(o, due, deadline_us);
            } else if let Some(ol) = o.open_loop {
                // `never` is false only for a job with a stamp.
                t.ran(ol, due, arrivals.duration_us, o.is_ok());
            }
        }
        t
    }

    /// A job the deadline cut off before it started. It ended when the deadline cut it off:
    /// its wait until then is its latency (a lower bound), so the tail is never flattered by
    /// the jobs that waited longest. A job due only after the deadline was never offered: it
    /// has none.
    fn never_started(&mut self, o: &Outcome, due: u64, deadline_us: Option<u64>) {
        self.never_started += 1;
        self.queued_at_end += 1;
        if let Some(cut) = o
            .open_loop
            .map(|ol| ol.done_us)
            .or(deadline_us)
            .filter(|&cut| cut > due)
        {
            self.record(cut.saturating_sub(due));
        }
    }

    /// A job that started, due at `due`; arrivals ended at `end`.
    fn ran(&mut self, ol: OpenLoop, due: u64, end: u64, ok: bool) {
        self.ran += 1;
        if ol.started_us.saturating_add(EARLY_US) < due {
            self.started_early += 1;
        }
        // A job that started before it was due queued for no time.
        self.events.push((ol.started_us.max(due), -1));
        if ol.started_us >= end {
            self.queued_at_end += 1;
        } else if ol.done_us > end {
            self.in_flight_at_end += 1;
        }
        self.record(ol.done_us.saturating_sub(due));
        if ok {
            self.ok += 1;
            self.last_ok_us = self.last_ok_us.max(ol.done_us);
        }
    }

    fn record(&mut self, latency_us: u64) {
        if let Some(h) = self.hist.as_mut() {
            h.saturating_record(latency_us);
        }
        self.max_us = self.max_us.max(Some(latency_us));
    }

    /// The latency at quantile `q`, ms. The histogram answers with the highest value of a
    /// bucket (within 0.1 %): never more than the largest latency itself.
    fn quantile(&self, q: f64) -> Option<f64> {
        self.hist
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(q).min(self.max_us.unwrap_or(0)) as f64 / 1e3)
    }
}

/// The most jobs due and not started at any one instant. At equal instants every change is
/// applied before the depth is read, so a job that starts the moment it is due never counts.
fn max_queued(mut events: Vec<(u64, i64)>) -> usize {
    events.sort_unstable();
    let (mut depth, mut max) = (0i64, 0i64);
    let mut i = 0;
    while i < events.len() {
        let at = events[i].0;
        while i < events.len() && events[i].0 == at {
            depth += events[i].1;
            i += 1;
        }
        max = max.max(depth);
    }
    usize::try_from(max).unwrap_or(0)
}

/// The machine's CPU limit for these jobs: the rate, the CPU per job (µs) and the basis in
/// words. `None` when no job ran or none used measurable CPU.
fn cpu_limit(cpu: &CpuUse, ran: usize) -> (Option<f64>, Option<f64>, String) {
    if ran == 0 {
        return (None, None, String::new());
    }
    let jobs = ran as f64;
    let client_us = cpu.client_s.max(0.0) * 1e6 / jobs;
    let server_us = cpu.server_s.map(|s| s.max(0.0) * 1e6 / jobs);
    let total_us = client_us + server_us.unwrap_or(0.0);
    if total_us <= 0.0 {
        return (None, None, String::new());
    }
    let cores = cpu.cores.max(1);
    let machine = cores as f64 * 1e6 / total_us;
    let client_cores = cpu.client_cores.clamp(1, cores);
    let client = (client_us > 0.0).then(|| client_cores as f64 * 1e6 / client_us);
    let cost = match server_us {
        Some(s) => format!("{total_us:.0} µs per job (client {client_us:.0} + server {s:.0})"),
        None => format!("{total_us:.0} µs per job (client only)"),
    };
    match client {
        Some(c) if c < machine => (
            Some(c),
            Some(total_us),
            format!("CPU: the client's {client_cores} core(s) / {client_us:.0} µs per job"),
        ),
        _ => (
            Some(machine),
            Some(total_us),
            format!("CPU: {cores} cores / {cost}"),
        ),
    }
}

/// The predicted knee: K / L for a bounded model, the CPU limit for any, whichever is lower.
fn knee(bound: Option<Bound>, cpu: Option<f64>, cpu_basis: String) -> (Option<f64>, String) {
    let pool = bound
        .filter(|b| b.k > 0 && !b.latency.is_zero())
        .map(|b| (b.k as f64 / b.latency.as_secs_f64(), b));
    match (pool, cpu) {
        (Some((rate, b)), cpu) if cpu.is_none_or(|c| rate <= c) => (
            Some(rate),
            format!("K/L = {} / {} ms", b.k, b.latency.as_secs_f64() * 1e3),
        ),
        (_, Some(c)) => (Some(c), cpu_basis),
        (_, None) => (None, "not known: no job ran".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use greet_core::{OpenLoop, Pattern};

    /// 10 greets/s for 1 s: job i is due at i × 100 ms.
    fn schedule() -> Arrivals {
        Arrivals::new(Pattern::Constant, 10.0, Duration::from_secs(1), 0).unwrap()
    }

    fn job(index: usize, started_us: u64, done_us: u64) -> Outcome {
        let mut o = Outcome::new(index, Duration::ZERO, Ok((None, 0)));
        o.open_loop = Some(OpenLoop {
            started_us,
            done_us,
        });
        o
    }

    fn idle() -> CpuUse {
        CpuUse {
            client_s: 0.0,
            server_s: None,
            cores: 2,
            client_cores: 2,
        }
    }

    #[test]
    fn latency_runs_from_the_intended_start_and_queues_are_counted() {
        let a = schedule();
        // A model of one worker at a 150 ms latency, offered a job every 100 ms: each job
        // starts when the previous one ends, so the queue and the latency grow.
        let mut outcomes = Vec::new();
        let mut free = 0;
        for i in 0..a.count() {
            let due = a.offset_us(i);
            let start = free.max(due);
            free = start + 150_000;
            outcomes.push(job(i, start, free));
        }
        let f = figures(&a, &outcomes, None, None, &idle());
        // Job i ends at 150 ms × (i + 1) and was due at 100 ms × i: 150 + 50 i ms.
        let latencies: Vec<f64> = (0..10).map(|i| 150.0 + 50.0 * i as f64).collect();
        let near = |got: Option<f64>, want: f64| {
            let got = got.unwrap();
            assert!((got - want).abs() <= want * 0.001, "{got} vs {want}");
        };
        near(f.latency_p50_ms, latencies[4]);
        near(f.latency_p90_ms, latencies[8]);
        // The top percentiles are the largest, exactly: never above it.
        assert_eq!(f.latency_p99_ms, Some(600.0));
        assert_eq!(f.latency_p999_ms, Some(600.0));
        assert_eq!(f.latency_max_ms, Some(600.0));
        // At 1 s, jobs 0..6 had started (job 6 at 900 ms), job 6 was running, 7..9 queued.
        assert_eq!(f.queued_at_end, 3);
        assert_eq!(f.in_flight_at_end, 1);
        assert_eq!(f.never_started, 0);
        // Job 9 is due at 900 ms, when job 6 starts: 7, 8 and 9 wait until 7 starts at
        // 1050 ms. Three is the most at once: a job is due every 100 ms and one starts every 150.
        assert_eq!(f.max_queued, 3);
        assert_eq!(f.started_early, 0);
        assert!((f.offered_rate - 10.0).abs() < 1e-9);
        // 10 ok by 1.5 s.
        assert!(
            (f.achieved_rate - 10.0 / 1.5).abs() < 1e-9,
            "{}",
            f.achieved_rate
        );
        assert_eq!(f.duration_s, 1.0);
        // A model that keeps up achieves what was offered: its last greet ends within the
        // duration, over which the rate is counted.
        let kept: Vec<Outcome> = (0..a.count())
            .map(|i| job(i, a.offset_us(i), a.offset_us(i) + 50_000))
            .collect();
        let f = figures(&a, &kept, None, None, &idle());
        assert_eq!(f.achieved_rate, 10.0);
    }

    #[test]
    fn a_model_that_keeps_up_queues_nothing() {
        let a = schedule();
        let outcomes: Vec<Outcome> = (0..a.count())
            .map(|i| job(i, a.offset_us(i), a.offset_us(i) + 50_000))
            .collect();
        let f = figures(&a, &outcomes, None, None, &idle());
        assert_eq!(f.max_queued, 0);
        assert_eq!(f.queued_at_end, 0);
        // Job 9 ran from 900 to 950 ms: done before the end.
        assert_eq!(f.in_flight_at_end, 0);
        assert_eq!(f.latency_max_ms, Some(50.0));
    }

    #[test]
    fn jobs_cut_off_by_the_deadline_are_never_started_and_still_queued() {
        let a = schedule();
        let mut outcomes: Vec<Outcome> = (0..8)
            .map(|i| job(i, a.offset_us(i), a.offset_us(i) + 10_000))
            .collect();
        // Job 8 was picked up after the deadline (2 s) and gave up at once; job 9 never had
        // a stamp (its worker never got it).
        let mut late = job(8, 2_000_000, 2_000_000);
        late.error = Some(GreetError::Deadline);
        outcomes.push(late);
        outcomes.push(Outcome::failed(9, GreetError::Deadline));
        let f = figures(&a, &outcomes, Some(2_000_000), None, &idle());
        assert_eq!(f.never_started, 2);
        assert_eq!(f.queued_at_end, 2);
        // Both were still waiting at the end: never started, the queue never drained.
        assert_eq!(f.max_queued, 2);
        // The jobs cut off waited until the deadline cut them: 2 s less when they were due
        // (800 and 900 ms). Their waits are the tail.
        assert_eq!(f.latency_max_ms, Some(1200.0));
        assert!((f.latency_p50_ms.unwrap() - 10.0).abs() <= 0.01);
        assert!(f.latency_p90_ms.unwrap() >= 1100.0 * 0.999);
        // 8 ok over the 1 s of arrivals.
        assert!((f.achieved_rate - 8.0).abs() < 1e-9);
    }

    #[test]
    fn an_error_nobody_saw_end_is_counted_but_has_no_latency_and_never_queued() {
        let a = schedule();
        let mut outcomes: Vec<Outcome> = (0..9)
            .map(|i| job(i, a.offset_us(i), a.offset_us(i) + 10_000))
            .collect();
        // Job 9's worker was killed: an error with no stamps, not one the deadline cut.
        let mut died = Outcome::failed(9, GreetError::WorkerDied("signal 9".into()));
        died.attempts = 1;
        outcomes.push(died);
        let f = figures(&a, &outcomes, Some(20_000_000), None, &idle());
        assert_eq!(f.never_started, 0);
        assert_eq!(f.queued_at_end, 0);
        assert_eq!(f.max_queued, 0);
        // Its latency is not made up from the deadline (20 s): the others' 10 ms stay the max.
        assert_eq!(f.latency_max_ms, Some(10.0));
    }

    #[test]
    fn a_dispatcher_that_does_not_pace_is_seen_starting_jobs_early() {
        let a = schedule();
        // Every job started at once, at time zero: the batch way.
        let outcomes: Vec<Outcome> = (0..a.count()).map(|i| job(i, 0, 50_000)).collect();
        let f = figures(&a, &outcomes, None, None, &idle());
        assert_eq!(f.started_early, 9, "job 0 was due at 0");
        assert_eq!(f.max_queued, 0);
    }

    #[test]
    fn the_knee_is_k_over_l_for_a_bounded_model_unless_the_cpu_is_lower() {
        let a = schedule();
        let outcomes: Vec<Outcome> = (0..a.count()).map(|i| job(i, 0, 1)).collect();
        let pool = Some(Bound {
            k: 2,
            latency: Duration::from_millis(50),
        });
        // 10 jobs, 1 ms of client CPU and 1 ms of server CPU: 200 µs each, 2 cores: 10k/s.
        let cpu = CpuUse {
            client_s: 0.001,
            server_s: Some(0.001),
            cores: 2,
            client_cores: 2,
        };
        let f = figures(&a, &outcomes, None, pool, &cpu);
        assert_eq!(f.predicted_knee_rate, Some(40.0));
        assert_eq!(f.knee_basis, "K/L = 2 / 50 ms");
        assert!((f.cpu_limit_rate.unwrap() - 10_000.0).abs() < 1e-6);
        assert!((f.cpu_us_per_job.unwrap() - 200.0).abs() < 1e-9);
        // One job per thread or task: the CPU limit.
        let f = figures(&a, &outcomes, None, None, &cpu);
        assert!((f.predicted_knee_rate.unwrap() - 10_000.0).abs() < 1e-6);
        assert!(f.knee_basis.starts_with("CPU: 2 cores"), "{}", f.knee_basis);
        // An event loop on one thread, 150 µs of client CPU a job: its one core serves
        // 6.7k/s, below the machine's 2 cores / 150 µs.
        let one = CpuUse {
            client_s: 0.0015,
            server_s: Some(0.0),
            client_cores: 1,
            ..cpu
        };
        let f = figures(&a, &outcomes, None, None, &one);
        let want = 1e6 / 150.0;
        assert!((f.predicted_knee_rate.unwrap() - want).abs() < 1e-6);
        assert!(f.knee_basis.contains("client's 1 core"), "{}", f.knee_basis);
        // A pool so large that the CPU comes first.
        let big = Some(Bound {
            k: 1000,
            latency: Duration::from_millis(1),
        });
        let f = figures(&a, &outcomes, None, big, &cpu);
        assert!((f.predicted_knee_rate.unwrap() - 10_000.0).abs() < 1e-6);
        // Nothing ran: no CPU limit; a pool's K/L still holds.
        let none: Vec<Outcome> = (0..a.count())
            .map(|i| Outcome::failed(i, GreetError::Deadline))
            .collect();
        let f = figures(&a, &none, Some(1_000_000), pool, &cpu);
        assert_eq!(f.cpu_limit_rate, None);
        assert_eq!(f.predicted_knee_rate, Some(40.0));
        // Each waited from when it was due to the deadline at 1 s: job 0 the longest.
        assert_eq!(f.latency_max_ms, Some(1000.0));
        // With neither a stamp nor a deadline, a job has no latency at all.
        let f = figures(&a, &none, None, pool, &cpu);
        assert_eq!(f.latency_p99_ms, None);
        assert_eq!(f.achieved_rate, 0.0);
        assert_eq!(f.never_started, a.count());
    }

    #[test]
    fn every_offered_job_is_ended_running_or_queued_at_the_end() {
        let a = Arrivals::new(Pattern::Poisson, 200.0, Duration::from_secs(2), 3).unwrap();
        // A worker that takes 8 ms a job (125/s, under the offered 200/s): it falls behind.
        let mut free = 0;
        let outcomes: Vec<Outcome> = (0..a.count())
            .map(|i| {
                let start = free.max(a.offset_us(i));
                free = start + 8_000;
                job(i, start, free)
            })
            .collect();
        let f = figures(&a, &outcomes, None, None, &idle());
        let end = a.duration_us;
        let ended = outcomes
            .iter()
            .filter(|o| o.open_loop.is_some_and(|ol| ol.done_us <= end))
            .count();
        assert_eq!(ended + f.in_flight_at_end + f.queued_at_end, a.count());
        assert!(f.queued_at_end > 0 && f.max_queued >= f.queued_at_end);
    }
}

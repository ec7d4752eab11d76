//! Open-loop runs (issue 12): every Rust model takes jobs over time, each no earlier than it is
//! due, and accounts for every one of them.
//!
//! Nothing here asserts a wall-clock bound. Each job carries its own stamps (`open_loop`:
//! when it really started and ended, µs after the run's epoch) beside when it was due
//! (`Arrivals::offset_us`), and the tests compare those: a job never starts before it is due,
//! starts spread over the schedule's intervals instead of bunching at its start, and a pool's
//! queue (jobs due but not started) stays short below its knee and grows with the rate above.
//! A model that can keep every greet waiting keeps many in flight when many are due within one
//! latency, read off the server's own peak: a model that waits for each greet before starting
//! the next (a closed loop) never has more than one.
//! The models come from the registry, so a new one is tested with no edit here.

use std::path::PathBuf;
use std::time::{Duration, UNIX_EPOCH};

use greet_core::{
    Arrivals, Family, GreetError, Model, Outcome, Pattern, Plan, Shape, Summary, Target, Workload,
};
use greet_server::{Config, Server};
use greetbench::registry;

/// Time zero is set this long after the model has started, so that start-up is not queueing
/// and the dispatcher is waiting when the first job falls due.
const LEAD: Duration = Duration::from_millis(20);

/// How much earlier than its due time a job may seem to start. Every process reads the shared
/// UNIX clock once, at its start, and counts monotonic time from there (`trace::now_us`): the
/// dispatcher that waited and the worker that stamped the start may be different processes
/// (the processes model), whose anchors differ by the few µs between reading the two clocks
/// and by any adjustment of the wall clock since one of them started, and each reading drops
/// its sub-µs part. A dispatcher that ignored the schedule starts jobs tens of ms early, so
/// this slack hides nothing.
const CLOCK_SLACK_US: u64 = 300;

/// A greet plan for `workers`, against `targets`; the processes model re-executes the
/// greetbench binary as its workers.
fn plan(targets: Vec<Target>, workers: usize) -> Plan {
    let mut p = Plan::new(Workload::Greet, 1, targets);
    p.workers = workers;
    p.timeout = Duration::from_secs(10);
    p.worker_exe = Some(PathBuf::from(env!("CARGO_BIN_EXE_greetbench")));
    p
}

/// A schedule of `rate` greets/s for `millis` ms, evenly spaced.
fn constant(rate: f64, millis: u64) -> Arrivals {
    Arrivals::new(Pattern::Constant, rate, Duration::from_millis(millis), 0).unwrap()
}

/// Starts `model` for `plan`, then runs the open-loop `schedule` on it (the epoch set after
/// start, so that start-up is not queueing), and checks that every job is accounted for
/// exactly once.
/// `deadline_ms`, if given, cuts the run that long after the epoch. Returns the outcomes and
/// the schedule with its epoch.
fn run(
    model: &dyn Model,
    mut plan: Plan,
    schedule: Arrivals,
    deadline_ms: Option<u64>,
) -> (Vec<Outcome>, Arrivals) {
    plan.count = schedule.count();
    let name = model.name();
    let mut runner = model.start(&plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    let schedule = schedule.start_in(LEAD);
    plan.deadline =
        deadline_ms.map(|ms| UNIX_EPOCH + Duration::from_micros(schedule.epoch_us + ms * 1_000));
    plan.arrivals = Some(schedule.clone());
    plan.validate().unwrap();
    let batch = runner.run(&plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    // Each job exactly once (or `Summary::new` fails), and each as ok or a counted error.
    let s = Summary::new(plan.count, &batch.outcomes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(s.ok + s.errors, plan.count, "{name}");
    (batch.outcomes, schedule)
}

/// When job `o` started, µs after the epoch; a job that never started counts as starting
/// never.
fn started(o: &Outcome) -> u64 {
    o.open_loop.map_or(u64::MAX, |t| t.started_us)
}

/// Every outcome is ok, with open-loop stamps that start no earlier than the job was due and
/// end no earlier than they start.
fn assert_ok_and_on_time(name: &str, outcomes: &[Outcome], schedule: &Arrivals) {
    for o in outcomes {
        assert!(o.is_ok(), "{name}: job {}: {:?}", o.index, o.error);
        let t = o
            .open_loop
            .unwrap_or_else(|| panic!("{name}: job {} has no open-loop stamps", o.index));
        let due = schedule.offset_us(o.index);
        assert!(
            t.started_us + CLOCK_SLACK_US >= due,
            "{name}: job {} started at {} µs, before it was due at {due} µs",
            o.index,
            t.started_us
        );
        assert!(t.done_us >= t.started_us, "{name}: job {}: {t:?}", o.index);
    }
}

#[test]
fn every_model_accounts_for_every_job_and_starts_none_before_it_is_due() {
    let server = Server::start(Config {
        hosts: 2,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    for model in registry::runnable() {
        let name = model.name();
        let (outcomes, schedule) = run(
            model.as_ref(),
            plan(server.targets(), 2),
            constant(200.0, 150),
            None,
        );
        assert_eq!(outcomes.len(), 30, "{name}");
        assert_ok_and_on_time(name, &outcomes, &schedule);
        for o in &outcomes {
            // Round-robin over the two hosts, as in a batch.
            assert_eq!(
                o.reply.map(|r| r.host),
                Some((o.index % 2) as u32),
                "{name}"
            );
        }
    }
}

#[test]
fn every_model_starts_its_jobs_spread_over_the_schedule_not_at_once() {
    // 40 greets over 1 s, 4 due in each 100 ms interval, answered at once. A model that
    // ignored the schedule would start all 40 in the first interval; a model that paces its
    // dispatcher starts about 4 in each. The bounds leave room for a stalled machine: half
    // the jobs in one interval would take a 500 ms stall of the dispatcher.
    let server = Server::start(Config {
        hosts: 1,
        latency: Duration::ZERO,
        ..Config::default()
    })
    .unwrap();
    for model in registry::runnable() {
        let name = model.name();
        let (outcomes, schedule) = run(
            model.as_ref(),
            plan(server.targets(), 2),
            constant(40.0, 1_000),
            None,
        );
        let mut per_interval = [0usize; 11];
        for o in &outcomes {
            let bucket = (started(o) / 100_000) as usize;
            per_interval[bucket.min(per_interval.len() - 1)] += 1;
        }
        let busiest = per_interval.iter().max().copied().unwrap_or(0);
        let used = per_interval.iter().filter(|&&n| n > 0).count();
        assert!(
            busiest <= 20,
            "{name}: {busiest} of 40 jobs started in one 100 ms interval: {per_interval:?}"
        );
        assert!(
            used >= 5,
            "{name}: jobs started in only {used} of 10 intervals: {per_interval:?}"
        );
        assert_ok_and_on_time(name, &outcomes, &schedule);
        // The last job is due at 975 ms: it started in the last interval or after it.
        let last = outcomes.iter().max_by_key(|o| o.index).map(started);
        assert!(
            last >= Some(900_000),
            "{name}: the last job started at {last:?} µs"
        );
    }
}

#[test]
fn every_model_counts_the_jobs_a_deadline_cuts_before_they_start() {
    // 20 greets over 1 s, cut by a deadline at 400 ms: the 12 due at or after it never start.
    // They are counted as deadline errors with no open-loop stamps, not dropped, and no
    // model sleeps on towards their due times (the run would still end, but later).
    let server = Server::start(Config {
        hosts: 1,
        latency: Duration::from_millis(2),
        ..Config::default()
    })
    .unwrap();
    let cut_at_us = 400_000;
    for model in registry::runnable() {
        let name = model.name();
        let (outcomes, schedule) = run(
            model.as_ref(),
            plan(server.targets(), 2),
            constant(20.0, 1_000),
            Some(cut_at_us / 1_000),
        );
        let mut cut = 0;
        for o in &outcomes {
            if schedule.offset_us(o.index) >= cut_at_us {
                assert_eq!(
                    o.error,
                    Some(GreetError::Deadline),
                    "{name}: job {}",
                    o.index
                );
                assert_eq!(
                    o.open_loop, None,
                    "{name}: job {} was cut but has stamps",
                    o.index
                );
                cut += 1;
            } else {
                // Due in time: it ran, or the deadline cut it too (on a stalled machine).
                assert!(
                    o.is_ok() || o.error == Some(GreetError::Deadline),
                    "{name}: job {}: {:?}",
                    o.index,
                    o.error
                );
            }
        }
        assert_eq!(cut, 12, "{name}");
    }
}

/// The most jobs queued at once over the run, and the jobs queued when the arrivals end: a job
/// is queued from when it is due until it starts (forever, if it never does).
fn queued(outcomes: &[Outcome], schedule: &Arrivals) -> (usize, usize) {
    let queued_at = |t: u64| {
        let waiting = |o: &&Outcome| schedule.offset_us(o.index) <= t && started(o) > t;
        outcomes.iter().filter(waiting).count()
    };
    let most = outcomes
        .iter()
        .map(|o| queued_at(schedule.offset_us(o.index)))
        .max()
        .unwrap_or(0);
    (most, queued_at(schedule.duration_us))
}

#[test]
fn a_pools_queue_stays_short_below_its_knee_and_grows_with_the_rate_above_it() {
    // A thread pool of K = 2 at latency L = 50 ms finishes at most K/L = 40 greets a second:
    // its knee. Each worker starts at most one greet per L (the server holds each one L), so
    // by the end of D = 1 s of arrivals at most K × (D/L + 1) = 42 have started, whatever the
    // machine's speed: at 100/s at least 58 are still queued, at 200/s at least 158.
    let server = Server::start(Config {
        hosts: 1,
        latency: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap();
    let pool = registry::first_where(|d| d.family == Family::Threads && d.shape == Shape::Pool);
    let pool = registry::find(&pool).unwrap();
    let name = pool.name();
    let queue_at = |rate: f64, millis: u64| {
        let (outcomes, schedule) = run(
            pool.as_ref(),
            plan(server.targets(), 2),
            constant(rate, millis),
            None,
        );
        assert!(outcomes.iter().all(Outcome::is_ok), "{name} at {rate}/s");
        queued(&outcomes, &schedule)
    };
    // A quarter of the knee: a greet every 100 ms, each done in about 50 ms. The due job itself
    // waits a moment for a worker to pick it, so 1 is the least; 5 would take a stall of 400 ms.
    let (most_below, _) = queue_at(10.0, 2_000);
    assert!(
        most_below <= 5,
        "{name}: {most_below} jobs queued at once at 10/s, below its knee of 40/s"
    );
    let (_, at_100) = queue_at(100.0, 1_000);
    let (_, at_200) = queue_at(200.0, 1_000);
    assert!(
        at_100 >= 58,
        "{name}: {at_100} jobs queued after 1 s at 100/s"
    );
    assert!(
        at_200 >= 158,
        "{name}: {at_200} jobs queued after 1 s at 200/s"
    );
    assert!(
        at_200 > at_100 && at_100 > most_below,
        "{name}: queues {most_below}, {at_100}, {at_200}"
    );
}

#[test]
fn every_model_that_keeps_every_greet_waiting_keeps_many_in_flight_in_an_open_loop() {
    // 40 greets at 100/s, one due every 10 ms over 390 ms, each held by its host L = 200 ms:
    // rate × L = 20 greets fall due within one L. A model whose concurrency keeps every greet
    // waiting at once starts each when it is due whatever the others are doing, so about 20
    // wait on the server together. One that has fallen back to a closed loop (each greet
    // waited for before the next starts) never has more than 1 in flight.
    //
    // The bound of 5 needs no timing from the machine. The server holds each greet at least
    // L from when it reads it, so any 5 greets it reads within one L are in flight together.
    // For the peak to stay below 5, every 5 consecutive reads must span more than L, so reads
    // 0, 4, 8, ..., 36 are each more than L apart: the 40 reads would span more than
    // 9 × L = 1.8 s, against a schedule of 390 ms. A stall of the dispatcher or the machine
    // bunches the starts and only raises the peak; it would take a model that fell behind the
    // schedule by over a second, step after step, to stay below 5.
    let latency = Duration::from_millis(200);
    let floor = 5;
    let mut checked = Vec::new();
    for model in registry::runnable() {
        let name = model.name();
        let schedule = constant(100.0, 400);
        // A server of its own per model: its peak is this model's alone.
        let server = Server::start(Config {
            hosts: 4,
            latency,
            ..Config::default()
        })
        .unwrap();
        let mut p = plan(server.targets(), 2);
        p.count = schedule.count();
        assert_eq!(p.count, 40);
        if model.concurrency(&p).io < p.count {
            // A pool of 2 (or one greet at a time) keeps only that many waiting, by design.
            continue;
        }
        let (outcomes, schedule) = run(model.as_ref(), p, schedule, None);
        // `run` checked ok + errors == count; none may fail here either.
        assert_ok_and_on_time(name, &outcomes, &schedule);
        let stats = server.stats();
        assert_eq!(stats.served, 40, "{name}: {stats:?}");
        assert!(
            stats.peak_in_flight >= floor,
            "{name}: at most {} greets in flight at once, with 20 due within one latency: \
             it waits for each greet before starting the next",
            stats.peak_in_flight
        );
        checked.push(name);
    }
    // Never vacuous: the models of one thread or one task per job keep every greet waiting,
    // so each of them was checked.
    let per_job: Vec<&str> = registry::runnable()
        .iter()
        .filter(|m| m.describe().shape == Shape::PerJob)
        .map(|m| m.name())
        .collect();
    assert!(
        !per_job.is_empty() && per_job.iter().all(|n| checked.contains(n)),
        "checked {checked:?}; every per-job model {per_job:?} keeps every greet waiting"
    );
}

#[test]
fn a_hung_worker_process_holds_only_its_own_job_and_the_rest_wait_in_the_parent() {
    // Each of 2 workers hangs at its 2nd job. In a batch a worker holds a second job behind the
    // one it runs (prefetch), lost with it when it is killed. In an open-loop run the parent
    // sends a job only to an idle worker: each hung worker holds only the job it hangs on, and
    // the jobs due meanwhile wait in the parent, never sent, until no worker is left for them.
    let server = Server::start(Config::default()).unwrap();
    let model = model_processes::Processes {
        fault: Some(model_processes::faults::Fault::Hang(2)),
    };
    let mut p = plan(server.targets(), 2);
    p.timeout = Duration::from_millis(200);
    let (outcomes, _) = run(&model, p, constant(20.0, 400), None);
    let hung = outcomes
        .iter()
        .filter(|o| o.error == Some(GreetError::WorkerHung));
    assert_eq!(hung.count(), 2, "{outcomes:#?}");
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        2,
        "{outcomes:#?}"
    );
    for o in outcomes.iter().filter(|o| !o.is_ok()) {
        // Never started where the parent could see it: no stamps came back.
        assert_eq!(o.open_loop, None, "job {}", o.index);
        if let Some(GreetError::WorkerDied(why)) = &o.error {
            assert!(
                why.contains("no worker process left"),
                "job {}: {why}",
                o.index
            );
        }
    }
}

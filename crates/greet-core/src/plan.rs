//! What a run does ([`Plan`]), where its greets go ([`Target`]), and how hard a greet tries
//! ([`Retry`]) before it counts as an error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::arrivals::Arrivals;
use crate::outcome::GreetError;
use crate::protocol::Reply;
use crate::workload::{DEFAULT_WORK, PANIC_WORK, Workload};

/// The largest `--count` a run accepts. Far beyond what one machine's ports and threads
/// allow for the concurrent models, but a bound all the same: every loop is finite.
pub const MAX_COUNT: usize = 1_000_000;

/// The largest `--workers` a run accepts (the threads-per-process limit is about 16k here).
pub const MAX_WORKERS: usize = 10_000;

/// One host to greet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// Where the host listens.
    pub addr: SocketAddr,
    /// The host number its reply must name, when known. A greetbench server's host `i` is
    /// `Some(i)`; hosts given by address only (`--targets`) are `None` and not checked.
    pub host: Option<u32>,
}

impl Target {
    /// A reply must come from the host the job aimed at: `reply` if it names this target's
    /// host (or the host is not known), a [`GreetError::WrongHost`] otherwise.
    pub fn check(&self, reply: Reply) -> Result<Reply, GreetError> {
        match self.host {
            Some(expected) if expected != reply.host => Err(GreetError::WrongHost {
                expected,
                got: reply.host,
            }),
            _ => Ok(reply),
        }
    }
}

/// Why a plan cannot run. Each message names the flag that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// `count` is 0 or above [`MAX_COUNT`].
    #[error("--count must be between 1 and {MAX_COUNT} (got {0})")]
    Count(usize),
    /// `workers` is 0 or above [`MAX_WORKERS`].
    #[error("--workers must be between 1 and {MAX_WORKERS} (got {0})")]
    Workers(usize),
    /// A greet workload with no hosts.
    #[error("a greet workload needs at least one host: use --hosts or --targets")]
    NoHosts,
    /// A zero timeout.
    #[error("--timeout must be greater than 0")]
    Timeout,
    /// Too many retries.
    #[error("--retries must be at most {MAX_RETRIES} (got {0})")]
    Retries(u32),
    /// The crunch size reserved for tests, [`PANIC_WORK`], which makes jobs panic.
    #[error("--work {PANIC_WORK} is reserved for greetbench's own tests: use a smaller size")]
    Work,
    /// An open-loop plan whose schedule is not one arrival per job.
    #[error(
        "an open-loop plan of {count} jobs has {arrivals} arrivals: build it from the schedule"
    )]
    Arrivals {
        /// The plan's count.
        count: usize,
        /// The schedule's.
        arrivals: usize,
    },
}

/// Everything a model needs to run one batch of jobs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Greet, crunch or mixed.
    pub workload: Workload,
    /// How many jobs (greets, crunches, or both).
    pub count: usize,
    /// The hosts; job `i` greets `targets[i % targets.len()]` (round-robin).
    pub targets: Vec<Target>,
    /// Crunch size `W`.
    pub work: u32,
    /// Pool size for the pooled models (thread-pool, processes, rayon); prefork's processes.
    pub workers: usize,
    /// Every greet gives up after this long and counts as a timeout error.
    pub timeout: Duration,
    /// The executable the processes model re-runs in worker mode. `None`: the current one.
    #[serde(skip)]
    pub worker_exe: Option<PathBuf>,
    /// How often a failed greet is tried again. The default tries once: no retries.
    #[serde(default)]
    pub retry: Retry,
    /// The whole batch's deadline, if any: a job that has not finished by then ends as a
    /// [`GreetError::Deadline`] error, and no attempt waits past it. Wall-clock time, so that
    /// the processes model's workers (other processes) read the same instant.
    #[serde(default)]
    pub deadline: Option<SystemTime>,
    /// When each job is due, for an open-loop run (`greetbench load`); `None` for a batch,
    /// where every job is due at once. See [`crate::arrivals`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<Arrivals>,
}

impl Plan {
    /// A plan with the defaults: one worker per logical core, the default crunch size and a
    /// 10 s greet timeout.
    pub fn new(workload: Workload, count: usize, targets: Vec<Target>) -> Plan {
        Plan {
            workload,
            count,
            targets,
            work: DEFAULT_WORK,
            workers: default_workers(),
            timeout: Duration::from_secs(10),
            worker_exe: None,
            retry: Retry::default(),
            deadline: None,
            arrivals: None,
        }
    }

    /// The jobs in the order they are due, each yielded once it is: at once for a batch, at
    /// its intended start for an open-loop run (the calling thread sleeps in between). The
    /// dispatch loop of a blocking model: `for i in plan.jobs() { hand job i over }`.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.count).inspect(|&i| self.wait_due(i))
    }

    /// Blocks until job `index` is due (see [`Self::until_due`]); returns at once for a
    /// batch.
    pub fn wait_due(&self, index: usize) {
        if let Some(wait) = self.until_due(index) {
            std::thread::sleep(wait.min(crate::arrivals::MAX_DURATION));
        }
    }

    /// How long until job `index` is due; `None` when it is (always, for a batch). An async
    /// dispatcher sleeps this long on its runtime's timer before spawning the job. Never past
    /// the deadline: a job due after it is handed over when it passes, and [`crate::run_job`]
    /// counts it as cut before it started.
    pub fn until_due(&self, index: usize) -> Option<Duration> {
        let wait = self.arrivals.as_ref()?.until_due(index)?;
        match self.time_left() {
            Some(left) if left.is_zero() => None,
            Some(left) => Some(wait.min(left)),
            None => Some(wait),
        }
    }

    /// The time left before the batch's deadline (`None`: no deadline). Zero once it passed.
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline.map(|d| {
            d.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// The timeout of the next attempt: the greet timeout, cut short by the deadline. A
    /// [`GreetError::Deadline`] when the deadline has passed.
    pub fn attempt_timeout(&self) -> Result<Duration, GreetError> {
        match self.time_left() {
            None => Ok(self.timeout),
            Some(left) if left.is_zero() => Err(GreetError::Deadline),
            Some(left) => Ok(self.timeout.min(left)),
        }
    }

    /// What a failed attempt of job `index` means: its error as counted (a timeout that the
    /// deadline cut short is [`GreetError::Deadline`]), and the wait before the next attempt,
    /// or `None` when the job should give up. `attempts` counts the attempts made so far,
    /// `timeout` is the one the failed attempt had.
    pub fn after_failure(
        &self,
        error: GreetError,
        attempts: u32,
        timeout: Duration,
        index: usize,
    ) -> (GreetError, Option<Duration>) {
        let error = match error {
            GreetError::Timeout if timeout < self.timeout => GreetError::Deadline,
            e => e,
        };
        if attempts > self.retry.retries || !Retry::retries_after(&error) {
            return (error, None);
        }
        let wait = self.retry.backoff(attempts, index);
        // A wait that would outlast the deadline is no retry at all.
        match self.time_left() {
            Some(left) if left <= wait => (error, None),
            _ => (error, Some(wait)),
        }
    }

    /// Checks the plan's own consistency; the message names the fix.
    pub fn validate(&self) -> Result<(), PlanError> {
        if self.count == 0 || self.count > MAX_COUNT {
            return Err(PlanError::Count(self.count));
        }
        if self.workers == 0 || self.workers > MAX_WORKERS {
            return Err(PlanError::Workers(self.workers));
        }
        if self.workload.greets() && self.targets.is_empty() {
            return Err(PlanError::NoHosts);
        }
        if self.timeout.is_zero() {
            return Err(PlanError::Timeout);
        }
        if self.retry.retries > MAX_RETRIES {
            return Err(PlanError::Retries(self.retry.retries));
        }
        if self.workload.crunches() && self.work == PANIC_WORK {
            return Err(PlanError::Work);
        }
        if let Some(a) = &self.arrivals
            && a.count() != self.count
        {
            return Err(PlanError::Arrivals {
                count: self.count,
                arrivals: a.count(),
            });
        }
        Ok(())
    }

    /// The host job `index` greets.
    pub fn target(&self, index: usize) -> &Target {
        &self.targets[index % self.targets.len()]
    }

    /// The checksum a correct run of this plan must produce (the wrapping sum of every job's
    /// crunch), computed here the slow way, one job after another. `None` for greet, and for
    /// mixed when a target's host is unknown (its reply seeds the crunch).
    pub fn expected_checksum(&self) -> Option<u64> {
        let seed = |i: usize| match self.workload {
            Workload::Greet => None,
            Workload::Crunch => Some(crate::workload::crunch_seed(i)),
            Workload::Mixed => self.target(i).host.map(|host| Reply { host }.seed(i)),
        };
        (0..self.count).try_fold(0u64, |sum, i| {
            Some(sum.wrapping_add(crate::workload::crunch(self.work, seed(i)?)))
        })
    }
}

/// How a job retries a failed greet: up to `retries` more attempts, each bounded by the
/// greet timeout, with exponential backoff and jitter between them.
///
/// A greet is idempotent (the host keeps nothing from one greeting to the next), so sending
/// it again is always safe, even after a timeout, when the host may have received the first.
/// What is retried is what a retry can fix: a refused connection (a host restarting), a reset
/// or a close without a reply (a dropped connection: the next attempt reconnects), and a
/// timeout. What is not: a wrong or garbled reply (the host answered; asking again gets the
/// same answer), an OS limit (more attempts only press on the exhausted resource, and the run
/// must report the limit), and the model's own failures (a dead worker, a panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Retry {
    /// Further attempts after the first; 0 tries once.
    pub retries: u32,
    /// The wait before the first retry; each further one doubles it.
    pub backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            retries: 0,
            backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
        }
    }
}

/// The most retries a run accepts: each attempt has its own timeout, so this bounds a job.
pub const MAX_RETRIES: u32 = 20;

impl Retry {
    /// Whether a greet that failed with `error` is worth another attempt (see [`Retry`]).
    pub fn retries_after(error: &GreetError) -> bool {
        matches!(
            error,
            GreetError::Refused | GreetError::Reset | GreetError::Closed | GreetError::Timeout
        )
    }

    /// The wait after attempt `attempt` (1 for the first) of job `index`: `backoff ×
    /// 2^(attempt-1)`, capped at `max_backoff`, of which a random half ("equal jitter") is
    /// left out, so that jobs that failed together do not retry together. The jitter is drawn
    /// from the job and attempt numbers, so it is reproducible.
    pub fn backoff(&self, attempt: u32, index: usize) -> Duration {
        let exp = self
            .backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let r = crate::fault::unit(crate::fault::mix(0x5EED, index as u64, u64::from(attempt)));
        exp / 2 + (exp / 2).mul_f64(r)
    }
}

/// The number of logical cores, which is what Python's `multiprocessing.Pool` and rayon
/// default to.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How much of a plan a model can run at once: the basis of the ideal time `floor_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Concurrency {
    /// How many greets can be waiting at the same time.
    pub io: usize,
    /// How many crunches can be running on a CPU at the same time.
    pub cpu: usize,
}

impl Concurrency {
    /// The ideal wall time of `plan` for a model with this concurrency.
    ///
    /// - greet: `ceil(N / io) × L`, the latency paid in waves of `io` greets; connection
    ///   set-up is taken as free.
    /// - crunch: `N × t_job / min(cpu, cores)`, with `t_job` the measured time of one job.
    /// - mixed: the sum of the two.
    ///
    /// It is an ideal, not a promise: a concurrent model that overlaps waiting and crunching
    /// can beat the mixed figure, and nothing beats the other two.
    pub fn floor(
        &self,
        plan: &Plan,
        latency: Duration,
        job_time: Duration,
        cores: usize,
    ) -> Duration {
        let n = plan.count as u32;
        let waves = plan.count.div_ceil(self.io.max(1)) as u32;
        let io = latency * waves;
        let cpu = job_time * n / self.cpu.clamp(1, cores.max(1)) as u32;
        match plan.workload {
            Workload::Greet => io,
            Workload::Crunch => cpu,
            Workload::Mixed => io + cpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(workload: Workload, count: usize) -> Plan {
        let t = Target {
            addr: "127.0.0.1:9".parse().unwrap(),
            host: Some(0),
        };
        Plan::new(workload, count, vec![t])
    }

    #[test]
    fn validate_names_the_fix() {
        let message = |p: Plan| p.validate().unwrap_err().to_string();
        assert!(message(plan(Workload::Greet, 0)).contains("--count"));
        assert!(message(plan(Workload::Greet, MAX_COUNT + 1)).contains("between 1 and"));
        let mut p = plan(Workload::Greet, 1);
        p.targets.clear();
        assert!(p.validate().unwrap_err().to_string().contains("--hosts"));
        p.workload = Workload::Crunch;
        assert!(p.validate().is_ok());
        p.work = PANIC_WORK;
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("smaller size")
        );
    }

    #[test]
    fn an_open_loop_job_is_never_waited_for_past_the_deadline() {
        use crate::arrivals::{Arrivals, Pattern};
        let mut p = plan(Workload::Greet, 10);
        assert_eq!(p.until_due(9), None, "a batch has every job due at once");
        let a = Arrivals::new(Pattern::Constant, 1.0, Duration::from_secs(10), 0).unwrap();
        p.arrivals = Some(a.start_in(Duration::ZERO));
        assert!(p.until_due(9) > Some(Duration::from_secs(5)));
        p.deadline = Some(SystemTime::now() + Duration::from_secs(1));
        let capped = p.until_due(9).expect("the deadline has not passed");
        assert!(capped <= Duration::from_secs(1), "{capped:?}");
        p.deadline = Some(SystemTime::now() - Duration::from_secs(1));
        assert_eq!(p.until_due(9), None, "past the deadline, every job is due");
    }

    #[test]
    fn floor_counts_waves() {
        let p = plan(Workload::Greet, 10);
        let l = Duration::from_millis(10);
        let c = Concurrency { io: 4, cpu: 4 };
        assert_eq!(c.floor(&p, l, Duration::ZERO, 2), l * 3);
        let seq = Concurrency { io: 1, cpu: 1 };
        assert_eq!(seq.floor(&p, l, Duration::ZERO, 2), l * 10);
        let p = plan(Workload::Crunch, 10);
        assert_eq!(
            c.floor(&p, l, Duration::from_millis(1), 2),
            Duration::from_millis(5)
        );
    }

    #[test]
    fn expected_checksums_follow_the_job_definition() {
        use crate::workload::{crunch, crunch_seed};
        let mut p = plan(Workload::Crunch, 3);
        p.work = 10;
        let sum = (0..3).fold(0u64, |s, i| s.wrapping_add(crunch(10, crunch_seed(i))));
        assert_eq!(p.expected_checksum(), Some(sum));
        p.workload = Workload::Mixed;
        p.targets[0].host = Some(3);
        let mixed = (0..3).fold(0u64, |s, i| {
            s.wrapping_add(crunch(10, Reply { host: 3 }.seed(i)))
        });
        assert_eq!(p.expected_checksum(), Some(mixed));
        assert_ne!(mixed, sum, "mixed crunches are seeded by the reply");
        p.targets[0].host = None;
        assert_eq!(p.expected_checksum(), None);
        p.workload = Workload::Greet;
        assert_eq!(p.expected_checksum(), None);
    }
}

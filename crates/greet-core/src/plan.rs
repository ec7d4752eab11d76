//! What a run does ([`Plan`]) and where its greets go ([`Target`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The crunch size reserved for tests, [`PANIC_WORK`], which makes jobs panic.
    #[error("--work {PANIC_WORK} is reserved for greetbench's own tests: use a smaller size")]
    Work,
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
    /// Pool size for the pooled models (thread-pool, processes, rayon).
    pub workers: usize,
    /// Every greet gives up after this long and counts as a timeout error.
    pub timeout: Duration,
    /// The executable the processes model re-runs in worker mode. `None`: the current one.
    #[serde(skip)]
    pub worker_exe: Option<PathBuf>,
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
        if self.workload.crunches() && self.work == PANIC_WORK {
            return Err(PlanError::Work);
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

//! How each job ended, and what a batch of them adds up to.
//!
//! Every job ends as exactly one [`Outcome`]: either ok, or with a [`GreetError`] that is
//! counted. [`Summary::new`] checks the invariant `ok + errors == count`.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use crate::protocol::Reply;
use crate::trace::Stamps;

/// Why a job did not complete. Each variant is counted under its [`ErrorKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum GreetError {
    /// Nothing listens at the target.
    #[error("connection refused")]
    Refused,
    /// The host reset the connection.
    #[error("connection reset by the host")]
    Reset,
    /// The host closed the connection before a full reply.
    #[error("host closed the connection before replying")]
    Closed,
    /// No reply within the plan's timeout.
    #[error("timed out")]
    Timeout,
    /// The reply was not a greet reply.
    #[error("bad reply: {0}")]
    BadReply(String),
    /// The reply came from a host other than the one greeted.
    #[error("reply from host {got}, expected host {expected}")]
    WrongHost {
        /// The host the job aimed at.
        expected: u32,
        /// The host that answered.
        got: u32,
    },
    /// The OS limit on open files was reached.
    #[error("too many open files")]
    OpenFiles,
    /// No ephemeral port was free for another connection to this address.
    #[error("no ephemeral port left for this destination")]
    EphemeralPorts,
    /// The OS refused another thread.
    #[error("the OS refused to start another thread: {0}")]
    ThreadLimit(String),
    /// The worker process running the job died.
    #[error("worker process exited: {0}")]
    WorkerDied(String),
    /// The worker process running the job stopped answering and was killed.
    #[error("worker process hung and was killed")]
    WorkerHung,
    /// The process running the job broke the model's protocol about it: reported it twice,
    /// never reported it, or wrote something that is not a message (a model in another
    /// language, whose interpreter the harness talks to over a pipe).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The job panicked. Every model catches the panic where its concurrency runs the job
    /// (a thread's join, a task's `JoinError`, a worker's `catch_unwind`) and counts it here,
    /// so one bad job never takes the batch, or a sibling, down with it.
    #[error("the job panicked: {0}")]
    Panicked(String),
    /// Any other I/O error.
    #[error("{0}")]
    Io(String),
    /// The run's overall deadline (`--deadline`) passed before the job finished: it was cut
    /// off, or never started.
    #[error("cut off by the run's deadline")]
    Deadline,
}

/// The counting bucket of a [`GreetError`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// [`GreetError::Refused`].
    Refused,
    /// [`GreetError::Reset`] or [`GreetError::Closed`].
    Reset,
    /// [`GreetError::Timeout`].
    Timeout,
    /// [`GreetError::BadReply`] or [`GreetError::WrongHost`].
    BadReply,
    /// [`GreetError::OpenFiles`].
    OpenFiles,
    /// [`GreetError::EphemeralPorts`].
    EphemeralPorts,
    /// [`GreetError::ThreadLimit`].
    ThreadLimit,
    /// [`GreetError::WorkerDied`], [`GreetError::WorkerHung`] or [`GreetError::Protocol`].
    Worker,
    /// [`GreetError::Panicked`].
    Panicked,
    /// [`GreetError::Io`].
    Io,
    /// [`GreetError::Deadline`].
    Deadline,
}

impl ErrorKind {
    /// The OS limit this kind of error means, if it means one.
    pub fn limit(self) -> Option<OsLimit> {
        match self {
            ErrorKind::OpenFiles => Some(OsLimit::OpenFiles),
            ErrorKind::EphemeralPorts => Some(OsLimit::EphemeralPorts),
            ErrorKind::ThreadLimit => Some(OsLimit::Threads),
            _ => None,
        }
    }
}

/// An OS limit that can stop part of a run. Each one is named, with the way round it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OsLimit {
    /// `RLIMIT_NOFILE`: open files per process.
    OpenFiles,
    /// `net.ipv4.ip_local_port_range`: ephemeral ports per destination address.
    EphemeralPorts,
    /// `vm.max_map_count` / `kernel.threads-max` / `RLIMIT_NPROC`: threads per process.
    Threads,
}

impl OsLimit {
    /// Every limit, in display order.
    pub const ALL: [OsLimit; 3] = [
        OsLimit::OpenFiles,
        OsLimit::EphemeralPorts,
        OsLimit::Threads,
    ];

    /// A short name for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            OsLimit::OpenFiles => "open files (RLIMIT_NOFILE)",
            OsLimit::EphemeralPorts => "ephemeral ports",
            OsLimit::Threads => "threads (vm.max_map_count)",
        }
    }

    /// [`OsLimit::hint`] for an open-loop run (`greetbench load`), which has no `--count`: its
    /// greets are `--rate` times `--duration`.
    pub fn hint_open_loop(self) -> &'static str {
        match self {
            OsLimit::OpenFiles => {
                "hit the open-files limit (RLIMIT_NOFILE, `ulimit -n`); greetbench already raised \
                 the soft limit to the hard limit, so raise the hard limit or lower --rate (or \
                 --duration)"
            }
            other => other.hint(),
        }
    }

    /// Which limit was hit, and the way round it.
    pub fn hint(self) -> &'static str {
        match self {
            OsLimit::OpenFiles => {
                "hit the open-files limit (RLIMIT_NOFILE, `ulimit -n`); greetbench already raised \
                 the soft limit to the hard limit, so raise the hard limit or lower --count"
            }
            OsLimit::EphemeralPorts => {
                "ran out of ephemeral ports (net.ipv4.ip_local_port_range, about 28k per \
                 destination address); spread the load with more --hosts and --spread-addresses"
            }
            OsLimit::Threads => {
                "hit the thread limit (vm.max_map_count / kernel.threads-max / RLIMIT_NPROC, about \
                 16k threads per process here); use a pool (--workers) or an async model"
            }
        }
    }
}

impl GreetError {
    /// The bucket this error is counted in.
    pub fn kind(&self) -> ErrorKind {
        match self {
            GreetError::Refused => ErrorKind::Refused,
            GreetError::Reset | GreetError::Closed => ErrorKind::Reset,
            GreetError::Timeout => ErrorKind::Timeout,
            GreetError::BadReply(_) | GreetError::WrongHost { .. } => ErrorKind::BadReply,
            GreetError::OpenFiles => ErrorKind::OpenFiles,
            GreetError::EphemeralPorts => ErrorKind::EphemeralPorts,
            GreetError::ThreadLimit(_) => ErrorKind::ThreadLimit,
            GreetError::WorkerDied(_) | GreetError::WorkerHung | GreetError::Protocol(_) => {
                ErrorKind::Worker
            }
            GreetError::Panicked(_) => ErrorKind::Panicked,
            GreetError::Io(_) => ErrorKind::Io,
            GreetError::Deadline => ErrorKind::Deadline,
        }
    }

    /// A caught panic's payload as an error: the panic message when it is a string.
    pub fn panicked(payload: &(dyn std::any::Any + Send)) -> GreetError {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-string payload".to_owned());
        GreetError::Panicked(message)
    }
}

impl From<io::Error> for GreetError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => return GreetError::Refused,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => return GreetError::Reset,
            io::ErrorKind::UnexpectedEof => return GreetError::Closed,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => return GreetError::Timeout,
            io::ErrorKind::AddrNotAvailable => return GreetError::EphemeralPorts,
            _ => {}
        }
        // EMFILE (24) and ENFILE (23) on Linux: the per-process and system open-file limits.
        match e.raw_os_error() {
            Some(23 | 24) => GreetError::OpenFiles,
            _ => GreetError::Io(e.to_string()),
        }
    }
}

/// How one job ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// The job's index in `0..count`.
    pub index: usize,
    /// The process that ran it: lets tests see that the processes model used other PIDs.
    pub pid: u32,
    /// From the job's start to its end, in microseconds.
    pub latency_us: u64,
    /// The reply, for greet and mixed jobs that got one.
    pub reply: Option<Reply>,
    /// The crunch checksum, for crunch and mixed jobs; 0 otherwise.
    pub checksum: u64,
    /// `None` when the job succeeded.
    pub error: Option<GreetError>,
    /// Greets sent: 1 without retries, up to `1 + retries` with them, 0 for a job that
    /// never greeted (crunch, or a job that never ran).
    #[serde(default = "one")]
    pub attempts: u32,
    /// When each of its steps happened and on which thread (see [`crate::trace`]).
    #[serde(default, skip_serializing_if = "Stamps::is_empty")]
    pub stamps: Stamps,
    /// In an open-loop run, when the job really started and ended, after the run's epoch
    /// (see [`crate::arrivals`]); `None` in a batch, and for a job that never started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_loop: Option<OpenLoop>,
}

/// When an open-loop job really ran, in µs after the run's epoch
/// ([`crate::arrivals::Arrivals::epoch_us`]). Its latency runs from when it was *due*, not
/// from `started_us`: the gap between the two is time it spent queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenLoop {
    /// When the model started the job (it picked it from a queue, or its thread or task
    /// began).
    pub started_us: u64,
    /// When the job ended.
    pub done_us: u64,
}

fn one() -> u32 {
    1
}

impl Outcome {
    /// An outcome for job `index`, measured as taking `latency`.
    pub fn new(
        index: usize,
        latency: Duration,
        result: Result<(Option<Reply>, u64), GreetError>,
    ) -> Outcome {
        let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let (reply, checksum, error) = match result {
            Ok((reply, checksum)) => (reply, checksum, None),
            Err(e) => (None, 0, Some(e)),
        };
        Outcome {
            index,
            pid: crate::trace::pid(),
            latency_us,
            reply,
            checksum,
            error,
            attempts: 1,
            stamps: Stamps::default(),
            open_loop: None,
        }
    }

    /// A job that never ran, for example because its worker died first.
    pub fn failed(index: usize, error: GreetError) -> Outcome {
        Outcome {
            attempts: 0,
            ..Outcome::new(index, Duration::ZERO, Err(error))
        }
    }

    /// Whether the job succeeded.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// What a batch adds up to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Jobs asked for.
    pub count: usize,
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs that failed; `ok + errors == count`.
    pub errors: usize,
    /// Failures by kind.
    pub errors_by_kind: BTreeMap<ErrorKind, usize>,
    /// Median latency of the successful jobs, in milliseconds.
    pub latency_p50_ms: Option<f64>,
    /// 99th-percentile latency of the successful jobs, in milliseconds.
    pub latency_p99_ms: Option<f64>,
    /// Order-independent combination (wrapping sum) of the jobs' crunch checksums.
    pub checksum: u64,
    /// How many different processes completed jobs. (A failed job may never have reached a
    /// worker, so only successful ones count.)
    pub distinct_pids: usize,
    /// The first error of each kind, as an example.
    pub first_errors: Vec<String>,
    /// Greets sent, retries included.
    pub attempts: u64,
    /// Greets sent again after a failed attempt.
    pub retries: u64,
}

impl Summary {
    /// Adds up `outcomes`. Fails if they do not account for every job in `0..count` exactly
    /// once: a model that loses or duplicates a job is a bug, not a statistic.
    pub fn new(count: usize, outcomes: &[Outcome]) -> Result<Summary, AccountingError> {
        let mut seen = vec![false; count];
        for o in outcomes {
            match seen.get_mut(o.index) {
                Some(s) if !*s => *s = true,
                Some(_) => return Err(AccountingError::Twice(o.index)),
                None => return Err(AccountingError::OutOfRange(o.index, count)),
            }
        }
        if outcomes.len() != count {
            return Err(AccountingError::Missing(outcomes.len(), count));
        }
        let mut errors_by_kind = BTreeMap::new();
        let mut first_errors = Vec::new();
        let mut latencies = Vec::with_capacity(count);
        let mut checksum = 0u64;
        let mut pids = std::collections::BTreeSet::new();
        let attempts: u64 = outcomes.iter().map(|o| u64::from(o.attempts)).sum();
        let retries: u64 = outcomes
            .iter()
            .map(|o| u64::from(o.attempts.saturating_sub(1)))
            .sum();
        for o in outcomes {
            match &o.error {
                None => {
                    pids.insert(o.pid);
                    latencies.push(o.latency_us);
                    checksum = checksum.wrapping_add(o.checksum);
                }
                Some(e) => {
                    let n = errors_by_kind.entry(e.kind()).or_insert(0);
                    if *n == 0 {
                        first_errors.push(format!("job {}: {e}", o.index));
                    }
                    *n += 1;
                }
            }
        }
        latencies.sort_unstable();
        let ok = latencies.len();
        Ok(Summary {
            count,
            ok,
            errors: count - ok,
            errors_by_kind,
            latency_p50_ms: percentile_ms(&latencies, 0.50),
            latency_p99_ms: percentile_ms(&latencies, 0.99),
            checksum,
            distinct_pids: pids.len(),
            first_errors,
            attempts,
            retries,
        })
    }

    /// The OS limits that stopped some jobs, derived from the error kinds.
    pub fn limits(&self) -> Vec<OsLimit> {
        limits_of(&self.errors_by_kind)
    }
}

/// The OS limits among counted error kinds, most jobs first.
pub fn limits_of(errors_by_kind: &BTreeMap<ErrorKind, usize>) -> Vec<OsLimit> {
    let mut hit: Vec<(OsLimit, usize)> = errors_by_kind
        .iter()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(k, n)| Some((k.limit()?, *n)))
        .collect();
    hit.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    hit.into_iter().map(|(l, _)| l).collect()
}

/// The outcomes of a batch do not account for every job exactly once: a bug in the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountingError {
    /// A job was reported twice.
    #[error("job {0} was reported twice")]
    Twice(usize),
    /// A job index outside the batch.
    #[error("job {0} is out of range 0..{1}")]
    OutOfRange(usize, usize),
    /// Fewer outcomes than jobs.
    #[error("{0} of {1} jobs were reported")]
    Missing(usize, usize),
}

/// Nearest-rank percentile of sorted microsecond values, in milliseconds.
fn percentile_ms(sorted_us: &[u64], q: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = ((q * sorted_us.len() as f64).ceil() as usize).clamp(1, sorted_us.len());
    Some(sorted_us[rank - 1] as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_loop_runs_hint_names_its_own_flags() {
        for limit in OsLimit::ALL {
            assert!(!limit.hint_open_loop().contains("--count"), "{limit:?}");
        }
        assert!(OsLimit::OpenFiles.hint_open_loop().contains("--rate"));
        assert!(OsLimit::OpenFiles.hint().contains("--count"));
    }

    fn ok(i: usize, us: u64) -> Outcome {
        let mut o = Outcome::new(i, Duration::from_micros(us), Ok((None, i as u64)));
        o.pid = 1;
        o
    }

    #[test]
    fn counts_and_percentiles() {
        let mut outs: Vec<_> = (0..99).map(|i| ok(i, 1000)).collect();
        outs.push(Outcome::failed(99, GreetError::EphemeralPorts));
        let s = Summary::new(100, &outs).unwrap();
        assert_eq!((s.ok, s.errors), (99, 1));
        assert_eq!(s.errors_by_kind[&ErrorKind::EphemeralPorts], 1);
        assert_eq!(s.latency_p50_ms, Some(1.0));
        assert_eq!(s.checksum, (0..99u64).sum::<u64>());
        assert_eq!(s.limits(), vec![OsLimit::EphemeralPorts]);
        assert!(OsLimit::EphemeralPorts.hint().contains("ephemeral ports"));
    }

    #[test]
    fn lost_or_duplicated_jobs_are_bugs() {
        assert!(Summary::new(2, &[ok(0, 1)]).is_err());
        assert!(Summary::new(2, &[ok(0, 1), ok(0, 1)]).is_err());
        assert!(Summary::new(1, &[ok(3, 1)]).is_err());
    }

    #[test]
    fn io_errors_are_classified() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(GreetError::from(refused), GreetError::Refused);
        assert_eq!(
            GreetError::from(io::Error::from_raw_os_error(24)),
            GreetError::OpenFiles
        );
        assert_eq!(
            GreetError::from(io::Error::from_raw_os_error(99)),
            GreetError::EphemeralPorts
        );
    }
}

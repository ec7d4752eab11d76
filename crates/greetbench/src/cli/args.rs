//! The flags more than one subcommand takes, each defined once and flattened where it
//! repeats: the hosts (`HostArgs`, with their faults), what each job does (`WorkArgs`: `run`,
//! `compare` and `load`), and a batch's size (`BatchArgs`: `run` and `compare`; `load`'s count
//! comes from its rate and duration instead).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::builder::RangedU64ValueParser;
use greet_core::Workload;
use greet_core::duration;
use greet_core::fault::Faults;
use greet_core::plan::{MAX_COUNT, MAX_RETRIES};
use greet_core::record::{HostSpec, RunRequest};

use super::CliError;

/// The hosts a run greets: `greetbench serve`'s arguments.
#[derive(Debug, Clone, Args)]
pub(super) struct HostArgs {
    /// How many hosts (listening sockets) to greet, round-robin.
    #[arg(long, default_value_t = 8, value_parser = max_hosts())]
    pub hosts: usize,
    /// How long each host waits before replying (50ms, 1s, 250us).
    #[arg(long, default_value = "50ms", value_parser = duration::parse)]
    pub latency: Duration,
    /// Extra random wait per reply, up to this.
    #[arg(long, default_value = "0", value_parser = duration::parse)]
    pub jitter: Duration,
    /// Put host i on its own loopback address 127.0.0.(1+i), past the ~28k ephemeral ports
    /// per destination address (Linux).
    #[arg(long)]
    pub spread_addresses: bool,
    #[command(flatten)]
    pub faults: FaultArgs,
}

/// Faults the hosts inject on purpose.
#[derive(Debug, Clone, Args)]
pub(super) struct FaultArgs {
    /// Inject faults into the greets: KIND=P%[,KIND=P%...]. Kinds: reset (RST instead of the
    /// reply), stall (never reply), close (close without a reply), slow (reply at ~50 B/s),
    /// slice (reply in 4-byte pieces), delay (+100ms), down=P%[/CYCLE] (the host refuses
    /// connections P% of every cycle, 1s by default).
    #[arg(long = "fault", value_name = "KIND=P%", value_parser = parse_fault)]
    pub fault: Vec<String>,
    /// The seed of the faults' draw: the same seed breaks the same greets.
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Only these hosts misbehave (0,3,...) [default: every host].
    #[arg(long, value_delimiter = ',')]
    pub fault_hosts: Vec<u32>,
}

fn parse_fault(spec: &str) -> Result<String, String> {
    Faults::parse(spec)
        .map(|_| spec.to_owned())
        .map_err(|e| e.to_string())
}

impl FaultArgs {
    /// The faults these flags ask for; every `--fault` adds its kinds.
    pub fn faults(&self) -> Result<Faults, CliError> {
        let mut faults = Faults {
            seed: self.fault_seed,
            hosts: self.fault_hosts.clone(),
            ..Faults::default()
        };
        for spec in &self.fault {
            faults
                .add(spec)
                .map_err(|e| CliError::Usage(e.to_string()))?;
        }
        Ok(faults)
    }
}

impl HostArgs {
    /// The hosts these flags ask for, or the one line that names the fix.
    pub fn spec(&self) -> Result<HostSpec, CliError> {
        // Without faults, --fault-hosts would pick the hosts of nothing: say so.
        if !self.faults.fault_hosts.is_empty() && self.faults.fault.is_empty() {
            return Err(CliError::Usage(
                "--fault-hosts needs --fault: it picks the hosts the faults hit".into(),
            ));
        }
        self.spec_with_default_faults()
    }

    /// [`HostArgs::spec`] for a command that injects faults of its own when `--fault` is not
    /// given (`soak`), so that `--fault-hosts` alone aims those.
    pub fn spec_with_default_faults(&self) -> Result<HostSpec, CliError> {
        // A fault aimed at a host that does not exist could never fire: say so.
        if let Some(h) = self
            .faults
            .fault_hosts
            .iter()
            .find(|&&h| h as usize >= self.hosts)
        {
            return Err(CliError::Usage(format!(
                "--fault-hosts {h} names no host: the hosts are 0 to {} (--hosts {})",
                self.hosts.saturating_sub(1),
                self.hosts
            )));
        }
        Ok(HostSpec {
            hosts: self.hosts,
            latency: self.latency,
            jitter: self.jitter,
            spread_addresses: self.spread_addresses,
            faults: self.faults.faults()?,
        })
    }
}

/// What each job does and how long it may take: the flags `run`, `compare` and `load` share.
#[derive(Debug, Clone, Args)]
pub(super) struct WorkArgs {
    /// greet (I/O-bound), crunch (CPU-bound) or mixed.
    #[arg(long, default_value = "greet")]
    pub workload: Workload,
    /// Crunch size W for crunch and mixed, in rounds of the CPU kernel [default: 250000,
    /// about 0.8 ms per job on the reference machine].
    #[arg(long)]
    pub work: Option<u32>,
    /// Pool size for the pooled models (thread-pool, processes, rayon), and prefork's worker
    /// processes [default: logical cores].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Give up on a greet after this long (each attempt, with --retries).
    #[arg(long, default_value = "10s", value_parser = duration::parse)]
    pub timeout: Duration,
    /// Try a greet that failed (refused, reset, closed or timed out) up to this many more
    /// times, with exponential backoff and jitter. A greet is idempotent, so this is safe.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(..=i64::from(MAX_RETRIES)))]
    pub retries: u32,
    /// The wait before the first retry; each further one doubles it, up to 1s.
    #[arg(long, default_value = "20ms", value_parser = duration::parse)]
    pub backoff: Duration,
    /// Stop the whole run after this long; jobs it cuts off (or greets still queued) are
    /// counted errors [default: twice the ideal time (for `load`, --duration), plus one job's
    /// timeouts and backoffs, plus 10s].
    #[arg(long, value_parser = duration::parse)]
    pub deadline: Option<Duration>,
    /// The Python interpreters the Python models run on, comma-separated (paths, or commands
    /// on PATH): compare and the sweep run each Python model once per interpreter, each row
    /// labelled by it; run and load take one [default: GREETBENCH_PYTHON, else python3].
    #[arg(long, value_delimiter = ',', value_name = "PATH")]
    pub python: Vec<PathBuf>,
}

impl WorkArgs {
    /// `request` with these flags' work, pool, timeouts, retries and deadline.
    pub fn apply(&self, request: RunRequest) -> RunRequest {
        RunRequest {
            work: self.work,
            workers: self.workers,
            timeout: self.timeout,
            retries: self.retries,
            backoff: self.backoff,
            deadline: self.deadline,
            python: self.python.first().cloned(),
            ..request
        }
    }

    /// At most one `--python`: for `run` and `load`, which run one model on one interpreter.
    pub fn check_one_python(&self) -> Result<(), CliError> {
        if self.python.len() > 1 {
            return Err(CliError::Usage(
                "--python: run and load take one interpreter; compare and sweep take several"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A batch: how many jobs, and what each does. `run` and `compare` take it.
#[derive(Debug, Clone, Args)]
pub(super) struct BatchArgs {
    /// How many jobs.
    #[arg(long, default_value_t = 100, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_COUNT as u64))]
    pub count: usize,
    #[command(flatten)]
    pub work: WorkArgs,
}

impl BatchArgs {
    /// The request for `model` with these arguments and `hosts`.
    pub fn request(&self, model: &str, hosts: &HostArgs) -> Result<RunRequest, CliError> {
        Ok(self.work.apply(RunRequest {
            hosts: hosts.spec()?,
            ..RunRequest::new(model, self.work.workload, self.count)
        }))
    }

    /// What clap's ranges cannot check: a deadline is longer than nothing.
    pub fn check(&self) -> Result<(), CliError> {
        if self.work.deadline.is_some_and(|d| d.is_zero()) {
            return Err(CliError::Usage("--deadline must be greater than 0".into()));
        }
        Ok(())
    }
}

/// `--hosts`: from 1 to what one server holds.
pub(super) fn max_hosts() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..=greet_server::MAX_HOSTS as u64)
}

/// `ADDR` or `ADDR=HOST`.
pub(super) fn parse_target(text: &str) -> Result<(SocketAddr, Option<u32>), String> {
    let (addr, host) = match text.split_once('=') {
        Some((a, h)) => (a, Some(h)),
        None => (text, None),
    };
    let addr = addr.trim().parse().map_err(|_| {
        format!("'{addr}' is not an address: write IP:PORT, or IP:PORT=HOST to check who answers")
    })?;
    let host = host
        .map(|h| {
            h.trim()
                .parse()
                .map_err(|_| format!("'{h}' is not a host number: write IP:PORT=3"))
        })
        .transpose()?;
    Ok((addr, host))
}

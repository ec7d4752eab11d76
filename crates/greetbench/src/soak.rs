//! The soak: many greets with faults through one model, in bounded batches, against one
//! `greetbench serve` child, ending with the evidence that nothing was lost or leaked.
//!
//! `greetbench soak --model tokio --count 1000000` runs a million greets in batches of
//! 10,000 (the most in flight at once) on one started model, with a progress bar. At the end
//! it shows:
//!
//! - every greet accounted for: each batch's outcomes cover its jobs exactly once
//!   (`Summary::new` refuses anything else), and ok + errors adds up to the count; on the
//!   server's side, no more greetings read than the client sent, and no more replies the
//!   client took than the server wrote;
//! - the client's and the server's open files and resident memory back to where they were
//!   after the first batch (when the runtime, the pool and the allocator have warmed up);
//! - no zombie child left.
//!
//! It is a command, not a test: it takes minutes, and its figures are for a person to read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use greet_core::fault::Faults;
use greet_core::record::{RunRequest, ServerCounts};
use greet_core::{ErrorKind, Summary};

use crate::harness::{self, HarnessError, ServerProcess};
use greet_os::proc::{self, Who};

use crate::registry;

/// The faults of a soak when none are asked for: every kind but `down`, a few percent each.
pub const DEFAULT_FAULTS: &str = "reset=2%,close=2%,stall=1%,slow=1%,slice=2%,delay=2%";

/// How long the soak waits, at the end, for the server to close the connections the client
/// has closed, before it reads the server's open files.
const SETTLE: Duration = Duration::from_secs(10);

/// Open files and resident memory of one process at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Footprint {
    /// Open file descriptors.
    pub fds: u64,
    /// Resident memory, KiB.
    pub rss_kib: u64,
}

impl Footprint {
    fn of(pid: Option<u32>) -> Footprint {
        let who = pid.map_or(Who::Me, Who::Pid);
        Footprint {
            fds: proc::open_fds(who),
            rss_kib: proc::status(who).map_or(0, |s| s.vm_rss_kib),
        }
    }

    /// Whether `self` (the end) is back to `base`: no more open files, and resident memory
    /// within 10 % or 4 MiB of it, whichever is more (an allocator keeps some freed memory).
    pub fn back_to(&self, base: &Footprint) -> bool {
        let slack = (base.rss_kib / 10).max(4 * 1024);
        self.fds <= base.fds && self.rss_kib <= base.rss_kib + slack
    }
}

/// What a soak found.
#[derive(Debug, Clone, PartialEq)]
pub struct SoakReport {
    /// The request of each batch (its count is the batch size).
    pub request: RunRequest,
    /// Greets asked for.
    pub count: usize,
    /// Batches run.
    pub batches: usize,
    /// Greets that got their reply.
    pub ok: usize,
    /// Greets that failed, by kind.
    pub errors_by_kind: BTreeMap<ErrorKind, usize>,
    /// Greets sent, retries included.
    pub attempts: u64,
    /// Greets sent again.
    pub retries: u64,
    /// Wall time of all batches, s.
    pub wall_s: f64,
    /// The server's counters at the end, if it answered.
    pub server: Option<ServerCounts>,
    /// The client before the model started, after the first batch, and at the end.
    pub client: [Footprint; 3],
    /// The server likewise.
    pub server_footprint: [Footprint; 3],
    /// Zombie children found at the end.
    pub zombies: Vec<u32>,
}

impl SoakReport {
    /// Failed greets.
    pub fn errors(&self) -> usize {
        self.errors_by_kind.values().sum()
    }

    /// Whether every greet is accounted for on both sides.
    pub fn accounted(&self) -> bool {
        let client = self.ok + self.errors() == self.count;
        let server = self
            .server
            .as_ref()
            .is_some_and(|s| s.greetings <= self.attempts && self.ok as u64 <= s.served);
        client && server
    }

    /// Whether everything holds: accounting, open files and memory back to their level after
    /// the first batch, no zombie.
    pub fn holds(&self) -> bool {
        self.accounted()
            && self.client[2].back_to(&self.client[1])
            && self.server_footprint[2].back_to(&self.server_footprint[1])
            && self.zombies.is_empty()
    }

    /// An empty report of `batches` batches, before any ran.
    fn new(
        request: &RunRequest,
        count: usize,
        batches: usize,
        client: Footprint,
        server: Footprint,
    ) -> SoakReport {
        SoakReport {
            request: request.clone(),
            count,
            batches,
            ok: 0,
            errors_by_kind: BTreeMap::new(),
            attempts: 0,
            retries: 0,
            wall_s: 0.0,
            server: None,
            client: [client; 3],
            server_footprint: [server; 3],
            zombies: Vec::new(),
        }
    }

    /// Adds one batch's summary.
    fn add(&mut self, s: Summary) {
        self.ok += s.ok;
        for (k, n) in s.errors_by_kind {
            *self.errors_by_kind.entry(k).or_insert(0) += n;
        }
        self.attempts += s.attempts;
        self.retries += s.retries;
    }

    /// The report as a person reads it.
    pub fn text(&self) -> String {
        let mut t = String::new();
        let q = &self.request;
        let _ = writeln!(
            t,
            "soak: {} greets through {} in {} batches of up to {}, {} host(s) at {}, timeout {}, {} retries, faults {}",
            self.count,
            q.model,
            self.batches,
            q.count,
            q.hosts.hosts,
            greet_core::duration::human(q.hosts.latency),
            greet_core::duration::human(q.timeout),
            q.retries,
            q.hosts.faults.spec()
        );
        t.push_str(&self.client_line());
        t.push_str(&self.server_line());
        for (who, f) in [("client", &self.client), ("server", &self.server_footprint)] {
            let _ = writeln!(
                t,
                "{who}: open files {} at start, {} after the first batch, {} at the end {}; resident memory {} KiB, {} KiB, {} KiB {}",
                f[0].fds,
                f[1].fds,
                f[2].fds,
                mark(f[2].fds <= f[1].fds),
                f[0].rss_kib,
                f[1].rss_kib,
                f[2].rss_kib,
                mark(f[2].back_to(&f[1]))
            );
        }
        let _ = writeln!(
            t,
            "zombies: {} {}",
            if self.zombies.is_empty() {
                "none".to_string()
            } else {
                format!("{:?}", self.zombies)
            },
            mark(self.zombies.is_empty())
        );
        let _ = writeln!(
            t,
            "soak {}",
            if self.holds() {
                "holds: every greet accounted for, nothing leaked"
            } else {
                "FAILED: see the ✗ above"
            }
        );
        t
    }

    /// The client's accounting, as one line.
    fn client_line(&self) -> String {
        let errors: Vec<String> = self
            .errors_by_kind
            .iter()
            .map(|(k, n)| {
                format!(
                    "{n} {}",
                    serde_json::to_string(k)
                        .unwrap_or_default()
                        .trim_matches('"')
                )
            })
            .collect();
        format!(
            "client: {} ok + {} errors ({}) = {} of {} greets {}; {} attempts, {} retries; {:.1} s, {:.0} greets/s\n",
            self.ok,
            self.errors(),
            if errors.is_empty() {
                "none".into()
            } else {
                errors.join(", ")
            },
            self.ok + self.errors(),
            self.count,
            mark(self.ok + self.errors() == self.count),
            self.attempts,
            self.retries,
            self.wall_s,
            self.count as f64 / self.wall_s.max(1e-9)
        )
    }

    /// The server's accounting, as one line.
    fn server_line(&self) -> String {
        let Some(s) = &self.server else {
            return "server: did not report its counters ✗\n".to_owned();
        };
        let faults: Vec<String> = s.faults.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!(
            "server: {} greetings read (<= {} attempts {}), {} served (>= {} ok {}), faults injected: {}; {} connections, {} evicted\n",
            s.greetings,
            self.attempts,
            mark(s.greetings <= self.attempts),
            s.served,
            self.ok,
            mark(self.ok as u64 <= s.served),
            faults.join(", "),
            s.connections,
            s.evicted
        )
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

/// Runs `count` greets as batches of `batch.count` (the request's count), with the request's
/// faults (or [`DEFAULT_FAULTS`] if it has none).
pub fn run(batch: &RunRequest, count: usize) -> Result<SoakReport, HarnessError> {
    let model = registry::find(&batch.model)?;
    let request = with_default_faults(batch);
    greet_os::limits::raise_open_files();
    let exe = std::env::current_exe().map_err(HarnessError::Exe)?;
    let start_client = Footprint::of(None);
    let server = ServerProcess::start(&exe, &request.hosts)?;
    let start_server = Footprint::of(Some(server.pid()));
    let targets = greet_server::targets(server.addrs());
    let plan = request.plan(targets);
    plan.validate()?;
    harness::check_budget(model.as_ref(), plan.workers)?;
    let mut runner = model.start(&plan)?;

    let batches = count.div_ceil(request.count.max(1));
    let bar = indicatif::ProgressBar::new(count as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "soak [{elapsed_precise}] {bar:30} {pos}/{len} greets ({per_sec}) {msg}",
    ) {
        bar.set_style(style);
    }
    let mut report = SoakReport::new(&request, count, batches, start_client, start_server);
    let concurrency = model.concurrency(&plan);
    let t0 = Instant::now();
    for b in 0..batches {
        let mut plan = plan.clone();
        plan.count = request.count.min(count - b * request.count);
        let waves = plan.count.div_ceil(concurrency.io.max(1));
        let floor = concurrency.floor(&plan, request.hosts.latency, Duration::ZERO, 1);
        plan.deadline = Some(SystemTime::now() + request.default_deadline(floor, waves));
        let done = runner.run(&plan)?;
        report.add(Summary::new(plan.count, &done.outcomes)?);
        bar.inc(plan.count as u64);
        bar.set_message(format!("{} ok, {} errors", report.ok, report.errors()));
        if b == 0 {
            report.client[1] = Footprint::of(None);
            report.server_footprint[1] = Footprint::of(Some(server.pid()));
        }
    }
    report.wall_s = t0.elapsed().as_secs_f64();
    bar.finish_and_clear();
    report.client[2] = Footprint::of(None);
    report.server_footprint[2] = settled(server.pid(), report.server_footprint[1]);
    report.server = server.stats();
    // Worker processes are reaped when the runner goes, the server when it does.
    drop(runner);
    drop(server);
    report.zombies = proc::zombie_children();
    Ok(report)
}

/// `batch`, with [`DEFAULT_FAULTS`] if it asks for none (keeping its seed and hosts).
fn with_default_faults(batch: &RunRequest) -> RunRequest {
    let mut request = batch.clone();
    if request.hosts.faults.is_empty() {
        request.hosts.faults = Faults {
            seed: request.hosts.faults.seed,
            hosts: request.hosts.faults.hosts.clone(),
            ..Faults::parse(DEFAULT_FAULTS).unwrap_or_default()
        };
    }
    request
}

/// The server's footprint at the end. The server closes its side of a connection when it
/// reads the client's close: give it a moment (at most [`SETTLE`]) to get back to its open
/// files after the first batch, `base`.
fn settled(server: u32, base: Footprint) -> Footprint {
    let settle = Instant::now() + SETTLE;
    loop {
        let now = Footprint::of(Some(server));
        if now.fds <= base.fds || Instant::now() >= settle {
            return now;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

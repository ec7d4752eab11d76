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
//! Interrupted (Ctrl-C, SIGTERM), it stops after the batch in flight (whose deadline bounds
//! it) and reports the batches it ran, marked as partial; a second signal stops it at once,
//! with the batches run until then. Either way it exits as a shell reports the signal (130,
//! 143).
//!
//! It is a command, not a test: it takes minutes, and its figures are for a person to read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use greet_core::fault::Faults;
use greet_core::record::{RunRequest, ServerCounts};
use greet_core::{ErrorKind, Summary};

use crate::harness::{self, HarnessError, ServerProcess};
use greet_os::proc::{self, Who};

use crate::out::{say, warn};
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
    /// Batches that ran to their end.
    pub batches_run: usize,
    /// Greets those batches held.
    pub run: usize,
    /// The signal (SIGINT 2, SIGTERM 15) that cut the soak short, if one did: the report
    /// then covers only the batches that ran.
    pub interrupted: Option<i32>,
}

impl SoakReport {
    /// Failed greets.
    pub fn errors(&self) -> usize {
        self.errors_by_kind.values().sum()
    }

    /// Whether every greet run is accounted for on both sides.
    pub fn accounted(&self) -> bool {
        let client = self.ok + self.errors() == self.run;
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
            batches_run: 0,
            run: 0,
            interrupted: None,
        }
    }

    /// Adds one batch's summary.
    fn add(&mut self, s: Summary) {
        self.batches_run += 1;
        self.run += s.ok + s.errors;
        self.ok += s.ok;
        for (k, n) in s.errors_by_kind {
            *self.errors_by_kind.entry(k).or_insert(0) += n;
        }
        self.attempts += s.attempts;
        self.retries += s.retries;
    }

    /// The report as a person reads it.
    pub fn text(&self) -> String {
        let mut t = self.header();
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
        t.push_str(&self.verdict());
        t
    }

    /// The report of a soak stopped at once, mid-batch: the batches that ended, and nothing
    /// that was not measured (the server, the footprints and the zombies are looked at only
    /// when a soak ends in order).
    pub fn text_so_far(&self) -> String {
        let mut t = self.header();
        t.push_str(&self.client_line());
        t.push_str("server, open files, memory and zombies: not measured (stopped at once)\n");
        t.push_str(&self.verdict());
        t
    }

    fn header(&self) -> String {
        let q = &self.request;
        format!(
            "soak: {} greets through {} in {} batches of up to {}, {} host(s) at {}, timeout {}, {} retries, faults {}\n",
            self.count,
            q.model,
            self.batches,
            q.count,
            q.hosts.hosts,
            greet_core::duration::human(q.hosts.latency),
            greet_core::duration::human(q.timeout),
            q.retries,
            q.hosts.faults.spec()
        )
    }

    fn verdict(&self) -> String {
        let verdict = match self.interrupted {
            Some(signal) => format!(
                "PARTIAL: interrupted by {} after {} of {} batches ({} of {} greets); the lines above cover those",
                signal_name(signal),
                self.batches_run,
                self.batches,
                self.run,
                self.count
            ),
            None if self.holds() => "holds: every greet accounted for, nothing leaked".into(),
            None => "FAILED: see the ✗ above".into(),
        };
        format!("soak {verdict}\n")
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
            "client: {} ok + {} errors ({}) = {} of {} greets run {}; {} attempts, {} retries; {:.1} s, {:.0} greets/s\n",
            self.ok,
            self.errors(),
            if errors.is_empty() {
                "none".into()
            } else {
                errors.join(", ")
            },
            self.ok + self.errors(),
            self.run,
            mark(self.ok + self.errors() == self.run),
            self.attempts,
            self.retries,
            self.wall_s,
            self.run as f64 / self.wall_s.max(1e-9)
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

fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Ctrl-C and SIGTERM during a soak. The first asks it to stop after the batch in flight;
/// the second prints the report of the batches run so far, marked partial, and exits.
struct Interrupt {
    /// The first signal's number, 0 until one comes.
    signal: Arc<AtomicI32>,
    /// The report as of the last batch that ended, for the second signal to print.
    so_far: Arc<Mutex<Option<SoakReport>>>,
}

impl Interrupt {
    /// Catches SIGINT and SIGTERM from now on (registered before this returns, so none is
    /// missed), on a thread of its own that waits for at most two of them.
    fn catch() -> Result<Interrupt, HarnessError> {
        use tokio::signal::unix::{SignalKind, signal};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(HarnessError::Signals)?;
        let (mut int, mut term) = {
            let _context = rt.enter();
            let int = signal(SignalKind::interrupt()).map_err(HarnessError::Signals)?;
            let term = signal(SignalKind::terminate()).map_err(HarnessError::Signals)?;
            (int, term)
        };
        let interrupt = Interrupt {
            signal: Arc::new(AtomicI32::new(0)),
            so_far: Arc::new(Mutex::new(None)),
        };
        let (first, so_far) = (interrupt.signal.clone(), interrupt.so_far.clone());
        let waiting = move || {
            rt.block_on(async move {
                // Bounded: the second signal ends the process.
                for n in 0..2 {
                    let signal = tokio::select! {
                        _ = int.recv() => 2,
                        _ = term.recv() => 15,
                    };
                    if n == 0 {
                        first.store(signal, Ordering::SeqCst);
                        warn(&format!(
                            "soak: {}: stopping after the batch in flight (again to stop now)\n",
                            signal_name(signal)
                        ));
                        continue;
                    }
                    let so_far = so_far.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    match so_far {
                        Some(mut report) => {
                            report.interrupted = Some(signal);
                            say(&report.text_so_far());
                        }
                        None => say(&format!(
                            "soak PARTIAL: interrupted by {} before its first batch ended\n",
                            signal_name(signal)
                        )),
                    }
                    std::process::exit(128 + signal);
                }
            });
        };
        std::thread::Builder::new()
            .name("soak-signals".into())
            .spawn(waiting)
            .map_err(HarnessError::Signals)?;
        Ok(interrupt)
    }

    /// Keeps `report` for a second signal to print; the first signal, if one has come.
    fn after_batch(&self, report: &SoakReport) -> Option<i32> {
        *self.so_far.lock().unwrap_or_else(|e| e.into_inner()) = Some(report.clone());
        let signal = self.signal.load(Ordering::SeqCst);
        (signal != 0).then_some(signal)
    }
}

/// Runs `count` greets as batches of `batch.count` (the request's count), with the request's
/// faults (or [`DEFAULT_FAULTS`] if it has none).
pub fn run(batch: &RunRequest, count: usize) -> Result<SoakReport, HarnessError> {
    let model = registry::find(&batch.model)?;
    let request = with_default_faults(batch);
    let interrupt = Interrupt::catch()?;
    warn("soak: Ctrl-C or SIGTERM stops it after the batch in flight, with the greets so far\n");
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
        report.wall_s = t0.elapsed().as_secs_f64();
        report.interrupted = interrupt.after_batch(&report);
        if report.interrupted.is_some() {
            break;
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

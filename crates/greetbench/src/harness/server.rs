//! The greet server as child processes (`ServerProcess`): one `greetbench serve`, or several
//! each holding a block of the hosts, started by re-executing this executable; and the line
//! protocol on each child's stdin and stdout that asks it for its counters (`stats`).

use std::io::Write;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::time::{Duration, Instant};

use greet_core::record::{HostSpec, ServerCounts};
use greet_server::{Bind, Config, StatsSnapshot, parse_listening_line};

use super::HarnessError;
use greet_os::lines::LineBuffer;
use greet_os::{limits, process, usage};

use crate::child;

/// The server configuration for `hosts`.
pub fn server_config(hosts: &HostSpec) -> Config {
    Config {
        hosts: hosts.hosts,
        latency: hosts.latency,
        jitter: hosts.jitter,
        bind: if hosts.spread_addresses {
            Bind::SpreadLoopback { port: 0 }
        } else {
            Config::default().bind
        },
        faults: hosts.faults.clone(),
        ..Config::default()
    }
}

/// The line a harness writes on a `serve` child's stdin to ask for its counters.
pub const STATS_REQUEST: &str = "stats";

/// The line a `serve` child answers [`STATS_REQUEST`] with: `stats` and the counters as JSON
/// (a [`StatsSnapshot`]: with the greets in flight now, which a scale point samples).
pub fn stats_line(stats: &StatsSnapshot) -> String {
    format!(
        "{STATS_REQUEST} {}\n",
        serde_json::to_string(stats).unwrap_or_default()
    )
}

/// `greetbench serve` arguments for `hosts`.
fn serve_args(hosts: &HostSpec) -> Vec<String> {
    let mut args = vec![
        "serve".into(),
        "--hosts".into(),
        hosts.hosts.to_string(),
        "--latency".into(),
        format!("{}us", hosts.latency.as_micros()),
        "--jitter".into(),
        format!("{}us", hosts.jitter.as_micros()),
    ];
    if hosts.spread_addresses {
        args.push("--spread-addresses".into());
    }
    if !hosts.faults.is_empty() {
        args.push("--fault".into());
        args.push(hosts.faults.spec());
        args.push("--fault-seed".into());
        args.push(hosts.faults.seed.to_string());
        if !hosts.faults.hosts.is_empty() {
            let chosen: Vec<String> = hosts.faults.hosts.iter().map(u32::to_string).collect();
            args.push("--fault-hosts".into());
            args.push(chosen.join(","));
        }
    }
    args
}

/// The most connections one server process is given in a spread server: 90 % of its
/// connection cap, so that a block of hosts never meets the cap (where new connections wait
/// for room) in a run sized to fit.
const SERVER_FILL: f64 = 0.9;

/// How many server processes hold `count` greets waiting at once on `hosts.hosts` hosts: one
/// while one process's connection cap (its open-files limit, raised to the hard limit, less a
/// reserve) holds them, otherwise enough processes that each holds at most
/// [`SERVER_FILL`] of its cap. Never more processes than hosts: each holds a block of them.
pub fn server_processes_for(count: usize, hosts: &HostSpec) -> usize {
    let limit = limits::open_files_hard();
    let per_process = |p: usize| {
        let config = Config {
            hosts: hosts.hosts.div_ceil(p.max(1)),
            ..Config::default()
        };
        greet_server::effective_max_connections(&config, Some(limit))
    };
    if count <= per_process(1) {
        return 1;
    }
    // Bounded: at most `hosts` processes are tried.
    (1..=hosts.hosts.max(1))
        .find(|&p| count as f64 <= p as f64 * per_process(p) as f64 * SERVER_FILL)
        .unwrap_or(hosts.hosts.max(1))
}

/// The pipe a `serve` child answers [`STATS_REQUEST`] on: its stdin, and its stdout read a line
/// at a time with a deadline (`poll`, no thread: a reader thread would count among the
/// client's threads), each line at most [`MAX_LINE`].
#[derive(Debug)]
struct Talk {
    stdin: std::process::ChildStdin,
    stdout: ChildStdout,
    /// Bytes read and not yet returned as a line.
    lines: LineBuffer,
    /// Questions asked and not yet answered: a late answer belongs to an earlier question
    /// and is skipped, never taken for the latest one.
    owed: usize,
}

/// The longest line a `serve` child may print: a host's address, or its counters.
const MAX_LINE: usize = 64 << 10;

impl Talk {
    fn new(stdin: std::process::ChildStdin, stdout: ChildStdout) -> Talk {
        Talk {
            stdin,
            stdout,
            lines: LineBuffer::new(MAX_LINE),
            owed: 0,
        }
    }

    /// The next line, within `deadline`; `None` at the deadline, at the end of the pipe, or
    /// past [`MAX_LINE`] without a newline.
    fn line(&mut self, deadline: Instant) -> Option<String> {
        use std::io::Read;
        // Bounded: each pass reads something, waits out the deadline, or was cut short by a
        // signal (a soak's Ctrl-C), which the next pass reads again after.
        for _ in 0..100_000 {
            if let Some(line) = self.lines.next_line().ok()? {
                return Some(String::from_utf8_lossy(&line).into_owned());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !process::wait_readable(&self.stdout, left).ok()? {
                return None;
            }
            let mut buf = [0u8; 4096];
            match self.stdout.read(&mut buf) {
                Ok(0) => return None,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return None,
                Ok(n) => self.lines.push(&buf[..n]),
            }
        }
        None
    }

    /// Questions left unanswered past which the server is taken for gone and not asked again.
    const GIVE_UP: usize = 3;

    /// Asks for the counters; the answer within 2 s, or `None`. Answers to earlier questions
    /// that came late are skipped; after [`Talk::GIVE_UP`] unanswered questions it is not
    /// asked again.
    fn stats(&mut self) -> Option<StatsSnapshot> {
        if self.owed >= Self::GIVE_UP {
            return None;
        }
        self.stdin
            .write_all(format!("{STATS_REQUEST}\n").as_bytes())
            .and_then(|()| self.stdin.flush())
            .ok()?;
        self.owed += 1;
        let deadline = Instant::now() + Duration::from_secs(2);
        // Bounded: the answers owed, among at most 16 other lines.
        for _ in 0..16 + Self::GIVE_UP {
            let line = self.line(deadline)?;
            if let Some(json) = line.trim_end().strip_prefix(STATS_REQUEST) {
                self.owed -= 1;
                if self.owed == 0 {
                    return serde_json::from_str::<StatsSnapshot>(json.trim()).ok();
                }
            }
        }
        None
    }
}

/// One `greetbench serve` child, holding one block of hosts.
#[derive(Debug)]
struct ServeChild {
    child: Child,
    /// The hosts it holds.
    hosts: Range<usize>,
    talk: std::sync::Mutex<Talk>,
}

/// A server process that no longer serves its hosts: see [`ServerProcess::lost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostProcess {
    /// Its process id.
    pub pid: u32,
    /// The hosts it held.
    pub hosts: Range<usize>,
    /// What became of it: killed, exited or stopped.
    pub state: process::ChildState,
}

/// ` (SIGKILL)` and the like, for the signals a person sends a server; empty for others.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        19 => " (SIGSTOP)",
        20 => " (SIGTSTP)",
        _ => "",
    }
}

impl std::fmt::Display for LostProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (pid, first, last) = (self.pid, self.hosts.start, self.hosts.end.saturating_sub(1));
        let what = match self.state {
            process::ChildState::Killed(s) => format!("was killed by signal {s}{}", signal_name(s)),
            process::ChildState::Exited(c) => format!("exited with status {c}"),
            process::ChildState::Stopped(s) => {
                format!("is stopped by signal {s}{}", signal_name(s))
            }
            process::ChildState::Running => "is running".to_owned(),
        };
        let hosts = match self.state {
            process::ChildState::Stopped(_) => "accept connections and never answer",
            _ => "refuse connections",
        };
        write!(
            f,
            "server process {pid} {what}: hosts {first} to {last} {hosts}"
        )
    }
}

/// The greet server as child processes: one `greetbench serve`, or several, each holding a
/// block of the hosts (`serve --processes P`, and runs too large for one process's open
/// files). Dropping it stops them all.
#[derive(Debug)]
pub struct ServerProcess {
    children: Vec<ServeChild>,
    addrs: Vec<SocketAddr>,
}

impl ServerProcess {
    /// Starts `exe serve ...` as one process and waits (at most 10 s) for it to print every
    /// host's address.
    pub fn start(exe: &Path, hosts: &HostSpec) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread(exe, hosts, 1)
    }

    /// Starts as many server processes as `count` greets waiting at once need
    /// ([`server_processes_for`]): one for ordinary runs.
    pub fn start_for(
        exe: &Path,
        hosts: &HostSpec,
        count: usize,
    ) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread(exe, hosts, server_processes_for(count, hosts))
    }

    /// Starts `processes` server processes (at most one per host), process `p` holding hosts
    /// `p·H/P .. (p+1)·H/P` with their own numbers and addresses, and waits (at most 10 s in
    /// all) for every host's address. The hosts are in host order, whichever process holds
    /// them.
    pub fn start_spread(
        exe: &Path,
        hosts: &HostSpec,
        processes: usize,
    ) -> Result<ServerProcess, HarnessError> {
        ServerProcess::start_spread_with(exe, hosts, processes, &[])
    }

    /// [`ServerProcess::start_spread`], with `extra` arguments for every `serve` child
    /// (`--port`, `--work`, `--max-connections`, as `serve --processes` passes them on).
    pub fn start_spread_with(
        exe: &Path,
        hosts: &HostSpec,
        processes: usize,
        extra: &[String],
    ) -> Result<ServerProcess, HarnessError> {
        let p = processes.clamp(1, hosts.hosts.max(1));
        let mut children = Vec::with_capacity(p);
        for i in 0..p {
            let (first, end) = (i * hosts.hosts / p, (i + 1) * hosts.hosts / p);
            let block = HostSpec {
                hosts: end - first,
                ..hosts.clone()
            };
            let mut child = child::command(exe)
                .args(serve_args(&block))
                .args(["--first-host", &first.to_string()])
                .args(extra)
                .arg("--until-stdin-closes")
                // Our end of this pipe closes when we exit, however we exit, and the server
                // then stops: no orphaned servers.
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(HarnessError::Server)?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                return Err(HarnessError::ServerSilent);
            };
            let talk = Talk::new(stdin, stdout);
            children.push(ServeChild {
                child,
                hosts: first..end,
                talk: std::sync::Mutex::new(talk),
            });
        }
        // From here, dropping `server` stops every child started.
        let mut server = ServerProcess {
            children,
            addrs: Vec::new(),
        };
        let mut found: Vec<Option<SocketAddr>> = vec![None; hosts.hosts];
        let deadline = Instant::now() + Duration::from_secs(10);
        for (i, c) in server.children.iter().enumerate() {
            let block = i * hosts.hosts / p..(i + 1) * hosts.hosts / p;
            let mut talk = c.talk.lock().unwrap_or_else(|e| e.into_inner());
            // Bounded: its block's addresses, among at most hosts + 100 lines.
            for _ in 0..hosts.hosts + 100 {
                if found[block.clone()].iter().all(Option::is_some) {
                    break;
                }
                let line = talk.line(deadline).ok_or(HarnessError::ServerSilent)?;
                if let Some((host, addr)) = parse_listening_line(&line)
                    && block.contains(&host)
                {
                    found[host] = Some(addr);
                }
            }
        }
        server.addrs = found
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or(HarnessError::ServerSilent)?;
        Ok(server)
    }

    /// The server's counters now, summed over its processes, each asked on its stdin and
    /// answering on its stdout within 2 s; `None` if one does not answer (it is then not asked
    /// again).
    pub fn snapshot(&self) -> Option<StatsSnapshot> {
        let mut sum = StatsSnapshot::default();
        for c in &self.children {
            let mut talk = c.talk.lock().unwrap_or_else(|e| e.into_inner());
            sum = sum.plus(talk.stats()?);
        }
        Some(sum)
    }

    /// Each process's counters, in process order (for tests and `serve --processes`).
    pub fn snapshots(&self) -> Vec<Option<StatsSnapshot>> {
        self.children
            .iter()
            .map(|c| c.talk.lock().unwrap_or_else(|e| e.into_inner()).stats())
            .collect()
    }

    /// The counters a record keeps, summed over the server's processes (see
    /// [`ServerProcess::snapshot`]).
    pub fn stats(&self) -> Option<ServerCounts> {
        self.snapshot().map(|s| s.counts())
    }

    /// The first server process's id (the only one, unless spread).
    pub fn pid(&self) -> u32 {
        self.children.first().map_or(0, |c| c.child.id())
    }

    /// Every server process's id, in host-block order.
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(|c| c.child.id()).collect()
    }

    /// The processes that no longer serve their hosts: dead (killed or exited) or stopped,
    /// in host order. Looked at without reaping them; dropping the server reaps them.
    pub fn lost(&self) -> Vec<LostProcess> {
        self.children
            .iter()
            .map(|c| LostProcess {
                pid: c.child.id(),
                hosts: c.hosts.clone(),
                state: process::child_state(c.child.id()),
            })
            .filter(|l| l.state != process::ChildState::Running)
            .collect()
    }

    /// The hosts each process holds, in process order.
    pub fn blocks(&self) -> Vec<(u32, Range<usize>)> {
        self.children
            .iter()
            .map(|c| (c.child.id(), c.hosts.clone()))
            .collect()
    }

    /// How many processes hold the hosts.
    pub fn processes(&self) -> usize {
        self.children.len()
    }

    /// The hosts' addresses, host `i` at index `i`.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The CPU seconds the server's processes have used so far.
    pub fn cpu_s(&self) -> f64 {
        self.children
            .iter()
            .map(|c| usage::process_cpu_s(c.child.id()))
            .sum()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // All killed first, then each reaped: a killed server ends at once, so the bound on
        // each wait is only for a process stuck in the kernel.
        for c in &mut self.children {
            let _ = c.child.kill();
        }
        for c in &mut self.children {
            let _ = process::wait_timeout(&mut c.child, Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stats_line_reads_back_as_the_counters() {
        let line = stats_line(&greet_server::StatsSnapshot {
            greetings: 3,
            served: 2,
            ..Default::default()
        });
        let json = line.trim_end().strip_prefix(STATS_REQUEST).unwrap();
        let counts = serde_json::from_str::<StatsSnapshot>(json.trim())
            .unwrap()
            .counts();
        assert_eq!((counts.greetings, counts.served), (3, 2));
    }
}

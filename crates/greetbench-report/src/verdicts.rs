//! Verdicts and the course's claims, computed from the results: every number in a sentence
//! here is read from [`Results`], and a claim whose evidence is missing says "not measured in
//! this run" rather than guess.

use crate::Results;
use crate::charts::human_ns;
use crate::results::Outcome;

/// How a claim fared on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The numbers agree with the claim.
    Holds,
    /// They agree, with a caveat the evidence states.
    HoldsWithCaveat,
    /// They disagree.
    DoesNotHold,
    /// The results lack the evidence.
    NotMeasured,
}

impl Verdict {
    /// The words shown.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::HoldsWithCaveat => "holds with a caveat",
            Verdict::DoesNotHold => "does not hold here",
            Verdict::NotMeasured => "not measured in this run",
        }
    }
}

/// One of the course's claims, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The claim, as the course makes it.
    pub claim: &'static str,
    /// The measured evidence, in words with the numbers.
    pub evidence: String,
    /// The verdict.
    pub verdict: Verdict,
}

fn x(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.0}×")
    } else {
        format!("{v:.1}×")
    }
}

fn not_measured(claim: &'static str, what: &str) -> Claim {
    Claim {
        claim,
        evidence: format!("No {what} in these results."),
        verdict: Verdict::NotMeasured,
    }
}

/// The course's five claims, each with its evidence and verdict.
pub fn claims(r: &Results) -> Vec<Claim> {
    vec![
        processes_slower_to_spawn(r),
        fork_is_lightweight(r),
        async_is_not_parallel(r),
        async_handles_thousands(r),
        threads_cannot_be_killed(r),
    ]
}

fn processes_slower_to_spawn(r: &Results) -> Claim {
    const CLAIM: &str = "Processes are slower to spawn than threads.";
    let (Some(p), Some(t)) = (r.spawn_cost("process"), r.spawn_cost("thread")) else {
        return not_measured(CLAIM, "spawn benchmark for both `process` and `thread`");
    };
    let ratio = p / t;
    let verdict = if ratio >= 2.0 {
        Verdict::Holds
    } else if ratio > 1.0 {
        Verdict::HoldsWithCaveat
    } else {
        Verdict::DoesNotHold
    };
    let caveat = if verdict == Verdict::HoldsWithCaveat {
        " The gap is under 2×, small enough that start-up cost alone should not decide."
    } else {
        ""
    };
    Claim {
        claim: CLAIM,
        evidence: format!(
            "Spawning and waiting for a process (re-executing the worker) took {}; a thread {}: {} as long.{caveat}",
            human_ns(p),
            human_ns(t),
            x(ratio)
        ),
        verdict,
    }
}

fn fork_is_lightweight(r: &Results) -> Claim {
    const CLAIM: &str = "fork is lightweight on Linux.";
    let Some(f) = r.spawn_cost("fork") else {
        return not_measured(CLAIM, "spawn benchmark for `fork`");
    };
    let thread = r.spawn_cost("thread");
    let process = r.spawn_cost("process");
    let mut evidence = format!("fork + wait took {}", human_ns(f));
    if let Some(p) = process {
        evidence += &format!(
            "; spawning a fresh process (fork + exec of the worker) took {} ({} fork's)",
            human_ns(p),
            x(p / f)
        );
    }
    if let Some(t) = thread {
        evidence += &format!(
            "; a thread took {} (fork costs {} a thread)",
            human_ns(t),
            x(f / t)
        );
    }
    evidence.push('.');
    let verdict = match (process, thread) {
        (Some(p), _) if f >= p => Verdict::DoesNotHold,
        (_, Some(t)) if f <= 3.0 * t => Verdict::Holds,
        (Some(_), _) | (_, Some(_)) => {
            evidence += " Lightweight next to exec, but still dearer than a thread.";
            Verdict::HoldsWithCaveat
        }
        (None, None) => return not_measured(CLAIM, "thread or process spawn to compare fork with"),
    };
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

fn async_is_not_parallel(r: &Results) -> Claim {
    const CLAIM: &str = "Async is not parallel, so it gives no CPU speedup.";
    let speedups = r.cpu_speedups();
    let get = |m: &str| speedups.iter().find(|s| s.model == m).and_then(|s| s.all);
    let Some(ct) = get("tokio-current-thread") else {
        return not_measured(
            CLAIM,
            "crunch benchmark of tokio-current-thread with every core",
        );
    };
    let cores = r.provenance.logical_cores;
    let mut evidence = format!(
        "On {cores} cores, crunch on tokio's single-threaded event loop reached {} sequential's speed",
        x(ct)
    );
    let multi = get("tokio").filter(|v| *v > 1.3);
    if let Some(m) = multi {
        evidence += &format!(
            "; tokio's multi-threaded runtime reached {}: its worker threads run tasks in parallel",
            x(m)
        );
    }
    evidence.push('.');
    let verdict = if ct >= 1.3 {
        Verdict::DoesNotHold
    } else if multi.is_some() {
        evidence += " The claim holds for one event loop, not for every async runtime.";
        Verdict::HoldsWithCaveat
    } else {
        Verdict::Holds
    };
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

fn async_handles_thousands(r: &Results) -> Claim {
    const CLAIM: &str = "Async handles thousands of connections where threads get expensive.";
    let Some(sweep) = &r.sweep else {
        return not_measured(CLAIM, "resource sweep");
    };
    let n = sweep
        .entries
        .iter()
        .filter(|e| e.workload == "greet" && (e.model == "threads" || e.model == "tokio"))
        .map(|e| e.count)
        .max();
    let Some(n) = n else {
        return not_measured(CLAIM, "sweep of threads and tokio");
    };
    let (Some(t), Some(k)) = (r.sweep_waiting("threads", n), r.sweep_waiting("tokio", n)) else {
        return not_measured(CLAIM, "sweep of both threads and tokio at the same N");
    };
    if t.outcome == Outcome::Limit && k.outcome == Outcome::Ok {
        return Claim {
            claim: CLAIM,
            evidence: format!(
                "At N = {n}, threads hit an OS limit ({}) while tokio completed all {n} greets using {:.2} KiB per waiting greet.",
                t.limit.as_deref().unwrap_or("unknown"),
                k.kib_per_job()
            ),
            verdict: Verdict::Holds,
        };
    }
    if t.outcome != Outcome::Ok || k.outcome != Outcome::Ok {
        return Claim {
            claim: CLAIM,
            evidence: format!(
                "At N = {n}, threads ended {:?} and tokio {:?}; the memory cannot be compared.",
                t.outcome, k.outcome
            ),
            verdict: Verdict::NotMeasured,
        };
    }
    let (tm, km) = (t.kib_per_job(), k.kib_per_job().max(0.01));
    let ratio = tm / km;
    let evidence = format!(
        "At N = {n} waiting greets, each thread cost {tm:.2} KiB of resident memory and each tokio task {:.2} KiB ({}); threads peaked at {} OS threads, tokio at {}. Wall time: threads {}, tokio {}.",
        k.kib_per_job(),
        x(ratio),
        t.peak_threads,
        k.peak_threads,
        human_ns(t.wall_s * 1e9),
        human_ns(k.wall_s * 1e9),
    );
    let verdict = if ratio >= 2.0 {
        Verdict::Holds
    } else if ratio > 1.0 {
        Verdict::HoldsWithCaveat
    } else {
        Verdict::DoesNotHold
    };
    let evidence = if verdict == Verdict::HoldsWithCaveat {
        evidence + " Threads cost more, but under 2×: both handled this N."
    } else {
        evidence
    };
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

fn threads_cannot_be_killed(r: &Results) -> Claim {
    const CLAIM: &str = "A thread cannot be killed, but a process can.";
    let Some(k) = r.sweep.as_ref().and_then(|s| s.kill.as_ref()) else {
        return not_measured(CLAIM, "kill probe (it runs with the sweep)");
    };
    // Every experiment's own words, numbered, cited whatever the verdict.
    let mut evidence = k.sentences().join(" ");
    if let Some(note) = k.resolution() {
        evidence = format!("{evidence} {note}");
    }
    // The claim rests on (1), a thread nothing stopped, and (4), a process SIGKILL did; (5)
    // can refute it (a thread that died alone was killed). (2) and (3) are the ways out the
    // course teaches instead; they are cited but do not decide.
    let (Some(thread), Some(process)) = (k.detached_thread.ran(), k.killed_process.ran()) else {
        return Claim {
            claim: CLAIM,
            evidence,
            verdict: Verdict::NotMeasured,
        };
    };
    let mut against = Vec::new();
    if !thread.as_claimed() {
        against.push("the detached thread did not stay blocked until its own timeout (1)");
    }
    if !process.as_claimed() {
        against
            .push("the worker process was not seen killed by SIGKILL, reaped and disconnected (4)");
    }
    if k.signalled_thread.ran().is_some_and(|s| !s.as_claimed()) {
        against.push("a signal to one thread did not end the whole process (5)");
    }
    let verdict = if against.is_empty() {
        Verdict::Holds
    } else {
        evidence += &format!(" Against the claim: {}.", against.join("; "));
        Verdict::DoesNotHold
    };
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

/// "Which model, when?" in sentences, each computed from the results.
pub fn summary(r: &Results) -> Vec<String> {
    [io_verdict(r), cpu_verdict(r), mixed_verdict(r)]
        .into_iter()
        .flatten()
        .collect()
}

/// The largest size of `group` at which both functions were measured.
fn common_size(r: &Results, group: &str, a: &str, b: &str) -> Option<u64> {
    r.sizes(group)
        .into_iter()
        .rev()
        .find(|n| r.estimate(group, a, *n).is_some() && r.estimate(group, b, *n).is_some())
}

fn io_verdict(r: &Results) -> Option<String> {
    let group = "io_10ms";
    let Some(n) = common_size(r, group, "tokio", "threads") else {
        return io_verdict_from_sweep(r);
    };
    let tokio = r.estimate(group, "tokio", n)?.median_ns;
    let threads = r.estimate(group, "threads", n)?.median_ns;
    let faster = if threads >= tokio {
        format!("threads were {} slower", x(threads / tokio))
    } else {
        format!("threads were {} faster", x(tokio / threads))
    };
    let mut s = format!(
        "For I/O-bound work with {n} greets at 10 ms, tokio finished in {} and {n} threads in {}: {faster}",
        human_ns(tokio),
        human_ns(threads)
    );
    let mem = |m: &str| {
        r.sweep_io(m, n as usize)
            .filter(|e| e.outcome == Outcome::Ok)
            .map(|e| e.peak_rss_kib.saturating_sub(e.baseline_rss_kib))
    };
    if let (Some(tm), Some(km)) = (mem("threads"), mem("tokio")) {
        s += &format!(
            ", using {} the memory ({} KiB against {} KiB of RSS growth)",
            x(tm as f64 / km.max(1) as f64),
            tm,
            km
        );
    }
    s.push('.');
    // The pooled models and sequential are often over the bench budget at N = 1000; the
    // sweep ran them once each, so say where the figure comes from.
    let time_of = |m: &str| {
        r.estimate(group, m, n)
            .map(|e| human_ns(e.median_ns))
            .or_else(|| {
                r.sweep_io(m, n as usize)
                    .filter(|e| e.outcome == Outcome::Ok && e.latency_ms == 10.0)
                    .map(|e| format!("{} (one run, from the sweep)", human_ns(e.wall_s * 1e9)))
            })
    };
    if let Some(t) = time_of("rayon") {
        let k = r.provenance.logical_cores;
        s += &format!(
            " rayon with {k} workers took {t}, capped by its pool: at most {k} greets wait at once."
        );
    }
    if let Some(t) = time_of("sequential") {
        s += &format!(" Sequential took {t}, about N × 10 ms.");
    }
    Some(s)
}

/// Without criterion's io group, the sweep's single runs at N = 1000 and 10 ms.
fn io_verdict_from_sweep(r: &Results) -> Option<String> {
    let n = 1000;
    let tokio = r
        .sweep_io("tokio", n)
        .filter(|e| e.outcome == Outcome::Ok)?;
    let threads = r
        .sweep_io("threads", n)
        .filter(|e| e.outcome == Outcome::Ok)?;
    let (tw, hw) = (tokio.wall_s, threads.wall_s);
    let cmp = if hw >= tw {
        format!("threads were {} slower", x(hw / tw))
    } else {
        format!("threads were {} faster", x(tw / hw))
    };
    let (tm, km) = (
        threads
            .peak_rss_kib
            .saturating_sub(threads.baseline_rss_kib),
        tokio.peak_rss_kib.saturating_sub(tokio.baseline_rss_kib),
    );
    let mut s = format!(
        "For I/O-bound work with {n} greets at {} ms (one run each, from the sweep), tokio finished in {} and {n} threads in {}: {cmp}, using {} the memory ({tm} KiB against {km} KiB of RSS growth).",
        tokio.latency_ms,
        human_ns(tw * 1e9),
        human_ns(hw * 1e9),
        x(tm as f64 / km.max(1) as f64),
    );
    if let Some(e) = r.sweep_io("rayon", n) {
        s += &format!(
            " rayon with {} workers took {}, capped by its pool.",
            r.provenance.logical_cores,
            human_ns(e.wall_s * 1e9)
        );
    }
    Some(s)
}

fn cpu_verdict(r: &Results) -> Option<String> {
    let speedups = r.cpu_speedups();
    if speedups.is_empty() {
        return None;
    }
    let cores = r.provenance.logical_cores;
    let parallel: Vec<String> = ["threads", "rayon", "processes", "thread-pool"]
        .iter()
        .filter_map(|m| {
            let s = speedups.iter().find(|s| s.model == *m)?.all?;
            Some(format!("{m} {}", x(s)))
        })
        .collect();
    let mut s = format!("For CPU-bound work (crunch, N = {}), ", speedups[0].size);
    if parallel.is_empty() {
        s += "no parallel model was measured";
    } else {
        s += &format!(
            "the parallel models reached {} on {cores} cores",
            parallel.join(", ")
        );
    }
    if let Some(ct) = speedups
        .iter()
        .find(|s| s.model == "tokio-current-thread")
        .and_then(|s| s.all)
    {
        s += &format!(". The single-threaded event loop reached {}", x(ct));
    }
    s.push('.');
    Some(s)
}

fn mixed_verdict(r: &Results) -> Option<String> {
    let group = "mixed";
    let n = common_size(r, group, "tokio-current-thread", "tokio")?;
    let ct = r.estimate(group, "tokio-current-thread", n)?.median_ns;
    let mt = r.estimate(group, "tokio", n)?.median_ns;
    let reading = if ct > 1.2 * mt {
        "crunching on the one event loop stalled the greets waiting behind it"
    } else {
        "no stall on the single event loop shows at this size"
    };
    let mut s = format!(
        "For mixed work (greet then crunch, N = {n}), tokio's single-threaded loop took {} against {} for the multi-threaded runtime ({} as long): {reading}.",
        human_ns(ct),
        human_ns(mt),
        x(ct / mt)
    );
    if let Some(e) = r.estimate(group, "threads", n) {
        s += &format!(" Threads took {}.", human_ns(e.median_ns));
    }
    Some(s)
}

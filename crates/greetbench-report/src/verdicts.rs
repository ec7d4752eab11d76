//! Verdicts and the course's claims, computed from the results: every number in a sentence
//! here is read from [`Results`], and a claim whose evidence is missing says "not measured in
//! this run" rather than guess.
//!
//! No model is named here: the models a sentence compares are picked by their
//! [`Description`] (family, shape, one thread or not), and a speedup is credited with the
//! description's own `crunch_on` words. Latencies, sizes and groups come from the results,
//! and a verdict built on a group or a run measured on a busy machine says so.

use std::time::Duration;

use greet_core::record::{Noise, RunRecord, RunResult, Status};
use greet_core::{Description, Family, Lang, Shape, Workload};

use crate::Results;
use crate::charts::{human_latency, human_ns, stopped_by};
use crate::results::{CPU_ALL_CORES, CPU_ONE_WORKER, MIXED, SPAWN};

/// The spawn benchmark's function ids that the spawn claims compare (see
/// `benches/benches/spawn.rs`): kinds of start, not models.
const SPAWN_THREAD: &str = "thread";
/// A fresh process: fork + exec of the worker.
const SPAWN_PROCESS: &str = "process";
/// A bare fork.
const SPAWN_FORK: &str = "fork";

/// A CPU speedup below this is read as "no speedup": within the noise of 1×.
const SPEEDUP: f64 = 1.3;

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

/// The course's claims, each with its evidence and verdict. The report computes them once per
/// language, on [`Results::for_lang`], so each column reads only its own rows.
pub fn claims(r: &Results) -> Vec<Claim> {
    vec![
        threads_give_no_cpu_speedup(r),
        use_multiprocessing(r),
        processes_slower_to_spawn(r),
        fork_is_lightweight(r),
        async_is_not_parallel(r),
        async_handles_thousands(r),
        threads_cannot_be_killed(r),
    ]
}

/// Each model of `family` with its speedup with every core, in model order.
fn all_core_speedups(r: &Results, keep: impl Fn(&Description) -> bool) -> Vec<(&Description, f64)> {
    let speedups = r.cpu_speedups();
    r.models_where(keep)
        .into_iter()
        .filter_map(|m| Some((m, speedups.iter().find(|s| s.model == m.name)?.all?)))
        .collect()
}

/// "name 1.9× on where it crunches", for each model.
fn credited(v: &[(&Description, f64)]) -> String {
    v.iter()
        .map(|(m, s)| format!("{} {} on {}", m.name, x(*s), m.crunch_on))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The thread models' speedup with every core: the GIL's claim, checked on whatever language
/// these results hold.
/// On one core nothing can speed CPU work up, so a flat speedup there would "confirm" every
/// no-speedup claim and refute every speedup claim without testing either.
fn one_core(r: &Results, claim: &'static str) -> Option<Claim> {
    (r.provenance.logical_cores < 2).then(|| Claim {
        claim,
        evidence: "Measured on one core, where no model can speed CPU work up: it takes at least \
                   two cores to test this claim."
            .into(),
        verdict: Verdict::NotMeasured,
    })
}

fn threads_give_no_cpu_speedup(r: &Results) -> Claim {
    const CLAIM: &str = "Threads give no CPU speedup (the GIL).";
    if let Some(c) = one_core(r, CLAIM) {
        return c;
    }
    let threads = all_core_speedups(r, |m| m.family == Family::Threads);
    if threads.is_empty() {
        return not_measured(CLAIM, "crunch run with every core of a threads model");
    }
    let cores = r.provenance.logical_cores;
    let baseline = r.baseline().map_or("the baseline", |b| b.name.as_str());
    let mut evidence = format!(
        "On {cores} cores, as a multiple of {baseline}'s speed: {}.",
        credited(&threads)
    );
    let (sped_up, flat): (Vec<_>, Vec<_>) =
        threads.iter().copied().partition(|(_, s)| *s >= SPEEDUP);
    let verdict = if sped_up.is_empty() {
        evidence += &if threads.iter().all(|(m, _)| m.gil) {
            format!(
                " Every one stayed under {}: their threads take turns under one interpreter lock.",
                x(SPEEDUP)
            )
        } else {
            format!(" Every one stayed under {}.", x(SPEEDUP))
        };
        Verdict::Holds
    } else {
        let locked = sped_up.iter().any(|(m, _)| m.gil);
        evidence += &if locked {
            // Described as taking turns under a GIL, yet faster: say so rather than explain
            // it away.
            format!(
                " {} sped up although their threads take turns under the GIL: an interpreter \
                 built without it, or noise (run again on a quiet machine).",
                sped_up
                    .iter()
                    .map(|(m, _)| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                " These threads crunched in parallel: no global lock holds them to one core{}.",
                if flat.is_empty() {
                    String::new()
                } else {
                    format!(" (no speedup: {})", credited(&flat))
                }
            )
        };
        Verdict::DoesNotHold
    };
    evidence += &busy_note(r, &[CPU_ONE_WORKER, CPU_ALL_CORES], &[]);
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

/// The processes models' speedup against every other parallel model's: is multiprocessing
/// the way to use the cores, or one way among others?
fn use_multiprocessing(r: &Results) -> Claim {
    const CLAIM: &str = "For CPU-bound work, for all intents and purposes, use multiprocessing.";
    if let Some(c) = one_core(r, CLAIM) {
        return c;
    }
    let procs = all_core_speedups(r, |m| m.family == Family::Processes);
    let others = all_core_speedups(r, |m| {
        !matches!(m.family, Family::Processes | Family::Sequential)
    });
    let Some(&(best, p)) = procs.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return not_measured(CLAIM, "crunch run with every core of a processes model");
    };
    let cores = r.provenance.logical_cores;
    let (sped_up, flat): (Vec<_>, Vec<_>) =
        others.iter().copied().partition(|(_, s)| *s >= SPEEDUP);
    let mut evidence = format!(
        "On {cores} cores, {} reached {} on {}.",
        best.name,
        x(p),
        best.crunch_on
    );
    let rival = sped_up.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    let verdict = match rival {
        _ if p < SPEEDUP => {
            evidence += " Processes did not speed the crunch up here.";
            Verdict::DoesNotHold
        }
        None => {
            if !flat.is_empty() {
                evidence += &format!(
                    " Nothing else did: {} (under {}).",
                    credited(&flat),
                    x(SPEEDUP)
                );
            }
            Verdict::Holds
        }
        Some((_, t)) if t >= 0.9 * p => {
            evidence += &format!(
                " Without processes, {} reached as much: here threads use the cores, and                  processes add start-up and pipes for no more speed.",
                credited(&sped_up)
            );
            Verdict::DoesNotHold
        }
        Some(_) => {
            evidence += &format!(" Others sped up less: {}.", credited(&sped_up));
            Verdict::HoldsWithCaveat
        }
    };
    evidence += &busy_note(r, &[CPU_ONE_WORKER, CPU_ALL_CORES], &[]);
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

fn processes_slower_to_spawn(r: &Results) -> Claim {
    const CLAIM: &str = "Processes are slower to spawn than threads.";
    let (Some(p), Some(t)) = (r.spawn_cost(SPAWN_PROCESS), r.spawn_cost(SPAWN_THREAD)) else {
        return not_measured(
            CLAIM,
            &format!("spawn benchmark for both `{SPAWN_PROCESS}` and `{SPAWN_THREAD}`"),
        );
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
            "Spawning and waiting for a process (re-executing the worker) took {}; a thread {}: {} as long.{caveat}{}",
            human_ns(p),
            human_ns(t),
            x(ratio),
            busy_note(r, &[SPAWN], &[])
        ),
        verdict,
    }
}

fn fork_is_lightweight(r: &Results) -> Claim {
    const CLAIM: &str = "fork is lightweight on Linux.";
    let Some(f) = r.spawn_cost(SPAWN_FORK) else {
        return not_measured(CLAIM, &format!("spawn benchmark for `{SPAWN_FORK}`"));
    };
    let thread = r.spawn_cost(SPAWN_THREAD);
    let process = r.spawn_cost(SPAWN_PROCESS);
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
    evidence += &busy_note(r, &[SPAWN], &[]);
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

/// Each async model's speedup with every core, credited to where its description says it
/// crunches. A model that runs every task on one thread is the test of the claim itself; the
/// others' speedups come from the threads they crunch on, in their own words.
fn async_is_not_parallel(r: &Results) -> Claim {
    const CLAIM: &str = "Async is not parallel, so it gives no CPU speedup.";
    if let Some(c) = one_core(r, CLAIM) {
        return c;
    }
    let speedups = r.cpu_speedups();
    let measured: Vec<(&Description, f64)> = r
        .async_models()
        .into_iter()
        .filter_map(|m| {
            let s = speedups.iter().find(|s| s.model == m.name)?.all?;
            Some((m, s))
        })
        .collect();
    let (one, several): (Vec<_>, Vec<_>) =
        measured.iter().copied().partition(|(m, _)| m.one_thread);
    if one.is_empty() {
        return not_measured(
            CLAIM,
            "crunch benchmark with every core of an async model that runs on one thread",
        );
    }
    let cores = r.provenance.logical_cores;
    let baseline = r.baseline().map_or("the baseline", |b| b.name.as_str());
    // Each speedup with the words its model's description gives for where it crunches.
    let credit = |v: &[(&Description, f64)]| {
        v.iter()
            .map(|(m, s)| format!("{} {} on {}", m.name, x(*s), m.crunch_on))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut evidence = format!(
        "On {cores} cores with every core offered, as a multiple of {baseline}'s speed: {}.",
        credit(&one)
    );
    let sped_up_alone = one.iter().any(|(_, s)| *s >= SPEEDUP);
    let (sped_up, flat): (Vec<_>, Vec<_>) =
        several.iter().copied().partition(|(_, s)| *s >= SPEEDUP);
    let it = if one.len() == 1 {
        "It runs"
    } else {
        "They run"
    };
    evidence += &if sped_up_alone {
        format!(
            " {it} every task on one thread, yet sped up: async on one thread was parallel here."
        )
    } else {
        format!(
            " {it} every task on one thread and stayed under {}: async itself is not parallel.",
            x(SPEEDUP)
        )
    };
    if !sped_up.is_empty() {
        evidence += &format!(
            " The others' speedups came from the threads they crunch on: {}.",
            credit(&sped_up)
        );
    }
    if !flat.is_empty() {
        evidence += &format!(" No speedup: {}.", credit(&flat));
    }
    let verdict = if sped_up_alone {
        Verdict::DoesNotHold
    } else if !sped_up.is_empty() {
        evidence +=
            " The claim holds for an event loop on one thread, not for every async runtime.";
        Verdict::HoldsWithCaveat
    } else {
        Verdict::Holds
    };
    evidence += &busy_note(r, &[CPU_ONE_WORKER, CPU_ALL_CORES], &[]);
    Claim {
        claim: CLAIM,
        evidence,
        verdict,
    }
}

/// The thread-per-job model against the async models, at the largest N of the sweep's memory
/// points where both were run.
fn async_handles_thousands(r: &Results) -> Claim {
    const CLAIM: &str = crate::scale::THOUSANDS_CLAIM;
    // The scale sweep goes to each model's limit and counts the kernel's memory too: where it
    // ran, it decides; otherwise the resource sweep's largest sizes do.
    if crate::scale::measured(r) {
        return crate::scale::thousands_claim(r, CLAIM);
    }
    if r.sweep.is_none() {
        return not_measured(CLAIM, "resource sweep");
    }
    let Some(t) = r.per_job_threads() else {
        return not_measured(CLAIM, "threads model with one thread per job");
    };
    let asyncs = r.async_models();
    let waiting = r.waiting_runs();
    let at = |m: &str, n: usize| {
        waiting
            .iter()
            .copied()
            .find(|e| e.request().model == m && e.request().count == n)
    };
    let sizes = waiting
        .iter()
        .map(|e| e.request())
        .filter(|q| q.model == t.name)
        .map(|q| q.count)
        .filter(|&n| asyncs.iter().any(|a| at(&a.name, n).is_some()));
    // Memory per *waiting* greet compares only where every greet waited at once: a size at
    // which the threads, or every async model, were still starting greets when the first
    // replies came is passed over, and the evidence says so.
    let waited = |e: Option<&RunResult>| Results::ok_record(e).is_some_and(Results::all_waited);
    let comparable = |n: usize| {
        let tr = at(&t.name, n);
        Results::ok_record(tr).is_none()
            || (waited(tr) && asyncs.iter().any(|a| waited(at(&a.name, n))))
    };
    let (kept, passed): (Vec<usize>, Vec<usize>) = sizes.partition(|&n| comparable(n));
    let n = kept.into_iter().max();
    let passed_over = passed
        .into_iter()
        .filter(|p| n.is_some_and(|n| *p > n))
        .max()
        .map_or(String::new(), |p| {
            format!(
                " (At N = {p} the greets did not all wait at once: the last started after the first replies came, so that size is not compared.)"
            )
        });
    let Some(n) = n else {
        return not_measured(
            CLAIM,
            "sweep of the threads model and an async model at the same N",
        );
    };
    let Some(tr) = at(&t.name, n) else {
        return not_measured(CLAIM, "sweep of the threads model");
    };
    let async_runs: Vec<(&Description, &RunResult)> = asyncs
        .iter()
        .filter_map(|a| Some((*a, at(&a.name, n)?)))
        .collect();
    let async_ok: Vec<(&Description, &RunRecord)> = async_runs
        .iter()
        .filter_map(|(a, e)| Some((*a, Results::ok_record(Some(*e))?)))
        .collect();
    let mut used: Vec<&RunResult> = vec![tr];
    used.extend(async_runs.iter().map(|(_, e)| *e));
    let note = passed_over + &busy_note(r, &[], &used);
    let latency = human_latency(tr.request().hosts.latency);
    let completed = |v: &[(&Description, &RunRecord)]| {
        v.iter()
            .map(|(a, k)| format!("{} ({:.2} KiB per waiting greet)", a.name, k.kib_per_job()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (tr.status(), Results::ok_record(Some(tr))) {
        (Status::Limit(limit), _) if !async_ok.is_empty() => {
            let got = tr.record().map_or_else(
                || "no figures".to_string(),
                |k| format!("{} of {n} greets ok", k.ok),
            );
            Claim {
                claim: CLAIM,
                evidence: format!(
                    "At N = {n} greets waiting {latency}, {} hit an OS limit ({}: {got}) while these async models completed all {n}: {}.{note}",
                    t.name,
                    limit.label(),
                    completed(&async_ok)
                ),
                verdict: Verdict::Holds,
            }
        }
        (_, Some(tk)) if !async_ok.is_empty() => {
            let tm = tk.kib_per_job();
            let ratios: Vec<f64> = async_ok
                .iter()
                .map(|(_, k)| tm / k.kib_per_job().max(0.01))
                .collect();
            let weakest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let per_task = async_ok
                .iter()
                .zip(&ratios)
                .map(|((a, k), ratio)| {
                    format!("{} {:.2} KiB ({} less)", a.name, k.kib_per_job(), x(*ratio))
                })
                .collect::<Vec<_>>()
                .join(", ");
            let threads_of = |k: &RunRecord| match k.executor_threads {
                Some(e) => format!("{} ({e} in its executor)", k.peak_threads),
                None => k.peak_threads.to_string(),
            };
            let peaks = async_ok
                .iter()
                .map(|(a, k)| format!("{} {}", a.name, threads_of(k)))
                .collect::<Vec<_>>()
                .join(", ");
            let walls = async_ok
                .iter()
                .map(|(a, k)| format!("{} {}", a.name, human_ns(k.wall_s * 1e9)))
                .collect::<Vec<_>>()
                .join(", ");
            let mut evidence = format!(
                "At N = {n} greets waiting {latency}, each thread ({}) cost {tm:.2} KiB of resident memory and each task {per_task}. {} peaked at {} OS threads; the async models at {peaks}. Wall time: {} {}, {walls}.",
                t.name,
                t.name,
                tk.peak_threads,
                t.name,
                human_ns(tk.wall_s * 1e9),
            );
            let verdict = if weakest >= 2.0 {
                Verdict::Holds
            } else if weakest > 1.0 {
                evidence +=
                    " Threads cost more, but under 2× for some runtime: both handled this N.";
                Verdict::HoldsWithCaveat
            } else {
                Verdict::DoesNotHold
            };
            evidence += &note;
            Claim {
                claim: CLAIM,
                evidence,
                verdict,
            }
        }
        _ => Claim {
            claim: CLAIM,
            evidence: format!(
                "At N = {n}, {} ended {} and the async models {}; the memory cannot be compared.{note}",
                t.name,
                stopped_by(tr),
                async_runs
                    .iter()
                    .map(|(a, e)| format!("{} {}", a.name, stopped_by(e)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            verdict: Verdict::NotMeasured,
        },
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

/// "Which model, when?" in sentences, each computed from the results: the Rust models', then,
/// if the results hold any, the Python models' (each language from its own rows).
pub fn summary(r: &Results) -> Vec<String> {
    if !r.has_lang(Lang::Python) {
        return summary_of(r);
    }
    let mut out = summary_of(&r.for_lang(Lang::Rust));
    out.extend(summary_of(&r.for_lang(Lang::Python)).into_iter().map(|s| {
        let mut c = s.chars();
        let first = c.next().map(|f| f.to_lowercase().collect::<String>());
        format!("In Python, {}{}", first.unwrap_or_default(), c.as_str())
    }));
    out
}

fn summary_of(r: &Results) -> Vec<String> {
    [io_verdict(r), cpu_verdict(r), mixed_verdict(r)]
        .into_iter()
        .flatten()
        .collect()
}

/// Others' CPU and steal, as percentages of all cores.
pub fn noise_words(n: &Noise) -> String {
    format!(
        "others' CPU {:.0} %, steal {:.0} %",
        n.other_busy * 100.0,
        n.steal * 100.0
    )
}

/// The caveat of a verdict built on criterion `groups` and sweep `runs`: empty when every one
/// of them was measured on a quiet machine or recorded no noise.
fn busy_note(r: &Results, groups: &[&str], runs: &[&RunResult]) -> String {
    let mut busy: Vec<String> = groups
        .iter()
        .filter_map(|g| r.busy_group(g))
        .map(|g| format!("group {} ({})", g.group, noise_words(&g.noise)))
        .collect();
    for e in runs {
        if let Some(n) = e.record().and_then(|k| k.noise).filter(Noise::busy) {
            let q = e.request();
            let line = format!(
                "the sweep's {} run at N = {} ({})",
                q.model,
                q.count,
                noise_words(&n)
            );
            if !busy.contains(&line) {
                busy.push(line);
            }
        }
    }
    if busy.is_empty() {
        return String::new();
    }
    format!(
        " Measured on a busy machine (others' CPU plus steal over {:.0} % of all cores): {}; these timings may be worse than this machine alone gives.",
        Noise::BUSY * 100.0,
        busy.join("; ")
    )
}

/// The largest size of `group` at which `a` and at least one of `bs` were measured.
fn common_size(r: &Results, group: &str, a: &str, bs: &[&Description]) -> Option<u64> {
    r.sizes(group).into_iter().rev().find(|n| {
        r.estimate(group, a, *n).is_some()
            && bs.iter().any(|b| r.estimate(group, &b.name, *n).is_some())
    })
}

/// "threads were 2.0× slower" or "... faster": `threads` against `other`, both times.
fn slower_or_faster(threads: f64, other: f64) -> String {
    if threads >= other {
        format!("threads were {} slower", x(threads / other))
    } else {
        format!("threads were {} faster", x(other / threads))
    }
}

/// Resident growth of an ok sweep record, KiB.
fn growth(k: &RunRecord) -> u64 {
    k.peak_rss_kib.saturating_sub(k.baseline_rss_kib)
}

/// The I/O verdict from the io group with the longest latency (waiting dominates there): the
/// thread-per-job model against the fastest async model, then the pools and the one-at-a-time
/// baseline, each with the ideal its shape allows.
fn io_verdict(r: &Results) -> Option<String> {
    let Some(group) = r.io_groups().pop() else {
        return io_verdict_from_sweep(r);
    };
    let latency = Results::io_latency(&group)?;
    let t = r.per_job_threads()?;
    let asyncs = r.async_models();
    let Some(n) = common_size(r, &group, &t.name, &asyncs) else {
        return io_verdict_from_sweep(r);
    };
    let threads = r.estimate(&group, &t.name, n)?.median_ns;
    let times: Vec<(&Description, f64)> = asyncs
        .iter()
        .filter_map(|a| Some((*a, r.estimate(&group, &a.name, n)?.median_ns)))
        .collect();
    let (fastest, tf) = times.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let count = usize::try_from(n).ok()?;
    let mut used_runs: Vec<&RunResult> = Vec::new();
    let mut s = format!(
        "For I/O-bound work with {n} greets at {}, the fastest async model, {}, finished in {} and {n} threads ({}) in {}: {}",
        human_latency(latency),
        fastest.name,
        human_ns(tf),
        t.name,
        human_ns(threads),
        slower_or_faster(threads, tf)
    );
    // The memory of the same runs, from the sweep's points at this N and latency.
    let mem = |m: &str| r.sweep_run(m, Workload::Greet, count, latency);
    if let (Some(te), Some(fe)) = (mem(&t.name), mem(&fastest.name))
        && let (Some(tk), Some(fk)) = (Results::ok_record(Some(te)), Results::ok_record(Some(fe)))
    {
        used_runs.extend([te, fe]);
        s += &format!(
            ", using {} the memory ({} KiB against {} KiB of RSS growth, one sweep run each)",
            x(growth(tk) as f64 / growth(fk).max(1) as f64),
            growth(tk),
            growth(fk)
        );
    }
    s.push('.');
    if times.len() > 1 {
        s += &format!(
            " The async models: {}.",
            times
                .iter()
                .map(|(a, ns)| format!("{} {}", a.name, human_ns(*ns)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Models often over the bench budget at large N (a pool waits N/K × L, the baseline
    // N × L) ran once each in the sweep; say where each figure comes from.
    let mut time_of = |m: &str| -> Option<(String, f64)> {
        if let Some(e) = r.estimate(&group, m, n) {
            return Some((human_ns(e.median_ns), e.median_ns));
        }
        let e = mem(m)?;
        let k = Results::ok_record(Some(e))?;
        used_runs.push(e);
        Some((
            format!("{} (one run, from the sweep)", human_ns(k.wall_s * 1e9)),
            k.wall_s * 1e9,
        ))
    };
    let pools: Vec<String> = r
        .models_where(|m| m.shape == Shape::Pool)
        .iter()
        .filter_map(|m| Some(format!("{} {}", m.name, time_of(&m.name)?.0)))
        .collect();
    let singles: Vec<String> = r
        .models_where(|m| m.shape == Shape::OneAtATime)
        .iter()
        .filter_map(|m| Some(format!("{} {}", m.name, time_of(&m.name)?.0)))
        .collect();
    if !pools.is_empty() {
        // The benches size every pool to the logical cores (`benches::cores`).
        let k = r.provenance.logical_cores.max(1);
        // In f64 seconds, not `Duration::mul_f64`, which panics past its range: a crafted
        // results file must not crash the report.
        let ideal_s = latency.as_secs_f64() * count.div_ceil(k) as f64;
        s += &format!(
            " The pools of K = {k} workers: {}; at most K greets wait at once, so at best ⌈N/K⌉ × L = {}.",
            pools.join(", "),
            human_ns(ideal_s * 1e9)
        );
    }
    if !singles.is_empty() {
        s += &format!(
            " One greet at a time: {}; at best N × L = {}.",
            singles.join(", "),
            human_ns(latency.as_secs_f64() * count as f64 * 1e9)
        );
    }
    s += &busy_note(r, &[&group], &used_runs);
    Some(s)
}

/// Without criterion's io groups, the sweep's single runs at its I/O latency (its shortest),
/// at the largest N where the thread-per-job model and an async model both completed.
fn io_verdict_from_sweep(r: &Results) -> Option<String> {
    let latency: Duration = *r.sweep_latencies().first()?;
    let t = r.per_job_threads()?;
    let asyncs = r.async_models();
    let ok = |m: &str, n: usize| {
        let e = r.sweep_run(m, Workload::Greet, n, latency)?;
        Some((e, Results::ok_record(Some(e))?))
    };
    let mut counts: Vec<usize> = r
        .runs()
        .map(RunResult::request)
        .filter(|q| q.model == t.name && q.hosts.latency == latency)
        .map(|q| q.count)
        .collect();
    counts.sort_unstable();
    let (n, (te, tk), tasks) = counts.into_iter().rev().find_map(|n| {
        let tasks: Vec<(&Description, &RunResult, &RunRecord)> = asyncs
            .iter()
            .filter_map(|a| ok(&a.name, n).map(|(e, k)| (*a, e, k)))
            .collect();
        (!tasks.is_empty()).then_some((n, ok(&t.name, n)?, tasks))
    })?;
    let (fastest, fe, fk) = tasks
        .iter()
        .copied()
        .min_by(|a, b| a.2.wall_s.total_cmp(&b.2.wall_s))?;
    let mut s = format!(
        "For I/O-bound work with {n} greets at {} (one run each, from the sweep), the fastest async model, {}, finished in {} and {n} threads ({}) in {}: {}, using {} the memory ({} KiB against {} KiB of RSS growth).",
        human_latency(latency),
        fastest.name,
        human_ns(fk.wall_s * 1e9),
        t.name,
        human_ns(tk.wall_s * 1e9),
        slower_or_faster(tk.wall_s, fk.wall_s),
        x(growth(tk) as f64 / growth(fk).max(1) as f64),
        growth(tk),
        growth(fk),
    );
    let mut used = vec![te, fe];
    for m in r.models_where(|m| m.shape == Shape::Pool) {
        if let Some((e, k)) = ok(&m.name, n) {
            used.push(e);
            s += &format!(
                " {} with {} workers took {}, capped by its pool.",
                m.name,
                k.request.workers.unwrap_or(r.provenance.logical_cores),
                human_ns(k.wall_s * 1e9)
            );
        }
    }
    s += &busy_note(r, &[], &used);
    Some(s)
}

fn cpu_verdict(r: &Results) -> Option<String> {
    let speedups = r.cpu_speedups();
    let first = speedups.first()?;
    let all = |m: &Description| speedups.iter().find(|s| s.model == m.name)?.all;
    let cores = r.provenance.logical_cores;
    let list = |ms: Vec<&Description>| -> Vec<String> {
        ms.into_iter()
            .filter_map(|m| Some(format!("{} {}", m.name, x(all(m)?))))
            .collect()
    };
    let parallel = list(r.models_where(|m| m.family != Family::Async && m.parallel()));
    let one_loop = list(r.models_where(|m| m.family == Family::Async && m.one_thread));
    let other_async = list(r.models_where(|m| m.family == Family::Async && !m.one_thread));
    let mut s = format!("For CPU-bound work (crunch, N = {}), ", first.size);
    if parallel.is_empty() {
        s += "no parallel model was measured";
    } else {
        s += &format!(
            "the parallel models reached {} on {cores} cores",
            parallel.join(", ")
        );
    }
    if !one_loop.is_empty() {
        s += &format!(". Async on one thread reached {}", one_loop.join(", "));
    }
    if !other_async.is_empty() {
        s += &format!(
            "; the async runtimes with several threads reached {}, each through the threads it crunches on (see the claims)",
            other_async.join(", ")
        );
    }
    s.push('.');
    s += &busy_note(r, &[CPU_ONE_WORKER, CPU_ALL_CORES], &[]);
    Some(s)
}

/// Mixed work: an async model on one thread against the async models with several threads
/// (preferring those of the same runtime), where a crunch on the one thread stalls every greet
/// waiting behind it.
fn mixed_verdict(r: &Results) -> Option<String> {
    let group = MIXED;
    let measured = |m: &&Description| r.functions(group).contains(&m.name);
    let one = r
        .models_where(|m| m.family == Family::Async && m.one_thread)
        .into_iter()
        .find(measured)?;
    let several: Vec<&Description> = r
        .models_where(|m| m.family == Family::Async && !m.one_thread)
        .into_iter()
        .filter(measured)
        .collect();
    let same_runtime: Vec<&Description> = several
        .iter()
        .copied()
        .filter(|m| m.runtime.as_ref().map(|k| &k.name) == one.runtime.as_ref().map(|k| &k.name))
        .collect();
    let others = if same_runtime.is_empty() {
        several
    } else {
        same_runtime
    };
    let n = common_size(r, group, &one.name, &others)?;
    let ct = r.estimate(group, &one.name, n)?.median_ns;
    let times: Vec<(&Description, f64)> = others
        .iter()
        .filter_map(|m| Some((*m, r.estimate(group, &m.name, n)?.median_ns)))
        .collect();
    let (best, mt) = times.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let reading = if ct > 1.2 * mt {
        format!(
            "{} crunches on {}, and here that stalled the greets waiting behind it",
            one.name, one.crunch_on
        )
    } else {
        format!(
            "{} crunches on {}, yet no stall shows at this size",
            one.name, one.crunch_on
        )
    };
    let mut s = format!(
        "For mixed work (greet then crunch, N = {n}), {} on one thread took {} against {} for {} ({} as long): {reading}.",
        one.name,
        human_ns(ct),
        human_ns(mt),
        best.name,
        x(ct / mt)
    );
    if times.len() > 1 {
        s += &format!(
            " With several threads: {}.",
            times
                .iter()
                .map(|(m, ns)| format!("{} {}", m.name, human_ns(*ns)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(t) = r.per_job_threads()
        && let Some(e) = r.estimate(group, &t.name, n)
    {
        s += &format!(
            " One thread per job ({}) took {}.",
            t.name,
            human_ns(e.median_ns)
        );
    }
    s += &busy_note(r, &[group], &[]);
    Some(s)
}

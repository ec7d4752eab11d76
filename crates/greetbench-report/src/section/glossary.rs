//! "Glossary": every term the page uses, said once, with the thresholds the verdicts use read
//! from the code that applies them.

use askama::Template;
use greet_core::record::Noise;

use crate::format;
use crate::stats;
use crate::verdict::{SPEEDUP, TIE};
use crate::view::{Source, View};

/// The glossary's typed view.
#[derive(Debug, Clone, Template)]
#[template(path = "glossary.html")]
pub struct Glossary {
    /// Each term and its meaning.
    pub terms: Vec<(&'static str, String)>,
}

impl askama::filters::HtmlSafe for Glossary {}

/// Builds the section.
pub fn build(view: &View<'_>) -> Glossary {
    // What the intervals are in this file, per source that has figures.
    let here: Vec<String> = [Source::Criterion, Source::Sweep, Source::SpawnScript]
        .into_iter()
        .filter(|&s| view.figures().iter().any(|f| f.source == s))
        .map(|s| format!("{}: {}", s.words(), view.interval_note(s)))
        .collect();
    let here = if here.is_empty() {
        String::new()
    } else {
        format!(" In this file, {}", here.join(" "))
    };
    let terms = vec![
        ("N", "the number of greets (or crunch jobs) in one batch.".to_string()),
        (
            "L",
            "the hosts' latency: how long each host waits before it replies.".to_string(),
        ),
        (
            "K",
            "the pool size (--workers): a pool keeps at most K greets waiting at once. It defaults to the logical cores.".to_string(),
        ),
        (
            "floor",
            "the ideal time of a batch for a model's shape: N × L one at a time, ⌈N/K⌉ × L for a pool, about L when every greet waits at once.".to_string(),
        ),
        (
            "floor client",
            "the shortest client of one kind (a thread per greet, tokio tasks, asyncio's gather...) with none of greetbench's harness; a model's time over its floor client's is what the harness costs. Measured, never picked.".to_string(),
        ),
        (
            "crunch",
            "the CPU-bound job: a fixed number of rounds of arithmetic, the same for every model and language (its checksum is checked).".to_string(),
        ),
        (
            "speedup",
            format!(
                "the baseline's (one job at a time) median time over a model's, on the same crunch; from {} it counts as a speedup.",
                format::chosen_ratio(SPEEDUP)
            ),
        ),
        (
            "95 % interval",
            format!(
                "every ratio between two models comes with one: a percentile bootstrap over both sides' raw samples ({} resamples, a fixed seed, so the page is reproducible); where a file stores no raw samples, the stored ranges of the two medians give a wider one. A single median's interval (a whisker) is read from its samples' order statistics; with fewer than six samples it is their whole range.{here}",
                stats::RESAMPLES
            ),
        ),
        (
            "order statistics",
            "the samples sorted, the k-th smallest read as a bound: the median's 95 % interval runs from the j-th smallest to the j-th largest sample, j the largest for which the median falls outside at most 5 % of the time (a binomial count, no assumption about the samples' shape). The floor's interval is read the same way.".to_string(),
        ),
        (
            "Wilson's 95 % interval",
            "the interval of a share (greets kept of greets sent): unlike the share ± twice its standard error, it stays inside 0–100 % and is honest for small counts and shares near 0 or 100 %.".to_string(),
        ),
        (
            "holds / does not hold / inconclusive",
            "a claim is decided only when its whole interval lies on one side of its threshold, on a quiet machine; a busy measurement, or an interval across the threshold, reads inconclusive. A GIL claim that fails without a GIL reads as a lesson.".to_string(),
        ),
        (
            "tied, for a pick",
            format!(
                "a model whose whole interval lies within {} of the best one's time; the pick is the first of the recommended kind not clearly worse than that.",
                format::chosen_ratio(TIE)
            ),
        ),
        (
            "busy; others' CPU; steal",
            format!(
                "others' CPU is what the rest of the machine used while a measurement ran, steal the time a hypervisor gave these cores to someone else, both as shares of all cores (/proc/stat). Past {} together, the measurement is busy.",
                format::chosen_percent(Noise::BUSY)
            ),
        ),
        (
            "fresh child",
            "the sweep runs every point in a new process, so its memory and threads are its own, and repeats the short points.".to_string(),
        ),
        (
            "criterion",
            "the Rust benchmark harness: it times a batch many times in the bench process and stores each sample.".to_string(),
        ),
        (
            "PSS",
            "proportional set size: resident memory with each page shared by several processes counted once, split between them.".to_string(),
        ),
        (
            "kernel memory",
            "slab, kernel stacks, page tables and TCP buffers, from /proc/meminfo and /proc/net/sockstat: what a waiting socket or thread costs the kernel.".to_string(),
        ),
        (
            "held; all waited at once",
            "a size is held when every greet ended ok and all N waited together (the server's count of greets in flight).".to_string(),
        ),
        (
            "RLIMIT_NOFILE",
            "the open-files limit of a process: every socket is a file, so it caps the greets one process can keep waiting.".to_string(),
        ),
        (
            "open loop; p99; knee",
            "in an open-loop run greets arrive on a schedule whatever the model is doing; p99 is the latency 99 % of greets beat, counted from each greet's intended start; the knee is the offered rate past which a model falls behind and greets queue.".to_string(),
        ),
        (
            "vm.max_map_count",
            "the kernel's limit on memory mappings per process (sysctl vm.max_map_count, 65 530 by default): every thread's stack and its guard page take mappings, so it caps the threads one process can start, often before kernel.threads-max does.".to_string(),
        ),
        (
            "tgkill",
            "the system call that sends a signal to one thread of a process; a fatal signal (SIGTERM with no handler) still ends the whole process, which is what the kill probe shows.".to_string(),
        ),
        (
            "ctx vol / invol",
            "context switches: voluntary (a thread waited) and involuntary (the scheduler took the core away).".to_string(),
        ),
        (
            "GIL",
            "CPython's global interpreter lock: its threads run Python code one at a time.".to_string(),
        ),
    ];
    Glossary { terms }
}

//! The floor clients' side of a comparison, as data: which bare client a model is measured
//! beside ([`FloorKind`]), the interleaved pairs of runs ([`FloorPairs`]) and the ratio of
//! their wall times with its interval ([`Ratio`]).
//!
//! A floor client (the `floor` crate, `python/floor/`) is the shortest client of one kind
//! that greets the same hosts: one OS thread per greet, tokio tasks, asyncio's `gather`…,
//! with none of greetbench's harness (no outcomes, stamps, deadlines, retries or thread
//! budget). A model's wall time over its floor's is what the harness and the model's own
//! choices cost. Floor clients count only the replies they got, so no verdict rests on them:
//! they are measured, never registered as models.
//!
//! The ratio is computed here, once, for `greetbench compare --floor` and the report alike.

use std::net::SocketAddr;

use crate::describe::{Description, Family, Lang, Shape};

/// A bare client of one kind. Each model is measured beside the kind that waits the way it
/// does ([`FloorKind::of`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FloorKind {
    /// One greet after another on the calling thread.
    Sequential,
    /// One OS thread per greet.
    Threads,
    /// K threads taking greets off a shared counter.
    ThreadPool,
    /// One task per greet on tokio's multi-thread runtime, with as many workers as the model
    /// beside it runs executor threads.
    Tokio,
    /// One task per greet on tokio's current-thread runtime.
    TokioCurrentThread,
    /// Python: one greet after another.
    PySequential,
    /// Python: one `threading.Thread` per greet.
    PyThreads,
    /// Python: K threads taking greets off a shared iterator.
    PyThreadPool,
    /// Python: `asyncio.gather` over one coroutine per greet.
    PyAsyncio,
}

impl FloorKind {
    /// Every kind, Rust first.
    pub const ALL: [FloorKind; 9] = [
        FloorKind::Sequential,
        FloorKind::Threads,
        FloorKind::ThreadPool,
        FloorKind::Tokio,
        FloorKind::TokioCurrentThread,
        FloorKind::PySequential,
        FloorKind::PyThreads,
        FloorKind::PyThreadPool,
        FloorKind::PyAsyncio,
    ];

    /// The name tables, JSON and `python/floor/floor.py` use: what the client does, never a
    /// model's name, so that no one takes a floor client for a model.
    pub fn name(self) -> &'static str {
        match self {
            FloorKind::Sequential => "one-at-a-time",
            FloorKind::Threads => "thread-per-greet",
            FloorKind::ThreadPool => "pool-of-k",
            FloorKind::Tokio => "tokio-tasks",
            FloorKind::TokioCurrentThread => "tokio-one-loop",
            FloorKind::PySequential => "py-one-at-a-time",
            FloorKind::PyThreads => "py-thread-per-greet",
            FloorKind::PyThreadPool => "py-pool-of-k",
            FloorKind::PyAsyncio => "py-gather",
        }
    }

    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<FloorKind> {
        FloorKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Which language runs it.
    pub fn lang(self) -> Lang {
        match self {
            FloorKind::PySequential
            | FloorKind::PyThreads
            | FloorKind::PyThreadPool
            | FloorKind::PyAsyncio => Lang::Python,
            _ => Lang::Rust,
        }
    }

    /// Whether `--workers` sizes it (a pool of K threads).
    pub fn pooled(self) -> bool {
        matches!(self, FloorKind::ThreadPool | FloorKind::PyThreadPool)
    }

    /// The floor client that waits the way the model `d` does, read off its description: one
    /// at a time, a pool of K threads (rayon's included), a thread per greet, or tasks on an
    /// event loop (one thread, or one per core). `None` for a model of worker processes: a
    /// bare pool of processes over pipes would be the model itself, so it has no floor here.
    pub fn of(d: &Description) -> Option<FloorKind> {
        let python = d.lang == Lang::Python;
        let kind = match (d.family, d.shape) {
            (Family::Processes, _) => return None,
            (_, Shape::OneAtATime) => [FloorKind::Sequential, FloorKind::PySequential],
            (Family::Async, _) if d.one_thread || python => {
                [FloorKind::TokioCurrentThread, FloorKind::PyAsyncio]
            }
            (Family::Async, _) => [FloorKind::Tokio, FloorKind::PyAsyncio],
            (_, Shape::Pool) => [FloorKind::ThreadPool, FloorKind::PyThreadPool],
            (_, Shape::PerJob) => [FloorKind::Threads, FloorKind::PyThreads],
        };
        Some(kind[usize::from(python)])
    }
}

impl std::fmt::Display for FloorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// What a floor client is asked to run, in a fresh process (`greetbench floor-child` reads it
/// as JSON on stdin): `count` greets over `addrs`, round-robin, each giving up after
/// `timeout_ms`; a pool of `workers` threads for the pooled kinds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorRequest {
    /// Which floor client.
    pub kind: FloorKind,
    /// The hosts' addresses.
    pub addrs: Vec<SocketAddr>,
    /// How many greets.
    pub count: usize,
    /// K: the pools' threads, or the tokio floor client's workers.
    pub workers: usize,
    /// Each greet's timeout, ms.
    pub timeout_ms: u64,
}

/// One run of a floor client: how long its batch took, and how many greets got their reply.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorRun {
    /// From the first greet started to the last one ended, s: what the harness's `wall_s`
    /// measures of a model (start-up excluded on both sides).
    pub wall_s: f64,
    /// Greets that got a reply.
    pub ok: usize,
    /// Greets started.
    pub count: usize,
}

/// One pair: the model's run and its floor client's, one after the other, against the same
/// hosts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorPair {
    /// The model's `wall_s`.
    pub model_wall_s: f64,
    /// The floor client's `wall_s`.
    pub floor_wall_s: f64,
    /// Whether the model ran first. Pairs alternate, so that whatever the first run of a
    /// pair leaves behind (sockets in TIME_WAIT, a warm cache) falls on both sides alike.
    pub model_first: bool,
}

impl FloorPair {
    /// The model's wall time over its floor client's.
    pub fn ratio(&self) -> f64 {
        self.model_wall_s / self.floor_wall_s
    }
}

/// A model beside its floor client: interleaved pairs of runs, every one of them complete
/// (a pair in which either side lost a greet is not kept; see `dropped`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloorPairs {
    /// The model.
    pub model: String,
    /// Its floor client.
    pub floor: FloorKind,
    /// Greets per run.
    pub count: usize,
    /// The hosts' latency, s.
    pub latency_s: f64,
    /// K: the pools' threads (`--workers`), or the tokio floor client's workers (the model's
    /// executor threads, from its first run).
    pub workers: usize,
    /// The pairs in which both sides got every reply, in the order they ran.
    pub pairs: Vec<FloorPair>,
    /// Pairs run but not kept, each with why (a greet lost on either side, a run that failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
}

impl FloorPairs {
    /// The median ratio of the kept pairs, with its interval; `None` with no pair.
    pub fn ratio(&self) -> Option<Ratio> {
        Ratio::of(self.pairs.iter().map(FloorPair::ratio))
    }
}

/// The median of a sample of ratios, with a distribution-free interval for it: the order
/// statistics `[x(k), x(n+1-k)]` of the sorted ratios, with `k` the largest rank for which
/// the interval covers the true median with probability at least 95 % (the binomial
/// argument: each ratio falls below the median with probability ½). No resampling, no
/// assumption about the ratios' distribution, and the same answer every time. With fewer
/// than 6 pairs no rank reaches 95 %: the interval is then the whole range, and `coverage`
/// says how sure that is (15 pairs: the 4th to the 12th, 96.5 %).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ratio {
    /// The median (of an even count, the mean of the two middle ones).
    pub median: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
    /// The probability that the interval covers the true median, 0 to 1.
    pub coverage: f64,
    /// How many ratios.
    pub n: usize,
}

/// The ratio a Rust model aims to stay within, over the floor client of its kind.
pub const RUST_TARGET: f64 = 1.05;

/// The ratio a Python model aims to stay within (an interpreter's harness is a JSON line per
/// outcome on a pipe).
pub const PYTHON_TARGET: f64 = 1.2;

/// The target of a model in `lang`.
pub fn target(lang: Lang) -> f64 {
    match lang {
        Lang::Rust => RUST_TARGET,
        Lang::Python => PYTHON_TARGET,
    }
}

/// The coverage the interval aims at.
pub const COVERAGE: f64 = 0.95;

impl Ratio {
    /// The median and interval of the finite values; `None` if there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Ratio> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return None;
        }
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        // P(Binomial(n, ½) < k) for k = 1, 2, …: the interval [x(k), x(n+1-k)] misses the
        // median with twice that probability.
        let mut k = 1;
        let mut below = binomial_half(n, 0);
        while k < n.div_ceil(2) {
            let next = below + binomial_half(n, k);
            if 1.0 - 2.0 * next < COVERAGE {
                break;
            }
            below = next;
            k += 1;
        }
        Some(Ratio {
            median,
            low: v[k - 1],
            high: v[n - k],
            coverage: 1.0 - 2.0 * below,
            n,
        })
    }

    /// Where the ratio stands against `target`: within it only when the whole interval is,
    /// over it only when the whole interval is, and inconclusive when the interval straddles
    /// it (the noise decides, so no claim is made) or covers the median with less than
    /// [`COVERAGE`] (fewer than 6 pairs: too few to say).
    pub fn against(&self, target: f64) -> Verdict {
        if self.coverage < COVERAGE {
            Verdict::Inconclusive
        } else if self.high <= target {
            Verdict::Within
        } else if self.low > target {
            Verdict::Over
        } else {
            Verdict::Inconclusive
        }
    }

    /// `1.03× [1.01, 1.06]`: the median and its interval.
    pub fn text(&self) -> String {
        format!("{:.3}× [{:.3}, {:.3}]", self.median, self.low, self.high)
    }
}

/// A ratio against its target ([`Ratio::against`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The whole interval is at or under the target.
    Within,
    /// The whole interval is over the target.
    Over,
    /// The interval straddles the target.
    Inconclusive,
}

impl Verdict {
    /// The word tables print.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Within => "within",
            Verdict::Over => "over",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// P(Binomial(n, ½) = k).
fn binomial_half(n: usize, k: usize) -> f64 {
    // n choose k, built up as a float (n is a count of runs: small), times 2^-n.
    let mut c = 1.0f64;
    for i in 0..k {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c * 0.5f64.powi(i32::try_from(n).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_order_statistics_the_binomial_gives() {
        // 15 ratios 1.00, 1.01, …, 1.14: the median is the 8th, the interval the 4th to the
        // 12th (P(B(15, ½) <= 3) = 0.0176, so coverage 0.965).
        let r = Ratio::of((0..15).map(|i| 1.0 + f64::from(i) / 100.0)).unwrap();
        assert_eq!(r.n, 15);
        assert!((r.median - 1.07).abs() < 1e-12, "{r:?}");
        assert!(
            (r.low - 1.03).abs() < 1e-12 && (r.high - 1.11).abs() < 1e-12,
            "{r:?}"
        );
        assert!((r.coverage - 0.96484375).abs() < 1e-9, "{r:?}");
        // Too few for 95 %: the whole range, and a coverage that says so.
        let few = Ratio::of([1.2, 0.9, 1.0, 1.1, 1.05]).unwrap();
        assert_eq!((few.low, few.high, few.median), (0.9, 1.2, 1.05));
        assert!((few.coverage - 0.9375).abs() < 1e-12);
        // Order does not matter; a non-finite ratio (a zero floor) is left out.
        let shuffled = Ratio::of([1.11, 1.0, f64::INFINITY, 1.05]).unwrap();
        assert_eq!((shuffled.n, shuffled.median), (3, 1.05));
        assert!(Ratio::of([]).is_none());
    }

    #[test]
    fn a_claim_holds_only_when_the_whole_interval_is_on_its_side() {
        let r = Ratio {
            median: 1.03,
            low: 1.01,
            high: 1.06,
            coverage: 0.965,
            n: 15,
        };
        assert_eq!(r.against(1.05), Verdict::Inconclusive);
        assert_eq!(r.against(1.06), Verdict::Within);
        assert_eq!(r.against(1.0), Verdict::Over);
        assert_eq!(r.against(target(Lang::Python)), Verdict::Within);
        // Too few pairs for 95 %: no verdict either way.
        let few = Ratio::of([1.10, 1.12, 1.11]).unwrap();
        assert_eq!(few.against(1.05), Verdict::Inconclusive);
        assert_eq!(few.against(1.2), Verdict::Inconclusive);
        assert_eq!(r.text(), "1.030× [1.010, 1.060]");
    }

    #[test]
    fn each_model_gets_the_floor_client_that_waits_its_way() {
        let d = |family, shape, lang| Description {
            lang,
            ..Description::new("m", family, shape, "")
        };
        use FloorKind as K;
        let rust = Lang::Rust;
        assert_eq!(
            FloorKind::of(&d(Family::Sequential, Shape::OneAtATime, rust)),
            Some(K::Sequential)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Threads, Shape::PerJob, rust)),
            Some(K::Threads)
        );
        assert_eq!(
            FloorKind::of(&d(Family::DataParallel, Shape::Pool, rust)),
            Some(K::ThreadPool)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Async, Shape::PerJob, rust)),
            Some(K::Tokio)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Async, Shape::PerJob, rust).one_thread()),
            Some(K::TokioCurrentThread)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Processes, Shape::Pool, rust)),
            None
        );
        let py = Lang::Python;
        assert_eq!(
            FloorKind::of(&d(Family::Async, Shape::PerJob, py)),
            Some(K::PyAsyncio)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Threads, Shape::Pool, py)),
            Some(K::PyThreadPool)
        );
        assert_eq!(
            FloorKind::of(&d(Family::Threads, Shape::PerJob, py)),
            Some(K::PyThreads)
        );
        assert_eq!(FloorKind::of(&d(Family::Processes, Shape::Pool, py)), None);
        for k in FloorKind::ALL {
            assert_eq!(FloorKind::from_name(k.name()), Some(k));
            assert_eq!(k.name().starts_with("py-"), k.lang() == Lang::Python);
        }
    }
}

//! The statistics the report uses, and nothing more: medians, a seeded bootstrap of the ratio
//! of two medians, and Wilson's interval for a share.
//!
//! Every comparison between two models on the page is a ratio of medians with a 95 %
//! interval. The interval is a percentile bootstrap: the raw samples of each side (criterion's
//! per-iteration times, or the sweep's repeats) are resampled with replacement
//! [`RESAMPLES`] times, the ratio of the two resampled medians is taken each time, and the
//! interval runs from the 2.5th to the 97.5th percentile of those ratios. The random source is
//! a PCG seeded with [`SEED`], so the same results file gives the same interval every time.
//!
//! A side with one run is a point (it adds no spread); a comparison with one run on both sides
//! has no interval at all. A single median's interval (a whisker) needs no resampling: it is
//! read from the order statistics ([`median_interval`]).
//!
//! A side with more than [`MAX_POINTS`] samples is reduced to that many evenly spaced order
//! statistics first, so a hostile file with a million repeats costs no more than a real one
//! (the interval then comes out wider, never narrower). Real files hold 3 to 20 samples a side.

use serde::Serialize;

/// The seed of every bootstrap: fixed, so a page is reproducible.
pub const SEED: u64 = 0x6772_6565_7462_656e; // "greetben"

/// Resamples per bootstrap.
pub const RESAMPLES: usize = 2_000;

/// The most samples a bootstrap resamples from; more are thinned to this many quantiles.
pub const MAX_POINTS: usize = 64;

/// The coverage of every interval on the page.
pub const LEVEL: f64 = 0.95;

/// A small permuted congruential generator (PCG32, XSH-RR): deterministic, no dependency.
#[derive(Debug, Clone)]
pub struct Pcg32 {
    state: u64,
    inc: u64,
}

impl Pcg32 {
    const MULT: u64 = 6_364_136_223_846_793_005;

    /// A generator from `seed`, on stream `stream`.
    pub fn new(seed: u64, stream: u64) -> Pcg32 {
        let mut rng = Pcg32 {
            state: 0,
            inc: (stream << 1) | 1,
        };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(seed);
        rng.next_u32();
        rng
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(Self::MULT).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// A number in `0..n` (`n` ≥ 1; the bias is below 2⁻²⁴ for the sizes used here).
    pub fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.next_u32()) * n as u64) >> 32) as usize
    }
}

/// A 95 % interval (or, where the page says so, a range).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The lower end.
    pub lo: f64,
    /// The upper end.
    pub hi: f64,
}

impl Interval {
    /// Whether every value of the interval is above `x`.
    pub fn above(&self, x: f64) -> bool {
        self.lo > x
    }

    /// Whether every value of the interval is below `x`.
    pub fn below(&self, x: f64) -> bool {
        self.hi < x
    }

    /// The interval of `1 / value`.
    pub fn inverse(&self) -> Interval {
        Interval {
            lo: 1.0 / self.hi,
            hi: 1.0 / self.lo,
        }
    }
}

/// The finite values of `v`, sorted.
pub fn sorted(v: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    out.sort_by(f64::total_cmp);
    out
}

/// The median of the finite values of `v`, or `None` if there are none.
pub fn median(v: &[f64]) -> Option<f64> {
    median_of_sorted(&sorted(v))
}

fn median_of_sorted(v: &[f64]) -> Option<f64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// `v` (sorted) reduced to at most [`MAX_POINTS`] evenly spaced order statistics.
fn thin(v: Vec<f64>) -> Vec<f64> {
    if v.len() <= MAX_POINTS {
        return v;
    }
    let last = (v.len() - 1) as f64;
    (0..MAX_POINTS)
        .map(|i| v[(i as f64 * last / (MAX_POINTS - 1) as f64).round() as usize])
        .collect()
}

/// The median of a resample of `from` (with replacement), using `scratch`.
fn resampled_median(from: &[f64], rng: &mut Pcg32, scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend((0..from.len()).map(|_| from[rng.below(from.len())]));
    let n = scratch.len();
    let (_, mid, _) = scratch.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *mid;
    if n % 2 == 1 {
        return upper;
    }
    let lower = scratch[..n / 2]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

/// The 95 % percentile-bootstrap interval of `median(a) / median(b)`. `None` when a side has
/// no finite sample, when both sides have a single one (no spread to resample), or when a
/// median is not positive.
pub fn ratio_interval(a: &[f64], b: &[f64]) -> Option<Interval> {
    let (a, b) = (thin(sorted(a)), thin(sorted(b)));
    if a.is_empty() || b.is_empty() || (a.len() == 1 && b.len() == 1) {
        return None;
    }
    if median_of_sorted(&a)? <= 0.0 || median_of_sorted(&b)? <= 0.0 {
        return None;
    }
    let mut rng = Pcg32::new(SEED, 17);
    let (mut sa, mut sb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let ma = resampled_median(&a, &mut rng, &mut sa);
            let mb = resampled_median(&b, &mut rng, &mut sb);
            ma / mb
        })
        .filter(|r| r.is_finite())
        .collect();
    if ratios.len() < RESAMPLES / 2 {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - LEVEL) / 2.0;
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    Some(Interval {
        lo: at(tail),
        hi: at(1.0 - tail),
    })
}

/// The 95 % interval of the median of `a` alone (a whisker on a bar), from its order
/// statistics: the `j`th smallest to the `j`th largest sample, `j` the largest for which the
/// binomial chance of the median falling outside is at most 5 %. With fewer than six samples no
/// such pair exists, and the interval is the whole range (the page says so). `None` for fewer
/// than two finite samples.
pub fn median_interval(a: &[f64]) -> Option<Interval> {
    let v = sorted(a);
    let n = v.len();
    if n < 2 {
        return None;
    }
    // P(Bin(n, 1/2) < j), added up term by term in logs (n is bounded by the file's size).
    let mut below = 0.0;
    let mut log_term = -(n as f64) * std::f64::consts::LN_2; // log C(n,0) / 2^n
    let mut j = 0;
    for k in 0..n {
        let p = log_term.exp();
        if 2.0 * (below + p) > 1.0 - LEVEL {
            break;
        }
        below += p;
        j = k + 1;
        // C(n,k+1) = C(n,k) × (n−k)/(k+1)
        log_term += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    let j = j.max(1);
    Some(Interval {
        lo: v[j - 1],
        hi: v[n - j],
    })
}

/// Wilson's 95 % score interval for a share of `k` successes in `n` trials, as fractions.
/// `None` when `n` is 0 or `k` exceeds `n` (counts that do not add up have no share).
pub fn wilson(k: u64, n: u64) -> Option<Interval> {
    if n == 0 || k > n {
        return None;
    }
    let z = 1.959_963_984_540_054_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    Some(Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bootstrap_is_reproducible_and_covers_the_ratio_of_medians() {
        let a = [2.0, 2.1, 1.9, 2.05, 1.95, 2.2, 1.8, 2.0, 2.1, 1.9];
        let b = [1.0, 1.05, 0.95, 1.0, 1.1, 0.9, 1.0, 1.02, 0.98, 1.0];
        let i = ratio_interval(&a, &b).unwrap();
        assert_eq!(Some(i), ratio_interval(&a, &b), "same seed, same interval");
        let r = median(&a).unwrap() / median(&b).unwrap();
        assert!(i.lo <= r && r <= i.hi, "{i:?} misses {r}");
        assert!(i.lo > 1.5 && i.hi < 2.5, "{i:?}");
        // Reversed sides give (about) the inverse interval.
        let j = ratio_interval(&b, &a).unwrap();
        assert!((j.hi - 1.0 / i.lo).abs() < 0.05, "{j:?} vs {i:?}");
    }

    #[test]
    fn overlapping_samples_straddle_one_and_a_single_run_each_has_no_interval() {
        let a = [1.0, 1.3, 0.8];
        let b = [1.1, 0.9, 1.2];
        let i = ratio_interval(&a, &b).unwrap();
        assert!(i.lo < 1.0 && i.hi > 1.0, "{i:?}");
        assert!(ratio_interval(&[1.0], &[2.0]).is_none());
        // One run on one side is a point: the spread is the other side's.
        let j = ratio_interval(&[2.0], &[0.9, 1.0, 1.1]).unwrap();
        assert!(
            j.lo >= 2.0 / 1.1 - 1e-9 && j.hi <= 2.0 / 0.9 + 1e-9,
            "{j:?}"
        );
        assert!(ratio_interval(&[], &[1.0, 2.0]).is_none());
        assert!(ratio_interval(&[0.0, 0.0], &[1.0, 2.0]).is_none());
    }

    #[test]
    fn a_huge_sample_is_thinned_and_still_centred() {
        let a: Vec<f64> = (0..100_000)
            .map(|i| 1.0 + (i % 100) as f64 / 1000.0)
            .collect();
        let i = ratio_interval(&a, &a).unwrap();
        assert!(i.lo <= 1.0 && 1.0 <= i.hi && i.hi - i.lo < 0.05, "{i:?}");
        let m = median(&a).unwrap();
        let i = median_interval(&a).unwrap();
        assert!(
            i.lo <= m && m <= i.hi && i.hi - i.lo < 0.01,
            "{i:?} around {m}"
        );
    }

    #[test]
    fn a_medians_interval_comes_from_its_order_statistics() {
        // Ten samples: the 2nd smallest to the 2nd largest (the binomial tail is 1.1 %).
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(median_interval(&ten), Some(Interval { lo: 2.0, hi: 9.0 }));
        // Under six: the whole range.
        assert_eq!(
            median_interval(&[3.0, 1.0, 2.0]),
            Some(Interval { lo: 1.0, hi: 3.0 })
        );
        assert_eq!(median_interval(&[1.0]), None);
    }

    #[test]
    fn wilson_refuses_counts_that_do_not_add_up() {
        let i = wilson(90, 100).unwrap();
        assert!(i.lo > 0.8 && i.hi < 0.95, "{i:?}");
        assert_eq!(wilson(1, 1).unwrap().hi, 1.0);
        assert!(wilson(101, 100).is_none());
        assert!(wilson(0, 0).is_none());
    }
}

//! How a claim or a pick is decided: only when a comparison's 95 % interval lies wholly on one
//! side of the threshold, on a quiet machine.
//!
//! - A comparison measured on a busy machine ([`Noise::busy`]: others' CPU plus steal over
//!   10 % of all cores, on either side) reads *inconclusive*, whatever its interval says.
//! - An interval that straddles the threshold reads *inconclusive*.
//! - A comparison with no interval (one run on each side) reads *inconclusive*.
//! - So noise can make a verdict inconclusive, and never turns *holds* into *does not hold*.
//!
//! The thresholds sit well away from the figures a quiet machine gives, so that a second run
//! decides the same way: a CPU speedup counts from [`SPEEDUP`], and a model is tied with the
//! fastest (for a pick) until it is [`TIE`] times slower with the whole interval.

use greet_core::record::Noise;

use crate::format;
use crate::view::Comparison;

/// A CPU speedup below this is "no speedup": within the reach of noise and of start-up costs.
pub const SPEEDUP: f64 = 1.3;

/// A model whose whole interval is past this many times the fastest's time is clearly slower;
/// below it, a model counts as tied with the fastest for a pick.
/// √2, rounded: halfway, as ratios go, between the same speed and twice as slow, the
/// difference two cores make.
pub const TIE: f64 = 1.4;

/// Why a verdict or a pick could not be decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// Measured on a busy machine.
    Busy(Noise),
    /// The interval straddles the threshold.
    Straddles {
        /// The threshold.
        threshold: f64,
    },
    /// One run on each side: no interval to decide with.
    NoInterval,
    /// What the claim is about lies outside what was run (a knee beyond the rates offered).
    OutOfRange(String),
    /// Two or more models went equally far (the same largest N held and the same stop, the
    /// same highest rate sustained): the measurement does not tell them apart, so no pick.
    Tied(String),
}

impl Why {
    /// In the page's words.
    pub fn words(&self) -> String {
        match self {
            Why::Busy(n) => format!(
                "measured on a busy machine (others' CPU {}, steal {})",
                format::noise(n.other_busy),
                format::noise(n.steal)
            ),
            // Name which threshold: the tie band of a pick is not the claim's speedup line.
            Why::Straddles { threshold } if *threshold == TIE || *threshold == 1.0 / TIE => {
                format!(
                    "the interval straddles {}, the band within which two models tie",
                    format::chosen_ratio(*threshold)
                )
            }
            Why::Straddles { threshold } if *threshold == SPEEDUP => format!(
                "the interval straddles {}, where a speedup starts to count",
                format::chosen_ratio(*threshold)
            ),
            Why::Straddles { threshold } => {
                format!(
                    "the interval straddles {}",
                    format::chosen_ratio(*threshold)
                )
            }
            Why::NoInterval => "one run each: no interval".into(),
            Why::OutOfRange(words) => words.clone(),
            Why::Tied(words) => format!("tied: {words}"),
        }
    }
}

/// How a claim fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The interval lies on the claim's side of the threshold.
    Holds,
    /// The interval lies on the other side.
    DoesNotHold,
    /// The claim is about something this language does not have (a GIL), and its failing
    /// here is the lesson: the words say what to learn.
    Lesson(String),
    /// Not decided, and why.
    Inconclusive(Why),
    /// The results lack the evidence.
    NotMeasured,
}

impl Verdict {
    /// The words in the verdict cell.
    pub fn label(&self) -> String {
        match self {
            Verdict::Holds => "holds".into(),
            Verdict::DoesNotHold => "does not hold".into(),
            Verdict::Lesson(words) => words.clone(),
            Verdict::Inconclusive(why) => format!("inconclusive: {}", why.words()),
            Verdict::NotMeasured => "not measured".into(),
        }
    }

    /// The page's class for its colour.
    pub fn class(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "nothold",
            Verdict::Lesson(_) => "lesson",
            Verdict::Inconclusive(_) => "unsure",
            Verdict::NotMeasured => "none",
        }
    }

    /// Whether it was decided either way (holds, does not hold, or a lesson).
    pub fn decided(&self) -> bool {
        matches!(
            self,
            Verdict::Holds | Verdict::DoesNotHold | Verdict::Lesson(_)
        )
    }
}

/// Which side of `threshold` a comparison's ratio lies on.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// The whole interval is above.
    Above,
    /// The whole interval is below.
    Below,
    /// Undecided, and why.
    Unsure(Why),
}

/// Whose run made `c` busy, in words: "smol's run was measured on a busy machine (others'
/// CPU 88 %, steal 0 %)", so that two sentences about one set of runs never give two noise
/// figures without saying whose each is. `None` when neither side was busy.
pub fn busy_words(c: &Comparison<'_>) -> Option<String> {
    let (f, n) = c.busy_side()?;
    let runs = if f.runs() > 1 { "runs were" } else { "run was" };
    Some(format!("{}'s {runs} {}", f.row, Why::Busy(n).words()))
}

/// Where `c` lies against `threshold`: busy first, then the interval.
pub fn side(c: &Comparison<'_>, threshold: f64) -> Side {
    if let Some(n) = c.busy() {
        return Side::Unsure(Why::Busy(n));
    }
    let Some(i) = c.interval else {
        return Side::Unsure(Why::NoInterval);
    };
    if i.above(threshold) {
        Side::Above
    } else if i.below(threshold) {
        Side::Below
    } else {
        Side::Unsure(Why::Straddles { threshold })
    }
}

/// A speedup (baseline time over a model's) against [`SPEEDUP`], with one more check: a
/// median above the machine's `cores` is impossible for the work itself, so it is noise in
/// the baseline and reads undecided, never "sped up". Test: `tests::a_speedup_above_the_cores_is_noise`.
pub fn speedup_side(c: &Comparison<'_>, cores: usize) -> Side {
    if cores > 0 && c.ratio > cores as f64 {
        return Side::Unsure(Why::OutOfRange(above_cores(cores)));
    }
    side(c, SPEEDUP)
}

/// Why a speedup above the cores cannot be read, in the page's words.
pub fn above_cores(cores: usize) -> String {
    format!("above the {cores} cores: the 1-worker baseline is noisy")
}

/// The verdict of a claim that `c`'s ratio is above `threshold` (`above = true`) or below it.
pub fn claim(c: &Comparison<'_>, threshold: f64, above: bool) -> Verdict {
    match (side(c, threshold), above) {
        (Side::Above, true) | (Side::Below, false) => Verdict::Holds,
        (Side::Above, false) | (Side::Below, true) => Verdict::DoesNotHold,
        (Side::Unsure(why), _) => Verdict::Inconclusive(why),
    }
}

/// How sure a pick in the answer is.
#[derive(Debug, Clone, PartialEq)]
pub enum Confidence {
    /// Decided: every comparison behind it lies clear of its threshold, on a quiet machine, or
    /// it rests on an observed fact (an OS limit, a killed process).
    Sure,
    /// Not decided, and why: the page shows no pick.
    Unsure(Why),
    /// Nothing measured.
    NotMeasured,
}

impl Confidence {
    /// The mark and its words.
    pub fn mark(&self) -> &'static str {
        match self {
            Confidence::Sure => "●",
            Confidence::Unsure(_) => "◐",
            Confidence::NotMeasured => "○",
        }
    }

    /// The words beside the mark.
    pub fn words(&self) -> String {
        match self {
            Confidence::Sure => "sure".into(),
            Confidence::Unsure(why @ Why::Tied(_)) => why.words(),
            Confidence::Unsure(why) => format!("inconclusive: {}", why.words()),
            Confidence::NotMeasured => "not measured".into(),
        }
    }

    /// The page's class.
    pub fn class(&self) -> &'static str {
        match self {
            Confidence::Sure => "holds",
            Confidence::Unsure(_) => "unsure",
            Confidence::NotMeasured => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Interval;
    use crate::view::{Figure, Question, Row, Source, Unit};

    fn figure(median: f64, noise: Option<Noise>) -> Figure {
        Figure {
            question: Question::MemoryPerWaitingGreet,
            row: Row::rust("m"),
            source: Source::Sweep,
            unit: Unit::Ns,
            samples: Vec::new(),
            median,
            stored: None,
            interval: None,
            noise,
            busy_run: None,
            dir: None,
        }
    }

    fn comparison<'a>(a: &'a Figure, b: &'a Figure, lo: f64, hi: f64) -> Comparison<'a> {
        Comparison {
            a,
            b,
            ratio: (lo + hi) / 2.0,
            interval: Some(Interval { lo, hi }),
            method: None,
        }
    }

    #[test]
    fn a_speedup_above_the_cores_is_noise() {
        let (a, b) = (figure(2.0, None), figure(1.0, None));
        // 2.03× [1.25–2.59] on 2 cores: its median is above the cores.
        let mut c = comparison(&a, &b, 1.25, 2.59);
        c.ratio = 2.03;
        assert_eq!(
            speedup_side(&c, 2),
            Side::Unsure(Why::OutOfRange(above_cores(2)))
        );
        // On 4 cores the same interval straddles the threshold; one clear of it counts.
        assert!(matches!(
            speedup_side(&c, 4),
            Side::Unsure(Why::Straddles { .. })
        ));
        let mut clear = comparison(&a, &b, 1.35, 2.59);
        clear.ratio = 2.03;
        assert_eq!(speedup_side(&clear, 4), Side::Above);
        // Which threshold an undecided interval straddles is named.
        let t = comparison(&a, &b, 1.2, 1.5);
        let words = match speedup_side(&t, 2) {
            Side::Unsure(w) => w.words(),
            s => panic!("{s:?}"),
        };
        assert!(words.contains("where a speedup starts to count"), "{words}");
        let words = match side(&t, TIE) {
            Side::Unsure(w) => w.words(),
            s => panic!("{s:?}"),
        };
        assert!(words.contains("two models tie"), "{words}");
    }

    #[test]
    fn a_verdict_is_decided_only_clear_of_the_threshold_and_on_a_quiet_machine() {
        let quiet = Some(Noise {
            other_busy: 0.01,
            steal: 0.0,
        });
        let busy = Some(Noise {
            other_busy: 0.5,
            steal: 0.0,
        });
        let (a, b) = (figure(2.0, quiet), figure(1.0, quiet));
        assert_eq!(
            claim(&comparison(&a, &b, 1.5, 2.5), SPEEDUP, true),
            Verdict::Holds
        );
        assert_eq!(
            claim(&comparison(&a, &b, 0.9, 1.2), SPEEDUP, true),
            Verdict::DoesNotHold
        );
        assert!(matches!(
            claim(&comparison(&a, &b, 1.2, 1.4), SPEEDUP, true),
            Verdict::Inconclusive(Why::Straddles { .. })
        ));
        // Busy: inconclusive, even with an interval far from the threshold either way.
        let hot = figure(2.0, busy);
        for (lo, hi) in [(1.5, 2.5), (0.5, 0.9)] {
            assert!(matches!(
                claim(&comparison(&hot, &b, lo, hi), SPEEDUP, true),
                Verdict::Inconclusive(Why::Busy(_))
            ));
        }
        let none = Comparison {
            interval: None,
            ..comparison(&a, &b, 1.0, 1.0)
        };
        assert_eq!(
            claim(&none, SPEEDUP, true),
            Verdict::Inconclusive(Why::NoInterval)
        );
    }
}

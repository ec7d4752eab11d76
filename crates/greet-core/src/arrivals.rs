//! Open-loop runs: jobs that arrive over time, each *due* at a fixed instant.
//!
//! A batch ([`crate::Plan`] without arrivals) hands a model every job at once and times how
//! long they all take: a closed loop. Real clients do not wait for the previous reply before
//! the next one arrives. With [`Arrivals`], job `i` is due at `epoch + offsets_us[i]`, however
//! busy the model is, and its latency runs from that instant, not from when the model got
//! round to it. That is what keeps the figures free of *coordinated omission*: a model that
//! stalls cannot hide the stall by delaying the jobs it would have been sent meanwhile.
//!
//! A model takes part by not starting job `i` before it is due: its dispatcher (the loop that
//! spawns threads or tasks, or feeds a queue) waits with [`Arrivals::wait_due`] (blocking) or
//! sleeps [`Arrivals::until_due`] on its runtime's timer, and then hands the job over its own
//! way. [`crate::run_job`] and [`crate::run_job_async`] stamp when each job really started and
//! ended ([`crate::outcome::OpenLoop`]), on a clock all processes of the machine share.

use std::time::Duration;

use crate::trace::now_us;

/// The longest open-loop run: arrivals stop after this.
pub const MAX_DURATION: Duration = Duration::from_secs(3_600);

/// The highest offered rate, greets per second (far past what a machine's loopback carries).
pub const MAX_RATE: f64 = 1_000_000.0;

/// How arrivals are spaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pattern {
    /// Evenly: job `i` is due at `i / rate`.
    #[default]
    Constant,
    /// A Poisson process: exponential gaps with mean `1 / rate`, from a seeded generator, so a
    /// run can be repeated exactly.
    Poisson,
}

impl std::str::FromStr for Pattern {
    type Err = ArrivalsError;

    fn from_str(s: &str) -> Result<Pattern, ArrivalsError> {
        match s {
            "constant" => Ok(Pattern::Constant),
            "poisson" => Ok(Pattern::Poisson),
            other => Err(ArrivalsError::Pattern(other.to_string())),
        }
    }
}

impl Pattern {
    /// Its name, as `--arrivals` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Constant => "constant",
            Pattern::Poisson => "poisson",
        }
    }
}

/// Why a schedule cannot be made. Each message names the flag that fixes it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArrivalsError {
    /// Rate out of range.
    #[error("--rate must be above 0 and at most {MAX_RATE} greets/s (got {0})")]
    Rate(f64),
    /// Duration out of range.
    #[error("--duration must be above 0 and at most 1h (got {0:?})")]
    Duration(Duration),
    /// Less than one job.
    #[error(
        "--rate {rate} for {duration:?} offers less than one greet: raise --rate or --duration"
    )]
    TooFew {
        /// Asked rate.
        rate: f64,
        /// Asked duration.
        duration: Duration,
    },
    /// Too many jobs.
    #[error(
        "--rate {rate} for {duration:?} is {count} greets, more than {max}: lower --rate or --duration"
    )]
    Count {
        /// Asked rate.
        rate: f64,
        /// Asked duration.
        duration: Duration,
        /// Jobs that would be.
        count: usize,
        /// The most a run takes ([`crate::plan::MAX_COUNT`]).
        max: usize,
    },
    /// Unknown pattern.
    #[error("--arrivals must be constant or poisson (got {0:?})")]
    Pattern(String),
}

/// When each job of an open-loop run is due.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Arrivals {
    /// Time zero of the run, µs on [`crate::trace::now_us`]'s clock (the UNIX epoch, shared by
    /// every process of the machine, so worker processes and interpreters read the same
    /// instants). 0 until [`Arrivals::start_in`] sets it.
    pub epoch_us: u64,
    /// Job `i` is due at `epoch_us + offsets_us[i]`; never decreasing; one per job.
    pub offsets_us: Vec<u64>,
    /// Arrivals stop here, µs after the epoch: a job that has not started by then was still
    /// queued when the offered load ended.
    pub duration_us: u64,
    /// How the offsets were drawn.
    pub pattern: Pattern,
}

impl Arrivals {
    /// The schedule of `rate` greets/s for `duration`, spaced as `pattern` says (`seed` draws
    /// a Poisson schedule). At least one job. The epoch is not set yet: see [`Self::start_in`].
    pub fn new(
        pattern: Pattern,
        rate: f64,
        duration: Duration,
        seed: u64,
    ) -> Result<Arrivals, ArrivalsError> {
        if !(rate > 0.0 && rate <= MAX_RATE) {
            return Err(ArrivalsError::Rate(rate));
        }
        if duration.is_zero() || duration > MAX_DURATION {
            return Err(ArrivalsError::Duration(duration));
        }
        let expected = rate * duration.as_secs_f64();
        if expected < 1.0 {
            return Err(ArrivalsError::TooFew { rate, duration });
        }
        let max = crate::plan::MAX_COUNT;
        if expected > max as f64 {
            return Err(ArrivalsError::Count {
                rate,
                duration,
                count: expected as usize,
                max,
            });
        }
        let duration_us = duration.as_micros() as u64;
        let gap_us = 1e6 / rate;
        let offsets_us: Vec<u64> = match pattern {
            Pattern::Constant => {
                let count = expected.round() as usize;
                (0..count).map(|i| (i as f64 * gap_us) as u64).collect()
            }
            Pattern::Poisson => {
                let mut rng = SplitMix(seed);
                let mut at = 0.0f64;
                let mut offsets = Vec::with_capacity(expected as usize + 16);
                // Bounded: each gap is positive and the schedule stops at `duration`, or at
                // twice the expected count (a gap is at least 0 only in theory), or one past
                // the most a run takes (refused below).
                let cap = (2 * (expected as usize) + 16).min(max + 1);
                while offsets.len() < cap {
                    offsets.push(at as u64);
                    at += -gap_us * (1.0 - rng.unit()).ln();
                    if at >= duration_us as f64 {
                        break;
                    }
                }
                offsets
            }
        };
        // A Poisson draw can exceed the expected count.
        if offsets_us.len() > max {
            return Err(ArrivalsError::Count {
                rate,
                duration,
                count: offsets_us.len(),
                max,
            });
        }
        Ok(Arrivals {
            epoch_us: 0,
            offsets_us,
            duration_us,
            pattern,
        })
    }

    /// The same schedule with time zero `lead` from now: call it just before the run, after
    /// the model has started, so that start-up is not queueing.
    pub fn start_in(mut self, lead: Duration) -> Arrivals {
        self.epoch_us = now_us().saturating_add(lead.as_micros() as u64);
        self
    }

    /// How many jobs arrive.
    pub fn count(&self) -> usize {
        self.offsets_us.len()
    }

    /// The offered rate the schedule really has, greets/s.
    pub fn offered_rate(&self) -> f64 {
        self.count() as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }

    /// When job `index` is due, µs after the epoch. Past the schedule, its end.
    pub fn offset_us(&self, index: usize) -> u64 {
        self.offsets_us
            .get(index)
            .copied()
            .unwrap_or(self.duration_us)
    }

    /// Now, in µs after the epoch (0 before it).
    pub fn now_us(&self) -> u64 {
        now_us().saturating_sub(self.epoch_us)
    }

    /// How long until job `index` is due; `None` when it already is.
    pub fn until_due(&self, index: usize) -> Option<Duration> {
        let due = self.epoch_us.saturating_add(self.offset_us(index));
        let now = now_us();
        (due > now).then(|| Duration::from_micros(due - now))
    }

    /// Blocks the calling thread until job `index` is due. Bounded: no job is due later than
    /// [`MAX_DURATION`] after the epoch.
    pub fn wait_due(&self, index: usize) {
        if let Some(wait) = self.until_due(index) {
            std::thread::sleep(wait.min(MAX_DURATION));
        }
    }
}

/// A small, seeded generator (SplitMix64): good enough to space arrivals, and the same
/// numbers in every process and every build.
struct SplitMix(u64);

impl SplitMix {
    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_schedule_spaces_jobs_evenly_over_the_duration() {
        let a = Arrivals::new(Pattern::Constant, 20.0, Duration::from_secs(3), 0).unwrap();
        assert_eq!(a.count(), 60);
        assert_eq!(a.offsets_us[0], 0);
        assert_eq!(a.offsets_us[1], 50_000);
        assert_eq!(a.offsets_us[59], 2_950_000);
        assert!(a.offsets_us.iter().all(|&o| o < a.duration_us));
    }

    #[test]
    fn a_poisson_schedule_is_seeded_ordered_and_near_the_rate() {
        let a = Arrivals::new(Pattern::Poisson, 1000.0, Duration::from_secs(10), 7).unwrap();
        let b = Arrivals::new(Pattern::Poisson, 1000.0, Duration::from_secs(10), 7).unwrap();
        let c = Arrivals::new(Pattern::Poisson, 1000.0, Duration::from_secs(10), 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.offsets_us.windows(2).all(|w| w[0] <= w[1]));
        assert!(a.offsets_us.iter().all(|&o| o < a.duration_us));
        // 10,000 expected; a Poisson count has a standard deviation of 100.
        assert!((9_500..=10_500).contains(&a.count()), "{}", a.count());
        // Not evenly spaced: the gaps vary.
        let gaps: Vec<u64> = a.offsets_us.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().max() > Some(&3_000) && gaps.iter().min() < Some(&300));
    }

    #[test]
    fn bad_rates_and_durations_name_the_flag() {
        let d = Duration::from_secs(1);
        for rate in [0.0, -1.0, f64::NAN, 2e6] {
            let e = Arrivals::new(Pattern::Constant, rate, d, 0).unwrap_err();
            assert!(e.to_string().starts_with("--rate"), "{e}");
        }
        let e = Arrivals::new(Pattern::Constant, 1.0, Duration::ZERO, 0).unwrap_err();
        assert!(e.to_string().starts_with("--duration"));
        let e = Arrivals::new(Pattern::Constant, 900_000.0, Duration::from_secs(60), 0);
        assert!(matches!(e, Err(ArrivalsError::Count { .. })));
        // Fewer than one greet is refused, not rounded up to one at another rate.
        for (rate, d) in [(1e-9, d), (0.1, d), (10.0, Duration::from_micros(1))] {
            let e = Arrivals::new(Pattern::Constant, rate, d, 0).unwrap_err();
            assert!(matches!(e, ArrivalsError::TooFew { .. }), "{e}");
        }
        // A Poisson draw past the most a run takes names --rate, not --count.
        let most = crate::plan::MAX_COUNT as f64;
        for seed in 0..8 {
            match Arrivals::new(Pattern::Poisson, most, Duration::from_secs(1), seed) {
                Ok(a) => assert!(a.count() <= crate::plan::MAX_COUNT),
                Err(e) => assert!(e.to_string().starts_with("--rate"), "{e}"),
            }
        }
        assert!("uniform".parse::<Pattern>().is_err());
        assert_eq!("poisson".parse::<Pattern>(), Ok(Pattern::Poisson));
    }

    #[test]
    fn a_job_is_due_once_its_offset_has_passed() {
        let a = Arrivals::new(Pattern::Constant, 1.0, Duration::from_secs(3600), 0)
            .unwrap()
            .start_in(Duration::ZERO);
        assert_eq!(a.until_due(0), None);
        let later = a.until_due(10).expect("job 10 is due in about 10 s");
        assert!(later > Duration::from_secs(5) && later <= Duration::from_secs(10));
    }
}

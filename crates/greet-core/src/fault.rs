//! Faults a greet host injects on purpose, the way toxiproxy's *toxics* degrade a real
//! network: a reset instead of the reply, a host that never answers, a reply trickled out or
//! cut into pieces, and a host that goes down for a while.
//!
//! The spec is defined here, once, because three parties read it: the CLI parses
//! `--fault reset=20%,stall=5%`, the run request carries it to the harness's `greetbench
//! serve` child ([`crate::record::HostSpec::faults`]), and the server draws each greet's fate
//! with [`Faults::pick`]. The draw is a pure function of the seed, the host and the greet's
//! number on that host, so a run is reproducible: the same seed injects the same faults into
//! the same greets.
//!
//! ```
//! use greet_core::fault::{FaultKind, Faults};
//! let faults = Faults::parse("reset=20%,stall=5%").unwrap();
//! assert_eq!(faults.rate(FaultKind::Reset), 20.0);
//! let resets = (0..10_000).filter(|&n| faults.pick(0, n) == Some(FaultKind::Reset)).count();
//! assert!((1_800..2_200).contains(&resets));
//! assert!(Faults::parse("rst=5%").unwrap_err().to_string().contains("use reset"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// One kind of fault. Every kind but [`FaultKind::Down`] is drawn per greet, after the host
/// has read the greeting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A TCP reset instead of the reply (`SO_LINGER` 0, then close). The client sees
    /// `ECONNRESET`.
    Reset,
    /// The host keeps the connection open and never replies. The client times out.
    Stall,
    /// The host closes the connection (FIN) without replying. The client reads end-of-file.
    Close,
    /// The reply trickles out one byte every [`SLOW_BYTE_EVERY`] (about 50 bytes a second).
    Slow,
    /// The reply goes out in [`SLICE_BYTES`]-byte segments, [`SLICE_GAP`] apart: a client
    /// that assumes one read brings the whole line breaks.
    Slice,
    /// The reply comes [`DELAY`] later than the latency says.
    Delay,
    /// The host stops listening (connections are refused) for a share of every
    /// [`Faults::down_period`]: a host that goes down for a while and comes back.
    Down,
}

/// How often a [`FaultKind::Slow`] reply sends its next byte.
pub const SLOW_BYTE_EVERY: Duration = Duration::from_millis(20);
/// How many bytes each segment of a [`FaultKind::Slice`] reply holds.
pub const SLICE_BYTES: usize = 4;
/// The pause between two segments of a [`FaultKind::Slice`] reply.
pub const SLICE_GAP: Duration = Duration::from_millis(2);
/// The extra wait of a [`FaultKind::Delay`] reply.
pub const DELAY: Duration = Duration::from_millis(100);
/// The default cycle of a [`FaultKind::Down`] host: `down=25%` is down 250 ms of every second.
pub const DOWN_PERIOD: Duration = Duration::from_secs(1);

impl FaultKind {
    /// Every kind, in the order the spec lists them.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::Reset,
        FaultKind::Stall,
        FaultKind::Close,
        FaultKind::Slow,
        FaultKind::Slice,
        FaultKind::Delay,
        FaultKind::Down,
    ];

    /// The name in a spec (`reset`, `stall`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Reset => "reset",
            FaultKind::Stall => "stall",
            FaultKind::Close => "close",
            FaultKind::Slow => "slow",
            FaultKind::Slice => "slice",
            FaultKind::Delay => "delay",
            FaultKind::Down => "down",
        }
    }

    fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which faults a server injects, how often, into which hosts, from which seed.
///
/// The default injects nothing. In JSON (a run request's `faults`):
/// `{"rates": {"reset": 20.0, "stall": 5.0}, "seed": 1, "hosts": []}`, rates in percent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    /// Percent of greets (or, for [`FaultKind::Down`], of the time) each kind hits.
    #[serde(default)]
    pub rates: BTreeMap<FaultKind, f64>,
    /// The seed of the draw: the same seed injects the same faults.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The hosts that misbehave; empty means every host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<u32>,
    /// The cycle of a [`FaultKind::Down`] host.
    #[serde(
        rename = "down_period_ms",
        with = "crate::record::ms",
        default = "default_down_period"
    )]
    pub down_period: Duration,
}

fn default_seed() -> u64 {
    1
}

fn default_down_period() -> Duration {
    DOWN_PERIOD
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            rates: BTreeMap::new(),
            seed: default_seed(),
            hosts: Vec::new(),
            down_period: DOWN_PERIOD,
        }
    }
}

/// A fault spec that does not parse or does not add up. Each message names the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// An unknown kind.
    #[error("unknown fault '{0}': use reset, stall, close, slow, slice, delay or down, as KIND=P%")]
    Kind(String),
    /// No `=P%`.
    #[error("fault '{0}' needs a probability: write it as {0}=5%")]
    NoRate(String),
    /// A rate that is not a number from 0 to 100.
    #[error("fault {kind}={rate}: write a percentage from 0% to 100%, like {kind}=5%")]
    Rate {
        /// The kind.
        kind: String,
        /// What was written.
        rate: String,
    },
    /// The per-greet rates add up to more than every greet.
    #[error(
        "the per-greet faults add up to {0}%: at most 100% of greets can be hit; lower some rates"
    )]
    Total(f64),
    /// A down period that is not a duration.
    #[error("fault down=P%/PERIOD: {0}")]
    Period(String),
    /// The same kind twice.
    #[error("fault '{0}' is given twice: give each kind once")]
    Twice(String),
}

impl Faults {
    /// Parses `KIND=P%[,KIND=P%...]`, for example `reset=20%,stall=5%` (the `%` may be left
    /// out). `down=P%` takes an optional cycle, `down=25%/2s`. An empty spec injects nothing.
    pub fn parse(spec: &str) -> Result<Faults, FaultError> {
        let mut faults = Faults::default();
        faults.add(spec)?;
        Ok(faults)
    }

    /// Adds the kinds of `spec` (the syntax of [`Faults::parse`]) to these.
    pub fn add(&mut self, spec: &str) -> Result<(), FaultError> {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| FaultError::NoRate(item.to_owned()))?;
            let kind = FaultKind::from_name(name.trim())
                .ok_or_else(|| FaultError::Kind(name.trim().to_owned()))?;
            let (rate_text, period) = match value.split_once('/') {
                Some((r, p)) if kind == FaultKind::Down => (r, Some(p)),
                _ => (value, None),
            };
            let bad = || FaultError::Rate {
                kind: kind.name().to_owned(),
                rate: value.trim().to_owned(),
            };
            let number = rate_text.trim().trim_end_matches('%').trim();
            let rate: f64 = number.parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&rate) {
                return Err(bad());
            }
            if let Some(p) = period {
                let d = crate::duration::parse(p).map_err(|e| FaultError::Period(e.to_string()))?;
                if d < Duration::from_millis(10) {
                    return Err(FaultError::Period(
                        "the cycle must be at least 10ms, like down=25%/1s".into(),
                    ));
                }
                self.down_period = d;
            }
            if self.rates.insert(kind, rate).is_some() {
                return Err(FaultError::Twice(kind.name().to_owned()));
            }
        }
        self.validate()
    }

    /// Checks the rates: each from 0 to 100 %, the per-greet ones adding up to 100 % at most.
    pub fn validate(&self) -> Result<(), FaultError> {
        for (kind, rate) in &self.rates {
            if !rate.is_finite() || !(0.0..=100.0).contains(rate) {
                return Err(FaultError::Rate {
                    kind: kind.name().to_owned(),
                    rate: rate.to_string(),
                });
            }
        }
        let total = self.per_greet_total();
        if total > 100.0 + 1e-9 {
            return Err(FaultError::Total(total));
        }
        if self.down_period < Duration::from_millis(10) {
            return Err(FaultError::Period(
                "the cycle must be at least 10ms, like down=25%/1s".into(),
            ));
        }
        Ok(())
    }

    /// Whether any fault is configured.
    pub fn is_empty(&self) -> bool {
        self.rates.values().all(|r| *r <= 0.0)
    }

    /// The rate of `kind`, percent (0 when not configured).
    pub fn rate(&self, kind: FaultKind) -> f64 {
        self.rates.get(&kind).copied().unwrap_or(0.0)
    }

    /// The sum of the per-greet rates, percent.
    pub fn per_greet_total(&self) -> f64 {
        self.rates
            .iter()
            .filter(|(k, _)| **k != FaultKind::Down)
            .fold(0.0, |sum, (_, r)| sum + r)
    }

    /// Whether host `host` misbehaves at all.
    pub fn applies_to(&self, host: u32) -> bool {
        self.hosts.is_empty() || self.hosts.contains(&host)
    }

    /// The fate of greet number `n` (counted from 0) on host `host`: a fault, or `None` for a
    /// normal reply. A pure function of the seed, the host and `n`.
    pub fn pick(&self, host: u32, n: u64) -> Option<FaultKind> {
        if !self.applies_to(host) {
            return None;
        }
        let draw = unit(mix(self.seed, u64::from(host), n)) * 100.0;
        let mut upto = 0.0;
        for (kind, rate) in self.rates.iter().filter(|(k, _)| **k != FaultKind::Down) {
            upto += rate;
            if draw < upto {
                return Some(*kind);
            }
        }
        None
    }

    /// For a [`FaultKind::Down`] host: where in its cycle it goes down, and for how long. The
    /// offset differs per host (from the seed), so hosts do not all fail together. `None` when
    /// `host` never goes down.
    pub fn outage(&self, host: u32) -> Option<(Duration, Duration)> {
        let rate = self.rate(FaultKind::Down);
        if rate <= 0.0 || !self.applies_to(host) {
            return None;
        }
        let period = self.down_period;
        let down = period.mul_f64(rate / 100.0);
        let offset = period.mul_f64(unit(mix(self.seed, u64::from(host), u64::MAX)));
        Some((offset, down))
    }

    /// The spec in the syntax of [`Faults::parse`] (rates only), for the `--fault` of a child.
    pub fn spec(&self) -> String {
        self.rates
            .iter()
            .map(|(k, r)| {
                if *k == FaultKind::Down && self.down_period != DOWN_PERIOD {
                    format!("{k}={r}%/{}us", self.down_period.as_micros())
                } else {
                    format!("{k}={r}%")
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A reproducible mix of three numbers (splitmix64's finaliser, applied in turn).
pub fn mix(a: u64, b: u64, c: u64) -> u64 {
    let step = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    step(step(step(a) ^ b) ^ c)
}

/// A number in `[0, 1)` from 64 random bits.
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates_with_or_without_percent_and_a_down_cycle() {
        let f = Faults::parse("reset=20%, stall=5,down=25%/2s").unwrap();
        assert_eq!(f.rate(FaultKind::Reset), 20.0);
        assert_eq!(f.rate(FaultKind::Stall), 5.0);
        assert_eq!(f.down_period, Duration::from_secs(2));
        assert_eq!(f.per_greet_total(), 25.0);
        assert_eq!(Faults::parse(&f.spec()).unwrap(), f);
        assert!(Faults::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_specs_name_the_fix() {
        let err = |s: &str| Faults::parse(s).unwrap_err().to_string();
        assert!(err("reset").contains("reset=5%"));
        assert!(err("reset=lots").contains("from 0% to 100%"));
        assert!(err("reset=120%").contains("from 0% to 100%"));
        assert!(err("reset=-1%").contains("from 0% to 100%"));
        assert!(err("reset=60%,stall=50%").contains("add up to 110%"));
        assert!(err("reset=1%,reset=2%").contains("twice"));
        assert!(err("down=5%/fast").contains("cannot parse duration"));
        assert!(err("boom=5%").contains("use reset, stall"));
    }

    #[test]
    fn the_draw_is_reproducible_and_follows_the_rates() {
        let f = Faults::parse("reset=10%,close=30%").unwrap();
        let draws: Vec<_> = (0..20_000).map(|n| f.pick(3, n)).collect();
        let again: Vec<_> = (0..20_000).map(|n| f.pick(3, n)).collect();
        assert_eq!(draws, again);
        let count = |k| draws.iter().filter(|d| **d == Some(k)).count();
        assert!((1_700..2_300).contains(&count(FaultKind::Reset)));
        assert!((5_500..6_500).contains(&count(FaultKind::Close)));
        let other_seed = Faults {
            seed: 2,
            ..f.clone()
        };
        assert_ne!(
            draws,
            (0..20_000)
                .map(|n| other_seed.pick(3, n))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn only_the_chosen_hosts_misbehave() {
        let f = Faults {
            hosts: vec![1],
            ..Faults::parse("reset=100%,down=50%").unwrap()
        };
        assert_eq!(f.pick(1, 0), Some(FaultKind::Reset));
        assert_eq!(f.pick(0, 0), None);
        assert!(f.outage(0).is_none());
        let (offset, down) = f.outage(1).unwrap();
        assert_eq!(down, DOWN_PERIOD / 2);
        assert!(offset < DOWN_PERIOD);
    }
}

//! How every number on the page is written: three significant figures, one unit picked per
//! value, intervals in brackets. Nothing else in the crate formats a measured number, so the
//! same figure reads the same in a table, a chart, a caption and a verdict.
//!
//! Counts and sizes that were chosen rather than measured (N = 10000, K = 2) are printed
//! whole, with [`count`].

use std::time::Duration;

use crate::stats::Interval;

/// `v` to three significant figures, without a trailing exponent: `0.0123`, `1.23`, `12.3`,
/// `123`, `1230`. Not finite: `-`.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    if magnitude >= 2 {
        // Round to three significant digits and print whole.
        let scale = 10f64.powi(magnitude - 2);
        return format!("{:.0}", (v / scale).round() * scale);
    }
    let decimals = (2 - magnitude).clamp(0, 17) as usize;
    let s = format!("{v:.decimals$}");
    // 9.996 rounds to "10.00": keep three figures.
    if s.trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .len()
        > 3
        && s.contains('.')
    {
        return sig3(s.parse().unwrap_or(v));
    }
    s
}

/// A whole count, with thin separators past four digits: `1000`, `10 000`.
pub fn count(n: impl Into<u128>) -> String {
    grouped(&n.into().to_string())
}

/// Digits (no sign, no point) with thin separators between thousands past four digits.
fn grouped(s: &str) -> String {
    if s.len() <= 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The unit a time is written in, chosen from its size.
fn time_unit(ns: f64) -> (f64, &'static str) {
    let a = ns.abs();
    if a >= 1e9 {
        (1e9, "s")
    } else if a >= 1e6 {
        (1e6, "ms")
    } else if a >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    }
}

/// A time from nanoseconds: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
pub fn time_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let (div, unit) = time_unit(ns);
    format!("{} {unit}", sig3(ns / div))
}

/// A time from seconds.
pub fn time_s(s: f64) -> String {
    time_ns(s * 1e9)
}

/// A time with its interval, both in the value's unit: `4.56 ms [4.40–4.71]`.
pub fn time_ns_in(ns: f64, i: Option<Interval>) -> String {
    let Some(i) = i else {
        return time_ns(ns);
    };
    let (div, unit) = time_unit(ns);
    format!(
        "{} {unit} [{}–{}]",
        sig3(ns / div),
        sig3(i.lo / div),
        sig3(i.hi / div)
    )
}

/// A configured latency (chosen, not measured, so whole milliseconds stay whole): `10 ms`,
/// `0 ms`, `2000 ms`, `0.250 ms`.
pub fn latency(l: Duration) -> String {
    let ms = l.as_secs_f64() * 1e3;
    if ms.fract() == 0.0 && ms < 1e9 {
        format!("{ms:.0} ms")
    } else {
        format!("{} ms", sig3(ms))
    }
}

/// A ratio: `2.63×`; a large one keeps three figures and separates its thousands:
/// `908 000×`, never `908000×`.
pub fn ratio(x: f64) -> String {
    format!("{}×", grouped(&sig3(x)))
}

/// An interval: `[2.41–2.80]`.
pub fn interval(i: Interval) -> String {
    format!("[{}–{}]", sig3(i.lo), sig3(i.hi))
}

/// A ratio with its interval: `2.63× [2.41–2.80]`, or `2.63× (no interval)`.
pub fn ratio_in(x: f64, i: Option<Interval>) -> String {
    match i {
        Some(i) => format!("{} {}", ratio(x), interval(i)),
        None => format!("{} (no interval)", ratio(x)),
    }
}

/// A fraction as a percentage: `12.3 %`.
pub fn percent(fraction: f64) -> String {
    format!("{} %", sig3(fraction * 100.0))
}

/// Memory in KiB: `10.2 KiB`, `1.23 MiB`.
pub fn kib(v: f64) -> String {
    if v.abs() >= 1024.0 * 1024.0 {
        format!("{} GiB", sig3(v / 1024.0 / 1024.0))
    } else if v.abs() >= 1024.0 {
        format!("{} MiB", sig3(v / 1024.0))
    } else {
        format!("{} KiB", sig3(v))
    }
}

/// A rate: `40/s`, `1.23k/s`, `45.6k/s`.
pub fn rate(r: f64) -> String {
    if !r.is_finite() {
        "-".into()
    } else if r >= 1e3 {
        format!("{}k/s", sig3(r / 1e3))
    } else {
        format!("{}/s", sig3(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_figures_everywhere() {
        assert_eq!(sig3(0.012345), "0.0123");
        assert_eq!(sig3(1.2345), "1.23");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(123.45), "123");
        assert_eq!(sig3(1234.5), "1230");
        assert_eq!(sig3(133_222.0), "133000");
        assert_eq!(sig3(9.996), "10.0");
        assert_eq!(sig3(99.96), "100");
        assert_eq!(sig3(-2.5), "-2.50");
        assert_eq!(sig3(0.0), "0");
        assert_eq!(sig3(f64::NAN), "-");
        assert_eq!(time_ns(750_000.0), "750 µs");
        assert_eq!(time_ns(0.15), "0.150 ns");
        assert_eq!(time_s(1.234_5), "1.23 s");
        assert_eq!(
            time_ns_in(
                4.56e6,
                Some(Interval {
                    lo: 4.4e6,
                    hi: 4.71e6
                })
            ),
            "4.56 ms [4.40–4.71]"
        );
        assert_eq!(latency(Duration::from_millis(10)), "10 ms");
        assert_eq!(latency(Duration::from_micros(250)), "0.250 ms");
        assert_eq!(
            ratio_in(2.634, Some(Interval { lo: 2.41, hi: 2.8 })),
            "2.63× [2.41–2.80]"
        );
        assert_eq!(percent(0.901), "90.1 %");
        assert_eq!(kib(10.24), "10.2 KiB");
        assert_eq!(rate(4476.0), "4.48k/s");
        assert_eq!(count(10_000u32), "10\u{202f}000");
        assert_eq!(count(1000u32), "1000");
        assert_eq!(ratio(907_812.0), "908\u{202f}000×");
        assert_eq!(ratio(1234.0), "1230×");
    }
}

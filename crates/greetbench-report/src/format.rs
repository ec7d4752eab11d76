//! How every number on the page is written: three significant figures, one unit picked per
//! value, intervals in brackets. Nothing else in the crate formats a measured number, so the
//! same figure reads the same in a table, a chart, a caption and a verdict.
//!
//! Counts and sizes that were chosen rather than measured (N = 10000, K = 2) are printed
//! whole, with [`count`]; chosen constants with a fraction (a 5 % threshold, a 2× band, a
//! 10 ms slack) print as written, with [`chosen`] and its `chosen_*` siblings. The machine's
//! noise is a rough figure and prints with at most two significant figures ([`noise`]).

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

/// A chosen constant as written: three significant figures at most, no trailing zeros:
/// `5`, `0.5`, `1.4`, `10`.
pub fn chosen(v: f64) -> String {
    let s = sig3(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A chosen share as written: `5 %`, `50 %`, `0.5 %`.
pub fn chosen_percent(fraction: f64) -> String {
    format!("{} %", chosen(fraction * 100.0))
}

/// A chosen factor as written: `2×`, `1.4×`.
pub fn chosen_ratio(x: f64) -> String {
    format!("{}×", chosen(x))
}

/// A chosen time as written: `10 ms`, `1.5 s`.
pub fn chosen_time_ns(ns: f64) -> String {
    if !ns.is_finite() {
        return "-".into();
    }
    let (div, unit) = time_unit(ns);
    format!("{} {unit}", chosen(ns / div))
}

/// A share of the machine's time taken by others (noise), at most two significant figures:
/// `57 %`, `4.3 %`, `0.06 %`, `0 %`. It is read from tick counts over a run, so a third
/// figure would claim more than it knows.
pub fn noise(fraction: f64) -> String {
    let v = fraction * 100.0;
    if !v.is_finite() {
        return "-".into();
    }
    if v == 0.0 {
        return "0 %".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let digits = if magnitude >= 0 { 2 } else { 1 };
    let scale = 10f64.powi(magnitude + 1 - digits);
    let rounded = (v / scale).round() * scale;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    format!("{rounded:.decimals$} %")
}

/// The median and its interval's ends, all to three significant figures; `None` when the ends
/// print equal to the median (then [`half_width`] says how tight it is, rather than more
/// digits claiming a precision the page does not otherwise use).
fn with_ends(v: f64, lo: f64, hi: f64) -> Option<(String, String, String)> {
    let (m, l, h) = (sig3(v), sig3(lo), sig3(hi));
    (l != m || h != m).then_some((m, l, h))
}

/// An interval too tight to show at three figures, as its larger half-width relative to the
/// median: `± 0.1 %`. `None` when it has no width at all (nothing to say).
fn half_width(v: f64, lo: f64, hi: f64) -> Option<String> {
    let w = (v - lo).max(hi - v) / v.abs() * 100.0;
    if !(w.is_finite() && w > 0.0) {
        return None;
    }
    // One significant figure, the digit counted after rounding (0.0999 is 0.1, not 0.10).
    let scale = 10f64.powi(w.log10().floor() as i32);
    let rounded = (w / scale).round() * scale;
    let decimals = (-rounded.log10().floor()).max(0.0) as usize;
    Some(format!("± {rounded:.decimals$} %"))
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
    let (v, lo, hi) = (ns / div, i.lo / div, i.hi / div);
    match (with_ends(v, lo, hi), half_width(v, lo, hi)) {
        (Some((m, lo, hi)), _) => format!("{m} {unit} [{lo}–{hi}]"),
        (None, Some(w)) => format!("{} {w}", time_ns(ns)),
        (None, None) => time_ns(ns),
    }
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
    format!("[{}–{}]", grouped(&sig3(i.lo)), grouped(&sig3(i.hi)))
}

/// A ratio with its interval: `2.63× [2.41–2.80]`, or `2.63× (no interval)`; an interval
/// whose ends print equal to the ratio reads as its relative half-width (`1.00× ± 0.05 %`).
pub fn ratio_in(x: f64, i: Option<Interval>) -> String {
    match i {
        Some(i) => match (with_ends(x, i.lo, i.hi), half_width(x, i.lo, i.hi)) {
            (None, Some(w)) => format!("{} {w}", ratio(x)),
            _ => format!("{} {}", ratio(x), interval(i)),
        },
        None => format!("{} (no interval)", ratio(x)),
    }
}

/// Memory with its interval, the ends in the median's unit: `10.2 KiB [9.51–10.8]`.
pub fn kib_in(v: f64, i: Option<Interval>) -> String {
    let Some(i) = i else {
        return kib(v);
    };
    let div = if v.abs() >= 1024.0 * 1024.0 {
        1024.0 * 1024.0
    } else if v.abs() >= 1024.0 {
        1024.0
    } else {
        1.0
    };
    let (m, lo, hi) = (v / div, i.lo / div, i.hi / div);
    match (with_ends(m, lo, hi), half_width(m, lo, hi)) {
        (Some((_, lo, hi)), _) => format!("{} [{lo}–{hi}]", kib(v)),
        (None, Some(w)) => format!("{} {w}", kib(v)),
        (None, None) => kib(v),
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
        // Chosen constants print as written.
        assert_eq!(chosen_percent(0.05), "5 %");
        assert_eq!(chosen_percent(0.5), "50 %");
        assert_eq!(chosen_percent(0.1), "10 %");
        assert_eq!(chosen_percent(0.005), "0.5 %");
        assert_eq!(chosen_ratio(2.0), "2×");
        assert_eq!(chosen_ratio(1.4), "1.4×");
        assert_eq!(chosen_time_ns(10.0 * 1e6), "10 ms");
        // Noise: at most two figures.
        assert_eq!(noise(0.000577), "0.06 %");
        assert_eq!(noise(0.191), "19 %");
        assert_eq!(noise(0.0434), "4.3 %");
        assert_eq!(noise(0.00757), "0.8 %");
        assert_eq!(noise(0.0), "0 %");
        assert_eq!(noise(1.0), "100 %");
        // An interval whose ends would print as the median.
        let tight = Interval {
            lo: 359_800.0,
            hi: 360_400.0,
        };
        assert_eq!(time_ns_in(360_000.0, Some(tight)), "360 µs ± 0.1 %");
        // The review's cases: three figures, never more.
        let review = Interval {
            lo: 359_500.0,
            hi: 359_900.0,
        };
        assert_eq!(time_ns_in(359_900.0, Some(review)), "360 µs ± 0.1 %");
        let criterion = Interval {
            lo: 11.59e6,
            hi: 11.64e6,
        };
        assert_eq!(time_ns_in(11.61e6, Some(criterion)), "11.6 ms ± 0.3 %");
        let wide = Interval {
            lo: 183.8e6,
            hi: 184.4e6,
        };
        assert_eq!(time_ns_in(184.0e6, Some(wide)), "184 ms ± 0.2 %");
        assert_eq!(
            ratio_in(
                1.0,
                Some(Interval {
                    lo: 0.9995,
                    hi: 1.001
                })
            ),
            "1.00× ± 0.1 %"
        );
        assert_eq!(
            kib_in(10.2, Some(Interval { lo: 9.51, hi: 10.8 })),
            "10.2 KiB [9.51–10.8]"
        );
        let none = Interval {
            lo: 360_000.0,
            hi: 360_000.0,
        };
        assert_eq!(time_ns_in(360_000.0, Some(none)), "360 µs");
    }
}

//! Parsing durations the way the CLI takes them: `50ms`, `1s`, `250us`, `0`.

use std::time::Duration;

/// Parses `<number><unit>` with unit `s`, `ms`, `us` (or `µs`) or `ns`. A bare `0` is allowed.
///
/// ```
/// use greet_core::duration::parse;
/// use std::time::Duration;
/// assert_eq!(parse("50ms").unwrap(), Duration::from_millis(50));
/// assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
/// assert!(parse("fast").is_err());
/// ```
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit {
        "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        _ => return Err(DurationError::Unreadable(text.to_owned())),
    };
    let value: f64 = num
        .parse()
        .map_err(|_| DurationError::Unreadable(text.to_owned()))?;
    let secs = value * scale;
    if !secs.is_finite() || secs > 86_400.0 {
        return Err(DurationError::TooLong(text.to_owned()));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A duration that does not parse; the message names the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not `<number><unit>`.
    #[error(
        "cannot parse duration '{0}': write a number and a unit (s, ms, us or ns), like 50ms, 1s or 250us, up to 86400s"
    )]
    Unreadable(String),
    /// Longer than a day.
    #[error("duration '{0}' is too long: use at most 86400s (a day)")]
    TooLong(String),
}

/// Formats a duration compactly for tables: `12.3ms`, `1.20s`, `850us`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2}s")
    } else if s >= 1e-3 {
        format!("{:.1}ms", s * 1e3)
    } else {
        format!("{:.0}us", s * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("250us").unwrap(), Duration::from_micros(250));
        assert_eq!(parse("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse("0").unwrap(), Duration::ZERO);
        assert_eq!(parse("0ms").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects() {
        for bad in ["", "ms", "5", "5 minutes", "-1s", "1e999s", "3h"] {
            assert!(parse(bad).is_err(), "{bad} should not parse");
        }
    }
}

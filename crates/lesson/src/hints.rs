//! Tiered hints, kept as data in each lesson's `hints.toml`:
//!
//! ```toml
//! [[hint]]
//! level = 1
//! text = """A nudge."""
//!
//! [[hint]]
//! level = 2
//! text = """Closer to the answer."""
//! ```
//!
//! Levels run 1, 2, 3, … without gaps; `cargo lesson hint NN` shows level 1, `--level K` shows
//! levels 1 to K (all of them if K is past the last); level 0 is refused.

use serde::Deserialize;

use crate::{Error, Result};

/// One hint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    /// 1 is the gentlest.
    pub level: u32,
    /// The hint, as Markdown-ish plain text.
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintsFile {
    hint: Vec<Hint>,
}

/// Parses a `hints.toml`, checking that the levels run 1..=n in order. `source` names the
/// file in error messages.
pub fn parse(text: &str, source: &str) -> Result<Vec<Hint>> {
    let file: HintsFile = toml::from_str(text).map_err(|e| {
        Error::new(format!(
            "{source} is not valid: {}",
            one_line(&e.to_string())
        ))
    })?;
    for (i, h) in file.hint.iter().enumerate() {
        if h.level as usize != i + 1 {
            return Err(Error::new(format!(
                "{source}: hint {} has level {}; number the levels 1, 2, 3, … in order",
                i + 1,
                h.level
            )));
        }
    }
    if file.hint.is_empty() {
        return Err(Error::new(format!("{source} has no [[hint]] entries")));
    }
    Ok(file.hint)
}

/// The hints up to `level` (all of them if `level` is past the last). Level 0 is an error
/// naming the valid range; `lesson_id` goes into the command it suggests.
pub fn up_to<'a>(hints: &'a [Hint], level: u32, lesson_id: &str) -> Result<&'a [Hint]> {
    if level == 0 {
        return Err(Error::new(format!(
            "there is no hint level 0: lesson {lesson_id} has levels 1 to {} (cargo lesson hint {lesson_id} --level 1)",
            hints.len()
        )));
    }
    let n = (level as usize).min(hints.len());
    Ok(&hints[..n])
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[hint]]
level = 1
text = """First."""

[[hint]]
level = 2
text = """Second,
on two lines."""
"#;

    #[test]
    fn parses_levels_in_order() {
        let hints = parse(GOOD, "hints.toml").unwrap();
        assert_eq!(hints.len(), 2);
        assert_eq!(hints[1].text, "Second,\non two lines.");
        assert_eq!(up_to(&hints, 1, "03").unwrap().len(), 1);
        assert_eq!(
            up_to(&hints, 9, "03").unwrap().len(),
            2,
            "asking beyond the last shows them all"
        );
    }

    #[test]
    fn level_zero_is_refused_with_the_valid_range() {
        let hints = parse(GOOD, "hints.toml").unwrap();
        let err = up_to(&hints, 0, "03").unwrap_err().to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("levels 1 to 2"), "{err}");
        assert!(err.contains("cargo lesson hint 03 --level 1"), "{err}");
    }

    #[test]
    fn rejects_gaps_unknown_fields_and_empty_files() {
        let gap = "[[hint]]\nlevel = 1\ntext = 'a'\n[[hint]]\nlevel = 3\ntext = 'b'\n";
        assert!(
            parse(gap, "x")
                .unwrap_err()
                .to_string()
                .contains("in order")
        );
        let typo = "[[hint]]\nlevel = 1\ntxt = 'a'\n";
        assert!(
            parse(typo, "x")
                .unwrap_err()
                .to_string()
                .contains("x is not valid")
        );
        assert!(
            parse("hint = []", "x")
                .unwrap_err()
                .to_string()
                .contains("no [[hint]]")
        );
    }
}

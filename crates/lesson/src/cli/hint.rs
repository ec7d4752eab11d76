//! `cargo lesson hint NN --level K`: a lesson's hints, gentlest first, up to the level asked.

use std::path::Path;

use super::{lessons, rel};
use crate::course;
use crate::{Error, Result, hints};

/// `cargo lesson hint NN --level K`.
pub(super) fn hint(root: &Path, wanted: &str, level: u32) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
    let file = lesson.hints_file();
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::new(format!(
            "cannot read {}: {e}; lesson {} has no hints, see its README",
            rel(root, &file),
            lesson.id()
        ))
    })?;
    let all = hints::parse(&text, &rel(root, &file))?;
    let shown = hints::up_to(&all, level, &lesson.id())?;
    for h in shown {
        println!(
            "Lesson {} ({}), hint {} of {}:\n",
            lesson.id(),
            lesson.topic,
            h.level,
            all.len()
        );
        for line in h.text.trim().lines() {
            if line.trim().is_empty() {
                println!();
            } else {
                println!("  {line}");
            }
        }
        println!();
    }
    if shown.len() < all.len() {
        println!(
            "More: cargo lesson hint {} --level {}",
            lesson.id(),
            shown.len() + 1
        );
    }
    Ok(true)
}

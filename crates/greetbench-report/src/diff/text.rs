//! A [`Diff`] as `greetbench diff` prints it: for the terminal ([`terminal`]), as Markdown to
//! paste into a pull request ([`markdown`]), or as one JSON object ([`json`]). All three read
//! the same [`Diff`], so they list the same rows with the same figures and words.
//!
//! Everything that comes from a results file (model names, the CPU's name, paths) is cleaned
//! of control characters before it reaches a terminal, and of Markdown's table syntax before
//! it reaches a table: a hostile file cannot move the cursor or add a column.

use super::{Compared, Diff, Lone, Run};
use crate::format;

/// `s` with every control character replaced by `?`.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `s` cleaned, with the punctuation that would change a Markdown table backslash-escaped:
/// `|` would end the cell, `<` start inline HTML, `*` and backticks change the text's style.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        if matches!(c, '\\' | '|' | '<' | '>' | '`' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Adds `text` and a newline to `t`.
fn line(t: &mut String, text: impl AsRef<str>) {
    t.push_str(text.as_ref());
    t.push('\n');
}

/// `v` in `unit`'s words.
fn figure(unit: crate::view::Unit, v: f64) -> String {
    unit.words(v)
}

/// The noise of a run in words: `others' CPU 19.4 %, steal 0.1 % (busy)`.
pub fn noise_words(run: &Run) -> String {
    match run.noise {
        Some(n) => format!(
            "others' CPU {}, steal {}{}",
            format::noise(n.other_busy),
            format::noise(n.steal),
            if run.busy { " (busy)" } else { "" }
        ),
        None => "noise not recorded".into(),
    }
}

/// The sentence that opens a diff of two machines, or `None` for one machine.
pub fn machines_sentence(diff: &Diff) -> Option<String> {
    (!diff.machines.is_empty()).then(|| {
        format!(
            "OLD and NEW ran on two machines ({} differ): the machine is the likely cause of any change below, before the code.",
            clean(&diff.machines.join(", "))
        )
    })
}

/// The sentence naming the groups whose rows moved together, or `None` when none did: each
/// row's interval is widened by its group's move, so a reader sees why those rows read
/// inconclusive.
pub fn moved_sentence(diff: &Diff) -> Option<String> {
    (!diff.moved.is_empty()).then(|| {
        let groups: Vec<String> = diff
            .moved
            .iter()
            .map(|(g, f)| format!("{} by {}", clean(g), format::percent(f - 1.0)))
            .collect();
        format!(
            "Rows that moved together (the median move of a group's rows): {}. Each row's \
             interval is widened by its group's move, so only a row that moved further counts.",
            groups.join(", ")
        )
    })
}

/// The line a `--fail-over` gives, if one was given.
pub fn fail_over_line(diff: &Diff) -> Option<String> {
    let p = diff.fail_over?;
    Some(match diff.failed.len() {
        0 => format!(
            "--fail-over {}: no row is slower by more than that with its whole interval past it",
            format::chosen_percent(p)
        ),
        n => {
            let names: Vec<String> = diff
                .failed
                .iter()
                .filter_map(|&i| diff.rows.get(i))
                .map(|r| format!("{} at {}", clean(&r.model), clean(&r.what)))
                .collect();
            format!(
                "--fail-over {}: {n} row{} slower by more than that with the whole interval past it: {}",
                format::chosen_percent(p),
                if n == 1 { "" } else { "s" },
                names.join("; ")
            )
        }
    })
}

/// For the terminal.
pub fn terminal(diff: &Diff) -> String {
    let mut t = String::new();
    if let Some(s) = machines_sentence(diff) {
        line(&mut t, format!("{s}\n"));
    }
    if let Some(s) = moved_sentence(diff) {
        line(&mut t, format!("{s}\n"));
    }
    for (name, run) in [("OLD", &diff.old), ("NEW", &diff.new)] {
        line(
            &mut t,
            format!(
                "{name}  {}  (results format {}, commit {}, {}; {})",
                clean(&run.label),
                run.format,
                clean(&run.commit),
                clean(&run.date),
                noise_words(run)
            ),
        );
    }
    t.push('\n');
    if diff.setup.is_empty() {
        t += "Same setup: machine, system, toolchain, runtimes, Python and commit.\n\n";
    } else {
        t += "What differs in the setup:\n";
        let w = diff
            .setup
            .iter()
            .map(|d| clean(&d.what).chars().count())
            .max()
            .unwrap_or(0);
        for d in &diff.setup {
            line(
                &mut t,
                format!(
                    "  {:<w$}  {}  ->  {}{}",
                    clean(&d.what),
                    clean(&d.old),
                    clean(&d.new),
                    if d.machine { "  (the machine)" } else { "" }
                ),
            );
        }
        t.push('\n');
    }
    line(
        &mut t,
        format!(
            "NEW / OLD with its 95 % interval; a change under {} reads no change:",
            format::chosen_percent(diff.threshold)
        ),
    );
    let labels = labels(diff);
    let w = labels
        .iter()
        .map(|l| clean(l).chars().count())
        .max()
        .unwrap_or(0);
    let mut question = None;
    for (r, label) in diff.rows.iter().zip(&labels) {
        if question != Some(&r.what) {
            line(&mut t, clean(&r.what));
            question = Some(&r.what);
        }
        line(&mut t, format!("  {}", row_line(r, label, w)));
    }
    for (name, lone) in [("OLD", &diff.only_in_old), ("NEW", &diff.only_in_new)] {
        if lone.is_empty() {
            continue;
        }
        line(&mut t, format!("\nOnly in {name}:"));
        for l in lone {
            line(&mut t, format!("  {}", lone_line(l)));
        }
    }
    t.push('\n');
    let changed: Vec<String> = diff.changed_picks().map(|p| clean(&p.sentence())).collect();
    if diff.picks.is_empty() {
        t += "Picks: none to compare.\n";
    } else if changed.is_empty() {
        line(&mut t, format!("Picks: all {} the same.", diff.picks.len()));
    } else {
        for c in changed {
            line(&mut t, format!("Picks: {c}."));
        }
    }
    if let Some(l) = fail_over_line(diff) {
        line(&mut t, l);
    }
    line(&mut t, diff.summary.line());
    t
}

/// Each compared row's label in the text and Markdown: its model, and its language (or its
/// interpreter, when not the default one) where another row of the same question has the same
/// name in another language, as the spawn rows do (`thread (Rust)`, `thread (Python)`). The
/// JSON keeps `model` and `lang` as separate fields.
pub fn labels(diff: &Diff) -> Vec<String> {
    diff.rows
        .iter()
        .map(|r| {
            let shared = diff.rows.iter().any(|o| {
                o.what == r.what
                    && o.row.model == r.row.model
                    && (o.row.lang != r.row.lang || o.row.interpreter != r.row.interpreter)
            });
            if !shared {
                return r.model.clone();
            }
            match &r.row.interpreter {
                Some(i) if r.model != r.row.model => format!("{} ({i})", r.row.model),
                _ => format!("{} ({})", r.row.model, crate::view::lang_name(r.row.lang)),
            }
        })
        .collect()
}

/// One compared row, for the terminal.
fn row_line(r: &Compared, label: &str, w: usize) -> String {
    format!(
        "{:<w$}  {:>10}  ->  {:<10}  {:<22}  {}",
        clean(label),
        figure(r.unit, r.old.median),
        figure(r.unit, r.new.median),
        r.ratio_words(),
        r.verdict_words()
    )
}

/// One row only one run has.
fn lone_line(l: &Lone) -> String {
    format!(
        "{}, {}: {}{}",
        clean(&l.what),
        clean(&l.model),
        figure(l.unit, l.figure.median),
        l.other
            .as_ref()
            .map_or_else(String::new, |w| format!(" (the other run: {})", clean(w)))
    )
}

/// As Markdown: the setup's differences as a list, then one table of every compared row,
/// then the rows only one run has, the picks and the summary.
pub fn markdown(diff: &Diff) -> String {
    let mut t = String::new();
    t += "### greetbench diff\n\n";
    if let Some(s) = machines_sentence(diff) {
        line(&mut t, format!("**{}**\n", cell(&s)));
    }
    if let Some(s) = moved_sentence(diff) {
        line(&mut t, format!("{}\n", cell(&s)));
    }
    for (name, run) in [("OLD", &diff.old), ("NEW", &diff.new)] {
        line(
            &mut t,
            format!(
                "- **{name}** `{}`: commit {}, {}; {}",
                cell(&run.label),
                cell(&run.commit),
                cell(&run.date),
                noise_words(run)
            ),
        );
    }
    t.push('\n');
    if diff.setup.is_empty() {
        t += "Same setup: machine, system, toolchain, runtimes, Python and commit.\n\n";
    } else {
        t += "What differs in the setup:\n\n";
        for d in &diff.setup {
            line(
                &mut t,
                format!(
                    "- {}: {} → {}{}",
                    cell(&d.what),
                    cell(&d.old),
                    cell(&d.new),
                    if d.machine { " (the machine)" } else { "" }
                ),
            );
        }
        t.push('\n');
    }
    line(
        &mut t,
        format!(
            "NEW / OLD with its 95 % interval; a change under {} reads no change.\n",
            format::chosen_percent(diff.threshold)
        ),
    );
    t += "| question | model | OLD | NEW | NEW / OLD [95 %] | change |\n";
    t += "|---|---|---:|---:|---:|---|\n";
    for (r, label) in diff.rows.iter().zip(labels(diff)) {
        let verdict = r.verdict_words();
        line(
            &mut t,
            format!(
                "| {} | {} | {} | {} | {} | {} |",
                cell(&r.what),
                cell(&label),
                figure(r.unit, r.old.median),
                figure(r.unit, r.new.median),
                r.ratio_words(),
                if r.change.flagged() {
                    format!("**{}**", cell(&verdict))
                } else {
                    cell(&verdict)
                }
            ),
        );
    }
    for (name, lone) in [("OLD", &diff.only_in_old), ("NEW", &diff.only_in_new)] {
        if lone.is_empty() {
            continue;
        }
        line(&mut t, format!("\nOnly in {name}:\n"));
        for l in lone {
            line(&mut t, format!("- {}", cell(&lone_line(l))));
        }
    }
    t.push('\n');
    let changed: Vec<String> = diff.changed_picks().map(|p| cell(&p.sentence())).collect();
    if changed.is_empty() {
        line(
            &mut t,
            format!("Picks: all {} the same.\n", diff.picks.len()),
        );
    } else {
        for c in changed {
            line(&mut t, format!("- Picks: {c}."));
        }
        t.push('\n');
    }
    if let Some(l) = fail_over_line(diff) {
        line(&mut t, format!("{}\n", cell(&l)));
    }
    line(&mut t, format!("**{}**", diff.summary.line()));
    t
}

/// As one JSON object: the [`Diff`] itself.
pub fn json(diff: &Diff) -> String {
    // A Diff holds only strings, numbers and enums: it always serializes. Should that ever
    // change, the error is one JSON string rather than a panic.
    serde_json::to_string_pretty(diff).unwrap_or_else(|e| {
        serde_json::Value::String(format!("the diff could not be written as JSON: {e}")).to_string()
    }) + "\n"
}

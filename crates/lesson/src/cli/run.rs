//! `cargo lesson run NN`: the learner's exercise and greetbench's reference model on the
//! lesson's standard run, side by side, remembered, and set against the learner's predictions.

use std::path::Path;
use std::time::Duration;

use super::{exercise_ready, lesson_data, lessons};
use crate::course;
use crate::data::LessonData;
use crate::measure::{self, RunRecord, Side};
use crate::predict;
use crate::progress;
use crate::{Error, Result};

/// `cargo lesson run NN`.
pub(super) fn run(root: &Path, wanted: &str, timeout: Duration) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
    let data = lesson_data(root, lesson)?;
    let id = lesson.id();
    let Some(spec) = &data.run else {
        let why = data.no_run.as_deref().unwrap_or(
            "it has no [run] in its lesson.toml (cargo lesson run measures lessons 01 to 06)",
        );
        return Err(Error::new(format!(
            "cargo lesson run {id} has nothing to measure: {why}"
        )));
    };
    exercise_ready(root, lesson)?;
    let plan = spec.plan();
    println!(
        "Lesson {id} ({}), the standard run: {}.",
        lesson.topic,
        spec.describe()
    );
    println!(
        "Building and running your exercise ({}'s lesson_run)…",
        lesson.exercise_package()
    );
    let yours = measure::measure_yours(root, lesson, &plan, timeout, data.hang_message())?;
    let reference = match &spec.reference {
        Some(model) => {
            println!(
                "Building and running greetbench's {model} model (lesson-reference; its first build takes a few minutes)…"
            );
            Some(measure::measure_reference(root, model, &plan, timeout)?)
        }
        None => None,
    };
    let record = RunRecord {
        plan,
        reference_model: spec.reference.clone(),
        yours,
        reference,
        measured_at_unix: progress::now_unix(),
    };
    println!();
    for line in measure::table(spec, &record) {
        println!("{line}");
    }
    println!(
        "  Both rows are debug builds with the greet server in the same process, measured by the\n  \
         same code (crates/lesson-measure): compare them with each other, not with --release runs."
    );
    remember(root, &id, &record);
    if !data.predict.is_empty() {
        against_the_predictions(root, &data, &record, &id);
    }
    if let Side::NotMeasured(_) = record.yours {
        println!(
            "\nYour exercise was not measured: finish it (cargo lesson check {id}), then run this again."
        );
        return Ok(false);
    }
    Ok(true)
}

/// Keeps the run in `target/lesson-runs.json`, or says in one line why it could not.
fn remember(root: &Path, id: &str, record: &RunRecord) {
    let file = measure::path(&course::target_dir(root));
    let loaded = measure::load(&file);
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    let mut runs = loaded.value;
    runs.lessons.insert(id.to_owned(), record.clone());
    if let Err(e) = measure::save(&file, &runs) {
        eprintln!("(could not remember this run in {}: {e})", file.display());
    }
}

/// The learner's predictions beside this run, or a nudge to predict first.
fn against_the_predictions(root: &Path, data: &LessonData, record: &RunRecord, id: &str) {
    let loaded = predict::load(&predict::path(&course::target_dir(root)));
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    match loaded.value.lessons.get(id) {
        Some(answers) => {
            println!("\nYour predictions against the measurements:");
            for line in predict::report(data, Some(answers), Some(record), id) {
                println!("{line}");
            }
        }
        None => {
            println!("\nPredict before you measure: cargo lesson predict {id} asks about this run.")
        }
    }
}

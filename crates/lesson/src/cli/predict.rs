//! `cargo lesson predict NN`: the learner's answers to the lesson's numeric questions, asked in
//! the terminal or given as flags, kept in `target/`, and set beside the last run.

use std::io::IsTerminal;
use std::path::Path;

use super::{lesson_data, lessons, rel};
use crate::course::{self, Lesson};
use crate::data::LessonData;
use crate::measure::{self, RunRecord};
use crate::predict::{self, Answers};
use crate::progress;
use crate::{Error, Result};

/// `cargo lesson predict NN [--answer ID=VALUE]… [--show]`.
pub(super) fn predict(root: &Path, wanted: &str, flags: &[String], show: bool) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
    let data = lesson_data(root, lesson)?;
    let id = lesson.id();
    if data.predict.is_empty() {
        return Err(Error::new(format!(
            "lesson {id} has no numeric predict questions: answer the ones in {} on paper",
            rel(root, &lesson.dir.join("README.md"))
        )));
    }
    let target = course::target_dir(root);
    let file = predict::path(&target);
    let loaded = predict::load(&file);
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    let mut all = loaded.value;
    let last_run = last_run(root, lesson, &data);
    let about = data
        .run
        .as_ref()
        .map_or(String::new(), |r| format!(" ({})", r.describe()));
    if show {
        println!(
            "Lesson {id} ({}): the predict questions about the standard run{about}.",
            lesson.topic
        );
        for line in predict::report(&data, all.lessons.get(&id), last_run.as_ref(), &id) {
            println!("{line}");
        }
        return Ok(true);
    }
    let interactive = flags.is_empty() && std::io::stdin().is_terminal();
    if interactive {
        println!(
            "Lesson {id} ({}): {} questions about the standard run{about}.",
            lesson.topic,
            data.predict.len()
        );
        println!("Answer with a number; Enter keeps the answer in brackets, or skips.\n");
    }
    let previous = all.lessons.get(&id).map(|a| a.answers.clone());
    let answers = predict::gather(
        flags,
        &data,
        &id,
        &previous.unwrap_or_default(),
        interactive,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
    )?;
    let answered = answers.len();
    all.lessons.insert(
        id.clone(),
        Answers {
            answers,
            answered_at_unix: progress::now_unix(),
        },
    );
    predict::save(&file, &all).map_err(|e| {
        Error::new(format!(
            "cannot save your predictions in {}: {e}",
            file.display()
        ))
    })?;
    println!(
        "\nSaved {answered} of {} answers in {}.",
        data.predict.len(),
        rel(root, &file)
    );
    against_the_last_run(&data, &all, last_run.as_ref(), &id);
    Ok(true)
}

/// The learner's answers beside the last run, or what to run to measure them.
fn against_the_last_run(
    data: &LessonData,
    all: &predict::Predictions,
    last_run: Option<&RunRecord>,
    id: &str,
) {
    match last_run {
        Some(run) => {
            println!("Against your last cargo lesson run {id}:");
            for line in predict::report(data, all.lessons.get(id), Some(run), id) {
                println!("{line}");
            }
        }
        None => println!("Now measure them: cargo lesson run {id}"),
    }
}

/// The lesson's last `cargo lesson run`, if it ran the plan `lesson.toml` has now.
pub(super) fn last_run(root: &Path, lesson: &Lesson, data: &LessonData) -> Option<RunRecord> {
    let loaded = measure::load(&measure::path(&course::target_dir(root)));
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    let plan = data.run.as_ref()?.plan();
    loaded
        .value
        .lessons
        .get(&lesson.id())
        .filter(|r| r.plan == plan)
        .cloned()
}

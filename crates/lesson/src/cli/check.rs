//! `cargo lesson list` and `cargo lesson check NN`: where the learner stands, and each check
//! of a lesson run alone with a timeout, its result, and what to do next.

use std::path::Path;
use std::time::Duration;

use super::{exercise_ready, lesson_data, lessons, load_progress, progress_file, rel, wrap};
use crate::course::{self, Lesson};
use crate::progress::{self, LessonProgress};
use crate::runner::{self, Built, OnTimeout, Status, TestExe};
use crate::{Error, Result};

/// `cargo lesson list`.
pub(super) fn list(root: &Path) -> Result<bool> {
    let lessons = lessons(root)?;
    let progress = load_progress(root);
    println!("The greetbench course (read lessons/README.md first). Progress is from your last");
    println!("`cargo lesson check NN`, kept in target/lesson-progress.json.\n");
    let mut next: Option<&Lesson> = None;
    for l in &lessons {
        let state = if !l.has_exercise() {
            format!(
                "–  no exercise: read {}",
                rel(root, &l.dir.join("README.md"))
            )
        } else {
            let changed_since = |p: &LessonProgress| {
                l.exercise_modified_unix()
                    .is_some_and(|m| m > p.checked_at_unix)
            };
            match progress.lessons.get(&l.id()) {
                Some(p) if p.build_failed => {
                    next.get_or_insert(l);
                    format!(
                        "✗  does not compile (at your last check): fix it, then cargo lesson check {}",
                        l.id()
                    )
                }
                Some(p) if p.done() && changed_since(p) => {
                    next.get_or_insert(l);
                    format!(
                        "?  passed ({}), but src/ changed since: cargo lesson check {} again",
                        p.line(),
                        l.id()
                    )
                }
                Some(p) if p.done() => format!("✓  done ({})", p.line()),
                Some(p) => {
                    next.get_or_insert(l);
                    format!("✗  {}", p.line())
                }
                None => {
                    next.get_or_insert(l);
                    "·  not checked yet".to_owned()
                }
            }
        };
        println!("  {}  {:<16} {state}", l.id(), l.topic);
    }
    match next {
        Some(l) => println!(
            "\nNext: read {}, then cargo lesson check {}",
            rel(root, &l.dir.join("README.md")),
            l.id()
        ),
        None => println!("\nEvery exercise passes. Well done."),
    }
    Ok(true)
}

/// `cargo lesson check NN`.
pub(super) fn check(root: &Path, wanted: &str, timeout: Duration) -> Result<bool> {
    let lessons = lessons(root)?;
    let lesson = course::find(&lessons, wanted)?;
    exercise_ready(root, lesson)?;
    let data = lesson_data(root, lesson)?;
    let package = lesson.exercise_package();
    let id = lesson.id();
    println!(
        "Lesson {id} ({}): building {package}'s checks…",
        lesson.topic
    );
    let exes = match runner::build_or_report(root, std::slice::from_ref(&package), false)? {
        Built::Exes(exes) => exes,
        Built::DidNotCompile => {
            // Remembered, so that `cargo lesson list` does not call a broken lesson done.
            let mut all = load_progress(root);
            let record = all.lessons.entry(id.clone()).or_default();
            record.build_failed = true;
            record.checked_at_unix = progress::now_unix();
            save_progress(root, &all);
            return Err(Error::new(format!(
                "{package} did not compile: fix the errors shown above, then cargo lesson check {id} again"
            )));
        }
    };
    let exes: Vec<TestExe> = exes.into_iter().filter(|e| e.package == package).collect();
    let hang = data.hang_message();
    let checked = runner::run_checks(&exes, timeout, OnTimeout::Stop, |name, status| {
        for line in result_lines(name, status, &id, hang) {
            println!("{line}");
        }
    })?;
    if !checked.not_run.is_empty() {
        for (i, line) in wrap(&not_run_line(&checked.not_run, timeout), 92)
            .iter()
            .enumerate()
        {
            println!("  {} {line}", if i == 0 { "·" } else { " " });
        }
    }
    let results = checked.results;
    if results.is_empty() {
        return Err(Error::new(format!(
            "{package} has no checks: is {} intact?",
            rel(root, &lesson.dir.join("checks.rs"))
        )));
    }
    let record = LessonProgress {
        passed: results
            .iter()
            .filter(|(_, s)| s.passed())
            .map(|(n, _)| n.clone())
            .collect(),
        failed: runner::failed_names(&results).into_iter().collect(),
        not_run: checked.not_run,
        build_failed: false,
        checked_at_unix: progress::now_unix(),
    };
    println!("\nProgress: {}.", record.line());
    let done = record.done();
    let mut all = load_progress(root);
    all.lessons.insert(lesson.id(), record);
    save_progress(root, &all);
    print_next(root, lesson, &lessons, &all, done);
    Ok(done)
}

/// Saves the progress, or says in one line why it could not.
fn save_progress(root: &Path, all: &progress::Progress) {
    let file = progress_file(root);
    if let Err(e) = progress::save(&file, all) {
        eprintln!("(could not record progress in {}: {e})", file.display());
    }
}

/// What to do next, after a check: the next lesson when this one is done, or where to edit.
fn print_next(
    root: &Path,
    lesson: &Lesson,
    lessons: &[Lesson],
    all: &progress::Progress,
    done: bool,
) {
    if done {
        for line in wrap(&done_line(lesson, lessons, all, root), 92) {
            println!("{line}");
        }
    } else {
        println!(
            "Next: edit {} and run cargo lesson check {id} again. Stuck? cargo lesson hint {id}",
            rel(root, &lesson.exercise_dir().join("src/lib.rs")),
            id = lesson.id()
        );
    }
}

/// What `cargo lesson check` prints when a lesson passes: what to read next, and every lesson
/// not done yet, by what is missing, so that "done" with lessons left says which.
fn done_line(lesson: &Lesson, lessons: &[Lesson], all: &progress::Progress, root: &Path) -> String {
    let (mut unchecked, mut failing) = (Vec::new(), Vec::new());
    for l in lessons
        .iter()
        .filter(|l| l.has_exercise() && l.number != lesson.number)
    {
        match all.lessons.get(&l.id()) {
            None => unchecked.push(l.id()),
            Some(p) if !p.done() => failing.push(l.id()),
            Some(_) => {}
        }
    }
    let mut line = format!("Lesson {} done.", lesson.id());
    let next = lessons
        .iter()
        .find(|l| {
            l.number > lesson.number && (unchecked.contains(&l.id()) || failing.contains(&l.id()))
        })
        .or_else(|| {
            lessons
                .iter()
                .find(|l| unchecked.contains(&l.id()) || failing.contains(&l.id()))
        });
    let plural = |n: usize| if n == 1 { "lesson" } else { "lessons" };
    if !unchecked.is_empty() {
        line.push_str(&format!(
            " {} {} not yet checked: {}.",
            unchecked.len(),
            plural(unchecked.len()),
            unchecked.join(", ")
        ));
    }
    if !failing.is_empty() {
        line.push_str(&format!(
            " {} {} checked but not passing yet: {}.",
            failing.len(),
            plural(failing.len()),
            failing.join(", ")
        ));
    }
    match next {
        Some(n) => line.push_str(&format!(
            " Next: read {}, then cargo lesson check {}",
            rel(root, &n.dir.join("README.md")),
            n.id()
        )),
        None => line.push_str(" Every lesson with an exercise passes its checks: well done."),
    }
    line
}

/// What `cargo lesson check` prints for one check. A timeout names the lesson's usual
/// deadlock (its `[hang]` message) and the `--timeout` flag.
fn result_lines(name: &str, status: &Status, lesson_id: &str, hang: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    match status {
        Status::Passed => lines.push(format!("  ✓ {name}")),
        Status::Failed(msg) => {
            lines.push(format!("  ✗ {name}"));
            lines.extend(msg.lines().map(|l| format!("      {l}")));
        }
        Status::TimedOut(t) => {
            lines.push(format!("  ✗ {name}"));
            lines.push(format!(
                "      timed out after {} s and was killed: a deadlock, or a wait with no timeout?",
                t.as_secs()
            ));
            if let Some(hang) = hang {
                let text = format!("Lesson {lesson_id}'s usual one: {hang}");
                lines.extend(wrap(&text, 88).into_iter().map(|l| format!("      {l}")));
            }
            lines.push(format!(
                "      (Only a slow machine? cargo lesson check {lesson_id} --timeout {} waits longer.)",
                t.as_secs().saturating_mul(2)
            ));
        }
    }
    lines
}

/// The line after a hang: which checks were left unrun, and why.
fn not_run_line(not_run: &[String], timeout: Duration) -> String {
    let n = not_run.len();
    format!(
        "{n} more check{} not run ({}): code that hangs one check usually hangs the others \
         too, {} s each. Fix the hang and check again.",
        if n == 1 { "" } else { "s" },
        not_run.join(", "),
        timeout.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_names_the_usual_deadlock_and_the_flag() {
        let lines = result_lines(
            "every_job_comes_back_once",
            &Status::TimedOut(Duration::from_secs(60)),
            "03",
            Some("Is a sender still alive? drop(done_tx) after spawning the workers."),
        )
        .join("\n");
        assert!(lines.contains("✗ every_job_comes_back_once"), "{lines}");
        assert!(lines.contains("timed out after 60 s"), "{lines}");
        assert!(
            lines.contains("Lesson 03's usual one: Is a sender still alive?"),
            "{lines}"
        );
        assert!(
            lines.contains("cargo lesson check 03 --timeout 120"),
            "{lines}"
        );
        let plain = result_lines("x", &Status::TimedOut(Duration::from_secs(5)), "01", None);
        assert!(!plain.join("\n").contains("usual one"), "{plain:?}");
    }

    #[test]
    fn the_checks_left_after_a_hang_are_named() {
        let line = not_run_line(&["b".into(), "c".into()], Duration::from_secs(60));
        assert!(line.contains("2 more checks not run (b, c)"), "{line}");
        assert!(line.contains("60 s each"), "{line}");
        assert!(
            not_run_line(&["b".into()], Duration::from_secs(1)).contains("1 more check not run")
        );
    }

    #[test]
    fn done_names_the_lessons_still_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let lessons: Vec<Lesson> = (1..=4)
            .map(|n| {
                let dir = tmp.path().join(format!("lessons/{n:02}-t{n}"));
                let exe = dir.join(format!("lesson{n:02}-exercise"));
                std::fs::create_dir_all(&exe).unwrap();
                std::fs::write(exe.join("Cargo.toml"), "").unwrap();
                Lesson {
                    number: n,
                    topic: format!("t{n}"),
                    dir,
                }
            })
            .collect();
        let passed = LessonProgress {
            passed: vec!["a".into()],
            checked_at_unix: 1,
            ..LessonProgress::default()
        };
        let failing = LessonProgress {
            failed: vec!["b".into()],
            ..passed.clone()
        };
        let mut all = progress::Progress::default();
        all.lessons.insert("01".into(), failing);
        all.lessons.insert("04".into(), passed.clone());
        // The learner just passed 04, the last lesson: 02 and 03 were never checked, 01 fails.
        let line = done_line(&lessons[3], &lessons, &all, tmp.path());
        assert!(line.starts_with("Lesson 04 done."), "{line}");
        assert!(
            line.contains("2 lessons not yet checked: 02, 03."),
            "{line}"
        );
        assert!(
            line.contains("1 lesson checked but not passing yet: 01."),
            "{line}"
        );
        assert!(line.contains("cargo lesson check 01"), "{line}");
        assert!(!line.contains("last one"), "{line}");
        for id in ["01", "02", "03"] {
            all.lessons.insert(id.into(), passed.clone());
        }
        let line = done_line(&lessons[3], &lessons, &all, tmp.path());
        assert!(line.ends_with("passes its checks: well done."), "{line}");
    }
}

//! The course's own invariants, checked against the lessons as they are in `lessons/`:
//!
//! - one source for its facts: each lesson's title, one-line summary, minutes and objectives
//!   live in its `lesson.toml`, and every place that repeats them (`lessons/README.md`'s table,
//!   the lesson README's heading, `**Objectives.**` and `**Time.**`) agrees;
//! - hints that teach: at least three levels, and no level but the last contains a line of the
//!   solution's code (ignoring whitespace, comments, short lines and the code the exercise
//!   already gives);
//! - READMEs on topic: each under about 1,300 words, every "Going further" page linked, and no
//!   figures of the machine the course was written on stated as facts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lesson::course::{self, Lesson};
use lesson::data::{self, LessonData};
use lesson::hints;

/// The most words a lesson README may have (`wc -w`).
const MAX_WORDS: usize = 1_300;

/// A solution line shorter than this (whitespace removed) is too generic to give anything away
/// (`}`, `let mut out = Vec::new();`).
const MIN_LINE: usize = 24;

/// A piece of a hint (a line, or a `code span`) at least this long (whitespace removed), with a
/// call in it, that is found in the solution's code and not in the exercise's, is solution code
/// even when rustfmt broke the solution's line elsewhere.
const MIN_FRAGMENT: usize = 30;

fn lessons() -> Vec<Lesson> {
    let root = course::workspace_root();
    let lessons = course::discover(&root.join("lessons")).expect("lessons/ is readable");
    assert!(lessons.len() >= 9, "found {} lessons", lessons.len());
    lessons
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn facts(lesson: &Lesson) -> LessonData {
    data::load(&lesson.data_file(), "lesson.toml").expect("lesson.toml parses")
}

/// `text` with runs of whitespace made single spaces.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without any whitespace at all.
fn dense(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_lesson_keeps_its_facts_in_lesson_toml_and_the_readmes_agree() {
    let root = course::workspace_root();
    let table = read(&root.join("lessons/README.md"));
    for l in lessons() {
        let f = facts(&l);
        let name = l.name();
        let (Some(title), Some(teaches), Some(minutes), Some(objectives)) =
            (&f.title, &f.teaches, f.minutes, &f.objectives)
        else {
            panic!("{name}/lesson.toml needs title, teaches, minutes and objectives");
        };
        let readme = read(&l.dir.join("README.md"));
        assert!(
            readme.starts_with(&format!("# Lesson {}: {title}\n", l.id())),
            "{name}/README.md's heading is not `# Lesson {}: {title}`",
            l.id()
        );
        let objectives_line = format!("**Objectives.** {}", squeeze(objectives));
        assert!(
            squeeze(&readme).contains(&objectives_line),
            "{name}/README.md's **Objectives.** paragraph differs from lesson.toml's objectives"
        );
        assert!(
            readme.contains(&format!("**Time.** About {minutes} minutes")),
            "{name}/README.md does not say **Time.** About {minutes} minutes"
        );
        let row = format!("| [{name}]({name}/README.md) | {teaches} | {minutes} min |");
        assert!(
            table.lines().any(|line| line.trim() == row),
            "lessons/README.md has no row `{row}`"
        );
    }
}

#[test]
fn lesson_readmes_stay_under_the_word_budget() {
    for l in lessons() {
        let words = read(&l.dir.join("README.md")).split_whitespace().count();
        assert!(
            words <= MAX_WORDS,
            "{}/README.md has {words} words, want at most {MAX_WORDS}: move the extra material \
             to a Going further page beside it",
            l.name()
        );
    }
}

#[test]
fn going_further_pages_are_linked_and_links_resolve() {
    for l in lessons() {
        let readme = read(&l.dir.join("README.md"));
        let further = l.dir.join("GOING-FURTHER.md");
        if further.exists() {
            assert!(
                readme.contains("(GOING-FURTHER.md)"),
                "{}/README.md does not link its GOING-FURTHER.md",
                l.name()
            );
        }
        // Relative Markdown links to files beside the lesson resolve.
        for piece in readme.split("](").skip(1) {
            let target = piece.split(')').next().unwrap_or_default();
            if target.starts_with("http") || target.starts_with('#') || target.is_empty() {
                continue;
            }
            let path = l.dir.join(target.split('#').next().unwrap_or_default());
            assert!(
                path.exists(),
                "{}/README.md links to missing {target}",
                l.name()
            );
        }
    }
}

#[test]
fn no_readme_states_the_writers_machine_as_fact() {
    // Figures measured while the course was written belong to that machine: a README says where
    // the learner reads their own instead.
    let phrases = [
        "this 2-core machine",
        "on this 2-core",
        "on this machine",
        "runs here gave",
        "is about that (as here)",
    ];
    for l in lessons() {
        let mut pages = vec![l.dir.join("README.md")];
        pages.push(l.dir.join("GOING-FURTHER.md"));
        for page in pages.iter().filter(|p| p.exists()) {
            let text = squeeze(&read(page)).to_lowercase();
            for phrase in phrases {
                assert!(
                    !text.contains(phrase),
                    "{} says {phrase:?}: state how to read the learner's own figure instead",
                    page.display()
                );
            }
        }
    }
}

/// The Rust sources of a crate directory's `src/`, whole.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.join("src")];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// The solution's lines of code that the exercise does not already give, without whitespace,
/// leaving out comments, attributes and short lines.
fn solution_lines(l: &Lesson) -> BTreeSet<String> {
    let lines = |dir: &Path| -> BTreeSet<String> {
        sources(dir)
            .iter()
            .flat_map(|p| read(p).lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|line| {
                let t = line.trim();
                !t.starts_with("//") && !t.starts_with("#")
            })
            .map(|line| dense(&line))
            .filter(|line| line.chars().count() >= MIN_LINE)
            .collect()
    };
    let given = lines(&l.exercise_dir());
    lines(&l.solution_dir())
        .difference(&given)
        .cloned()
        .collect()
}

/// The whole of a crate's `src/`, without whitespace.
fn dense_sources(dir: &Path) -> String {
    sources(dir).iter().map(|p| dense(&read(p))).collect()
}

/// The pieces of a hint that may be code: each line, and each `code span`, without whitespace.
fn fragments(hint: &str) -> Vec<String> {
    let mut out: Vec<String> = hint.lines().map(dense).collect();
    out.extend(hint.split('`').skip(1).step_by(2).map(dense));
    out.retain(|f| f.chars().count() >= MIN_FRAGMENT && f.contains('('));
    out
}

#[test]
fn hints_teach_before_they_tell() {
    for l in lessons() {
        let file = l.hints_file();
        let all = hints::parse(&read(&file), "hints.toml").expect("hints.toml parses");
        assert!(
            all.len() >= 3,
            "{} has {} hint levels, want at least 3",
            l.name(),
            all.len()
        );
        if !l.has_exercise() {
            continue;
        }
        let solution = solution_lines(&l);
        assert!(!solution.is_empty(), "{} has no solution lines", l.name());
        let (solved, given) = (
            dense_sources(&l.solution_dir()),
            dense_sources(&l.exercise_dir()),
        );
        for h in &all[..all.len() - 1] {
            for piece in fragments(&h.text) {
                assert!(
                    !solved.contains(&piece) || given.contains(&piece),
                    "{} hint {} (of {}) contains solution code, {piece:?}: only the last level \
                     shows code",
                    l.name(),
                    h.level,
                    all.len()
                );
            }
            let text = dense(&h.text);
            for line in &solution {
                assert!(
                    !text.contains(line.as_str()),
                    "{} hint {} (of {}) contains a line of the solution, {line:?}: only the last \
                     level shows code",
                    l.name(),
                    h.level,
                    all.len()
                );
            }
        }
    }
}

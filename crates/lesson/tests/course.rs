//! The course's own invariants, checked against the lessons as they are in `lessons/`:
//!
//! - one source for its facts: each lesson's title, one-line summary, minutes and objectives
//!   live in its `lesson.toml`, and every place that repeats them (`lessons/README.md`'s table,
//!   the lesson README's heading, `**Objectives.**` and `**Time.**`) agrees;
//! - hints that teach: at least three levels, and no level but the last contains a line of the
//!   solution's code (ignoring whitespace, comments, short lines and the code the exercise
//!   already gives), a code expression, numbered steps, or an identifier only the solution
//!   uses (one neither the exercise nor the README has shown);
//! - READMEs on topic: each under about 1,300 words, every "Going further" page linked, and no
//!   figure of the machine the course was written on stated as fact (a number with a unit
//!   near "here", "this machine", "the reference machine" and the like);
//! - checks that say what they compare: every `assert_eq!`/`assert_ne!` in a `checks.rs` has a
//!   message, so a failure never prints a bare `left:`/`right:` pair.

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

/// `text` without its fenced code blocks: commands and doctests state no claims.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Words that say "on the machine this was written on".
const MACHINE_WORDS: &[&[&str]] = &[
    &["here"],
    &["this", "machine"],
    &["reference", "machine"],
    &["my", "machine"],
    &["our", "machine"],
    &["author's", "machine"],
    &["writer's", "machine"],
    &["as", "here"],
    &["this", "2-core"],
];

/// Units a measured figure comes in.
const UNITS: &[&str] = &[
    "ns",
    "µs",
    "us",
    "ms",
    "s",
    "sec",
    "seconds",
    "min",
    "minutes",
    "kib",
    "mib",
    "gib",
    "kb",
    "mb",
    "gb",
    "%",
    "×",
    "x",
    "times",
    "jobs",
    "greets",
    "threads",
    "cores",
    "processes",
    "workers",
    "connections",
    "greets/s",
];

/// How many words either side of a machine word a figure may sit and still be "near" it.
const NEAR: usize = 12;

/// A word of prose without the punctuation around it, lowercased.
fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric() && !"%×/'µ-".contains(c))
        .trim_matches(|c: char| c == '\'' || c == '-' || c == '/')
        .to_lowercase()
}

/// Whether `word` is a number: digits, with `,` or `.` inside (`1,000`, `0.2`, `~3`).
fn is_number(word: &str) -> bool {
    let w = word.trim_start_matches(['~', '≈', '(']);
    w.chars().next().is_some_and(|c| c.is_ascii_digit())
        && w.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// The figures stated near a machine word in `text`: `(machine words, figure)` pairs.
fn machine_figures(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| bare(w)).collect();
    // A figure: a number and a unit, as one word (`50ms`, `3×`) or two (`200 jobs`).
    let figure_at = |i: usize| -> Option<String> {
        let w = lower[i].as_str();
        let digits = w
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .unwrap_or(w.len());
        if digits > 0 && digits < w.len() && UNITS.contains(&&w[digits..]) {
            return Some(w.to_owned());
        }
        let unit = lower.get(i + 1)?;
        (is_number(w) && UNITS.contains(&unit.as_str())).then(|| format!("{w} {unit}"))
    };
    let mut found = Vec::new();
    for (i, _) in lower.iter().enumerate() {
        for phrase in MACHINE_WORDS {
            let matches = phrase
                .iter()
                .enumerate()
                .all(|(k, p)| lower.get(i + k).is_some_and(|w| w == p));
            if !matches {
                continue;
            }
            let (lo, hi) = (
                i.saturating_sub(NEAR),
                (i + phrase.len() + NEAR).min(words.len()),
            );
            for j in lo..hi {
                if let Some(figure) = figure_at(j) {
                    found.push((phrase.join(" "), figure));
                }
            }
        }
    }
    found
}

#[test]
fn the_machine_figure_finder_sees_a_figure_near_a_machine_word_and_nothing_else() {
    let found = machine_figures(
        "sized so that it takes 0.2 s (200 jobs on the reference machine); read your own",
    );
    assert!(
        found.contains(&("reference machine".into(), "200 jobs".into())),
        "{found:?}"
    );
    assert!(
        !machine_figures("with 2 cores busy, here, it took 3.1× as long").is_empty(),
        "a figure with its unit in one word, near `here`"
    );
    assert_eq!(
        machine_figures("N × L here. Every greet here has one timeout of its own."),
        [],
        "no figure: N × L is a formula"
    );
    assert_eq!(
        machine_figures("Your own figures: read them from the report on your machine."),
        [],
        "your machine is the learner's"
    );
}

#[test]
fn no_readme_states_the_writers_machine_as_fact() {
    // Figures measured while the course was written belong to that machine: a README says where
    // the learner reads their own instead. So no number with a unit sits near words that
    // point at the writer's machine ("here", "this machine", "the reference machine").
    for l in lessons() {
        let mut pages = vec![l.dir.join("README.md")];
        pages.push(l.dir.join("GOING-FURTHER.md"));
        for page in pages.iter().filter(|p| p.exists()) {
            let found = machine_figures(&prose(&read(page)));
            assert!(
                found.is_empty(),
                "{} states figures near words that point at the machine it was written on \
                 ({found:?}): say where the learner reads their own instead",
                page.display()
            );
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

/// `source` without its comments and string literals: the code alone, whose identifiers are
/// the solution's own (a string like `"some-model"` or a comment's words are not code).
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                // A line comment, to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            '"' => {
                // A string literal, escapes included.
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// The identifiers in `text`, three characters or longer (`fn`, `i` and the like give nothing
/// away).
fn identifiers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_owned)
        .collect()
}

/// The spans between backticks in `text`.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// What a hint names as code: every identifier in its code spans, and every word of its prose
/// that reads as code (`snake_case`, or a `path::to` it).
fn named_code(hint: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = code_spans(hint).into_iter().flat_map(identifiers).collect();
    for word in hint.split_whitespace() {
        if word.contains('_') || word.contains("::") {
            names.extend(identifiers(word));
        }
    }
    names
}

/// Whether a code span is an expression rather than a name: a call with arguments, a closure,
/// a block or a statement (`pool.install(closure)`, `|t| greet(t)`, `x.max(1);`). A bare name,
/// a path or an empty call (`join_next()`) names a concept; an expression is a piece of the
/// answer.
fn is_expression(span: &str) -> bool {
    span.contains(['|', '{', ';'])
        || span
            .match_indices('(')
            .any(|(i, _)| !span[i + 1..].starts_with(')'))
}

/// Whether a hint's line is a numbered step (`1. start the workers`, `2) then`): a recipe.
fn is_numbered_step(line: &str) -> bool {
    let t = line.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && t[digits..].starts_with(['.', ')']) && t[digits + 1..].starts_with(' ')
}

#[test]
fn the_hint_rules_tell_a_recipe_from_a_concept() {
    assert!(is_numbered_step("1. start the workers"));
    assert!(is_numbered_step("  2) then the queue"));
    assert!(!is_numbered_step("1,000 threads"));
    assert!(!is_numbered_step("- a question?"));
    assert!(is_expression("pool.install(closure)"));
    assert!(is_expression("|t| greet(t)"));
    assert!(is_expression("workers.max(1)"));
    assert!(!is_expression("join_next()"));
    assert!(!is_expression("tokio::time::timeout"));
    assert!(!is_expression("workers = 0"));
    let names = named_code("Use `thread::scope`, then call greet_one; `Arc` helps.");
    for name in ["thread", "scope", "greet_one", "Arc"] {
        assert!(names.contains(name), "{name} in {names:?}");
    }
    assert!(!names.contains("then"), "{names:?}");
    assert_eq!(
        identifiers(&code_only("let x = \"some-name\"; // a comment\ncall(x);")),
        ["call", "let"].map(str::to_owned).into(),
        "identifiers of code without its strings and comments"
    );
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
        // What the learner has been shown: the exercise, comments and all, and the README.
        let shown: BTreeSet<String> = sources(&l.exercise_dir())
            .iter()
            .map(|p| read(p))
            .chain([read(&l.dir.join("README.md"))])
            .flat_map(|t| identifiers(&t))
            .collect();
        let solution_code: BTreeSet<String> = sources(&l.solution_dir())
            .iter()
            .flat_map(|p| identifiers(&code_only(&read(p))))
            .collect();
        for h in &all[..all.len() - 1] {
            let at = format!("{} hint {} (of {})", l.name(), h.level, all.len());
            if let Some(step) = h.text.lines().find(|line| is_numbered_step(line)) {
                panic!("{at} is a recipe of numbered steps ({step:?}): ask, or name the concept");
            }
            if let Some(span) = code_spans(&h.text).into_iter().find(|s| is_expression(s)) {
                panic!(
                    "{at} shows a code expression, `{span}`: name the function or the concept, \
                     and leave the code to the last level"
                );
            }
            let unshown: Vec<String> = named_code(&h.text)
                .into_iter()
                .filter(|name| solution_code.contains(name) && !shown.contains(name))
                .collect();
            assert!(
                unshown.is_empty(),
                "{at} names {unshown:?}, which only the solution's code uses: the lesson has not \
                 shown it (teach it in the README, or keep it for the last level)"
            );
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

/// The arguments of the macro call whose `(` is at `open` in `text`, split at its top-level
/// commas (string literals, and brackets inside, kept whole); `None` if it never closes.
fn macro_args(text: &str, open: usize) -> Option<Vec<String>> {
    let mut args = vec![String::new()];
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in text[open..].chars() {
        if in_string {
            args.last_mut()?.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                args.last_mut()?.push(c);
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > 1 {
                    args.last_mut()?.push(c);
                }
            }
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    args.retain(|a| !a.trim().is_empty());
                    return Some(args);
                }
                args.last_mut()?.push(c);
            }
            ',' if depth == 1 => args.push(String::new()),
            c => args.last_mut()?.push(c),
        }
    }
    None
}

/// The lines of `text` with an `assert_eq!` or `assert_ne!` that has no message.
fn bare_comparisons(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for name in ["assert_eq!", "assert_ne!"] {
        for (at, _) in text.match_indices(name) {
            let Some(open) = text[at..].find('(').map(|i| at + i) else {
                continue;
            };
            if macro_args(text, open).is_none_or(|args| args.len() < 3) {
                out.push(text[..at].matches('\n').count() + 1);
            }
        }
    }
    out.sort_unstable();
    out
}

#[test]
fn the_bare_comparison_finder_counts_arguments_not_commas() {
    let text = "assert_eq!(a, b);\nassert_eq!(f(x, y), [1, 2], \"the pair, {a}\");\n\
                assert_ne!(s, \"x, y\");\nassert_eq!(got, want, \"ok\");\n";
    assert_eq!(
        bare_comparisons(text),
        [1, 3],
        "the two assertions without a message"
    );
}

#[test]
fn every_comparison_in_the_checks_says_what_it_compares() {
    // A failed `assert_eq!` without a message prints `left:` and `right:` and nothing else: the
    // learner cannot tell what was counted. Every one in a lesson's checks says it.
    for l in lessons() {
        let file = l.dir.join("checks.rs");
        if !file.exists() {
            continue;
        }
        let bare = bare_comparisons(&read(&file));
        assert!(
            bare.is_empty(),
            "{}/checks.rs has assert_eq!/assert_ne! without a message at lines {bare:?}: say what \
             is compared (\"distinct thread ids: {{n}}, want 4\")",
            l.name()
        );
    }
}

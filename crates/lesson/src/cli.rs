//! The commands of `cargo lesson`: list, check, hint, predict, run, verify. `main.rs` only
//! calls [`main`].

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::course::{self, Lesson};
use crate::data::{self, LessonData};
use crate::measure::{self, RunRecord, Side};
use crate::predict::{self, Answers};
use crate::progress::{self, LessonProgress};
use crate::runner::{self, Built, OnTimeout, Status, TestExe};
use crate::{Error, Result, expected, hints};

/// `println!` that ends the program quietly when stdout has been closed (`cargo lesson list |
/// head -1`) instead of panicking: Rust ignores SIGPIPE, so the write fails with `BrokenPipe`.
macro_rules! println {
    () => {
        print_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        print_line(format_args!($($arg)*))
    };
}

/// One line on stdout; see [`println!`] above.
fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // Any other failure to print (a full disk under a redirect) is not worth a crash either:
    // the command's outcome is still its exit status.
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n"))
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// The greetbench course: list the lessons, check your exercise, get a hint, predict, measure.
#[derive(Debug, Parser)]
#[command(name = "cargo lesson", bin_name = "cargo lesson", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// The lessons, and which of their checks you have passed.
    List,
    /// Build a lesson's exercise and run each of its checks (e.g. `cargo lesson check 03`).
    Check {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Seconds each check may run before it is killed and counted as a failure.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
    /// Show a lesson's hints, gentlest first (e.g. `cargo lesson hint 03 --level 2`).
    Hint {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Show hints 1 to this level (1 is the gentlest).
        #[arg(long, default_value_t = 1)]
        level: u32,
    },
    /// Record your answers to a lesson's numeric predict questions, before you measure (e.g.
    /// `cargo lesson predict 01`; in a script, `--answer wall=1000`). Kept in target/.
    Predict {
        /// The lesson: 01, 1 or waiting.
        lesson: String,
        /// An answer, as ID=VALUE; repeat the flag for more. Without any, each question is
        /// asked in the terminal.
        #[arg(long = "answer", value_name = "ID=VALUE")]
        answers: Vec<String>,
        /// Show the questions, your answers and the last `cargo lesson run`; ask nothing.
        #[arg(long, conflicts_with = "answers")]
        show: bool,
    },
    /// Run your exercise and greetbench's model on the lesson's standard run, side by side, and
    /// set your predictions against them (e.g. `cargo lesson run 03`).
    Run {
        /// The lesson: 03, 3 or thread-queue.
        lesson: String,
        /// Seconds each side may run before it is killed.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
    /// For CI: every untouched stub fails exactly its expected checks, every solution passes
    /// all of them and is clippy-clean, every known-wrong solution fails the check it names.
    /// Builds with `--locked`. Name lessons (`cargo lesson verify 03 06`) to verify only those.
    Verify {
        /// Only these lessons (03, 3 or thread-queue); every lesson if none is named.
        lessons: Vec<String>,
        /// Seconds each check may run before it is killed and counted as a failure.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
    },
}

/// Parses the arguments and runs the command; errors are printed as one line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print(); // --help and --version
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "cargo lesson: {}",
                first_line_of_clap_error(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
    };
    let root = course::workspace_root();
    let outcome = match cli.command {
        Cmd::List => list(&root),
        Cmd::Check { lesson, timeout } => check(&root, &lesson, Duration::from_secs(timeout)),
        Cmd::Hint { lesson, level } => hint(&root, &lesson, level),
        Cmd::Predict {
            lesson,
            answers,
            show,
        } => predict(&root, &lesson, &answers, show),
        Cmd::Run { lesson, timeout } => run(&root, &lesson, Duration::from_secs(timeout)),
        Cmd::Verify { lessons, timeout } => verify(&root, &lessons, Duration::from_secs(timeout)),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cargo lesson: {e}");
            ExitCode::from(2)
        }
    }
}

/// clap's error as one line: its first paragraph (what is wrong, with the value and the flag,
/// or the missing arguments), without the usage that follows, and where to read more.
fn first_line_of_clap_error(rendered: &str) -> String {
    let what: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty() && !l.starts_with("Usage:"))
        .collect();
    let what = what.join(" ");
    let what = what.trim_start_matches("error: ");
    format!(
        "{} (see cargo lesson --help)",
        if what.is_empty() {
            "bad arguments"
        } else {
            what
        }
    )
}

fn lessons(root: &Path) -> Result<Vec<Lesson>> {
    let lessons = course::discover(&root.join("lessons"))?;
    if lessons.is_empty() {
        return Err(Error::new(
            "no lessons found under lessons/: run cargo lesson from the greetbench checkout",
        ));
    }
    Ok(lessons)
}

/// A path as the learner should type it: relative to the workspace root.
fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn progress_file(root: &Path) -> PathBuf {
    progress::path(&course::target_dir(root))
}

/// Reads the progress, saying in one line if the file was corrupt (and where its copy is).
fn load_progress(root: &Path) -> progress::Progress {
    let loaded = progress::load(&progress_file(root));
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    loaded.value
}

/// The lesson's `lesson.toml` (an error naming the file if it is not valid).
fn lesson_data(root: &Path, lesson: &Lesson) -> Result<LessonData> {
    let file = lesson.data_file();
    data::load(&file, &rel(root, &file))
}

/// The lesson has an exercise, and it is a workspace member that cargo can build.
fn exercise_ready(root: &Path, lesson: &Lesson) -> Result<()> {
    if !lesson.has_exercise() {
        return Err(Error::new(format!(
            "lesson {} has no exercise: read {} instead",
            lesson.id(),
            rel(root, &lesson.dir.join("README.md"))
        )));
    }
    let members = course::workspace_members(root)?;
    if !course::is_member(root, &members, &lesson.exercise_dir()) {
        return Err(Error::new(format!(
            "{} is not a workspace member yet: add it to `members` in Cargo.toml",
            rel(root, &lesson.exercise_dir())
        )));
    }
    Ok(())
}

/// `cargo lesson list`.
fn list(root: &Path) -> Result<bool> {
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
fn check(root: &Path, wanted: &str, timeout: Duration) -> Result<bool> {
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
    let file = progress_file(root);
    let exes = match runner::build_or_report(root, std::slice::from_ref(&package), false)? {
        Built::Exes(exes) => exes,
        Built::DidNotCompile => {
            // Remembered, so that `cargo lesson list` does not call a broken lesson done.
            let mut all = load_progress(root);
            let record = all.lessons.entry(id.clone()).or_default();
            record.build_failed = true;
            record.checked_at_unix = progress::now_unix();
            if let Err(e) = progress::save(&file, &all) {
                eprintln!("(could not record progress in {}: {e})", file.display());
            }
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
    let failed = runner::failed_names(&results);
    let record = LessonProgress {
        passed: results
            .iter()
            .filter(|(_, s)| s.passed())
            .map(|(n, _)| n.clone())
            .collect(),
        failed: failed.iter().cloned().collect(),
        not_run: checked.not_run,
        build_failed: false,
        checked_at_unix: progress::now_unix(),
    };
    let mut all = load_progress(root);
    println!("\nProgress: {}.", record.line());
    let done = record.done();
    all.lessons.insert(lesson.id(), record);
    if let Err(e) = progress::save(&file, &all) {
        eprintln!("(could not record progress in {}: {e})", file.display());
    }
    if done {
        for line in wrap(&done_line(lesson, &lessons, &all, root), 92) {
            println!("{line}");
        }
    } else {
        println!(
            "Next: edit {} and run cargo lesson check {id} again. Stuck? cargo lesson hint {id}",
            rel(root, &lesson.exercise_dir().join("src/lib.rs")),
            id = lesson.id()
        );
    }
    Ok(done)
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

/// `text` cut into lines of at most `width` characters, at spaces.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `cargo lesson hint NN --level K`.
fn hint(root: &Path, wanted: &str, level: u32) -> Result<bool> {
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

/// `cargo lesson predict NN [--answer ID=VALUE]… [--show]`.
fn predict(root: &Path, wanted: &str, flags: &[String], show: bool) -> Result<bool> {
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
    let previous = all
        .lessons
        .get(&id)
        .map(|a| a.answers.clone())
        .unwrap_or_default();
    let interactive = flags.is_empty() && std::io::stdin().is_terminal();
    if interactive {
        println!(
            "Lesson {id} ({}): {} questions about the standard run{about}.",
            lesson.topic,
            data.predict.len()
        );
        println!("Answer with a number; Enter keeps the answer in brackets, or skips.\n");
    }
    let answers = predict::gather(
        flags,
        &data,
        &id,
        &previous,
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
    match last_run {
        Some(run) => {
            println!("Against your last cargo lesson run {id}:");
            for line in predict::report(&data, all.lessons.get(&id), Some(&run), &id) {
                println!("{line}");
            }
        }
        None => println!("Now measure them: cargo lesson run {id}"),
    }
    Ok(true)
}

/// The lesson's last `cargo lesson run`, if it ran the plan `lesson.toml` has now.
fn last_run(root: &Path, lesson: &Lesson, data: &LessonData) -> Option<RunRecord> {
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

/// `cargo lesson run NN`.
fn run(root: &Path, wanted: &str, timeout: Duration) -> Result<bool> {
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
    let file = measure::path(&course::target_dir(root));
    let loaded = measure::load(&file);
    if let Some(note) = loaded.note {
        eprintln!("cargo lesson: {note}");
    }
    let mut runs = loaded.value;
    runs.lessons.insert(id.clone(), record.clone());
    if let Err(e) = measure::save(&file, &runs) {
        eprintln!("(could not remember this run in {}: {e})", file.display());
    }
    if !data.predict.is_empty() {
        let loaded = predict::load(&predict::path(&course::target_dir(root)));
        if let Some(note) = loaded.note {
            eprintln!("cargo lesson: {note}");
        }
        match loaded.value.lessons.get(&id) {
            Some(answers) => {
                println!("\nYour predictions against the measurements:");
                for line in predict::report(&data, Some(answers), Some(&record), &id) {
                    println!("{line}");
                }
            }
            None => println!(
                "\nPredict before you measure: cargo lesson predict {id} asks about this run."
            ),
        }
    }
    if let Side::NotMeasured(_) = record.yours {
        println!(
            "\nYour exercise was not measured: finish it (cargo lesson check {id}), then run this again."
        );
        return Ok(false);
    }
    Ok(true)
}

/// `cargo lesson verify [LESSON…]`.
fn verify(root: &Path, only: &[String], timeout: Duration) -> Result<bool> {
    let started = Instant::now();
    let members = course::workspace_members(root)?;
    let all = lessons(root)?;
    let mut wanted: BTreeSet<u32> = BTreeSet::new();
    for name in only {
        wanted.insert(course::find(&all, name)?.number);
    }
    let (lessons, not_members): (Vec<Lesson>, Vec<Lesson>) = all
        .into_iter()
        .filter(|l| wanted.is_empty() || wanted.contains(&l.number))
        .filter(Lesson::has_exercise)
        .partition(|l| {
            course::is_member(root, &members, &l.exercise_dir())
                && course::is_member(root, &members, &l.solution_dir())
        });
    let packages: Vec<String> = lessons
        .iter()
        .flat_map(|l| [l.exercise_package(), l.solution_package()])
        .collect();
    println!(
        "verify: building {} lessons' exercises and solutions in one cargo call…",
        lessons.len()
    );
    // With no package named, cargo would build the default members instead: skip the call.
    let exes = if packages.is_empty() {
        Vec::new()
    } else {
        runner::build(root, &packages, true)?
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut tally = |name: &str, what: String, problems: Vec<String>| {
        if problems.is_empty() {
            passed += 1;
            println!("  ✓ {name:<20} {what}");
        } else {
            failed += 1;
            println!("  ✗ {name:<20} {what}");
            for p in problems {
                println!("      {p}");
            }
        }
    };
    for l in &not_members {
        tally(
            &l.name(),
            "exercise and solution are workspace members".into(),
            vec![format!(
                "add {} and {} to `members` in Cargo.toml",
                rel(root, &l.exercise_dir()),
                rel(root, &l.solution_dir())
            )],
        );
    }
    for l in &lessons {
        let of = |pkg: String| -> Vec<TestExe> {
            exes.iter().filter(|e| e.package == pkg).cloned().collect()
        };
        // 1. The untouched stub fails exactly the expected checks, and passes the others.
        let stub = runner::run_all(&of(l.exercise_package()), timeout, |_, _| {})?;
        let stub_tests: BTreeSet<String> = stub.iter().map(|(n, _)| n.clone()).collect();
        let expected_file = l.expected_failures_file();
        let (expected, mut problems) = match std::fs::read_to_string(&expected_file) {
            Ok(text) => {
                let expected = expected::parse(&text);
                let problems =
                    expected::compare(&stub_tests, &runner::failed_names(&stub), &expected);
                (expected, problems)
            }
            Err(e) => (
                BTreeSet::new(),
                vec![format!(
                    "cannot read {}: {e}; list the checks the stub must fail there",
                    rel(root, &expected_file)
                )],
            ),
        };
        problems.extend(stub.iter().filter_map(|(n, s)| match s {
            Status::TimedOut(_) => {
                Some(format!("{n} timed out on the stub: a stub must fail fast"))
            }
            _ => None,
        }));
        tally(
            &l.name(),
            format!("stub fails exactly its {} expected checks", expected.len()),
            problems,
        );
        // 2. The solution passes every check, and has the same checks as the exercise.
        let sol = runner::run_all(&of(l.solution_package()), timeout, |_, _| {})?;
        let sol_tests: BTreeSet<String> = sol.iter().map(|(n, _)| n.clone()).collect();
        let mut problems: Vec<String> = sol
            .iter()
            .filter(|(_, s)| !s.passed())
            .map(|(n, s)| match s {
                Status::TimedOut(t) => format!("{n} timed out after {} s", t.as_secs()),
                Status::Failed(msg) => format!("{n} failed: {}", msg.replace('\n', " / ")),
                Status::Passed => unreachable!("filtered out"),
            })
            .collect();
        if sol_tests != stub_tests {
            problems.push("the solution and the exercise do not have the same checks".into());
        }
        if sol.is_empty() {
            problems.push("the solution has no checks".into());
        }
        tally(
            &l.name(),
            format!(
                "solution passes {} of {} checks",
                sol.iter().filter(|(_, s)| s.passed()).count(),
                sol.len()
            ),
            problems,
        );
    }
    // Every known-wrong solution (lessonNN-wrong) fails the check that names its mistake.
    for v in crate::wrong::verify(root, &lessons, timeout)? {
        tally(&v.lesson, v.what, v.problems);
    }
    // 3. The solutions are clippy-clean: one cargo call for all of them (one feature
    // resolution, one build of the dependencies); only if it fails, one call per lesson to
    // say which.
    let solutions: Vec<String> = lessons.iter().map(Lesson::solution_package).collect();
    if !solutions.is_empty() {
        if clippy(root, &solutions)? {
            tally("all solutions", "clippy-clean".into(), Vec::new());
        } else {
            for l in &lessons {
                let pkg = l.solution_package();
                let problems = if clippy(root, std::slice::from_ref(&pkg))? {
                    Vec::new()
                } else {
                    vec![format!(
                        "cargo clippy -p {pkg} --all-targets -- -D warnings reported problems (above)"
                    )]
                };
                tally(&l.name(), "solution is clippy-clean".into(), problems);
            }
        }
    }
    println!("took {} s", started.elapsed().as_secs());
    println!("verify: {passed} passed, {failed} failed");
    Ok(failed == 0)
}

/// `cargo clippy -p P… --all-targets -- -D warnings`; diagnostics go to the terminal. Whether
/// it was clean.
fn clippy(root: &Path, packages: &[String]) -> Result<bool> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["clippy", "--quiet", "--locked", "--all-targets"]);
    for p in packages {
        cmd.args(["-p", p]);
    }
    let status = cmd
        .args(["--", "-D", "warnings"])
        .stdin(Stdio::null())
        .status()
        .map_err(|e| {
            Error::new(format!(
                "cannot run cargo clippy: {e}; install it with rustup component add clippy"
            ))
        })?;
    Ok(status.success())
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

    #[test]
    fn long_messages_wrap_at_spaces() {
        let lines = wrap("one two three four five", 9);
        assert_eq!(lines, ["one two", "three", "four five"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn clap_errors_are_one_line() {
        let err = Cli::try_parse_from(["cargo lesson", "check"]).unwrap_err();
        let line = first_line_of_clap_error(&err.render().to_string());
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.contains("<LESSON>"), "{line}");
        assert!(line.ends_with("(see cargo lesson --help)"), "{line}");
    }

    #[test]
    fn predict_takes_repeated_answers_or_show() {
        let cli = Cli::try_parse_from([
            "cargo lesson",
            "predict",
            "01",
            "--answer",
            "wall=1000",
            "--answer",
            "threads=0",
        ])
        .unwrap();
        let Cmd::Predict {
            lesson,
            answers,
            show,
        } = cli.command
        else {
            panic!("not predict");
        };
        assert_eq!((lesson.as_str(), answers.len(), show), ("01", 2, false));
        assert!(
            Cli::try_parse_from(["cargo lesson", "predict", "01", "--show", "--answer", "a=1"])
                .is_err()
        );
    }
}

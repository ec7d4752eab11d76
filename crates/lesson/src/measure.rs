//! `cargo lesson run NN`: the learner's exercise and greetbench's reference model, each run on
//! the lesson's standard plan (`[run]` in `lesson.toml`) and measured by the same code
//! (`lesson-measure`), then set side by side and remembered in `target/lesson-runs.json`.
//!
//! - The learner's side is the exercise's `#[ignore]`d `lesson_run` test (the lesson's
//!   `run.rs`), run alone: `--ignored --exact lesson_run --show-output`, with the plan in
//!   `LESSON_RUN_PLAN`, killed at the timeout. It prints one measurement line.
//! - The reference side is the `lesson-reference` binary, built on demand (so that listing
//!   lessons never builds greetbench), given the model's name and the same plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lesson_measure::{Measurement, PLAN_ENV, RunPlan};
use serde::{Deserialize, Serialize};

use crate::course::Lesson;
use crate::data::RunSpec;
use crate::runner::{self, Built, Finished};
use crate::store::{self, Loaded};
use crate::{Error, Result};

/// The test every lesson's `run.rs` defines.
pub const RUN_TEST: &str = "lesson_run";

/// The package and binary that measure greetbench's models.
pub const REFERENCE: &str = "lesson-reference";

/// One side of a run: its figures, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// It ran and was measured.
    Measured(Measurement),
    /// It did not run to the end: why, in one line.
    NotMeasured(String),
}

impl Side {
    /// The figures, if measured.
    pub fn measurement(&self) -> Option<&Measurement> {
        match self {
            Side::Measured(m) => Some(m),
            Side::NotMeasured(_) => None,
        }
    }
}

/// The last `cargo lesson run NN` of one lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The plan both sides ran.
    pub plan: RunPlan,
    /// greetbench's model on the reference side, if the lesson names one.
    pub reference_model: Option<String>,
    /// The learner's exercise.
    pub yours: Side,
    /// The reference model, if the lesson names one.
    pub reference: Option<Side>,
    /// When, in seconds since the Unix epoch.
    pub measured_at_unix: u64,
}

/// Every lesson's last run, by two-digit lesson id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runs {
    /// `"03"` → its last run.
    pub lessons: BTreeMap<String, RunRecord>,
}

/// Where the runs are remembered.
pub fn path(target_dir: &Path) -> PathBuf {
    target_dir.join("lesson-runs.json")
}

/// Reads the remembered runs; a corrupt file is moved aside and reported in the note.
pub fn load(file: &Path) -> Loaded<Runs> {
    store::load(file)
}

/// Writes the remembered runs.
pub fn save(file: &Path, runs: &Runs) -> Result<(), store::SaveError> {
    store::save(file, runs)
}

/// Builds the lesson's exercise and runs its `lesson_run` test on `plan`, killed after
/// `timeout`. Code that does not compile, a `todo!()`, a panic or a hang is a
/// [`Side::NotMeasured`] saying so; only a checker or cargo failure is an error.
pub fn measure_yours(
    root: &Path,
    lesson: &Lesson,
    plan: &RunPlan,
    timeout: Duration,
    hang: Option<&str>,
) -> Result<Side> {
    let package = lesson.exercise_package();
    let exes = match runner::build_or_report(root, std::slice::from_ref(&package), false)? {
        Built::Exes(exes) => exes,
        Built::DidNotCompile => {
            return Ok(Side::NotMeasured(format!(
                "{package} does not compile: fix the errors shown above"
            )));
        }
    };
    let mut found = None;
    for exe in exes.iter().filter(|e| e.package == package) {
        if runner::list_ignored(exe)?.iter().any(|n| n == RUN_TEST) {
            found = Some(exe);
            break;
        }
    }
    let Some(exe) = found else {
        return Err(Error::new(format!(
            "{package} has no {RUN_TEST} test: is {} intact, and included by its tests/run.rs?",
            lesson.dir.join("run.rs").display()
        )));
    };
    let mut cmd = Command::new(&exe.path);
    cmd.current_dir(&exe.package_dir)
        .args(["--ignored", "--exact", RUN_TEST, "--show-output"])
        .args(["--test-threads", "1"])
        .env(PLAN_ENV, plan.to_env_value())
        .env("RUST_BACKTRACE", "0");
    let finished = runner::run_with_timeout(cmd, timeout)?;
    Ok(interpret_test(&finished, timeout, hang, &lesson.id()))
}

/// What a finished `lesson_run` test says: its measurement line, or why it has none.
pub fn interpret_test(
    finished: &Finished,
    timeout: Duration,
    hang: Option<&str>,
    lesson_id: &str,
) -> Side {
    if finished.timed_out {
        let why = hang.map_or(String::new(), |h| format!(" {h}"));
        return Side::NotMeasured(format!(
            "it did not finish within {} s and was killed (cargo lesson run {lesson_id} \
             --timeout S to wait longer).{why}",
            timeout.as_secs()
        ));
    }
    match (finished.success, Measurement::find_in(&finished.stdout)) {
        (true, Some(Ok(m))) => Side::Measured(m),
        (_, Some(Err(e))) => Side::NotMeasured(e.to_string()),
        (true, None) => Side::NotMeasured(format!(
            "its {RUN_TEST} test printed no measurement: is run.rs intact?"
        )),
        (false, _) => Side::NotMeasured(
            runner::failure_message(&finished.stdout, RUN_TEST).replace('\n', " "),
        ),
    }
}

/// Builds `lesson-reference` and measures greetbench's `model` on `plan`, killed after
/// `timeout`. A reference that cannot run is a [`Side::NotMeasured`] saying why, so the
/// learner's figures still show.
pub fn measure_reference(
    root: &Path,
    model: &str,
    plan: &RunPlan,
    timeout: Duration,
) -> Result<Side> {
    let exe = match runner::build_bin(root, REFERENCE, REFERENCE) {
        Ok(exe) => exe,
        Err(e) => return Ok(Side::NotMeasured(e.to_string())),
    };
    let mut cmd = Command::new(exe);
    cmd.current_dir(root)
        .arg(model)
        .env(PLAN_ENV, plan.to_env_value());
    let finished = runner::run_with_timeout(cmd, timeout)?;
    Ok(interpret_reference(&finished, timeout))
}

/// What a finished `lesson-reference` says.
pub fn interpret_reference(finished: &Finished, timeout: Duration) -> Side {
    if finished.timed_out {
        return Side::NotMeasured(format!(
            "the reference did not finish within {} s and was killed",
            timeout.as_secs()
        ));
    }
    match Measurement::find_in(&finished.stdout) {
        Some(Ok(m)) if finished.success => Side::Measured(m),
        Some(Err(e)) => Side::NotMeasured(e.to_string()),
        _ => Side::NotMeasured(
            finished
                .stdout
                .lines()
                .find(|l| l.starts_with("lesson-reference: "))
                .unwrap_or("the reference failed without a message")
                .to_owned(),
        ),
    }
}

/// The side-by-side table of a run: wall time, wall time over the floor, CPU time (user +
/// system), ok results, peak in flight and threads, one row per side; then the floor's
/// formula, any lost results, and a note when the learner's code burned much more CPU than the
/// reference for the same greets.
pub fn table(spec: &RunSpec, record: &RunRecord) -> Vec<String> {
    let floor = spec.plan().floor(spec.waits);
    let mut rows = vec![("yours".to_owned(), Some(&record.yours))];
    if let Some(model) = &record.reference_model {
        rows.push((format!("greetbench {model}"), record.reference.as_ref()));
    }
    let w = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!(
        "  {:<w$} {:>9} {:>8} {:>14} {:>9} {:>10} {:>13}",
        "", "wall", "÷ floor", "cpu usr + sys", "ok", "in flight", "threads"
    )];
    let mut notes = Vec::new();
    for (label, side) in rows {
        match side {
            Some(Side::Measured(m)) => {
                let ratio = if floor.is_zero() {
                    "–".to_owned()
                } else {
                    format!("{:.2}×", m.wall().as_secs_f64() / floor.as_secs_f64())
                };
                let threads = match (m.peak_threads, m.threads_added()) {
                    (Some(peak), Some(added)) => format!("{peak} (+{added})"),
                    _ => "n/a".to_owned(),
                };
                let cpu = match (m.cpu_user_us, m.cpu_sys_us) {
                    (Some(u), Some(s)) => format!("{} + {} ms", u / 1000, s / 1000),
                    _ => "n/a".to_owned(),
                };
                lines.push(format!(
                    "  {label:<w$} {:>9} {ratio:>8} {cpu:>14} {:>9} {:>10} {threads:>13}",
                    format!("{} ms", crate::predict::number(m.wall_ms())),
                    format!("{}/{}", m.ok, m.jobs),
                    m.peak_in_flight,
                ));
                if m.results != m.jobs {
                    notes.push(format!(
                        "{label} returned {} results for {} greets: every greet needs exactly one",
                        m.results, m.jobs
                    ));
                }
            }
            Some(Side::NotMeasured(why)) => {
                let text = format!("not measured: {why}");
                for (i, part) in crate::cli::wrap(&text, 90).into_iter().enumerate() {
                    let label = if i == 0 { label.as_str() } else { "" };
                    lines.push(format!("  {label:<w$} {part}"));
                }
            }
            None => lines.push(format!("  {label:<w$} not measured")),
        }
    }
    lines.push(format!(
        "  floor = {} = {} ms here: {}",
        spec.floor_formula(),
        floor.as_millis(),
        spec.waits.meaning()
    ));
    lines.push(
        "  cpu: the CPU time your code (or the model) used, the greet server's left out; \
         waiting costs none."
            .to_owned(),
    );
    if let Some(note) = cpu_note(record) {
        notes.push(note);
    }
    for note in notes {
        lines.extend(
            crate::cli::wrap(&note, 92)
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    lines
}

/// How much more CPU than the reference the learner's code may use before the table says so:
/// at least this many times as much...
pub const CPU_RATIO: f64 = 3.0;
/// ...and at least this much more (five of `/proc`'s 10 ms ticks), so that a few ticks of noise
/// on a run that hardly computes never count.
pub const CPU_MARGIN_MS: f64 = 50.0;

/// A note when the learner's code burned much more CPU than the reference for the same greets:
/// something computed, spun or polled while it should have waited.
pub fn cpu_note(record: &RunRecord) -> Option<String> {
    let yours = record.yours.measurement()?.cpu_ms()?;
    let model = record.reference_model.as_deref()?;
    let theirs = record.reference.as_ref()?.measurement()?.cpu_ms()?;
    if yours < theirs * CPU_RATIO || yours - theirs < CPU_MARGIN_MS {
        return None;
    }
    let how_much = if theirs > 0.0 {
        format!(
            "{:.1}× what greetbench's {model} model used ({theirs:.0} ms)",
            yours / theirs
        )
    } else {
        format!("where greetbench's {model} model used {theirs:.0} ms")
    };
    Some(format!(
        "yours used {yours:.0} ms of CPU for the same greets, {how_much}: something in it \
         works while it should wait. A thread that spins on an empty queue (try_recv in a \
         loop) or on a task's handle, or polls often instead of blocking, shows up here."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> RunSpec {
        crate::data::parse(
            "[run]\ncount = 100\nhosts = 8\nlatency_ms = 50\nworkers = 8\nwaits = \"workers\"\nreference = \"thread-pool\"\n",
            "lesson.toml",
        )
        .unwrap()
        .run
        .unwrap()
    }

    fn m(wall_ms: u64, results: usize) -> Measurement {
        Measurement {
            jobs: 100,
            results,
            ok: results,
            wall_us: wall_ms * 1000,
            served: 100,
            peak_in_flight: 8,
            threads_before: Some(4),
            peak_threads: Some(12),
            cpu_user_us: Some(20_000),
            cpu_sys_us: Some(10_000),
        }
    }

    fn finished(success: bool, stdout: &str) -> Finished {
        Finished {
            success,
            timed_out: false,
            stdout: stdout.to_owned(),
        }
    }

    #[test]
    fn a_passing_run_test_yields_its_line() {
        let out = format!(
            "\nrunning 1 test\ntest lesson_run ... ok\n\nsuccesses:\n\n---- lesson_run stdout ----\n{}\n",
            m(662, 100).to_line()
        );
        assert_eq!(
            interpret_test(&finished(true, &out), Duration::from_secs(60), None, "03"),
            Side::Measured(m(662, 100))
        );
    }

    #[test]
    fn a_todo_a_hang_or_silence_is_named() {
        let todo = "---- lesson_run stdout ----\n\nthread 'lesson_run' (7) panicked at lessons/03-thread-queue/lesson03-exercise/src/lib.rs:40:5:\nnot yet implemented: pool_greet\n\nfailures:\n";
        let Side::NotMeasured(why) =
            interpret_test(&finished(false, todo), Duration::from_secs(60), None, "03")
        else {
            panic!("a todo!() is not a measurement");
        };
        assert!(why.contains("not yet implemented: pool_greet"), "{why}");
        assert_eq!(why.lines().count(), 1, "{why}");
        let hung = Finished {
            success: false,
            timed_out: true,
            stdout: String::new(),
        };
        let Side::NotMeasured(why) = interpret_test(
            &hung,
            Duration::from_secs(60),
            Some("Is a sender alive?"),
            "03",
        ) else {
            panic!("a hang is not a measurement");
        };
        assert!(why.contains("within 60 s"), "{why}");
        assert!(why.contains("--timeout"), "{why}");
        assert!(why.ends_with("Is a sender alive?"), "{why}");
        assert!(matches!(
            interpret_test(&finished(true, "ok\n"), Duration::from_secs(1), None, "03"),
            Side::NotMeasured(w) if w.contains("no measurement")
        ));
    }

    #[test]
    fn the_reference_side_reads_the_same_line() {
        let line = m(671, 100).to_line();
        assert_eq!(
            interpret_reference(&finished(true, &line), Duration::from_secs(60)),
            Side::Measured(m(671, 100))
        );
        let failed = finished(
            false,
            "lesson-reference: unknown model 'x': use one of a, b\n",
        );
        assert_eq!(
            interpret_reference(&failed, Duration::from_secs(60)),
            Side::NotMeasured("lesson-reference: unknown model 'x': use one of a, b".into())
        );
    }

    #[test]
    fn the_table_sets_both_sides_against_the_floor() {
        let record = RunRecord {
            plan: spec().plan(),
            reference_model: Some("thread-pool".into()),
            yours: Side::Measured(m(650, 99)),
            reference: Some(Side::NotMeasured("did not build".into())),
            measured_at_unix: 1,
        };
        let lines = table(&spec(), &record);
        let yours = lines.iter().find(|l| l.contains("yours")).unwrap();
        for figure in ["650 ms", "1.00×", "20 + 10 ms", "99/100", "12 (+8)"] {
            assert!(yours.contains(figure), "{figure} in {yours}");
        }
        assert!(
            lines.iter().any(|l| l.contains("greetbench thread-pool")
                && l.contains("not measured: did not build"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("floor = ⌈N / K⌉ × L = 650 ms here"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("returned 99 results for 100 greets"))
        );
    }

    #[test]
    fn much_more_cpu_than_the_reference_is_named() {
        let with_cpu = |user_ms: u64| {
            Side::Measured(Measurement {
                cpu_user_us: Some(user_ms * 1000),
                cpu_sys_us: Some(0),
                ..m(650, 100)
            })
        };
        let record = |yours: u64, theirs: u64| RunRecord {
            plan: spec().plan(),
            reference_model: Some("thread-pool".into()),
            yours: with_cpu(yours),
            reference: Some(with_cpu(theirs)),
            measured_at_unix: 1,
        };
        // A spinning pool: ten times the model's CPU, far past the noise.
        let note = cpu_note(&record(300, 30)).expect("300 ms against 30 ms is named");
        assert!(note.contains("300 ms of CPU"), "{note}");
        assert!(
            note.contains("10.0× what greetbench's thread-pool model used (30 ms)"),
            "{note}"
        );
        assert!(
            table(&spec(), &record(300, 30))
                .join(" ")
                .contains("spins on an empty queue")
        );
        assert_eq!(
            cpu_note(&record(60, 30)),
            None,
            "twice as much is not much more"
        );
        assert_eq!(
            cpu_note(&record(40, 0)),
            None,
            "40 ms is within a few ticks"
        );
        assert!(cpu_note(&record(80, 0)).is_some(), "80 ms against none is");
        let unmeasured = RunRecord {
            reference: Some(Side::NotMeasured("x".into())),
            ..record(300, 30)
        };
        assert_eq!(cpu_note(&unmeasured), None);
    }

    #[test]
    fn runs_round_trip_through_their_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = path(tmp.path());
        let mut runs = Runs::default();
        runs.lessons.insert(
            "03".into(),
            RunRecord {
                plan: spec().plan(),
                reference_model: None,
                yours: Side::Measured(m(700, 100)),
                reference: None,
                measured_at_unix: 3,
            },
        );
        save(&file, &runs).unwrap();
        assert_eq!(load(&file).value, runs);
    }
}

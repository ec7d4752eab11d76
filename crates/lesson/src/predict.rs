//! `cargo lesson predict NN`: the learner's numeric answers to a lesson's predict questions
//! (`[[predict]]` in its `lesson.toml`), kept in `target/lesson-predictions.json` (never in the
//! learner's files), and shown beside what `cargo lesson run NN` measured.
//!
//! Answers come from `--answer ID=VALUE` flags (scripts, tests) or, in a terminal, from one
//! prompt per question ([`ask`]).

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::{LessonData, Of};
use crate::measure::RunRecord;
use crate::store::{self, Loaded};
use crate::{Error, Result};

/// Every lesson's answers, by two-digit lesson id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    /// `"03"` → its answers.
    pub lessons: BTreeMap<String, Answers>,
}

/// One lesson's answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Question id → the predicted value, in the question's unit.
    pub answers: BTreeMap<String, f64>,
    /// When they were last changed, in seconds since the Unix epoch.
    pub answered_at_unix: u64,
}

/// Where the predictions live.
pub fn path(target_dir: &Path) -> PathBuf {
    target_dir.join("lesson-predictions.json")
}

/// Reads the predictions; a corrupt file is moved aside and reported in the note.
pub fn load(file: &Path) -> Loaded<Predictions> {
    store::load(file)
}

/// Writes the predictions.
pub fn save(file: &Path, predictions: &Predictions) -> Result<(), store::SaveError> {
    store::save(file, predictions)
}

/// A number as the learner typed it, with the unit allowed after it (`650`, `650 ms`,
/// `650ms`). Only finite values of zero or more.
pub fn parse_value(text: &str, unit: &str) -> Option<f64> {
    let text = text.trim();
    let number = text.strip_suffix(unit).unwrap_or(text).trim();
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Parses `--answer ID=VALUE` flags against the lesson's questions.
pub fn parse_answers(
    flags: &[String],
    data: &LessonData,
    lesson_id: &str,
) -> Result<BTreeMap<String, f64>> {
    let ids = || {
        data.predict
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut answers = BTreeMap::new();
    for flag in flags {
        let Some((id, value)) = flag.split_once('=') else {
            return Err(Error::new(format!(
                "--answer {flag:?} needs the form ID=VALUE, e.g. --answer {}=100 (ids: {})",
                data.predict.first().map_or("wall", |p| p.id.as_str()),
                ids()
            )));
        };
        let Some(question) = data.predict.iter().find(|p| p.id == id.trim()) else {
            return Err(Error::new(format!(
                "lesson {lesson_id} has no question {:?}: use one of {} (see cargo lesson predict {lesson_id} --show)",
                id.trim(),
                ids()
            )));
        };
        let Some(v) = parse_value(value, &question.unit) else {
            return Err(Error::new(format!(
                "--answer {flag:?}: the value must be a number of {} (0 or more)",
                question.unit
            )));
        };
        answers.insert(question.id.clone(), v);
    }
    Ok(answers)
}

/// The learner's answers for this call: the previous ones updated from `--answer` flags if
/// there are any; else asked on `output` if `interactive` (stdin is a terminal); else an error
/// naming the flag to use.
pub fn gather(
    flags: &[String],
    data: &LessonData,
    lesson_id: &str,
    previous: &BTreeMap<String, f64>,
    interactive: bool,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> Result<BTreeMap<String, f64>> {
    if !flags.is_empty() {
        let mut answers = previous.clone();
        answers.extend(parse_answers(flags, data, lesson_id)?);
        return Ok(answers);
    }
    if !interactive {
        let ids: Vec<&str> = data.predict.iter().map(|p| p.id.as_str()).collect();
        return Err(Error::new(format!(
            "stdin is not a terminal, so there is no one to ask: give the answers as --answer ID=VALUE \
             (lesson {lesson_id}: {}), or run cargo lesson predict {lesson_id} in a terminal",
            ids.join(", ")
        )));
    }
    ask(data, previous, input, output)
        .map_err(|e| Error::new(format!("cannot read your answers: {e}")))
}

/// Asks each question on `output` and reads the answers from `input`, one line each. Enter
/// keeps the previous answer (or leaves it unanswered); a value that is not a number is asked
/// again, at most three times. End of input stops the questions. Returns the answers given or
/// kept.
pub fn ask(
    data: &LessonData,
    previous: &BTreeMap<String, f64>,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> std::io::Result<BTreeMap<String, f64>> {
    let mut answers = previous.clone();
    'questions: for p in &data.predict {
        let before = previous
            .get(&p.id)
            .map_or(String::new(), |v| format!(" [{}]", number(*v)));
        for _attempt in 0..3 {
            write!(
                output,
                "  [{}] {} ({}){before}: ",
                p.id,
                data.question(p),
                p.unit
            )?;
            output.flush()?;
            let mut line = String::new();
            if input.read_line(&mut line)? == 0 {
                writeln!(output)?;
                break 'questions;
            }
            if line.trim().is_empty() {
                continue 'questions;
            }
            match parse_value(&line, &p.unit) {
                Some(v) => {
                    answers.insert(p.id.clone(), v);
                    continue 'questions;
                }
                None => writeln!(
                    output,
                    "      a number of {} please (0 or more), or Enter to skip",
                    p.unit
                )?,
            }
        }
    }
    Ok(answers)
}

/// A number for people: whole numbers without decimals, small ones with one.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// How far the measurement is from the prediction, in words.
pub fn verdict(predicted: f64, measured: f64) -> String {
    if predicted == measured {
        return "exactly right".into();
    }
    if predicted == 0.0 {
        return "you predicted 0".into();
    }
    let ratio = measured / predicted;
    if (0.9..=1.1).contains(&ratio) {
        "within 10%".into()
    } else if ratio > 1.0 {
        format!("{ratio:.1}× your prediction")
    } else {
        format!("{:.0}% of your prediction", ratio * 100.0)
    }
}

/// Each question with the learner's answer and, when `run` has it, the measured figure and a
/// verdict: the lines `cargo lesson run` and `cargo lesson predict --show` print.
pub fn report(
    data: &LessonData,
    answers: Option<&Answers>,
    run: Option<&RunRecord>,
    lesson_id: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &data.predict {
        lines.push(format!("  [{}] {}", p.id, data.question(p)));
        let predicted = answers.and_then(|a| a.answers.get(&p.id)).copied();
        let side = run.and_then(|r| match p.of {
            Of::Yours => Some(&r.yours),
            Of::Reference => r.reference.as_ref(),
        });
        let whose = match (p.of, run.and_then(|r| r.reference_model.as_deref())) {
            (Of::Yours, _) => "yours".to_owned(),
            (Of::Reference, Some(model)) => format!("greetbench {model}"),
            (Of::Reference, None) => "the reference".to_owned(),
        };
        let measured = match side {
            None => Err(format!("not measured yet: cargo lesson run {lesson_id}")),
            Some(side) => match side.measurement() {
                None => {
                    // The reference's figure, when it has one, is the nearest thing to compare.
                    let stand_in = run
                        .filter(|_| p.of == Of::Yours)
                        .and_then(|r| Some((r.reference_model.as_deref()?, r.reference.as_ref()?)))
                        .and_then(|(model, side)| Some((model, p.figure.of(side.measurement()?)?)))
                        .map_or(String::new(), |(model, v)| {
                            format!(" (greetbench {model}: {} {})", number(v), p.unit)
                        });
                    Err(format!("{whose} not measured at the last run{stand_in}"))
                }
                Some(m) => p
                    .figure
                    .of(m)
                    .ok_or_else(|| "not measurable here (no /proc)".to_owned()),
            },
        };
        let said = predicted.map_or("no prediction".to_owned(), |v| {
            format!("predicted {} {}", number(v), p.unit)
        });
        let line = match (predicted, measured) {
            (Some(v), Ok(m)) => format!(
                "{said}, measured {} {} ({whose}): {}",
                number(m),
                p.unit,
                verdict(v, m)
            ),
            (None, Ok(m)) => format!("{said}; measured {} {} ({whose})", number(m), p.unit),
            (_, Err(why)) => format!("{said}; {why}"),
        };
        lines.push(format!("        {line}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use lesson_measure::{Measurement, RunPlan};

    use super::*;
    use crate::measure::Side;

    fn data() -> LessonData {
        crate::data::parse(
            r#"
[run]
count = 20
hosts = 8
latency_ms = 50
waits = "one"
reference = "sequential"

[[predict]]
id = "wall"
question = "{count} greets at {latency_ms} ms: how long?"
unit = "ms"
figure = "wall_ms"

[[predict]]
id = "in-flight"
question = "How many at once?"
unit = "greets"
figure = "peak_in_flight"

[[predict]]
id = "ref-wall"
question = "And the model?"
unit = "ms"
figure = "wall_ms"
of = "reference"
"#,
            "lesson.toml",
        )
        .unwrap()
    }

    fn measured(wall_ms: u64, peak: u64) -> Side {
        Side::Measured(Measurement {
            jobs: 20,
            results: 20,
            ok: 20,
            wall_us: wall_ms * 1000,
            served: 20,
            peak_in_flight: peak,
            threads_before: Some(2),
            peak_threads: Some(3),
            cpu_user_us: None,
            cpu_sys_us: None,
        })
    }

    #[test]
    fn answers_round_trip_through_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = path(&tmp.path().join("target"));
        assert_eq!(load(&file).value, Predictions::default());
        let flags = ["wall=1000".to_owned(), "in-flight = 1 greets".to_owned()];
        let answers = parse_answers(&flags, &data(), "01").unwrap();
        let mut p = Predictions::default();
        p.lessons.insert(
            "01".into(),
            Answers {
                answers,
                answered_at_unix: 5,
            },
        );
        save(&file, &p).unwrap();
        let back = load(&file);
        assert_eq!(back.note, None);
        assert_eq!(back.value, p);
        assert_eq!(back.value.lessons["01"].answers["wall"], 1000.0);
        assert_eq!(back.value.lessons["01"].answers["in-flight"], 1.0);
    }

    #[test]
    fn bad_answers_name_the_fix() {
        let err = |flag: &str| {
            parse_answers(&[flag.to_owned()], &data(), "01")
                .unwrap_err()
                .to_string()
        };
        assert!(err("wall").contains("ID=VALUE"));
        let unknown = err("walls=3");
        assert!(unknown.contains("wall, in-flight, ref-wall"), "{unknown}");
        assert!(err("wall=-1").contains("0 or more"));
        assert!(err("wall=fast").contains("a number of ms"));
        assert!(err("wall=NaN").contains("a number"));
        assert_eq!(parse_value("650ms", "ms"), Some(650.0));
        assert_eq!(parse_value(" 2.5 ", "ms"), Some(2.5));
    }

    #[test]
    fn asking_reads_one_line_per_question_and_keeps_what_was_there() {
        let previous = BTreeMap::from([("in-flight".to_owned(), 4.0)]);
        // wall: a typo, then 1000; in-flight: Enter keeps 4; then the input ends.
        let mut input = "a lot\n1000\n\n".as_bytes();
        let mut output = Vec::new();
        let answers = ask(&data(), &previous, &mut input, &mut output).unwrap();
        assert_eq!(
            answers,
            BTreeMap::from([("wall".to_owned(), 1000.0), ("in-flight".to_owned(), 4.0)])
        );
        let shown = String::from_utf8(output).unwrap();
        assert!(
            shown.contains("[wall] 20 greets at 50 ms: how long? (ms): "),
            "{shown}"
        );
        assert!(shown.contains("a number of ms please"), "{shown}");
        assert!(
            shown.contains("How many at once? (greets) [4]: "),
            "{shown}"
        );
        assert!(
            shown.contains("[ref-wall]"),
            "the third question was asked: {shown}"
        );
    }

    #[test]
    fn the_report_sets_each_prediction_beside_its_measurement() {
        let answers = Answers {
            answers: BTreeMap::from([("wall".to_owned(), 1000.0), ("ref-wall".to_owned(), 500.0)]),
            answered_at_unix: 1,
        };
        let run = RunRecord {
            plan: RunPlan {
                count: 20,
                hosts: 8,
                latency_ms: 50,
                workers: 1,
                timeout_ms: 5_000,
                idle_ms: 0,
            },
            reference_model: Some("sequential".into()),
            yours: measured(1030, 1),
            reference: Some(measured(1010, 1)),
            measured_at_unix: 2,
        };
        let lines = report(&data(), Some(&answers), Some(&run), "01").join("\n");
        assert!(
            lines.contains("predicted 1000 ms, measured 1030 ms (yours): within 10%"),
            "{lines}"
        );
        assert!(
            lines.contains("no prediction; measured 1 greets (yours)"),
            "{lines}"
        );
        assert!(
            lines.contains(
                "predicted 500 ms, measured 1010 ms (greetbench sequential): 2.0× your prediction"
            ),
            "{lines}"
        );
        let none = report(&data(), Some(&answers), None, "01").join("\n");
        assert!(
            none.contains("not measured yet: cargo lesson run 01"),
            "{none}"
        );
        let not_done = RunRecord {
            yours: Side::NotMeasured("todo".into()),
            ..run
        };
        let lines = report(&data(), Some(&answers), Some(&not_done), "01").join("\n");
        assert!(
            lines.contains(
                "predicted 1000 ms; yours not measured at the last run (greetbench sequential: 1010 ms)"
            ),
            "{lines}"
        );
    }

    #[test]
    fn without_a_terminal_or_flags_one_line_names_the_fix() {
        let previous = BTreeMap::new();
        let err = gather(
            &[],
            &data(),
            "01",
            &previous,
            false,
            &mut "".as_bytes(),
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("--answer ID=VALUE"), "{err}");
        assert!(err.contains("wall, in-flight, ref-wall"), "{err}");
        // Flags win over the terminal, and keep the answers they do not name.
        let previous = BTreeMap::from([("in-flight".to_owned(), 1.0)]);
        let got = gather(
            &["wall=900".to_owned()],
            &data(),
            "01",
            &previous,
            true,
            &mut "5\n".as_bytes(),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            got,
            BTreeMap::from([("in-flight".to_owned(), 1.0), ("wall".to_owned(), 900.0)])
        );
    }

    #[test]
    fn verdicts_in_words() {
        assert_eq!(verdict(100.0, 100.0), "exactly right");
        assert_eq!(verdict(100.0, 105.0), "within 10%");
        assert_eq!(verdict(100.0, 250.0), "2.5× your prediction");
        assert_eq!(verdict(100.0, 40.0), "40% of your prediction");
        assert_eq!(verdict(0.0, 3.0), "you predicted 0");
        assert_eq!(number(1000.0), "1000");
        assert_eq!(number(52.34), "52.3");
        assert_eq!(number(662.7), "663");
    }
}

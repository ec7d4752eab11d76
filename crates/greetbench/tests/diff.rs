//! `greetbench diff` and `greetbench report --baseline` as a user meets them: the sample
//! against itself reads no change and exits 0; a copy with one model's I/O 1.5 times as long
//! reads slower on that model's rows only and fails `--fail-over 10%` with exit status 1; the
//! Markdown and JSON list the same rows; bad input ends in one line and exit status 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "../../greetbench-report/tests/support/slowed.rs"]
mod slowed;
use slowed::{sample_path, slowed};

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

/// The model whose I/O is slowed.
const SLOWED: &str = "tokio";

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-cli-diff-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The rows of the terminal output: (model, the rest of the line), under each question.
fn rows(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("NEW / OLD"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  "))
        .map(|l| {
            let l = l.trim();
            let (model, rest) = l.split_once("  ").unwrap();
            (model.to_owned(), rest.to_owned())
        })
        .collect()
}

#[test]
fn the_sample_against_itself_reads_no_change_and_exits_0() {
    let sample = sample_path();
    let out = greetbench(&["diff", s(&sample), s(&sample), "--fail-over", "10%"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = rows(&stdout);
    assert!(rows.len() > 100, "{stdout}");
    for (model, rest) in &rows {
        assert!(rest.ends_with("no change"), "{model}: {rest}");
    }
    assert!(stdout.contains("Same setup"));
    assert!(
        stdout
            .trim_end()
            .ends_with(&format!("{} no change", rows.len())),
        "{stdout}"
    );
}

#[test]
fn one_model_slowed_reads_slower_on_its_rows_only_and_fails_over_10_percent() {
    let dir = temp_dir("slowed");
    let file = dir.join("slowed.json");
    std::fs::write(&file, slowed(SLOWED, 1.5).to_string()).unwrap();
    let sample = sample_path();
    let out = greetbench(&["diff", s(&sample), s(&file), "--fail-over", "10%"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let mut slower = 0;
    for (model, rest) in rows(&stdout) {
        if model == SLOWED && rest.ends_with("slower") {
            slower += 1;
        } else if model == SLOWED {
            assert!(
                rest.ends_with("no change") || rest.contains("inconclusive: one run each"),
                "{model}: {rest}"
            );
        } else {
            assert!(rest.ends_with("no change"), "{model}: {rest}");
        }
    }
    assert!(slower >= 8, "{stdout}");
    assert!(stdout.contains(&format!("{slower} slower")));
    assert!(stdout.contains("--fail-over 10.0 %"));
    // Without --fail-over, a slower row alone does not fail the command.
    let out = greetbench(&["diff", s(&sample), s(&file)]);
    assert_eq!(out.status.code(), Some(0));
    // The Markdown and the JSON list the same rows, with the same words.
    let md = greetbench(&["diff", s(&sample), s(&file), "--markdown"]);
    let json = greetbench(&["diff", s(&sample), s(&file), "--json"]);
    let json: Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    let md = String::from_utf8_lossy(&md.stdout);
    let md_rows: Vec<(String, String)> = md
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let c: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let word = c[5].trim_matches('*').split(':').next().unwrap().to_owned();
            (c[1].to_owned(), word)
        })
        .collect();
    let json_rows: Vec<(String, String)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_owned(),
                r["word"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(md_rows, json_rows);
    assert_eq!(
        json_rows.iter().filter(|(_, w)| w == "slower").count(),
        slower
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Bad input: the exit status, and exactly one line on stderr that contains `needle`.
fn refused(args: &[&str], status: i32, needle: &str) {
    let out = greetbench(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
    let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: want one line, got {err:?}");
    assert!(
        lines[0].contains(needle),
        "{args:?}: {:?} lacks {needle:?}",
        lines[0]
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_line_and_the_documented_status() {
    let dir = temp_dir("bad");
    let sample = sample_path();
    let missing = dir.join("missing.json");
    refused(&["diff", s(&missing), s(&sample)], 2, "does not exist");
    refused(&["diff", s(&sample), s(&dir)], 2, "holds no results.json");
    let not = dir.join("not.json");
    std::fs::write(&not, "[1, 2, 3]").unwrap();
    refused(
        &["diff", s(&not), s(&sample)],
        2,
        "not a greetbench results file",
    );
    refused(&["diff", "/dev/zero", s(&sample)], 2, "not a regular file");
    refused(
        &["diff", s(&sample), s(&sample), "--threshold", "lots"],
        2,
        "give a percentage",
    );
    refused(
        &["diff", s(&sample), s(&sample), "--fail-over", "2000%"],
        2,
        "--fail-over",
    );
    // Two formats: one line naming the fix.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
    let other = if v["format"] == 3 { 2 } else { 3 };
    v["format"] = Value::from(other);
    let file = dir.join("other-format.json");
    std::fs::write(&file, v.to_string()).unwrap();
    refused(
        &["diff", s(&sample), s(&file)],
        2,
        "regenerate the older one",
    );
    refused(
        &[
            "report",
            "--results",
            s(&sample),
            "--out",
            s(&dir),
            "--baseline",
            s(&file),
        ],
        2,
        "regenerate the older one",
    );
    // No row in common: exit 1.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
    v["criterion"] = Value::Array(Vec::new());
    v["sweep"] = Value::Null;
    let empty = dir.join("empty.json");
    std::fs::write(&empty, v.to_string()).unwrap();
    refused(&["diff", s(&sample), s(&empty)], 1, "share no measured row");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn report_against_a_baseline_adds_the_section_and_the_column() {
    let dir = temp_dir("baseline");
    let file = dir.join("slowed.json");
    std::fs::write(&file, slowed(SLOWED, 1.5).to_string()).unwrap();
    let out = dir.join("out");
    let sample = sample_path();
    let run = greetbench(&[
        "report",
        "--results",
        s(&file),
        "--out",
        s(&out),
        "--baseline",
        sample.parent().unwrap().to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let section = page
        .split("<section id=\"baseline\">")
        .nth(1)
        .expect("the section is there")
        .split("</section>")
        .next()
        .unwrap();
    assert!(section.contains("<h2>Against the baseline</h2>"));
    assert!(section.contains(" slower"), "{section}");
    let answer = page.split("<section id=\"answer\">").nth(1).unwrap();
    let answer = answer.split("</section>").next().unwrap();
    assert!(answer.contains("<th class=\"l\">against the baseline</th>"));
    // The section comes right after the answer.
    assert!(page.find("id=\"answer\"").unwrap() < page.find("id=\"baseline\"").unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

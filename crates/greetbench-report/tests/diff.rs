//! `greetbench diff`'s comparison, on the sample the repository ships
//! (`reports/sample/results.json`): a run against itself reads *no change* on every row; a
//! copy with one model's I/O figures 1.5 times as long reads *slower* on that model's I/O rows
//! and nowhere else, and fails `--fail-over 10%`; the Markdown and the JSON list the same rows;
//! and the bad inputs are refused in one line each.

use std::path::{Path, PathBuf};

use greetbench_report::Results;
use greetbench_report::diff::{self, Change, Diff, DiffError, Settings, Unsure, text};
use greetbench_report::view::{Question, View};
use serde_json::Value;

#[path = "support/sample.rs"]
mod support;
use support::{json_rows, markdown_rows, sample_path, slowed};

fn sample() -> Results {
    diff::read(&sample_path()).expect("the sample reads")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-diff-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Results from JSON, as a file would give them.
fn parse(v: Value) -> Results {
    serde_json::from_str(&v.to_string()).expect("still a results file")
}

fn diff_of(old: &Results, new: &Results, settings: Settings) -> Diff {
    Diff::new(&View::new(old), "OLD", &View::new(new), "NEW", settings)
}

/// The model whose I/O the tests slow down.
const SLOWED: &str = "tokio";

/// Whether a question is an I/O one: a greet batch of the sweep, or a criterion io group.
fn is_io(q: &Question) -> bool {
    matches!(
        q,
        Question::Greet { .. }
            | Question::Bench {
                group: greetbench_report::group::Group::Io(_),
                ..
            }
    )
}

#[test]
fn a_run_against_itself_reads_no_change_on_every_row() {
    let r = sample();
    let d = diff_of(
        &r,
        &r,
        Settings {
            fail_over: Some(0.10),
            ..Settings::default()
        },
    );
    assert!(d.rows.len() > 100, "the sample has rows: {}", d.rows.len());
    for row in &d.rows {
        assert_eq!(row.change, Change::NoChange, "{} {}", row.what, row.model);
    }
    assert!(d.only_in_old.is_empty() && d.only_in_new.is_empty());
    assert!(d.setup.is_empty() && d.machines.is_empty());
    assert!(d.changed_picks().next().is_none());
    assert!(d.failed.is_empty());
    assert_eq!(d.summary.line(), format!("{} no change", d.rows.len()));
}

#[test]
fn one_model_slowed_reads_slower_on_its_io_rows_only_and_fails_over_10_percent() {
    let (old, new) = (sample(), parse(slowed(SLOWED, 1.5)));
    let d = diff_of(
        &old,
        &new,
        Settings {
            fail_over: Some(0.10),
            ..Settings::default()
        },
    );
    let mut slower = 0;
    for row in &d.rows {
        let mine = row.row.model == SLOWED && is_io(&row.question);
        match (&row.change, mine) {
            (Change::Worse, true) => {
                // Slower only with an interval wholly past the threshold.
                assert!(row.interval.is_some_and(|i| i.lo > 1.05), "{}", row.what);
                slower += 1;
            }
            // One run on each side: never called either way.
            (Change::Inconclusive(Unsure::NoInterval), true) => {
                assert_eq!((row.old.runs, row.new.runs), (1, 1), "{}", row.what);
            }
            (Change::NoChange, false) => {}
            (c, _) => panic!("{} {}: {c:?} ({})", row.what, row.model, row.ratio_words()),
        }
    }
    assert!(
        slower >= 8,
        "only {slower} of {SLOWED}'s I/O rows read slower"
    );
    assert_eq!(d.summary.slower, slower);
    assert!(!d.failed.is_empty(), "--fail-over 10% fails");
    for &i in &d.failed {
        assert_eq!(d.rows[i].row.model, SLOWED);
    }
    // A slowdown of 5 % is under the threshold: no row reads slower, nothing fails.
    let small = parse(slowed(SLOWED, 1.04));
    let d = diff_of(
        &old,
        &small,
        Settings {
            fail_over: Some(0.10),
            ..Settings::default()
        },
    );
    assert_eq!(d.summary.flagged, 0, "{}", d.summary.line());
    assert!(d.failed.is_empty());
}

#[test]
fn markdown_and_json_list_the_same_rows() {
    let (old, new) = (sample(), parse(slowed(SLOWED, 1.5)));
    let d = diff_of(&old, &new, Settings::default());
    let json: Value = serde_json::from_str(&text::json(&d)).unwrap();
    let (md, json) = (markdown_rows(&text::markdown(&d)), json_rows(&json));
    assert_eq!(md.len(), d.rows.len());
    assert_eq!(json.len(), d.rows.len());
    for (m, j) in md.iter().zip(&json) {
        assert_eq!((&m.0, &m.1, &m.3), (&j.0, &j.1, &j.3));
        // The Markdown's ratio is the JSON's to three figures.
        let ratio = j.2.map_or("-".into(), greetbench_report::format::ratio);
        assert!(m.2.starts_with(&ratio), "{m:?} against {j:?}");
    }
    assert!(json.iter().any(|j| j.3 == "slower"));
    assert!(text::markdown(&d).contains(&d.summary.line()));
}

#[test]
fn two_machines_are_named_before_any_row() {
    let old = sample();
    let mut new = sample();
    new.provenance.cpu_model = "Another CPU".into();
    new.provenance.logical_cores = 64;
    new.provenance.kernel = "7.0.0".into();
    let d = diff_of(&old, &new, Settings::default());
    assert_eq!(d.machines, ["CPU", "cores"]);
    let t = text::terminal(&d);
    let first_row = t.find(&d.rows[0].what).unwrap();
    let machines = t.find("two machines").expect("the diff says so");
    assert!(machines < first_row && t.find("kernel").unwrap() < first_row);
    // A kernel alone is the same machine.
    let mut k = sample();
    k.provenance.kernel = "7.0.0".into();
    let d = diff_of(&old, &k, Settings::default());
    assert!(d.machines.is_empty());
    assert_eq!(d.setup.len(), 1);
}

/// `v` with every criterion group and sweep run measured with others using `busy` of the
/// machine.
fn with_noise(mut v: Value, busy: f64) -> Results {
    for g in v["noise"].as_array_mut().unwrap() {
        g["noise"]["other_busy"] = Value::from(busy);
        g["noise"]["steal"] = Value::from(0.0);
    }
    for e in v["sweep"]["entries"].as_array_mut().unwrap() {
        if let Some(r) = e.get_mut("record") {
            r["noise"] = serde_json::json!({"other_busy": busy, "steal": 0.0});
        }
    }
    parse(v)
}

#[test]
fn a_busier_run_cannot_fake_the_change_its_noise_could_explain() {
    let plain = || serde_json::to_value(sample()).unwrap();
    // NEW 20 % slower, measured with others using half the machine against a quiet OLD: the
    // allowance (1 - 0) / (1 - 0.5) = 2 explains it, so those rows read inconclusive.
    let d = diff_of(
        &with_noise(plain(), 0.0),
        &with_noise(slowed(SLOWED, 1.2), 0.5),
        Settings::default(),
    );
    assert_eq!(d.summary.flagged, 0, "{}", d.summary.line());
    assert!(
        d.rows
            .iter()
            .any(|r| matches!(r.change, Change::Inconclusive(Unsure::Busier { .. })))
    );
    // The same slowdown with the same noise on both sides is no excuse: slower.
    let d = diff_of(
        &with_noise(plain(), 0.5),
        &with_noise(slowed(SLOWED, 1.2), 0.5),
        Settings::default(),
    );
    assert!(d.summary.slower > 0, "{}", d.summary.line());
    // Noise only slows a run down: NEW faster while busier than OLD still reads faster.
    let d = diff_of(
        &with_noise(slowed(SLOWED, 1.2), 0.0),
        &with_noise(plain(), 0.5),
        Settings::default(),
    );
    assert!(d.summary.faster > 0, "{}", d.summary.line());
    assert_eq!(d.summary.slower, 0, "{}", d.summary.line());
}

#[test]
fn bad_input_is_refused_in_one_line_naming_the_fix() {
    let dir = temp_dir("bad");
    let one_line = |e: DiffError, needle: &str| {
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.contains(needle), "{s:?} lacks {needle:?}");
    };
    one_line(
        diff::read(&dir.join("nothing.json")).unwrap_err(),
        "does not exist",
    );
    one_line(diff::read(&dir).unwrap_err(), "holds no results.json");
    let not = dir.join("not.json");
    std::fs::write(&not, "{\"format\": 3, \"hello\": 1}").unwrap();
    one_line(
        diff::read(&not).unwrap_err(),
        "is not a greetbench results file",
    );
    one_line(
        diff::read(Path::new("/dev/zero")).unwrap_err(),
        "not a regular file",
    );
    let huge = dir.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(greetbench_report::results::MAX_RESULTS_BYTES + 1)
        .unwrap();
    one_line(diff::read(&huge).unwrap_err(), "cap on results files");
    // Two formats.
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(sample_path()).unwrap()).unwrap();
    let other = if v["format"] == 3 { 2 } else { 3 };
    v["format"] = Value::from(other);
    let file = dir.join("other.json");
    std::fs::write(&file, v.to_string()).unwrap();
    // The fix names the file in the older format.
    let stale = if other == 3 {
        sample_path()
    } else {
        file.clone()
    };
    one_line(
        diff::open(&sample_path(), &file).unwrap_err(),
        &format!("regenerate {} with this greetbench", stale.display()),
    );
    // A folder holding results.json is read as that file.
    let folder = sample_path().parent().unwrap().to_path_buf();
    assert_eq!(
        diff::read(&folder).unwrap(),
        diff::read(&folder.join("results.json")).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn files_that_share_no_row_are_disjoint() {
    let old = sample();
    let mut new = sample();
    for e in &mut new.criterion {
        e.function = format!("{}-renamed", e.function);
    }
    if let Some(s) = &mut new.sweep {
        s.entries.clear();
        s.scale.clear();
        s.python = None;
    }
    let d = diff_of(&old, &new, Settings::default());
    assert!(d.disjoint(), "{}", d.summary.line());
    assert!(d.summary.only_in_old > 0 && d.summary.only_in_new > 0);
}

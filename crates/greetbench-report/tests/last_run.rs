//! "Since the last run", through the function every bench calls when it ends
//! ([`last_run::regenerate`]): the first run says there is nothing to compare yet; the benches
//! of one `cargo bench` (one parent process) share one previous run; the next `cargo bench`
//! rotates `results.json` into `previous.json` and its report shows the section, with a slower
//! model read as slower.

use std::path::{Path, PathBuf};

use greetbench_report::Paths;
use greetbench_report::last_run::{self, Bench};
use serde_json::Value;

#[path = "support/sample.rs"]
#[allow(dead_code)]
mod support;
use support::{sample_path, slowed};

/// A workspace of its own, with the sample's sweep stored where the sweep leaves it.
fn workspace(name: &str) -> Paths {
    let dir = std::env::temp_dir().join(format!("gb-last-run-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(dir.join("target/greetbench")).unwrap();
    let paths = Paths {
        workspace: dir.clone(),
        target: dir.join("target"),
    };
    store_sweep(&paths, &sample_json());
    paths
}

fn sample_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(sample_path()).unwrap()).unwrap()
}

/// Stores `results`' sweep as `target/greetbench/sweep.json`.
fn store_sweep(paths: &Paths, results: &Value) {
    std::fs::write(paths.sweep_file(), results["sweep"].to_string()).unwrap();
}

fn models() -> Vec<greet_core::Description> {
    serde_json::from_value(sample_json()["models"].clone()).unwrap()
}

fn bench(parent: u32, name: &str) -> Bench {
    Bench {
        parent,
        name: name.into(),
    }
}

/// Runs the end of one bench; returns the page's "since" section and the printed line.
fn end_of(paths: &Paths, bench: &Bench) -> (String, String) {
    let (page, line) = last_run::regenerate(paths, &models(), bench).expect("regenerates");
    let page = std::fs::read_to_string(page).unwrap();
    let section = page
        .split("<section id=\"since\">")
        .nth(1)
        .expect("the page has the section")
        .split("</section>")
        .next()
        .unwrap()
        .to_owned();
    let answer = page.split("<section id=\"answer\">").nth(1).unwrap();
    assert!(
        answer
            .split("</section>")
            .next()
            .unwrap()
            .contains("since the last run"),
        "the answer has the column"
    );
    (section, line)
}

fn previous(paths: &Paths) -> PathBuf {
    last_run::previous_file(paths)
}

fn exists(p: &Path) -> bool {
    p.exists()
}

#[test]
fn the_first_run_has_nothing_to_compare_and_the_second_shows_the_section() {
    let paths = workspace("two-runs");
    // The first cargo bench: two benches under one parent.
    let (section, line) = end_of(&paths, &bench(100, "io-1"));
    assert!(section.contains("<h2>Since the last run</h2>"));
    assert!(section.contains("nothing to compare yet"), "{section}");
    assert!(line.contains("nothing to compare yet"), "{line}");
    let (section, _) = end_of(&paths, &bench(100, "sweep-1"));
    assert!(section.contains("nothing to compare yet"));
    assert!(!exists(&previous(&paths)), "one run: nothing rotated");

    // The second cargo bench: its first bench rotates the first run's results.
    let (section, line) = end_of(&paths, &bench(200, "io-1"));
    assert!(exists(&previous(&paths)));
    assert!(!section.contains("nothing to compare"), "{section}");
    assert!(
        line.starts_with("since the last run: ") && line.ends_with(" no change"),
        "{line}"
    );
    assert!(!line.contains("slower"), "{line}");

    // Its sweep then measures tokio's I/O 1.5 times as long; the later bench of the same
    // run compares against the same previous run, and reads slower.
    store_sweep(&paths, &slowed("tokio", 1.5));
    let (section, line) = end_of(&paths, &bench(200, "sweep-1"));
    assert!(line.contains(" slower"), "{line}");
    assert!(section.contains("nothold"), "a slower row is marked");

    // The same bench again under the same parent is a new run: the slowed results become the
    // previous run, and nothing changed since.
    let (_, line) = end_of(&paths, &bench(200, "sweep-1"));
    assert!(!line.contains("slower"), "{line}");
    std::fs::remove_dir_all(&paths.workspace).ok();
}

#[test]
fn a_previous_run_in_another_format_or_unreadable_is_nothing_to_compare() {
    let paths = workspace("format");
    std::fs::write(previous(&paths), "{\"format\": 1}").unwrap();
    let (section, line) = end_of(&paths, &bench(1, "io-1"));
    assert!(section.contains("could not be read"), "{section}");
    assert!(line.contains("results format 1"), "{line}");
    let mut old = sample_json();
    old["format"] = Value::from(2);
    std::fs::write(previous(&paths), old.to_string()).unwrap();
    let (section, _) = end_of(&paths, &bench(1, "cpu-1"));
    assert!(section.contains("format 2 and this run"), "{section}");
    std::fs::remove_dir_all(&paths.workspace).ok();
}

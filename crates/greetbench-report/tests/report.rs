//! The report from a small stored results file (`tests/fixtures/results.json`): every chart is
//! drawn, the page names every model and the machine, and the verdicts follow the numbers.

use std::path::{Path, PathBuf};

use greetbench_report::results::{Outcome, read_json};
use greetbench_report::verdicts::{self, Verdict};
use greetbench_report::{Results, charts, html};

const MODELS: [&str; 9] = [
    "sequential",
    "threads",
    "thread-pool",
    "processes",
    "rayon",
    "tokio",
    "tokio-current-thread",
    "async-std",
    "smol",
];

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json")
}

fn fixture() -> Results {
    read_json(&fixture_path()).expect("the fixture parses")
}

fn options() -> html::Options {
    html::Options {
        link_base: "../target/criterion".into(),
    }
}

fn set_median(r: &mut Results, group: &str, function: &str, size: u64, ns: f64) {
    let e = r
        .criterion
        .iter_mut()
        .find(|e| e.group == group && e.function == function && e.size == Some(size))
        .expect("the fixture has this benchmark");
    e.median_ns = ns;
}

fn claim(r: &Results, starts: &str) -> verdicts::Claim {
    verdicts::claims(r)
        .into_iter()
        .find(|c| c.claim.starts_with(starts))
        .expect("the claim is listed")
}

#[test]
fn every_chart_is_drawn_and_not_empty() {
    let r = fixture();
    let all = charts::all(&r);
    let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
    for key in [
        "io_0ms",
        "io_10ms",
        "cpu_speedup",
        "cpu_1worker",
        "cpu_allcores",
        "mixed",
        "memory",
        "spawn",
        "shared_state",
    ] {
        assert!(keys.contains(&key), "no chart {key} in {keys:?}");
    }
    for (key, chart) in &all {
        let c = chart
            .as_ref()
            .unwrap_or_else(|| panic!("chart {key} missing"));
        assert!(c.svg.starts_with("<svg"), "{key} is not an SVG");
        // Data is drawn: lines, points or bars beyond the frame and the legend box.
        let marks = c.svg.matches("<polyline").count()
            + c.svg.matches("<circle").count()
            + c.svg.matches("<rect").count();
        assert!(marks > 5, "{key} has only {marks} marks");
        // Axis labels with units, and a caption saying what to notice.
        assert!(c.svg.contains("<text"), "{key} has no text");
        assert!(c.caption.starts_with("Notice"), "{key}: {}", c.caption);
    }
}

#[test]
fn line_charts_have_one_legend_entry_per_model() {
    let r = fixture();
    let c = charts::time_vs_n(&r, "io_10ms", "greet at L = 10ms")
        .unwrap()
        .unwrap();
    for m in MODELS {
        assert!(c.svg.contains(&format!("\n{m}\n")), "legend lacks {m}");
    }
    assert!(c.svg.contains("ms (log)"), "the y axis names its unit");
}

#[test]
fn the_memory_chart_names_the_limit_that_stopped_a_size() {
    let r = fixture();
    let stopped = r.sweep_waiting("threads", 20_000).unwrap();
    assert_eq!(stopped.outcome, Outcome::Limit);
    let c = charts::memory_per_greet(&r).unwrap().unwrap();
    assert!(c.svg.contains("thread_limit"), "no limit marker");
    assert!(c.svg.contains("N = 10000") && c.svg.contains("N = 1000"));
}

#[test]
fn the_page_names_every_model_and_describes_the_machine() {
    let r = fixture();
    let page = html::page(&r, &options());
    assert!(page.contains("id=\"machine\""));
    assert!(page.contains(&r.provenance.cpu_model));
    assert!(page.contains(&r.provenance.rustc));
    assert!(page.contains(&r.provenance.git_commit));
    for m in MODELS {
        assert!(
            page.contains(&format!(">{m}<")),
            "the page does not name {m}"
        );
    }
    assert!(
        !page.contains("<script"),
        "the page must read without JavaScript"
    );
    assert!(page.contains("../target/criterion/io_10ms/tokio/1000/report/index.html"));
    // Nothing is missing from a complete fixture.
    assert!(
        !page.contains("not measured in this run"),
        "a claim lacks evidence"
    );
}

#[test]
fn the_io_verdict_follows_the_numbers() {
    let mut r = fixture();
    let before = verdicts::summary(&r).join("\n");
    assert!(
        before.contains("For I/O-bound work with 1000 greets"),
        "{before}"
    );
    // Make tokio 40 times slower: the sentence must say so.
    let tokio = r.estimate("io_10ms", "tokio", 1000).unwrap().median_ns;
    set_median(&mut r, "io_10ms", "tokio", 1000, tokio * 40.0);
    let after = verdicts::summary(&r).join("\n");
    assert_ne!(before, after);
    assert!(
        before.contains("threads were") && before.contains("slower"),
        "{before}"
    );
    assert!(after.contains("faster"), "{after}");
}

#[test]
fn the_claims_follow_the_numbers() {
    let mut r = fixture();
    assert_eq!(claim(&r, "Processes").verdict, Verdict::Holds);
    let thread = r.spawn_cost("thread").unwrap();
    set_median(&mut r, "spawn", "process", 1, thread * 0.5);
    let c = claim(&r, "Processes");
    assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);

    let mut r = fixture();
    assert_eq!(
        claim(&r, "Async is not parallel").verdict,
        Verdict::HoldsWithCaveat
    );
    let seq = r
        .estimate("cpu_1worker", "sequential", 200)
        .unwrap()
        .median_ns;
    set_median(
        &mut r,
        "cpu_allcores",
        "tokio-current-thread",
        200,
        seq / 1.9,
    );
    assert_eq!(
        claim(&r, "Async is not parallel").verdict,
        Verdict::DoesNotHold
    );

    let mut r = fixture();
    assert_eq!(claim(&r, "A thread cannot").verdict, Verdict::Holds);
    r.sweep.as_mut().unwrap().kill = None;
    let c = claim(&r, "A thread cannot");
    assert_eq!(c.verdict, Verdict::NotMeasured);
    assert!(c.evidence.contains("No kill probe"));
}

#[test]
fn a_stored_results_file_regenerates_the_same_report() {
    let dir = std::env::temp_dir().join(format!("gb-report-test-{}", std::process::id()));
    let (a, b) = (dir.join("a"), dir.join("b"));
    let crit = dir.join("criterion");
    let pa = greetbench_report::render(&fixture_path(), &a, &crit).unwrap();
    let pb = greetbench_report::render(&fixture_path(), &b, &crit).unwrap();
    let (ta, tb) = (
        std::fs::read_to_string(pa).unwrap(),
        std::fs::read_to_string(pb).unwrap(),
    );
    assert_eq!(ta, tb);
    assert_eq!(ta.matches("<svg").count(), charts::all(&fixture()).len());
    std::fs::remove_dir_all(&dir).ok();
}

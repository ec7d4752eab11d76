//! What a second reader of the sample page (format 2, no raw samples) and of the fixture
//! (format 3, raw samples) found: each section's interval note says what its intervals are
//! in that file, spawn_cost.py's ranges are not called 95 % intervals, and numbers keep three
//! figures.

use std::path::{Path, PathBuf};

use greet_core::{Family, Lang, Shape};
use greetbench_report::section::{claims, cpu, criterion, glossary, mixed, shared, spawn, sweep};
use greetbench_report::view::View;
use greetbench_report::{Results, diff};

fn read(path: PathBuf) -> Results {
    diff::read(&path).expect("the file reads")
}

fn sample() -> Results {
    read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/busy-sample.json"))
}

fn fixture() -> Results {
    read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json"))
}

#[test]
fn each_interval_note_says_what_the_interval_is_in_this_file() {
    let r = sample();
    let view = View::new(&r);
    let o = greetbench_report::section::Options {
        link_base: String::new(),
        baseline: None,
    };
    // The sample stores no criterion samples: no criterion note may claim a bootstrap.
    for note in [
        criterion::build(&view, &o).intervals,
        mixed::build(&view).intervals,
        shared::build(&view).intervals,
    ] {
        assert!(note.contains("stores no raw samples"), "{note:?}");
        assert!(!note.contains("bootstrap over"), "{note:?}");
    }
    // Its sweep has repeats: those are bootstrapped.
    assert!(cpu::build(&view).intervals.contains("bootstrap over"));
    let g = glossary::build(&view);
    let (_, words) = g.terms.iter().find(|(t, _)| *t == "95 % interval").unwrap();
    assert!(words.contains("In this file"), "{words:?}");
    // The fixture stores criterion's samples: a bootstrap.
    let r = fixture();
    let view = View::new(&r);
    let note = mixed::build(&view).intervals;
    assert!(
        note.contains("bootstrap over both sides' criterion's raw samples"),
        "{note:?}"
    );
}

#[test]
fn spawn_cost_ranges_are_labelled_as_ranges_of_repeats() {
    let r = sample();
    let view = View::new(&r);
    let s = spawn::build(&view);
    let svg = format!("{:?}", s.figure.expect("a chart").svg);
    assert!(
        svg.contains("Python: range of"),
        "the legend names the ranges"
    );
    assert!(
        s.intervals.contains("fastest to the slowest"),
        "{:?}",
        s.intervals
    );
}

#[test]
fn the_cpu_section_reads_no_impossible_speedup() {
    let r = sample();
    let view = View::new(&r);
    let cores = r.provenance.logical_cores;
    let c = cpu::build(&view);
    let caption = c.figure.expect("a chart").caption;
    // py-processes' 2.03× on 2 cores is noise in its baseline, not the fastest.
    assert!(
        caption.contains(&format!("above the {cores} cores")),
        "{caption:?}"
    );
    assert!(
        !caption.contains("The fastest here is py-processes"),
        "{caption:?}"
    );
    // The rest overlap by their intervals: no "fastest" is named.
    assert!(
        caption.contains("No one model is clearly fastest"),
        "{caption:?}"
    );
}

#[test]
fn a_claim_cites_as_support_only_evidence_past_its_threshold() {
    let r = sample();
    let view = View::new(&r);
    let rust = &view.columns()[0];
    let c = claims::check(&view, rust, 0);
    assert!(c.verdict.decided(), "{:?}", c.verdict);
    // threads' 1.21× is under 1.3×: named apart, after the supporting evidence.
    let (support, apart) = c
        .evidence
        .split_once("Not counted")
        .expect("the evidence under the threshold is named apart");
    assert!(support.contains("counts from 1.3×"), "{support:?}");
    assert!(!support.contains("threads 1.21×"), "{support:?}");
    assert!(apart.contains("threads 1.21×"), "{apart:?}");
}

#[test]
fn the_sweep_appendix_prints_no_impossible_cpu_and_no_underflowed_memory() {
    let r = sample();
    let view = View::new(&r);
    let t = sweep::build(&view).table.expect("the sample has a sweep");
    let col = |name: &str| {
        t.head
            .iter()
            .position(|c| c.text.starts_with(name))
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (cpu, growth) = (col("CPU"), col("RSS growth ÷ N"));
    let rows: Vec<&Vec<_>> = t.rows.iter().map(|r| &r.cells).collect();
    let named = |lang: Lang, keep: &dyn Fn(&greet_core::Description) -> bool| {
        view.models_where(lang, keep)
            .first()
            .expect("the sample has one")
            .name
            .clone()
    };
    let py_sequential = named(Lang::Python, &|d| d.family == Family::Sequential);
    let pool = named(Lang::Rust, &|d| {
        d.family == Family::Threads && d.shape == Shape::Pool
    });
    // py-sequential runs its crunch on one thread: ticks summing above its wall time are shown
    // as no figure.
    let py_seq: Vec<_> = rows
        .iter()
        .filter(|c| c[0].text == py_sequential && c[1].text == "crunch")
        .collect();
    assert!(!py_seq.is_empty());
    for c in py_seq {
        assert!(c[cpu].text.contains('–'), "{:?}", c[cpu].text);
    }
    // No growth column reads 0: an underflow (peak under baseline) reads –.
    assert!(rows.iter().all(|c| c[growth].text != "0"));
    // A pool of K = 2 never holds N = 1000 greets waiting at once: no per-greet figure.
    let pool: Vec<_> = rows
        .iter()
        .filter(|c| c[0].text == pool && c[1].text == "greet")
        .collect();
    assert!(!pool.is_empty());
    assert!(pool.iter().all(|c| c[growth].text == "–"));
}

#[test]
fn spawn_and_sharing_comparisons_carry_their_intervals() {
    let r = sample();
    let view = View::new(&r);
    let spawn_caption = spawn::build(&view).figure.expect("a chart").caption;
    let shared = shared::build(&view);
    let shared_caption = shared.figure.expect("a chart").caption;
    for caption in [spawn_caption, shared_caption] {
        let (_, after) = caption
            .rsplit_once("× ")
            .unwrap_or_else(|| panic!("no ratio in {caption:?}"));
        assert!(after.starts_with('['), "no interval in {caption:?}");
    }
    // Every measured cell of the sharing table carries its interval.
    for row in &shared.table.rows {
        for c in row.cells.iter().skip(1).filter(|c| c.text != "-") {
            assert!(c.text.contains('[') || c.text.contains('±'), "{:?}", c.text);
        }
    }
}

#[test]
fn a_limit_reads_once_after_a_models_name() {
    let r = fixture();
    let view = View::new(&r);
    let words = greetbench_report::view::limit_words(greet_core::OsLimit::Threads);
    assert_eq!(words, "thread limit, vm.max_map_count");
    // The fixture describes every model it ran: none reads "not described".
    for run in r.sweep.iter().flat_map(|s| &s.entries) {
        let name = &run.request().model;
        assert!(view.describe(name).is_some(), "{name} is not described");
    }
}

#[test]
fn the_answer_explains_n_and_l_before_its_table_and_the_load_limit_says_where_it_comes_from() {
    let r = sample();
    let o = greetbench_report::section::Options {
        link_base: String::new(),
        baseline: None,
    };
    let page = greetbench_report::page(&r, &o).expect("the sample renders");
    let answer = page.find("id=\"answer\"").expect("an answer section");
    let table = answer + page[answer..].find("<table").expect("an answer table");
    let legend = &page[answer..table];
    assert!(legend.contains("N: ") && legend.contains("L: "), "{legend}");
    let view = View::new(&r);
    let limit = greetbench_report::section::load::build(&view).limit;
    assert!(limit.contains("CPU per greet falls under load"), "{limit}");
}

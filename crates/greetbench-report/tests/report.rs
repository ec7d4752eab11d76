//! The report from a small stored results file (`tests/fixtures/results.json`, format 3 with
//! raw samples): the answer opens the page, the picks and verdicts follow the numbers, a busy
//! measurement reads inconclusive and never "does not hold", bad input is refused in one line
//! or rendered as "not measured", and the code keeps its rules (no model named, no hand-written
//! escaping, no discarded writes). No model name is typed in here: the tests take them from
//! the fixture's descriptions.

use std::path::{Path, PathBuf};

use greet_core::record::{Noise, RunResult};
use greet_core::{Description, Family, Shape, Workload};
use greetbench_report::results::{FORMAT, ResultsError, read_versioned};
use greetbench_report::section::{Options, Section, answer, claims};
use greetbench_report::verdict::{Confidence, Verdict, Why};
use greetbench_report::view::{Column, Question, View, Workers};
use greetbench_report::{Results, page};

mod common;
use common::{fixture, fixture_path, section, text};
use serde_json::{Value, json};

fn fixture_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_path()).unwrap()).unwrap()
}

fn options() -> Options {
    Options {
        link_base: "../target/criterion".into(),
        baseline: None,
    }
}

fn render(r: &Results) -> String {
    page(r, &options()).expect("the page renders")
}

/// A fresh directory under the system's temp dir for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-report-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rust() -> Column {
    Column {
        lang: greet_core::Lang::Rust,
        interpreter: None,
    }
}

/// The Rust column's verdict of the claim starting with `starts`.
fn claim(r: &Results, starts: &str) -> claims::Checked {
    let view = View::new(r);
    let i = claims::CLAIMS
        .iter()
        .position(|c| c.starts_with(starts))
        .expect("the claim is listed");
    claims::check(&view, &rust(), i)
}

/// The Rust pick of the answer's situation starting with `starts`.
fn pick(r: &Results, starts: &str) -> answer::Pick {
    let view = View::new(r);
    answer::build(&view)
        .rows
        .into_iter()
        .find(|s| s.what.starts_with(starts))
        .expect("the situation is listed")
        .picks
        .remove(0)
}

/// The models of the fixture whose description satisfies `keep`.
fn models_where(r: &Results, keep: impl Fn(&Description) -> bool) -> Vec<String> {
    r.models
        .iter()
        .filter(|m| keep(m))
        .map(|m| m.name.clone())
        .collect()
}

/// Multiplies the sweep's wall times of `model`'s runs of `workload` by `factor`.
fn scale_walls(r: &mut Results, model: &str, workload: Workload, factor: f64) {
    for e in &mut r.sweep.as_mut().unwrap().entries {
        if let RunResult::Record(k) = e
            && k.request.model == model
            && k.request.workload == workload
        {
            k.wall_s *= factor;
        }
    }
}

#[test]
fn the_answer_is_the_first_section_and_the_sections_follow_in_order() {
    let page = render(&fixture());
    let first_h2 = page.find("<h2").unwrap();
    let answer = page.find("<section id=\"answer\">").unwrap();
    assert!(answer < first_h2, "the answer's section holds the first h2");
    assert!(page[answer..first_h2].trim_start().len() < 40);
    let at: Vec<usize> = Section::ALL
        .iter()
        .map(|s| {
            page.find(&format!("<section id=\"{}\">", s.id()))
                .unwrap_or_else(|| panic!("no section {}", s.id()))
        })
        .collect();
    assert!(at.is_sorted(), "sections in page order");
    // The contents follow the answer and link every other section.
    let nav = page.find("<nav id=\"contents\">").unwrap();
    assert!(nav > at[0] && nav < at[1]);
    for s in &Section::ALL[1..] {
        assert!(
            page.contains(&format!("<a href=\"#{}\">", s.id())),
            "{}",
            s.id()
        );
    }
    assert!(page.contains("name=\"viewport\""));
    assert!(!page.contains("<script"), "no JavaScript");
    assert!(
        !page.contains("http://")
            || page.matches("http://").count()
                == page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "no network"
    );
    // Every model of the fixture is named, and the machine is described.
    let r = fixture();
    for m in &r.models {
        assert!(page.contains(&format!(">{}<", m.name)), "{}", m.name);
    }
    assert!(page.contains(&r.provenance.cpu_model));
    assert!(page.contains(&r.provenance.git_commit));
    // Criterion's own pages are linked from the appendix.
    let asyncs = models_where(&r, |d| d.family == Family::Async);
    assert!(page.contains(&format!(
        "../target/criterion/io_10ms/{}/1000/report/index.html",
        asyncs[0]
    )));
    // Appendices are closed.
    for id in ["sweep", "criterion"] {
        let s = section(&page, id);
        assert!(
            s.contains("<details>") && !s.contains("<details open"),
            "{id}"
        );
    }
}

#[test]
fn the_answer_picks_follow_the_numbers() {
    let r = fixture();
    let first_async = models_where(&r, |d| d.family == Family::Async)[0].clone();
    let threads = models_where(&r, |d| {
        d.family == Family::Threads && d.shape == Shape::PerJob
    })[0]
        .clone();
    let io = pick(&r, "Many greets");
    assert_eq!(io.model.as_deref(), Some(first_async.as_str()), "{io:?}");
    assert_eq!(io.confidence, Confidence::Sure);
    assert!(
        io.evidence.contains(&format!("faster than {threads}")),
        "{}",
        io.evidence
    );
    assert!(
        io.evidence.contains('[') && io.evidence.contains('–'),
        "an interval"
    );

    // Every async model five times slower: threads become the pick.
    let mut slow = fixture();
    for m in models_where(&slow, |d| d.family == Family::Async) {
        scale_walls(&mut slow, &m, Workload::Greet, 5.0);
    }
    let io = pick(&slow, "Many greets");
    assert_eq!(io.model.as_deref(), Some(threads.as_str()), "{io:?}");

    // The first async model 1.4 times slower, within its noise: no pick, never a guess.
    let mut close = fixture();
    scale_walls(&mut close, &first_async, Workload::Greet, 1.6);
    let io = pick(&close, "Many greets");
    match (&io.model, &io.confidence) {
        (None, Confidence::Unsure(Why::Straddles { .. })) => {}
        (Some(m), Confidence::Sure) => assert_ne!(m, &first_async, "{io:?}"),
        other => panic!("{other:?}"),
    }

    // CPU: the data-parallel model first, as long as it is not clearly slower.
    let rayon = models_where(&r, |d| d.family == Family::DataParallel)[0].clone();
    assert_eq!(pick(&r, "CPU-bound").model.as_deref(), Some(rayon.as_str()));
    let mut slow = fixture();
    scale_walls(&mut slow, &rayon, Workload::Crunch, 3.0);
    let cpu = pick(&slow, "CPU-bound");
    assert!(cpu.model.as_deref().is_some_and(|m| m != rayon), "{cpu:?}");
    assert!(
        pick(&r, "CPU-bound").evidence.contains("the speed of"),
        "speedups"
    );
}

/// Marks every CPU measurement of `r` busy: the cpu groups' noise, and every sweep crunch run.
fn busy_cpu(r: &mut Results) -> Noise {
    let busy = Noise {
        other_busy: 0.5,
        steal: 0.01,
    };
    for g in &mut r.noise {
        if g.group.starts_with("cpu_") {
            g.noise = busy;
        }
    }
    for e in &mut r.sweep.as_mut().unwrap().entries {
        if let RunResult::Record(k) = e
            && k.request.workload == Workload::Crunch
        {
            k.noise = Some(busy);
        }
    }
    busy
}

#[test]
fn busy_cpu_measurements_read_inconclusive_never_does_not_hold() {
    // Quiet, the fixture decides every CPU claim.
    let quiet = fixture();
    for c in [
        "Threads give no CPU",
        "For CPU-bound work",
        "Async is not parallel",
    ] {
        assert!(
            claim(&quiet, c).verdict.decided(),
            "{c}: {:?}",
            claim(&quiet, c)
        );
    }
    // A results file whose CPU groups and crunch runs were measured on a busy machine, written
    // and rendered from the file as `greetbench report` does.
    let mut busy = fixture();
    busy_cpu(&mut busy);
    // Make the crunch look as if processes and threads had not sped up at all: on a busy
    // machine that must not read "does not hold" either.
    for m in models_where(&busy, |d| d.family != Family::Sequential) {
        scale_walls(&mut busy, &m, Workload::Crunch, 2.0);
    }
    for c in [
        "Threads give no CPU",
        "For CPU-bound work",
        "Async is not parallel",
    ] {
        let v = claim(&busy, c).verdict;
        assert!(
            matches!(v, Verdict::Inconclusive(Why::Busy(_))),
            "{c}: {v:?}"
        );
    }
    let cpu = pick(&busy, "CPU-bound");
    assert!(cpu.model.is_none() && matches!(cpu.confidence, Confidence::Unsure(Why::Busy(_))));
    let dir = temp_dir("busy");
    let file = dir.join("results.json");
    greetbench_report::results::write_json(&file, &busy).unwrap();
    let out = greetbench_report::render(&file, &dir.join("out"), &dir).unwrap();
    let page = std::fs::read_to_string(out).unwrap();
    let claims = text(section(&page, "claims"));
    assert!(
        claims.contains("inconclusive: measured on a busy machine (others' CPU 50 %"),
        "{claims}"
    );
    assert!(!claims.contains("does not hold"), "{claims}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_claim_about_the_gil_reads_as_the_lesson_in_rust() {
    let r = fixture();
    let c = claim(&r, "Threads give no CPU");
    assert!(
        matches!(&c.verdict, Verdict::Lesson(w) if w.contains("no GIL in Rust")),
        "{c:?}"
    );
    assert_eq!(c.verdict.class(), "lesson");
    let page = render(&r);
    assert!(section(&page, "claims").contains("class=\"l lesson\""));
    // The same threads without a speedup: the claim holds, as it does under a GIL.
    let mut flat = fixture();
    for m in models_where(&flat, |d| d.family == Family::Threads) {
        scale_walls(&mut flat, &m, Workload::Crunch, 1.9);
    }
    assert_eq!(claim(&flat, "Threads give no CPU").verdict, Verdict::Holds);
}

#[test]
fn the_claims_follow_the_numbers() {
    let r = fixture();
    assert_eq!(claim(&r, "Processes are slower").verdict, Verdict::Holds);
    // A fresh process as cheap as a thread: the claim does not hold.
    let mut cheap = fixture();
    let thread = cheap
        .criterion
        .iter()
        .find(|e| e.group == "spawn" && e.function == "thread")
        .unwrap()
        .clone();
    for e in &mut cheap.criterion {
        if e.group == "spawn" && e.function == "process" {
            e.samples_ns = thread.samples_ns.clone();
            e.median_ns = thread.median_ns;
        }
    }
    assert_eq!(
        claim(&cheap, "Processes are slower").verdict,
        Verdict::DoesNotHold
    );

    assert_eq!(claim(&r, "Async is not parallel").verdict, Verdict::Holds);
    let one = models_where(&r, |d| d.family == Family::Async && d.one_thread)[0].clone();
    let mut fast = fixture();
    scale_walls(&mut fast, &one, Workload::Crunch, 0.5);
    let c = claim(&fast, "Async is not parallel");
    assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);

    // Without the kill probe, the kill claim is not measured.
    let mut none = fixture();
    none.sweep.as_mut().unwrap().kill = None;
    assert_eq!(
        claim(&none, "A thread cannot").verdict,
        Verdict::NotMeasured
    );
    assert_eq!(claim(&r, "A thread cannot").verdict, Verdict::Holds);
}

#[test]
fn every_comparison_carries_its_interval_and_the_crunch_size_is_stated() {
    let r = fixture();
    let view = View::new(&r);
    let q = view
        .crunch_point(&rust(), Workers::All)
        .expect("a crunch point");
    let Question::Crunch { count, work, .. } = q else {
        panic!("{q:?}")
    };
    let page = render(&r);
    let cpu = text(section(&page, "cpu"));
    assert!(
        cpu.contains(&format!(
            "{count} jobs × {}",
            greetbench_report::format::count(u64::from(work))
        )),
        "{cpu}"
    );
    // Every "×" ratio in the answer and the claims comes with its bracketed interval.
    for id in ["answer", "claims"] {
        let t = text(section(&page, id));
        for (i, _) in t.match_indices("× [") {
            assert!(t[i..].contains(']'), "{id}");
        }
        assert!(t.contains("× ["), "{id} shows intervals");
    }
}

#[test]
fn a_format_2_file_renders_and_other_formats_are_refused_in_one_line() {
    let dir = temp_dir("format");
    // Format 2: no raw samples. It renders, with criterion's own intervals.
    let mut v = fixture_json();
    v["format"] = json!(2);
    for e in v["criterion"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("samples_ns");
    }
    let file = dir.join("v2.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = greetbench_report::render(&file, &dir.join("out2"), &dir).unwrap();
    let page = std::fs::read_to_string(out).unwrap();
    assert!(page.contains("stores no raw samples (format 2)"));
    assert!(
        text(section(&page, "answer")).contains("× ["),
        "intervals from the stored ranges"
    );
    for (name, format) in [
        ("v1.json", Some(1)),
        ("v9.json", Some(FORMAT + 1)),
        ("none.json", None),
    ] {
        let mut v = fixture_json();
        match format {
            Some(f) => v["format"] = json!(f),
            None => {
                v.as_object_mut().unwrap().remove("format");
            }
        }
        let file = dir.join(name);
        std::fs::write(&file, v.to_string()).unwrap();
        let err = greetbench_report::render(&file, &dir.join("out"), &dir).unwrap_err();
        assert!(
            matches!(err, ResultsError::Format { found, .. } if found == format.unwrap_or(0)),
            "{err:?}"
        );
        let line = err.to_string();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(
            line.contains("regenerate it with `greetbench sweep`"),
            "{line}"
        );
        assert!(!dir.join("out/index.html").exists(), "no half-read page");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn missing_groups_render_not_measured_never_a_panic() {
    let mut r = fixture();
    r.criterion.clear();
    r.noise.clear();
    r.sweep = None;
    let page = render(&r);
    let answer = section(&page, "answer");
    assert_eq!(
        answer.matches("class=\"l none\"").count(),
        8,
        "every pick reads not measured: {}",
        text(answer)
    );
    assert_eq!(text(answer).matches("Rust: not measured").count(), 8);
    for s in Section::ALL {
        assert!(page.contains(&format!("<section id=\"{}\">", s.id())));
    }
    assert!(page.contains("Not measured in this run"));
    // Only some groups: the rest still render.
    let mut r = fixture();
    r.criterion.retain(|e| e.group.starts_with("io_"));
    r.sweep.as_mut().unwrap().scale.clear();
    let page = render(&r);
    assert!(text(section(&page, "answer")).contains("not measured: no mixed benchmark"));
}

#[test]
fn counts_that_do_not_add_up_are_shown_as_such() {
    let mut r = fixture();
    let sweep = r.sweep.as_mut().unwrap();
    let base = sweep
        .entries
        .iter()
        .find_map(|e| e.record().filter(|k| k.request.workload == Workload::Greet))
        .unwrap()
        .clone();
    for retries in [0, 3] {
        let mut k = base.clone();
        k.request.count = 100;
        k.request.retries = retries;
        k.request.hosts.faults = greet_core::fault::Faults::parse("reset=10%").unwrap();
        k.ok = 1_000_000_000;
        k.errors = 0;
        sweep.faults.push(RunResult::Record(Box::new(k)));
    }
    let page = render(&r);
    let faults = text(section(&page, "faults"));
    assert!(faults.contains("counts do not add up"), "{faults}");
    assert!(
        !page.contains("1000000000 %") && !page.contains("1e9"),
        "an impossible share"
    );
}

#[test]
fn reading_refuses_devices_pipes_and_files_over_the_cap_in_one_line() {
    let dir = temp_dir("bounded");
    let err =
        greetbench_report::render(Path::new("/dev/zero"), &dir.join("out"), &dir).unwrap_err();
    assert!(matches!(err, ResultsError::NotAFile { .. }), "{err:?}");
    assert!(!err.to_string().contains('\n'));
    // A sparse file past the cap: refused from its size, before a byte is read.
    let big = dir.join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(greetbench_report::results::MAX_RESULTS_BYTES + 1)
        .unwrap();
    let err = greetbench_report::render(&big, &dir.join("out"), &dir).unwrap_err();
    assert!(matches!(err, ResultsError::TooLarge { .. }), "{err:?}");
    let line = err.to_string();
    assert!(line.contains("512 MiB cap"), "{line}");
    assert!(!line.contains('\n'));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_stored_results_file_regenerates_the_same_report() {
    let dir = temp_dir("same");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let pa = greetbench_report::render(&fixture_path(), &a, &dir).unwrap();
    let pb = greetbench_report::render(&fixture_path(), &b, &dir).unwrap();
    assert_eq!(
        std::fs::read_to_string(pa).unwrap(),
        std::fs::read_to_string(pb).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_model_described_only_in_the_results_file_shows_in_charts_and_tables() {
    let mut r = fixture();
    let extra = Description::new(
        "glommio",
        Family::Async,
        Shape::PerJob,
        "one glommio task per greet on a thread-per-core executor",
    )
    .one_thread()
    .crunch_on("glommio's one executor thread, inline")
    .runtime("glommio");
    r.models.push(extra);
    let like = models_where(&r, |d| d.family == Family::Async)[0].clone();
    let sweep = r.sweep.as_mut().unwrap();
    let copies: Vec<RunResult> = sweep
        .entries
        .iter()
        .filter(|e| e.request().model == like && e.request().workload == Workload::Greet)
        .cloned()
        .map(|mut e| {
            if let RunResult::Record(k) = &mut e {
                k.request.model = "glommio".into();
            }
            e
        })
        .collect();
    sweep.entries.extend(copies);
    let page = render(&r);
    let io = section(&page, "io");
    assert!(io.contains(">glommio<"), "the io chart and table name it");
    assert!(section(&page, "machine").contains("glommio"));
}

#[test]
fn no_chart_text_overlaps() {
    // The fixture, and the sample results the repository ships (reports/sample/).
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports/sample/results.json");
    let mut all = vec![fixture()];
    all.extend(read_versioned::<Results>(&sample).ok());
    assert_eq!(all.len(), 2, "the sample results are in the repository");
    for r in &all {
        let view = View::new(r);
        let mut figures = Vec::new();
        figures.extend(greetbench_report::section::io::build(&view).figure);
        figures.extend(greetbench_report::section::io::build(&view).growth);
        figures.extend(greetbench_report::section::memory::build(&view).figure);
        figures.extend(greetbench_report::section::cpu::build(&view).figure);
        figures.extend(greetbench_report::section::mixed::build(&view).figure);
        figures.extend(greetbench_report::section::load::build(&view).figure);
        figures.extend(greetbench_report::section::spawn::build(&view).figure);
        figures.extend(greetbench_report::section::shared::build(&view).figure);
        figures.extend(
            greetbench_report::section::waiting::build(&view)
                .grids
                .into_iter()
                .flat_map(|g| g.figures),
        );
        assert!(figures.len() >= 8, "{} charts", figures.len());
        for f in &figures {
            let boxes = f.svg.text_boxes();
            assert!(boxes.len() > 2, "{}: axis labels", f.id);
            for (i, (a, ta)) in boxes.iter().enumerate() {
                for (b, tb) in &boxes[..i] {
                    assert!(!a.overlaps(b), "{}: {ta:?} overlaps {tb:?}", f.id);
                }
            }
        }
    }
}

#[test]
fn coordinates_have_one_decimal_and_no_rectangle_is_zero_wide() {
    let page = render(&fixture());
    // Every attribute value inside an <svg>: the parts of the page between quotes that follow
    // an `=`.
    let mut in_svg = false;
    let parts: Vec<&str> = page.split('"').collect();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            if part.contains("<svg") {
                in_svg = true;
            }
            if part.contains("</svg>") {
                in_svg = false;
            }
            continue;
        }
        if in_svg && parts[i - 1].ends_with('=') {
            let long = part
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter_map(|n| n.split_once('.'))
                .any(|(_, frac)| frac.len() > 1);
            assert!(!long, "a coordinate with more than one decimal: {part}");
        }
    }
    assert!(!page.contains("width=\"0\""), "no zero-width rectangle");
}

#[test]
fn the_code_keeps_its_rules() {
    // rust-analyzer's tidy, for this crate: every file opens with a `//!`; no model's name is
    // quoted (rows are picked by description); HTML is escaped by the templates, never by
    // hand; no write's result is dropped; nothing prints on its own (provenance.rs lists the
    // crates whose versions it records: crate names, some also runtime models' names).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = fixture();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![root.join("src"), root.join("templates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20);
    for path in &files {
        let code = std::fs::read_to_string(path).unwrap();
        let name = path.display();
        let rust = path.extension().is_some_and(|e| e == "rs");
        if rust {
            assert!(code.starts_with("//!"), "{name} lacks its //! header");
            for banned in [
                "eprintln!",
                "println!",
                "fn escape",
                "let _ = write",
                ".replace('<'",
            ] {
                assert!(!code.contains(banned), "{name} has {banned}");
            }
        }
        if path.file_name().is_some_and(|n| n == "provenance.rs") {
            continue;
        }
        for m in &r.models {
            assert!(
                !code.contains(&format!("\"{}\"", m.name)),
                "{name} names the model {}",
                m.name
            );
        }
    }
    // One file per section: each section's module and template exist.
    for s in Section::ALL {
        let stem = match s {
            Section::Sweep => "sweep",
            other => other.id(),
        };
        assert!(
            root.join(format!("src/section/{stem}.rs")).exists(),
            "{stem}.rs"
        );
        assert!(
            root.join(format!("templates/{stem}.html")).exists(),
            "{stem}.html"
        );
    }
}

#[test]
fn the_answer_reads_runs_alone_without_criterion_data() {
    // What `greetbench compare` has: records, no criterion estimates, no noise file.
    let r = fixture();
    let runs = r.sweep.as_ref().unwrap().entries.clone();
    let alone = Results::from_runs(r.provenance.clone(), r.models.clone(), runs);
    let view = View::new(&alone);
    let a = answer::build(&view);
    let io = &a.rows[0];
    assert!(io.what.starts_with("Many greets"));
    let first_async = models_where(&r, |d| d.family == Family::Async)[0].clone();
    assert_eq!(io.picks[0].model.as_deref(), Some(first_async.as_str()));
    let mixed = a.rows.iter().find(|s| s.what.starts_with("Mixed")).unwrap();
    assert_eq!(mixed.picks[0].confidence, Confidence::NotMeasured);
}

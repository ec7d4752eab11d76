//! The report from a small stored results file (`tests/fixtures/results.json`): every chart is
//! drawn, the page names every model and the machine, the verdicts follow the numbers, and
//! everything about a model is read from its description in the file. No model name is typed
//! in here either: the tests take them from the fixture's descriptions.

use std::path::{Path, PathBuf};

use greet_core::record::{Noise, RunResult, Status};
use greet_core::{Description, Family, OsLimit, Shape, Workload};
use greetbench_report::results::{GroupNoise, ResultsError, read_versioned};
use greetbench_report::verdicts::{self, Verdict};
use greetbench_report::{Results, charts, html};
use serde_json::{Value, json};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json")
}

fn fixture() -> Results {
    read_versioned(&fixture_path()).expect("the fixture parses")
}

fn fixture_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture_path()).unwrap()).unwrap()
}

fn options() -> html::Options {
    html::Options {
        link_base: "../target/criterion".into(),
        baseline: None,
    }
}

/// A fresh directory under the system's temp dir for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-report-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
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

/// The page between `<h3 id="{id}">` and the next heading.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<h3 id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &page[start + 4..];
    let end = rest
        .find("<h3 ")
        .or_else(|| rest.find("<h2 "))
        .unwrap_or(rest.len());
    &page[start..start + 4 + end]
}

/// The text of an HTML fragment, tags removed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The rows of the sweep table (after `<h2 id="sweep">`), each as its cells' text.
fn sweep_rows(page: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let start = page.find("<h2 id=\"sweep\">").expect("a sweep table");
    let table = &page[start..];
    let table = &table[..table.find("</table>").unwrap()];
    let cells = |row: &str| -> Vec<String> {
        // Past the rest of the row's own tag (`<tr class="busy">`).
        let row = &row[row.find('>').map_or(0, |i| i + 1)..];
        row.split("</td>")
            .flat_map(|c| c.split("</th>"))
            .map(text)
            .filter(|c| !c.trim().is_empty())
            .collect()
    };
    let mut rows = table.split("<tr").skip(1).map(cells);
    let header = rows.next().expect("a header row");
    (header, rows.collect())
}

#[test]
fn every_chart_is_drawn_and_not_empty() {
    let r = fixture();
    let all = charts::all(&r);
    let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
    let mut expected = r.io_groups();
    assert_eq!(expected, ["io_0ms", "io_10ms"], "lowest latency first");
    expected.extend(
        [
            "cpu_speedup",
            "cpu_1worker",
            "cpu_allcores",
            "mixed",
            "memory",
            "spawn",
            "shared_state",
        ]
        .map(String::from),
    );
    assert_eq!(keys, expected);
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
fn line_charts_have_one_legend_entry_per_model_in_registry_order() {
    let r = fixture();
    assert_eq!(
        r.models.len(),
        9,
        "the fixture describes today's nine models"
    );
    let c = charts::time_vs_n(&r, "io_10ms", "greet at L = 10 ms")
        .unwrap()
        .unwrap();
    let at: Vec<usize> = r
        .models
        .iter()
        .map(|m| {
            c.svg
                .find(&format!("\n{}\n", m.name))
                .unwrap_or_else(|| panic!("legend lacks {}", m.name))
        })
        .collect();
    assert!(at.is_sorted(), "the legend follows the registry's order");
    assert!(c.svg.contains("ms (log)"), "the y axis names its unit");
    // Every model keeps its colour: the same name gets the same one, two names differ.
    let (a, b) = (&r.models[1].name, &r.models[5].name);
    assert_eq!(charts::colour(&r, a), charts::colour(&r, a));
    assert_ne!(charts::colour(&r, a), charts::colour(&r, b));
}

#[test]
fn the_memory_chart_shows_per_job_models_and_names_the_limit_that_stopped_a_size() {
    let r = fixture();
    let threads = r.per_job_threads().expect("a thread-per-job model");
    let stopped = r.sweep_waiting(&threads.name, 20_000).unwrap();
    assert_eq!(stopped.status(), Status::Limit(OsLimit::Threads));
    let c = charts::memory_per_greet(&r).unwrap().unwrap();
    assert!(c.svg.contains(OsLimit::Threads.label()), "no limit marker");
    assert!(c.svg.contains("N = 10000") && c.svg.contains("N = 1000"));
    assert!(c.title.contains("2000 ms"), "{}", c.title);
    for m in &r.models {
        let shown = c.svg.contains(&format!("\n{}\n", m.name));
        assert_eq!(
            shown,
            m.shape == Shape::PerJob,
            "{} in the memory chart",
            m.name
        );
    }
}

#[test]
fn the_page_names_every_model_and_describes_the_machine() {
    let r = fixture();
    let page = html::page(&r, &options());
    assert!(page.contains("id=\"machine\""));
    assert!(page.contains(&r.provenance.cpu_model));
    assert!(page.contains(&r.provenance.rustc));
    assert!(page.contains(&r.provenance.git_commit));
    for m in &r.models {
        assert!(
            page.contains(&format!(">{}<", m.name)),
            "the page does not name {}",
            m.name
        );
        assert!(
            page.contains(&html::escape(&m.crunch_on)),
            "the models table lacks {}'s description",
            m.name
        );
    }
    assert!(
        !page.contains("<script"),
        "the page must read without JavaScript"
    );
    let fastest = &r.async_models()[0].name;
    assert!(page.contains(&format!(
        "../target/criterion/io_10ms/{fastest}/1000/report/index.html"
    )));
    // Nothing is missing from a complete fixture.
    assert!(
        !page.contains("not measured in this run"),
        "a claim lacks evidence"
    );
    // The fixture records no noise: nothing is marked busy, and the page says why.
    assert!(!page.contains("class=\"busy\""));
    assert!(page.contains("record no noise"));
}

#[test]
fn the_io_verdict_follows_the_numbers_and_reads_latency_and_size_from_the_results() {
    let mut r = fixture();
    let threads = r.per_job_threads().unwrap().name.clone();
    let asyncs: Vec<String> = r.async_models().iter().map(|m| m.name.clone()).collect();
    let before = verdicts::summary(&r).join("\n");
    assert!(
        before.contains("For I/O-bound work with 1000 greets at 10 ms"),
        "{before}"
    );
    assert!(
        before.contains("threads were") && before.contains("slower"),
        "{before}"
    );
    // The one-at-a-time ideal is computed: N × L = 1000 × 10 ms.
    assert!(before.contains("at best N × L = 10.000 s"), "{before}");
    // Make every async model 40 times slower: the sentence must say so.
    for a in &asyncs {
        let ns = r.estimate("io_10ms", a, 1000).unwrap().median_ns;
        set_median(&mut r, "io_10ms", a, 1000, ns * 40.0);
    }
    let after = verdicts::summary(&r).join("\n");
    assert_ne!(before, after);
    assert!(
        after.contains("threads were") && after.contains("faster"),
        "{after}"
    );

    // The latency is the group's, not a typed-in 10 ms.
    let mut r = fixture();
    for e in r.criterion.iter_mut().filter(|e| e.group == "io_10ms") {
        e.group = "io_50ms".into();
    }
    let s = verdicts::summary(&r).join("\n");
    assert!(s.contains("1000 greets at 50 ms"), "{s}");
    assert!(s.contains("at best N × L = 50.000 s"), "{s}");

    // Without the io groups, the sweep's own runs stand in, at their latency and size.
    let mut r = fixture();
    r.criterion
        .retain(|e| Results::io_latency(&e.group).is_none());
    let s = verdicts::summary(&r).join("\n");
    assert!(
        s.contains("1000 greets at 10 ms (one run each, from the sweep)"),
        "{s}"
    );
    assert!(s.contains(&format!("({threads})")), "{s}");
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
    let one = r
        .models_where(|m| m.family == Family::Async && m.one_thread)
        .first()
        .map(|m| m.name.clone())
        .expect("an async model on one thread");
    let base = r.baseline().unwrap().name.clone();
    let seq = r.estimate("cpu_1worker", &base, 200).unwrap().median_ns;
    set_median(&mut r, "cpu_allcores", &one, 200, seq / 1.9);
    let c = claim(&r, "Async is not parallel");
    assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);
    assert!(c.evidence.contains("yet sped up"), "{}", c.evidence);

    // Without a scale sweep, the resource sweep's largest sizes decide (tests/load_scale.rs
    // checks the claim from the scale sweep).
    let mut r = fixture();
    r.sweep.as_mut().unwrap().scale.clear();
    assert_eq!(claim(&r, "Async handles").verdict, Verdict::Holds);
    assert!(
        claim(&r, "Async handles")
            .evidence
            .contains("hit an OS limit")
    );

    let mut r = fixture();
    assert_eq!(claim(&r, "A thread cannot").verdict, Verdict::Holds);
    r.sweep.as_mut().unwrap().kill = None;
    let c = claim(&r, "A thread cannot");
    assert_eq!(c.verdict, Verdict::NotMeasured);
    assert!(c.evidence.contains("No kill probe"));
}

#[test]
fn the_async_verdict_credits_each_speedup_to_the_descriptions_crunch_on_words() {
    let mut r = fixture();
    // A model that crunches inline on tokio's async workers joins the cpu groups: a copy of an
    // existing async model's estimates under a new description.
    let donor = r
        .models_where(|m| m.family == Family::Async && !m.one_thread)
        .first()
        .map(|m| (*m).clone())
        .unwrap();
    let mut inline = donor.clone();
    inline.name = "tokio-inline".into();
    inline.crunch_on = "tokio's async worker threads, inline".into();
    r.models.push(inline.clone());
    let copies: Vec<_> = r
        .criterion
        .iter()
        .filter(|e| e.function == donor.name && e.group.starts_with("cpu_"))
        .map(|e| {
            let mut e = e.clone();
            e.function = inline.name.clone();
            e
        })
        .collect();
    r.criterion.extend(copies);

    let c = claim(&r, "Async is not parallel");
    let speedups = r.cpu_speedups();
    let mut credited = 0;
    for m in r.async_models() {
        let Some(s) = speedups
            .iter()
            .find(|s| s.model == m.name)
            .and_then(|s| s.all)
        else {
            continue;
        };
        // The sentence's own format: the model, its speedup, and where it crunches.
        let words = format!("{} {:.1}× on {}", m.name, s, m.crunch_on);
        assert!(
            c.evidence.contains(&words),
            "{words} not in: {}",
            c.evidence
        );
        credited += 1;
    }
    assert_eq!(credited, 5, "four async models plus tokio-inline");
    // The one-thread model is the one that shows async itself is not parallel.
    assert!(
        c.evidence.contains(
            "It runs every task on one thread and stayed under 1.3×: async itself is not parallel"
        ),
        "{}",
        c.evidence
    );
    assert_eq!(c.verdict, Verdict::HoldsWithCaveat);

    // The credit is the description's: change the words, the sentence follows.
    let tokio = r.models.iter_mut().find(|m| m.name == donor.name).unwrap();
    tokio.crunch_on = "a made-up pool of exactly this name".into();
    let c = claim(&r, "Async is not parallel");
    assert!(
        c.evidence
            .contains("on a made-up pool of exactly this name"),
        "{}",
        c.evidence
    );

    // With no async model described as one-thread, the claim has no evidence.
    for m in r.models.iter_mut() {
        m.one_thread = false;
    }
    assert_eq!(
        claim(&r, "Async is not parallel").verdict,
        Verdict::NotMeasured
    );
}

#[test]
fn a_results_file_of_another_format_is_refused_with_one_line_naming_the_fix() {
    let dir = temp_dir("format");
    for (name, format) in [("v1.json", Some(1)), ("none.json", None)] {
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

/// A sweep record of `model` at `count` greets waiting the fixture's memory latency (its
/// longest), copied from the fixture's record of `like` at the same count.
fn record_like(v: &Value, like: &str, model: &str, count: u64) -> Value {
    let entries = v["sweep"]["entries"].as_array().unwrap();
    let longest = entries
        .iter()
        .filter_map(|e| e["record"]["latency_ms"].as_f64())
        .fold(0.0, f64::max);
    let mut e = entries
        .iter()
        .find(|e| {
            e["record"]["model"] == like
                && e["record"]["count"] == count
                && e["record"]["latency_ms"] == longest
        })
        .unwrap_or_else(|| panic!("no record of {like} at {count}"))
        .clone();
    e["record"]["model"] = json!(model);
    e["record"]["peak_rss_kib"] = json!(4096 + 3 * count);
    e
}

#[test]
fn a_model_described_only_in_the_results_file_shows_in_charts_and_tables() {
    // A tenth model, described in the file and swept, with no code edit anywhere; and a model
    // with sweep records but no description at all.
    let mut v = fixture_json();
    let extra = Description::new(
        "glommio",
        Family::Async,
        Shape::PerJob,
        "one glommio task per greet on a thread-per-core executor",
    )
    .one_thread()
    .crunch_on("glommio's one executor thread, inline")
    .runtime("glommio");
    v["models"].as_array_mut().unwrap().push(json!(extra));
    let like = v["models"][5]["name"].as_str().unwrap().to_owned();
    for n in [1000, 10_000] {
        let rec = record_like(&v, &like, "glommio", n);
        v["sweep"]["entries"].as_array_mut().unwrap().push(rec);
    }
    let unknown = record_like(&v, &like, "mystery", 1000);
    v["sweep"]["entries"].as_array_mut().unwrap().push(unknown);
    let estimates: Vec<Value> = v["criterion"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["function"] == like.as_str() && e["group"] == "io_10ms")
        .map(|e| {
            let mut e = e.clone();
            e["function"] = json!("glommio");
            e
        })
        .collect();
    assert!(!estimates.is_empty());
    v["criterion"].as_array_mut().unwrap().extend(estimates);

    let dir = temp_dir("extra");
    let file = dir.join("results.json");
    std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let page_file = greetbench_report::render(&file, &dir.join("out"), &dir).unwrap();
    let page = std::fs::read_to_string(page_file).unwrap();
    let r: Results = read_versioned(&file).unwrap();

    // The charts.
    let memory = charts::memory_per_greet(&r).unwrap().unwrap();
    assert!(memory.svg.contains("\nglommio\n"), "glommio's bars");
    assert!(
        memory.svg.contains("\nmystery\n"),
        "the undescribed model's bars"
    );
    assert!(
        memory.caption.contains("mystery has no description"),
        "{}",
        memory.caption
    );
    let io = charts::time_vs_n(&r, "io_10ms", "greet").unwrap().unwrap();
    assert!(io.svg.contains("\nglommio\n"), "glommio in the io legend");

    // The tables: the memory table lists glommio after the registry's models and the
    // undescribed model last; the sweep table has its runs.
    let mem = section(&page, "memory");
    let last_known = r.models[r.models.len() - 2].name.clone();
    let pos = |m: &str| {
        mem.rfind(&format!("<th class=\"l\">{m}</th>"))
            .unwrap_or_else(|| panic!("{m} not in the memory table"))
    };
    assert!(pos(&last_known) < pos("glommio") && pos("glommio") < pos("mystery"));
    let (_, rows) = sweep_rows(&page);
    assert_eq!(rows.iter().filter(|row| row[0] == "glommio").count(), 2);
    assert!(
        page.contains("<th class=\"l\">mystery</th><td class=\"l\" colspan=\"6\">not described")
    );

    // The verdicts pick it by its description: the io verdict lists it among the async models.
    let io = verdicts::summary(&r).remove(0);
    assert!(io.contains("glommio 15.100 ms"), "{io}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_busy_group_and_a_busy_run_are_marked_and_a_quiet_one_is_not() {
    let mut r = fixture();
    let busy = Noise {
        other_busy: Noise::BUSY + 0.15,
        steal: 0.02,
    };
    let quiet = Noise {
        other_busy: Noise::BUSY / 4.0,
        steal: 0.0,
    };
    assert!(busy.busy() && !quiet.busy());
    r.noise = vec![
        GroupNoise {
            group: "io_10ms".into(),
            wall_s: 30.0,
            noise: busy,
        },
        GroupNoise {
            group: "io_0ms".into(),
            wall_s: 300.0,
            noise: quiet,
        },
    ];
    // One sweep point was measured on a busy machine.
    let point = r
        .sweep
        .as_mut()
        .unwrap()
        .entries
        .iter_mut()
        .find_map(|e| match e {
            RunResult::Record(k) if k.request.workload == Workload::Greet => Some(k),
            _ => None,
        })
        .unwrap();
    point.noise = Some(busy);
    let point_model = point.request.model.clone();
    let page = html::page(&r, &options());

    let threshold = format!("over {:.0} % of all cores", Noise::BUSY * 100.0);
    assert!(
        page.contains(&threshold),
        "the page documents the threshold"
    );
    let hot = section(&page, "io_10ms");
    assert!(hot.contains("class=\"busy\""), "io_10ms is not marked");
    assert!(hot.contains("others' CPU 25 %, steal 2 %"), "{hot}");
    assert!(
        !section(&page, "io_0ms").contains("class=\"busy\""),
        "io_0ms is quiet"
    );
    // The whole run, weighted by wall time, was quiet.
    assert!(!page.contains("id=\"run-busy\""));
    // The busy sweep point is marked in its row, and no other row is.
    let (header, rows) = sweep_rows(&page);
    let marked: Vec<&Vec<String>> = rows
        .iter()
        .filter(|row| row.iter().any(|c| c.contains(html::BUSY_MARK)))
        .collect();
    assert_eq!(marked.len(), 1, "one busy point");
    assert_eq!(marked[0][0], point_model);
    let others = header.iter().position(|h| h == "others' CPU").unwrap();
    assert_eq!(marked[0][others], "25 %");
    // The io verdict is built on the busy group and says so.
    let io = verdicts::summary(&r).remove(0);
    assert!(io.contains("Measured on a busy machine"), "{io}");
    assert!(io.contains("group io_10ms"), "{io}");

    // Make the quiet group busy too: now the whole run is marked.
    r.noise[1].noise = busy;
    let page = html::page(&r, &options());
    assert!(page.contains("id=\"run-busy\""));
}

#[test]
fn the_sweep_table_shows_each_runtimes_executor_threads() {
    let mut r = fixture();
    let cores = r.provenance.logical_cores;
    // What the runtimes chose: one thread for one, every core for another.
    let asyncs: Vec<String> = r.async_models().iter().map(|m| m.name.clone()).collect();
    let (single, every) = (asyncs[3].clone(), asyncs[2].clone());
    for e in &mut r.sweep.as_mut().unwrap().entries {
        if let RunResult::Record(k) = e {
            if k.request.model == single {
                k.executor_threads = Some(1);
            } else if k.request.model == every {
                k.executor_threads = Some(cores);
            }
        }
    }
    let page = html::page(&r, &options());
    let (header, rows) = sweep_rows(&page);
    let col = header
        .iter()
        .position(|h| h == "executor threads")
        .expect("an executor threads column");
    let shown = |m: &str| -> Vec<String> {
        rows.iter()
            .filter(|row| row[0] == m)
            .map(|row| row[col].clone())
            .collect()
    };
    assert!(
        shown(&single).iter().all(|c| c == "1"),
        "{:?}",
        shown(&single)
    );
    assert!(
        shown(&every).iter().all(|c| *c == cores.to_string()),
        "{:?}",
        shown(&every)
    );
    let threads = r.per_job_threads().unwrap().name.clone();
    assert!(shown(&threads).iter().all(|c| c == "-"));
}

#[test]
fn a_run_without_figures_reads_as_its_failure() {
    let mut r = fixture();
    let entries = &mut r.sweep.as_mut().unwrap().entries;
    let request = entries[0].request().clone();
    entries[0] = serde_json::from_value(json!({"failure": {
        "request": request,
        "kind": "start",
        "message": "the runtime could not start: raise the thread limit"
    }}))
    .unwrap();
    assert_eq!(entries[0].status(), Status::Failed);
    let page = html::page(&r, &options());
    assert!(
        page.contains("failed (no figures): the runtime could not start: raise the thread limit")
    );
}

#[test]
fn a_stored_results_file_regenerates_the_same_report() {
    let dir = temp_dir("same");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let crit = dir.join("criterion");
    let pa = greetbench_report::render(&fixture_path(), &a, &crit).unwrap();
    let pb = greetbench_report::render(&fixture_path(), &b, &crit).unwrap();
    let (ta, tb) = (
        std::fs::read_to_string(pa).unwrap(),
        std::fs::read_to_string(pb).unwrap(),
    );
    assert_eq!(ta, tb);
    // Every chart of the charts section, plus the rate sweep's and the scale sweep's.
    assert_eq!(
        ta.matches("<svg").count(),
        charts::all(&fixture()).len() + 2
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn no_model_is_named_in_the_reports_code() {
    // Rows are picked by description, so no source file of the report may quote a model's
    // name. (provenance.rs lists the crates whose versions it records: crate names, some of
    // which are also runtime models' names.)
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let r = fixture();
    let mut checked = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![
        src.clone(),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
    ];
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
    for path in files {
        if path.file_name().is_some_and(|n| n == "provenance.rs") {
            continue;
        }
        let code = std::fs::read_to_string(&path).unwrap();
        for m in &r.models {
            let quoted = format!("\"{}\"", m.name);
            assert!(
                !code.contains(&quoted),
                "{} names the model {quoted}",
                path.display()
            );
        }
        checked.extend(path.file_name().map(|n| n.to_string_lossy().into_owned()));
    }
    for file in ["results.rs", "charts.rs", "verdicts.rs", "html.rs"] {
        assert!(checked.iter().any(|c| c == file), "{file} was not read");
    }
}

/// The page between `<h2 id="{id}">` and the next `<h2`.
fn chapter<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<h2 id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no chapter {id}"));
    let rest = &page[start + 4..];
    let end = rest.find("<h2 ").unwrap_or(rest.len());
    &page[start..start + 4 + end]
}

#[test]
fn the_faults_section_shows_every_model_at_every_level_with_and_without_retries() {
    let mut r = fixture();
    let page = html::page(&r, &options());
    assert!(chapter(&page, "faults").contains("Not measured in this run"));
    // Runs under faults made from a stored record: at 0 % and 10 % resets, with 0 and 3
    // retries; the retries win back all but one greet in a hundred.
    let sweep = r.sweep.as_mut().unwrap();
    let base = sweep
        .entries
        .iter()
        .find_map(|e| e.record().filter(|k| k.request.workload == Workload::Greet))
        .expect("a greet record")
        .clone();
    let models: Vec<String> = sweep.models.iter().map(|m| m.name.clone()).collect();
    for m in &models {
        for level in [0.0, 10.0] {
            for retries in [0, 3] {
                let mut k = base.clone();
                k.request.model = m.clone();
                k.request.count = 100;
                k.request.retries = retries;
                k.request.hosts.faults =
                    greet_core::fault::Faults::parse(&format!("reset={level}%")).unwrap();
                let errors = match (level > 0.0, retries) {
                    (false, _) => 0,
                    (true, 0) => 10,
                    (true, _) => 1,
                };
                k.ok = 100 - errors;
                k.errors = errors;
                k.errors_by_kind = [(greet_core::ErrorKind::Reset, errors)]
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .collect();
                sweep.faults.push(RunResult::Record(Box::new(k)));
            }
        }
    }
    let page = html::page(&r, &options());
    let section = chapter(&page, "faults");
    let words = text(section);
    assert!(
        words.contains("At 10 % faults the models kept 90 % of their greets without retries"),
        "{words}"
    );
    assert!(words.contains("and 99 % with 3"), "{words}");
    assert!(words.contains("reset 100 %"), "the mix is stated: {words}");
    // One row per model, in the descriptions' order, and one cell per level and retries,
    // each adding up.
    let rows: Vec<&str> = section.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), models.len());
    for (row, m) in rows.iter().zip(&models) {
        assert!(
            row.starts_with(&format!("<th class=\"l\">{m}</th>")),
            "{row}"
        );
        assert_eq!(row.matches("<td>").count(), 4, "{row}");
        assert_eq!(row.matches('✓').count(), 4, "{row}");
        assert!(
            row.contains("90 ok, 10 errors") && row.contains("reset 10"),
            "{row}"
        );
        assert!(row.contains("99 ok, 1 errors"), "{row}");
    }
    // The same page comes back from the stored file.
    let dir = temp_dir("faults");
    let file = dir.join("results.json");
    greetbench_report::results::write_json(&file, &r).unwrap();
    let stored = greetbench_report::render(&file, &dir, &dir).unwrap();
    let again = std::fs::read_to_string(stored).unwrap();
    assert_eq!(chapter(&again, "faults"), section);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cpu_claims_on_one_core_are_not_measured_rather_than_confirmed() {
    // A flat speedup on one core would "confirm" that async or threads give none without
    // testing anything: with one core, the CPU claims say so instead of holding.
    let mut r: greetbench_report::Results =
        greetbench_report::results::read_versioned(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/results.json"
        )))
        .unwrap();
    let before = greetbench_report::verdicts::claims(&r);
    r.provenance.logical_cores = 1;
    let after = greetbench_report::verdicts::claims(&r);
    let verdict = |cs: &[greetbench_report::verdicts::Claim], start: &str| {
        cs.iter()
            .find(|c| c.claim.starts_with(start))
            .map(|c| c.verdict)
    };
    assert_ne!(
        verdict(&before, "Async is not parallel"),
        Some(greetbench_report::verdicts::Verdict::NotMeasured),
        "the fixture measures it on two cores"
    );
    assert_eq!(
        verdict(&after, "Async is not parallel"),
        Some(greetbench_report::verdicts::Verdict::NotMeasured)
    );
}

//! The rate sweep's and the scale sweep's sections, from the fixture's `rates` and `scale`
//! entries: p99 against offered rate with each predicted knee, the knee verdict (which flips
//! when the measured knee moves away from the prediction, or the prediction from the data, and
//! takes the median of a line's runs' predictions), the sustained-rate table with the machine's
//! limit from client and server CPU, the fixture's load figures in the harness's own shape and
//! wording, the scale chart with its limits named, the largest-N table, the
//! "thousands of connections" claim from the scale points, and "not measured" when a results
//! file has neither (an older file renders as before). As in `report.rs`, no model name is
//! typed in here: models are picked by description or by what their points show.

use greet_core::record::{RunRecord, RunResult};
use greet_core::{Family, OsLimit, Shape};
use greetbench_report::Results;
use greetbench_report::format;
use greetbench_report::section::load::{self, MeasuredKnee};
use greetbench_report::section::memory::{self, Stop};
use greetbench_report::section::{Options, claims};
use greetbench_report::verdict::{Verdict, Why};
use greetbench_report::view::{Column, View};
use serde_json::Value;

mod common;
use common::{fixture, fixture_path, text};

fn page(r: &Results) -> String {
    greetbench_report::page(
        r,
        &Options {
            link_base: "../target/criterion".into(),
            baseline: None,
        },
    )
    .unwrap()
}

/// The page's `<section id="{id}">`.
fn chapter<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The rows of the table with id `id` in `html`, each as its cells' text.
fn rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<tr")
        .skip(2)
        .map(|row| {
            let row = &row[row.find('>').map_or(0, |i| i + 1)..];
            row.split("</td>")
                .flat_map(|c| c.split("</th>"))
                .map(text)
                .filter(|c| !c.trim().is_empty())
                .collect()
        })
        .collect()
}

/// The texts of a chart, legend and labels included.
fn texts(f: &greetbench_report::section::Figure) -> Vec<String> {
    f.svg
        .text_boxes()
        .into_iter()
        .map(|(_, t)| t.to_owned())
        .collect()
}

fn lines(r: &Results) -> Vec<load::RateLine<'_>> {
    load::lines(&View::new(r))
}

/// The model a sweep's pool line belongs to: the first line whose model `--workers` sizes.
fn pool_model(r: &Results) -> String {
    lines(r)
        .into_iter()
        .find(|l| l.workers.is_some())
        .map(|l| l.model)
        .expect("the fixture's rate sweep has a pool")
}

/// Every record of the rate sweep of `model`, to edit.
fn rate_records<'a>(r: &'a mut Results, model: &str) -> Vec<&'a mut RunRecord> {
    r.sweep
        .as_mut()
        .unwrap()
        .rates
        .iter_mut()
        .filter_map(|e| match e {
            RunResult::Record(k) if k.request.model == model => Some(k.as_mut()),
            _ => None,
        })
        .collect()
}

fn knee_verdict(r: &Results, model: &str) -> (Verdict, String) {
    let lines = lines(r);
    let line = lines.iter().find(|l| l.model == model).unwrap();
    load::knee_verdict(line, &line.label(&lines))
}

#[test]
fn the_rate_chart_has_a_line_per_model_in_model_order_each_with_its_predicted_knee() {
    let r = fixture();
    let view = View::new(&r);
    let lines = load::lines(&view);
    assert!(lines.len() >= 3, "the fixture sweeps several models");
    let ranks: Vec<usize> = lines.iter().map(|l| view.rank_of(&l.model)).collect();
    assert!(ranks.is_sorted(), "lines follow the registry's order");
    for l in &lines {
        let offered: Vec<f64> = l.points.iter().map(|p| p.offered()).collect();
        assert!(offered.is_sorted_by(|a, b| a < b), "{}: ascending", l.model);
        assert!(l.predicted().is_some(), "{} states its knee", l.model);
    }
    let c = load::build(&view).figure.expect("a rate chart");
    let words = texts(&c);
    for l in &lines {
        assert!(
            words.contains(&l.label(&lines)),
            "the legend lacks {}",
            l.model
        );
    }
    assert!(words.iter().any(|w| w.starts_with("predicted knee")));
    assert!(words.contains(&"offered rate, greets/s (log)".to_string()));
    assert!(words.contains(&"p99 latency, ms (log)".to_string()));
    assert!(c.caption.starts_with("Notice"));
    // The pool's knee is K/L: its basis says so, and its value is the pool size over L.
    let pool = lines.iter().find(|l| l.workers.is_some()).unwrap();
    let (knee, basis) = pool.predicted().unwrap();
    let k = pool.workers.unwrap() as f64;
    assert!(
        (knee - k / pool.latency.as_secs_f64()).abs() < 1e-9,
        "{knee}"
    );
    assert!(basis.contains("K/L"), "{basis}");
}

#[test]
fn a_rate_is_sustained_only_under_the_bound_with_every_greet_ok_and_keeping_up() {
    let r = fixture();
    let lines = lines(&r);
    let p = lines
        .iter()
        .flat_map(|l| &l.points)
        .find(|p| p.sustained)
        .expect("a sustained point");
    let (k, l) = (p.record.clone(), p.load.clone());
    assert!(load::sustained(&k, &l));
    let bound = load::p99_bound_ms(k.request.hosts.latency);
    let mut slow = l.clone();
    slow.latency_p99_ms = Some(bound * 1.01);
    assert!(!load::sustained(&k, &slow), "p99 over the bound");
    slow.latency_p99_ms = Some(bound * 0.99);
    assert!(load::sustained(&k, &slow), "p99 under the bound");
    let mut behind = l.clone();
    behind.achieved_rate = l.offered_rate * 0.8;
    assert!(!load::sustained(&k, &behind), "achieved fell behind");
    let mut failed = k.clone();
    failed.ok -= 1;
    failed.errors += 1;
    assert!(!load::sustained(&failed, &l), "a greet failed");
}

#[test]
fn the_knee_verdict_flips_when_the_prediction_or_the_data_moves() {
    let r = fixture();
    let pool = pool_model(&r);
    let all = lines(&r);
    let line = all.iter().find(|l| l.model == pool).unwrap();
    let knee = line.knee().unwrap();
    let (held, failed) = (knee.held.unwrap(), knee.failed.unwrap());
    let (predicted, _) = line.predicted().unwrap();
    let near = knee_verdict(&r, &pool);
    assert_eq!(near.0, Verdict::Holds, "{}", near.1);
    assert!(near.1.contains("where predicted"), "{}", near.1);

    // The same measurements against a prediction ten times higher: far, and it says earlier.
    let mut far = fixture();
    for k in rate_records(&mut far, &pool) {
        k.load.as_mut().unwrap().predicted_knee_rate = Some(predicted * 10.0);
    }
    let far = knee_verdict(&far, &pool);
    assert_eq!(far.0, Verdict::DoesNotHold, "{}", far.1);
    assert!(far.1.contains("earlier than predicted"), "{}", far.1);

    // The same prediction, with the pool falling behind at every rate: the knee is below the
    // lowest rate, under the prediction.
    let mut early = fixture();
    for k in rate_records(&mut early, &pool) {
        k.load.as_mut().unwrap().latency_p99_ms = Some(1e5);
    }
    let all = lines(&early);
    let line = all.iter().find(|l| l.model == pool).unwrap();
    assert_eq!(line.knee().unwrap().held, None);
    let v = knee_verdict(&early, &pool);
    assert_eq!(v.0, Verdict::DoesNotHold, "{}", v.1);

    // Every rate held, far past the prediction: the knee never came where predicted.
    let mut never = fixture();
    for k in rate_records(&mut never, &pool) {
        let l = k.load.as_mut().unwrap();
        l.latency_p99_ms = Some(k.request.hosts.latency.as_secs_f64() * 1e3);
        l.achieved_rate = l.offered_rate;
        l.predicted_knee_rate = Some(held / 4.0);
    }
    let all = lines(&never);
    let line = all.iter().find(|l| l.model == pool).unwrap();
    assert_eq!(
        line.knee().unwrap(),
        MeasuredKnee {
            held: line.points.last().map(|p| p.offered()),
            failed: None
        }
    );
    let v = knee_verdict(&never, &pool);
    assert_eq!(v.0, Verdict::DoesNotHold, "{}", v.1);
    assert!(failed > held);
}

#[test]
fn the_sustained_table_sets_each_model_against_the_machines_limit() {
    let r = fixture();
    let view = View::new(&r);
    let lines = load::lines(&view);
    let page = page(&r);
    let section = chapter(&page, "load");
    let rows = rows(section, "sustained");
    assert_eq!(rows.len(), lines.len(), "a row per line");
    let (limit, cpu, model) = load::machine_limit(&view, &lines).unwrap();
    for (row, l) in rows.iter().zip(&lines) {
        // Each cell's figure first, its note (K and L, p99, CPU per greet) after it.
        assert!(row[0].starts_with(&l.label(&lines)), "{row:?}");
        let highest = l.highest_sustained().unwrap();
        let has = |s: String| row.iter().any(|c| c.starts_with(&s));
        assert!(has(format::rate(highest)), "{row:?}");
        assert!(has(format::sig3(highest / limit)), "{row:?}");
    }
    // The machine's limit comes from the CPU per greet the runs measured, client and server
    // sharing the cores: the cheapest sustained run's `cpu_us_per_job`, not a constant.
    let cheapest = lines
        .iter()
        .flat_map(|l| &l.points)
        .filter(|p| p.sustained)
        .filter_map(|p| p.load.cpu_us_per_job)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(cpu, cheapest);
    assert!((limit - r.provenance.logical_cores as f64 * 1e6 / cpu).abs() < 1e-6);
    // The server's share is in it: more than the client's own CPU per greet in that run.
    let at = lines
        .iter()
        .filter(|l| l.model == model)
        .flat_map(|l| &l.points)
        .find(|p| p.sustained && p.load.cpu_us_per_job == Some(cpu))
        .unwrap();
    let k = at.record;
    let client_us =
        (k.cpu_user_s + k.cpu_sys_s - k.start_cpu_s.unwrap_or(0.0)) * 1e6 / k.request.count as f64;
    assert!(
        cpu > client_us * 1.05,
        "{cpu} µs is the client's {client_us} µs alone"
    );
    let words = text(section);
    assert!(words.contains(&format::rate(limit)), "the limit is stated");
    assert!(words.contains("client and server"), "the page says so");
    // A line with a failed run says so in its row.
    let failed = lines.iter().position(|l| !l.failures.is_empty()).unwrap();
    assert!(
        rows[failed]
            .iter()
            .any(|c| c.contains("outlived its deadline")),
        "{:?}",
        rows[failed]
    );
    // A verdict per line.
    assert_eq!(
        section.matches("<li>").count(),
        lines.len(),
        "one knee verdict per line"
    );
}

#[test]
fn the_memory_table_lists_each_models_reach_and_the_limit_named_in_the_data() {
    let r = fixture();
    let view = View::new(&r);
    let reach = memory::reaches(&view);
    let page = page(&r);
    let section = chapter(&page, "memory");
    let rows = rows(section, "memory-table");
    let mut limits = Vec::new();
    for m in &reach {
        let row = rows
            .iter()
            .find(|row| row[0] == m.model)
            .unwrap_or_else(|| panic!("no row for {}", m.model));
        if let Some(h) = m.largest() {
            assert_eq!(
                h.record.ok, h.record.request.count,
                "held means ok == count"
            );
            assert!(row.contains(&format::count(h.n as u64)), "{row:?}");
        }
        if let Some((n, stop)) = &m.stop {
            let words = match stop {
                Stop::Unavailable(_) => stop.label(),
                _ => format!("{}: {}", format::count(*n as u64), stop.label()),
            };
            assert!(row.contains(&words), "{row:?} lacks {words}");
            if let Stop::Limit(l) = stop {
                limits.push(*l);
            }
        }
    }
    // One limit comes from a record's errors by kind, another from a failure's `limit`.
    let scale = &r.sweep.as_ref().unwrap().scale;
    let from_errors = scale
        .iter()
        .filter_map(RunResult::record)
        .flat_map(RunRecord::limits)
        .next()
        .expect("a scale record stopped by a limit");
    let from_failure = scale
        .iter()
        .find_map(|e| match e {
            RunResult::Failure(f) => f.limit,
            _ => None,
        })
        .expect("a scale failure naming its limit");
    assert_ne!(from_errors, from_failure);
    assert!(limits.contains(&from_errors) && limits.contains(&from_failure));
    // A model that cannot run here reads "not available here".
    assert!(
        reach
            .iter()
            .any(|m| matches!(m.stop, Some((_, Stop::Unavailable(_)))))
    );
    assert!(text(section).contains("not available here"));
    // The model that went past one process is named in a sentence of its own.
    let multi = reach
        .iter()
        .find(|m| {
            m.largest()
                .and_then(|l| l.figures)
                .is_some_and(|f| f.client_processes > 1)
        })
        .expect("a model over several processes");
    assert!(text(section).contains(&format!("{} held", multi.model)));
}

#[test]
fn the_scale_chart_marks_each_models_stop_and_names_the_limits() {
    let r = fixture();
    let view = View::new(&r);
    let c = memory::build(&view).figure.expect("a scale chart");
    let words = texts(&c).join("\n");
    for m in memory::reaches(&view) {
        if let Some((_, Stop::Limit(l))) = &m.stop {
            assert!(
                words.contains(&greetbench_report::view::limit_words(*l)),
                "no label for {}",
                l.label()
            );
        }
        if m.held.iter().any(|h| h.figures.is_some()) {
            assert!(words.contains(&m.model), "legend lacks {}", m.model);
        }
    }
    assert!(
        words.contains(&greetbench_report::view::limit_words(OsLimit::Threads)),
        "{words}"
    );
}

#[test]
fn the_thousands_claim_follows_the_memory_figures() {
    let rust = Column {
        lang: greet_core::Lang::Rust,
        interpreter: None,
    };
    let check = |r: &Results| claims::check(&View::new(r), &rust, 5);
    let r = fixture();
    let c = check(&r);
    assert_eq!(c.verdict, Verdict::Holds, "{}", c.evidence);
    let threads = r
        .models
        .iter()
        .find(|m| m.family == Family::Threads && m.shape == Shape::PerJob)
        .unwrap()
        .name
        .clone();
    assert!(
        c.evidence.contains(&format!("waiting thread ({threads})")),
        "{}",
        c.evidence
    );
    assert!(
        c.evidence
            .contains(&greetbench_report::view::limit_words(OsLimit::Threads)),
        "{}",
        c.evidence
    );

    // Threads as cheap as the cheapest task: the claim does not hold.
    let mut flat = fixture();
    let sweep = flat.sweep.as_mut().unwrap();
    let task = sweep
        .scale
        .iter()
        .filter_map(RunResult::record)
        .filter(|k| k.request.model != threads)
        .filter_map(|k| k.scale.clone())
        .min_by(|a, b| a.total_kib_per_greet.total_cmp(&b.total_kib_per_greet))
        .unwrap();
    for e in sweep.scale.iter_mut() {
        if let RunResult::Record(k) = e
            && k.request.model == threads
        {
            k.scale = Some(task.clone());
        }
    }
    let c = check(&flat);
    assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);

    // No scale sweep: the resource sweep's runs where every greet waited at once decide.
    let mut none = fixture();
    none.sweep.as_mut().unwrap().scale.clear();
    let c = check(&none);
    assert!(c.evidence.contains("the sweep's runs"), "{}", c.evidence);
}

#[test]
fn a_results_file_without_rate_or_scale_entries_renders_load_as_not_measured() {
    // An older results.json has neither key: it must parse and render.
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path()).unwrap()).unwrap();
    let sweep = v["sweep"].as_object_mut().unwrap();
    assert!(sweep.remove("rates").is_some() && sweep.remove("scale").is_some());
    let dir = std::env::temp_dir().join(format!("gb-load-scale-old-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("results.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = greetbench_report::render(&file, &dir.join("out"), &dir.join("criterion")).unwrap();
    let page = std::fs::read_to_string(out).unwrap();
    let load = chapter(&page, "load");
    assert!(load.contains("Not measured in this run"), "{load}");
    assert!(!load.contains("<svg"), "load draws nothing");
    // Memory falls back on the resource sweep, with no reach.
    let memory = text(chapter(&page, "memory"));
    assert!(memory.contains("the sweep's runs"), "{memory}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A line bound only by the CPU whose runs predicted different knees, with a knee measured
/// at both ends: `(its model, its runs' predictions lowest rate first)`.
fn moving_cpu_line(r: &Results) -> (String, Vec<f64>) {
    lines(r)
        .into_iter()
        .find(|l| {
            l.workers.is_none()
                && l.prediction_range().is_some()
                && l.knee()
                    .is_some_and(|k| k.held.is_some() && k.failed.is_some())
        })
        .map(|l| {
            (
                l.model.clone(),
                l.predictions().iter().map(|p| p.0).collect(),
            )
        })
        .expect("the fixture has a CPU-bound line whose prediction moves")
}

/// `r` with every run of `model` predicting `knee`.
fn predicting(r: &Results, model: &str, knee: f64) -> Results {
    let mut r = r.clone();
    for k in rate_records(&mut r, model) {
        k.load.as_mut().unwrap().predicted_knee_rate = Some(knee);
    }
    r
}

#[test]
fn a_cpu_bound_line_is_judged_against_every_one_of_its_runs_predictions() {
    let r = fixture();
    let (model, preds) = moving_cpu_line(&r);
    let mut sorted = preds.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // The lower middle for an even count: one run's own prediction, the one the page states.
    let median = sorted[(n - 1) / 2];
    let all = lines(&r);
    let line = all.iter().find(|l| l.model == model).unwrap();
    assert!((line.predicted().unwrap().0 - median).abs() < 1e-9);
    let (verdict, sentence) = knee_verdict(&r, &model);
    assert!(
        sentence.contains(&format!("predicted {}", format::rate(median))),
        "{sentence}"
    );
    assert!(
        sentence.contains(&format!("median of {n} runs")),
        "{sentence}"
    );
    // On this line the runs' predictions disagree: every run predicting the median decides
    // one way, every run predicting the lowest the other (or not at all). A range that
    // spans both reads inconclusive, never holds or does not hold.
    let at_median = knee_verdict(&predicting(&r, &model, median), &model).0;
    let at_lowest = knee_verdict(&predicting(&r, &model, sorted[0]), &model).0;
    assert!(at_median.decided(), "{at_median:?}");
    assert_ne!(at_median, at_lowest, "the fixture's line would flip");
    assert!(
        matches!(verdict, Verdict::Inconclusive(Why::Straddles { .. })),
        "{verdict:?}: {sentence}"
    );
    assert!(
        sentence.contains("over the runs' predictions"),
        "{sentence}"
    );
    // One run predicting exactly the knee seen makes the decided line inconclusive, never
    // flips it.
    let knee = line.knee().unwrap();
    let seen = (knee.held.unwrap() * knee.failed.unwrap()).sqrt();
    let mut odd = predicting(&r, &model, median);
    let first = rate_records(&mut odd, &model)
        .into_iter()
        .min_by(|a, b| {
            let rate = |k: &RunRecord| k.load.as_ref().unwrap().offered_rate;
            rate(a).total_cmp(&rate(b))
        })
        .unwrap();
    first.load.as_mut().unwrap().predicted_knee_rate = Some(seen);
    let v = knee_verdict(&odd, &model).0;
    assert!(matches!(v, Verdict::Inconclusive(_)), "{v:?}");
}

#[test]
fn a_small_share_keeps_three_significant_figures() {
    assert_eq!(format::sig3(0.5), "0.500");
    assert_eq!(format::sig3(0.0078), "0.00780");
    assert_eq!(format::sig3(0.00167), "0.00167");
    assert_eq!(format::sig3(0.0), "0");
    assert_eq!(format::sig3(f64::NAN), "-");
}

/// The number at the start of `s` (digits and a point).
fn leading_number(s: &str) -> f64 {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end]
        .parse()
        .unwrap_or_else(|_| panic!("no number at {s:?}"))
}

#[test]
fn the_fixtures_load_figures_have_the_harnesss_shape_and_wording() {
    let r = fixture();
    let cores = r.provenance.logical_cores as f64;
    let lines = lines(&r);
    let points: Vec<_> = lines.iter().flat_map(|l| &l.points).collect();
    assert!(points.len() >= 10);
    for p in points {
        let l = p.load;
        let cpu = l.cpu_us_per_job.expect("cpu_us_per_job");
        let limit = l.cpu_limit_rate.expect("cpu_limit_rate");
        assert_eq!(l.started_early, 0);
        let basis = l.knee_basis.as_str();
        if let Some(rest) = basis.strip_prefix("K/L = ") {
            let k = leading_number(rest);
            assert_eq!(Some(k as usize), p.record.request.workers, "{basis}");
            assert!(rest.ends_with(" ms"), "{basis}");
            assert!(l.predicted_knee_rate.unwrap() <= limit);
        } else if let Some(rest) = basis.strip_prefix("CPU: the client's ") {
            // The client's cores over its own CPU per job: less than the whole job's.
            let client_cores = leading_number(rest);
            let (_, us) = rest.split_once(" core(s) / ").expect(basis);
            let client = leading_number(us);
            assert!(us.ends_with(" µs per job"), "{basis}");
            assert!(client < cpu, "{basis}");
            assert!((limit - client_cores * 1e6 / client).abs() / limit < 0.01);
            assert_eq!(l.predicted_knee_rate, Some(limit));
        } else {
            let rest = basis.strip_prefix("CPU: ").expect(basis);
            assert_eq!(leading_number(rest), cores, "{basis}");
            let (_, us) = rest.split_once(" cores / ").expect(basis);
            assert!((leading_number(us) - cpu).abs() <= 0.5, "{basis}");
            let (_, parts) = us.split_once(" µs per job (client ").expect(basis);
            let (client, server) = parts.split_once(" + server ").expect(basis);
            assert!(server.ends_with(')'), "{basis}");
            let sum = leading_number(client) + leading_number(server);
            assert!((sum - cpu).abs() <= 1.0, "{basis}");
            assert!((limit - cores * 1e6 / cpu).abs() / limit < 1e-4);
            assert_eq!(l.predicted_knee_rate, Some(limit));
        }
    }
}

#[test]
fn a_point_where_not_all_greets_waited_at_once_is_a_stop_not_a_held_size() {
    // The model whose largest held point is the furthest any model got, with figures.
    let r = fixture();
    let (model, n) = memory::reaches(&View::new(&r))
        .into_iter()
        .filter_map(|m| {
            let n = m.held.iter().rev().find(|h| h.figures.is_some())?.n;
            Some((m.model.clone(), n))
        })
        .max_by_key(|(_, n)| *n)
        .expect("a model held a size with figures");
    let row_of = |r: &Results| {
        let page = page(r);
        rows(chapter(&page, "memory"), "memory-table")
            .into_iter()
            .find(|row| row[0] == model)
            .unwrap_or_else(|| panic!("no row for {model}"))
    };
    assert!(row_of(&r).contains(&format::count(n as u64)));

    // The same record with every greet ok but fewer than N waiting together.
    let mut short = fixture();
    let waited = (n / 2) as u64;
    for e in short.sweep.as_mut().unwrap().scale.iter_mut() {
        if let RunResult::Record(k) = e
            && k.request.model == model
            && k.request.count == n
        {
            assert_eq!(k.ok, n, "the fixture's point was held");
            k.scale.as_mut().unwrap().peak_waiting = waited;
        }
    }
    let m = memory::reaches(&View::new(&short))
        .into_iter()
        .find(|m| m.model == model)
        .unwrap();
    assert!(m.largest().is_some_and(|h| h.n < n), "{n} still held");
    assert!(m.held.iter().all(|h| h.n != n));
    assert_eq!(m.stop, Some((n, Stop::NotAllWaited { waited, count: n })));
    let row = row_of(&short);
    let words = format!(
        "{}: {}",
        format::count(n as u64),
        Stop::NotAllWaited { waited, count: n }.label()
    );
    assert!(row.contains(&words), "{row:?}");
}

#[test]
fn a_model_that_is_not_available_here_gets_no_marker_on_the_scale_chart() {
    let r = fixture();
    let view = View::new(&r);
    let absent = memory::reaches(&view)
        .into_iter()
        .find(|m| matches!(m.stop, Some((_, Stop::Unavailable(_)))))
        .expect("the fixture has a model that is not available");
    let c = memory::build(&view).figure.expect("a scale chart");
    assert!(!texts(&c).iter().any(|t| t.contains("not available here")));
    // It stays in the table, as not available here.
    let page = page(&r);
    let row = rows(chapter(&page, "memory"), "memory-table")
        .into_iter()
        .find(|row| row[0] == absent.model)
        .expect("a row for the absent model");
    assert!(
        row.iter().any(|c| c.contains("not available here")),
        "{row:?}"
    );
}

//! The rate sweep's and the scale sweep's sections, from the fixture's `rates` and `scale`
//! entries: p99 against offered rate with each predicted knee, the knee verdict (which flips
//! when the measured knee moves away from the prediction, or the prediction from the data, and
//! takes the median of a line's runs' predictions), the sustained-rate table with the machine's
//! limit from client and server CPU, the fixture's load figures in the harness's own shape and
//! wording, the scale chart with its limits named, the largest-N table, the
//! "thousands of connections" claim from the scale points, and "not measured" when a results
//! file has neither (an older file renders as before). As in `report.rs`, no model name is
//! typed in here: models are picked by description or by what their points show.

use std::path::Path;

use greet_core::OsLimit;
use greet_core::record::{RunRecord, RunResult};
use greetbench_report::load::{self, MeasuredKnee};
use greetbench_report::results::read_versioned;
use greetbench_report::scale::{self, Stop};
use greetbench_report::verdicts::{self, Verdict};
use greetbench_report::{Results, html};
use serde_json::Value;

fn fixture_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json")
}

fn fixture() -> Results {
    read_versioned(&fixture_path()).expect("the fixture parses")
}

fn page(r: &Results) -> String {
    html::page(
        r,
        &html::Options {
            link_base: "../target/criterion".into(),
            baseline: None,
        },
    )
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

/// The rows of the table with id `id` in `html`, each as its raw HTML.
fn rows<'a>(html: &'a str, id: &str) -> Vec<&'a str> {
    let start = html
        .find(&format!("<table id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..];
    let table = &table[..table.find("</table>").unwrap()];
    table.split("<tr").skip(2).collect()
}

/// The model a sweep's pool line belongs to: the first line whose model `--workers` sizes.
fn pool_model(r: &Results) -> String {
    load::lines(r)
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
    let lines = load::lines(r);
    let line = lines.iter().find(|l| l.model == model).unwrap();
    load::knee_verdict(line, &line.label(&lines))
}

#[test]
fn the_rate_chart_has_a_line_per_model_in_model_order_each_with_its_predicted_knee() {
    let r = fixture();
    let lines = load::lines(&r);
    assert!(lines.len() >= 3, "the fixture sweeps several models");
    let ranks: Vec<usize> = lines.iter().map(|l| r.rank(&l.model)).collect();
    assert!(ranks.is_sorted(), "lines follow the registry's order");
    for l in &lines {
        let offered: Vec<f64> = l.points.iter().map(|p| p.offered()).collect();
        assert!(offered.is_sorted_by(|a, b| a < b), "{}: ascending", l.model);
        assert!(l.predicted().is_some(), "{} states its knee", l.model);
    }
    let c = load::rate_chart(&r).unwrap().expect("a rate chart");
    for l in &lines {
        assert!(
            c.svg.contains(&format!("\n{}\n", l.model)),
            "the legend lacks {}",
            l.model
        );
    }
    assert!(c.svg.contains("predicted knee"));
    assert!(c.svg.contains("offered rate, greets/s (log)"));
    assert!(c.svg.contains("p99 latency, ms (log)"));
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
    let lines = load::lines(&r);
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
    let line = load::lines(&r)
        .into_iter()
        .find(|l| l.model == pool)
        .unwrap();
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
    let line = load::lines(&early)
        .into_iter()
        .find(|l| l.model == pool)
        .unwrap();
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
    let line = load::lines(&never)
        .into_iter()
        .find(|l| l.model == pool)
        .unwrap();
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
fn the_sustained_table_sets_each_model_against_the_best_and_the_machines_limit() {
    let r = fixture();
    let lines = load::lines(&r);
    let page = page(&r);
    let section = chapter(&page, "load");
    let rows = rows(section, "sustained");
    assert_eq!(rows.len(), lines.len(), "a row per line");
    let best = lines
        .iter()
        .filter_map(|l| l.highest_sustained())
        .fold(0.0, f64::max);
    assert!(best > 0.0);
    for (row, l) in rows.iter().zip(&lines) {
        assert!(row.contains(&format!(">{}<", l.model)), "{row}");
        let highest = l.highest_sustained().unwrap();
        assert!(row.contains(&load::rate_words(highest)), "{row}");
        assert!(row.contains(&load::fraction(highest / best)), "{row}");
    }
    // The machine's limit comes from the CPU per greet the runs measured, client and server
    // sharing the cores: the cheapest sustained run's `cpu_us_per_job`, not a constant.
    let (limit, cpu, model) = load::machine_limit(&r, &lines).unwrap();
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
    assert!(
        section.contains(&load::rate_words(limit)),
        "the limit is stated"
    );
    assert!(section.contains("client and server"), "the page says so");
    assert!(
        !section.contains("no server CPU"),
        "the old wording is gone"
    );
    // × machine limit is each highest sustained rate over that same limit.
    for (row, l) in rows.iter().zip(&lines) {
        let highest = l.highest_sustained().unwrap();
        let cells: Vec<&str> = row.split("<td>").collect();
        assert!(
            cells
                .iter()
                .any(|c| c.starts_with(&format!("{}<", load::fraction(highest / limit)))),
            "{row}"
        );
    }
    // A line with a failed run says so in its row.
    let failed = lines.iter().position(|l| !l.failures.is_empty()).unwrap();
    assert!(
        rows[failed].contains("outlived its deadline"),
        "{}",
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
fn the_largest_n_table_lists_each_models_reach_and_the_limit_named_in_the_data() {
    let r = fixture();
    let models = scale::models(&r);
    let page = page(&r);
    let section = chapter(&page, "scale");
    let rows = rows(section, "largest");
    assert_eq!(rows.len(), models.len());
    let mut limits = Vec::new();
    for (row, m) in rows.iter().zip(&models) {
        assert!(row.contains(&format!(">{}<", m.model)), "{row}");
        match m.largest() {
            Some(h) => {
                assert_eq!(
                    h.record.ok, h.record.request.count,
                    "held means ok == count"
                );
                assert!(row.contains(&format!("<td>{}</td>", h.n)), "{row}");
            }
            None => assert!(row.contains(">none<"), "{row}"),
        }
        if let Some((n, stop)) = &m.stop {
            assert!(row.contains(&format!("N = {n}: {}", html::escape(&stop.label()))));
            if let Stop::Limit(l) = stop {
                limits.push(*l);
            }
        }
    }
    // One limit comes from a record's errors by kind, another from a failure's `limit`.
    let from_errors = r
        .sweep
        .as_ref()
        .unwrap()
        .scale
        .iter()
        .filter_map(RunResult::record)
        .flat_map(RunRecord::limits)
        .next()
        .expect("a scale record stopped by a limit");
    let from_failure = r
        .sweep
        .as_ref()
        .unwrap()
        .scale
        .iter()
        .find_map(|e| match e {
            RunResult::Failure(f) => f.limit,
            _ => None,
        })
        .expect("a scale failure naming its limit");
    assert_ne!(from_errors, from_failure);
    assert!(limits.contains(&from_errors) && limits.contains(&from_failure));
    // A model that cannot run here reads "not available here", with why.
    let absent = models
        .iter()
        .find(|m| matches!(m.stop, Some((_, Stop::Unavailable(_)))))
        .expect("the fixture has a model that is not available");
    let Some((_, Stop::Unavailable(why))) = &absent.stop else {
        unreachable!()
    };
    assert!(section.contains("not available here"));
    assert!(section.contains(&html::escape(why)));
    // The model that went past one process is named in a sentence of its own.
    let multi = models
        .iter()
        .find(|m| {
            m.largest()
                .and_then(|l| l.figures)
                .is_some_and(|f| f.client_processes > 1)
        })
        .expect("a model over several processes");
    assert!(section.contains(&format!("Past one process: {} held", multi.model)));
}

#[test]
fn the_scale_chart_marks_and_names_each_models_limit() {
    let r = fixture();
    let c = scale::scale_chart(&r).unwrap().expect("a scale chart");
    for m in scale::models(&r) {
        if let Some((_, Stop::Limit(l))) = &m.stop {
            let label = format!("{}: {}", m.model, l.label());
            assert!(c.svg.contains(&label), "no marker {label}");
        }
        if m.largest_measured().is_some() {
            assert!(
                c.svg.contains(&format!("\n{}\n", m.model)),
                "legend lacks {}",
                m.model
            );
        }
    }
    for panel in ["total (user + kernel)", "user space", "kernel ("] {
        assert!(c.svg.contains(panel), "no panel {panel}");
    }
    assert!(
        c.caption.contains(OsLimit::Threads.label()),
        "{}",
        c.caption
    );
}

#[test]
fn the_thousands_claim_follows_the_scale_points() {
    let r = fixture();
    let c = verdicts::claims(&r)
        .into_iter()
        .find(|c| c.claim == scale::THOUSANDS_CLAIM)
        .unwrap();
    assert_eq!(c.verdict, Verdict::Holds, "{}", c.evidence);
    let threads = r.per_job_threads().unwrap().name.clone();
    assert!(
        c.evidence
            .contains(&format!("a waiting thread ({threads})"))
    );
    assert!(
        c.evidence.contains(OsLimit::Threads.label()),
        "{}",
        c.evidence
    );

    // Threads as cheap as the cheapest task and never stopped: the claim does not hold.
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
    sweep.scale.retain(|e| {
        e.request().model != threads || e.record().is_some_and(|k| k.ok == k.request.count)
    });
    for e in sweep.scale.iter_mut() {
        if let RunResult::Record(k) = e
            && k.request.model == threads
        {
            k.scale = Some(task.clone());
        }
    }
    let c = scale::thousands_claim(&flat, scale::THOUSANDS_CLAIM);
    assert_eq!(c.verdict, Verdict::DoesNotHold, "{}", c.evidence);

    // No scale sweep: the section and its claim read "not measured".
    let mut none = fixture();
    none.sweep.as_mut().unwrap().scale.clear();
    let c = scale::thousands_claim(&none, scale::THOUSANDS_CLAIM);
    assert_eq!(c.verdict, Verdict::NotMeasured);
    let section = page(&none);
    let section = chapter(&section, "scale");
    assert!(section.contains("Not measured in this run"), "{section}");
    assert!(!section.contains("<svg"));
}

#[test]
fn a_results_file_without_rate_or_scale_entries_renders_both_as_not_measured() {
    // An older results.json has neither key: it must parse and render as before.
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
    for id in ["load", "scale"] {
        let c = chapter(&page, id);
        assert!(c.contains("Not measured in this run"), "{c}");
        assert!(!c.contains("<svg"), "{id} draws nothing");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A line bound only by the CPU whose runs predicted different knees, with a knee measured
/// at both ends: `(its model, its runs' predictions lowest rate first)`.
fn moving_cpu_line(r: &Results) -> (String, Vec<f64>) {
    load::lines(r)
        .into_iter()
        .find(|l| {
            l.workers.is_none()
                && l.prediction_range().is_some()
                && l.knee().is_some_and(|k| k.estimate().is_some())
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
fn a_cpu_bound_line_is_judged_against_the_median_of_its_runs_predictions() {
    let r = fixture();
    let (model, preds) = moving_cpu_line(&r);
    let mut sorted = preds.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    // The lower middle for an even count: one run's own prediction.
    let median = sorted[(n - 1) / 2];
    let lines = load::lines(&r);
    let line = lines.iter().find(|l| l.model == model).unwrap();
    assert!((line.predicted().unwrap().0 - median).abs() < 1e-9);
    let (verdict, sentence) = knee_verdict(&r, &model);
    assert!(
        sentence.contains(&format!("predicted {}", load::rate_words(median))),
        "{sentence}"
    );
    assert!(
        sentence.contains(&format!("median of {n} runs")),
        "{sentence}"
    );
    // The verdict is the one every run predicting the median would get, and not the one the
    // lowest rate's prediction alone would give: on this line the two disagree.
    assert_eq!(
        knee_verdict(&predicting(&r, &model, median), &model).0,
        verdict
    );
    assert_ne!(
        knee_verdict(&predicting(&r, &model, preds[0]), &model).0,
        verdict,
        "the fixture's line would flip on its lowest rate's prediction"
    );
    // One run's prediction, however far off, does not move it.
    let mut odd = r.clone();
    let first = rate_records(&mut odd, &model)
        .into_iter()
        .min_by(|a, b| {
            let rate = |k: &RunRecord| k.load.as_ref().unwrap().offered_rate;
            rate(a).total_cmp(&rate(b))
        })
        .unwrap();
    first.load.as_mut().unwrap().predicted_knee_rate = Some(preds[0] / 100.0);
    assert_eq!(knee_verdict(&odd, &model).0, verdict);
}

#[test]
fn a_small_fraction_keeps_two_significant_digits() {
    assert_eq!(load::fraction(0.5), "0.50");
    assert_eq!(load::fraction(0.1), "0.10");
    assert_eq!(load::fraction(0.0078), "0.0078");
    assert_eq!(load::fraction(0.00167), "0.0017");
    assert_eq!(load::fraction(0.0), "0");
    assert_eq!(load::fraction(f64::NAN), "-");
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
    let lines = load::lines(&r);
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
    let (model, n) = scale::models(&r)
        .into_iter()
        .filter_map(|m| Some((m.model.clone(), m.largest_measured()?.0)))
        .max_by_key(|(_, n)| *n)
        .expect("a model held a size with figures");
    let row_of = |r: &Results| {
        let page = page(r);
        let section = chapter(&page, "scale").to_string();
        rows(&section, "largest")
            .into_iter()
            .find(|row| row.contains(&format!(">{model}<")))
            .unwrap_or_else(|| panic!("no row for {model}"))
            .to_string()
    };
    assert!(row_of(&r).contains(&format!("<td>{n}</td>")));

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
    let m = scale::models(&short)
        .into_iter()
        .find(|m| m.model == model)
        .unwrap();
    assert!(m.largest().is_some_and(|h| h.n < n), "{} still held", n);
    assert!(m.held.iter().all(|h| h.n != n));
    assert_eq!(m.stop, Some((n, Stop::NotAllWaited { waited, count: n })));
    let row = row_of(&short);
    assert!(!row.contains(&format!("<td>{n}</td>")), "{row}");
    assert!(
        row.contains(&format!(
            "N = {n}: not all waited at once ({waited} of {n})"
        )),
        "{row}"
    );
}

#[test]
fn a_model_that_is_not_available_here_gets_no_marker_on_the_scale_chart() {
    let r = fixture();
    let absent = scale::models(&r)
        .into_iter()
        .find(|m| matches!(m.stop, Some((_, Stop::Unavailable(_)))))
        .expect("the fixture has a model that is not available");
    let c = scale::scale_chart(&r).unwrap().expect("a scale chart");
    let label = format!(
        "{}: {}",
        absent.model,
        Stop::Unavailable(String::new()).label()
    );
    assert!(!c.svg.contains(&label), "a marker {label}");
    assert!(c.caption.contains(&absent.model), "{}", c.caption);
    // It stays in the table, as not available here.
    let page = page(&r);
    let section = chapter(&page, "scale");
    let row = rows(section, "largest")
        .into_iter()
        .find(|row| row.contains(&format!(">{}<", absent.model)))
        .expect("a row for the absent model");
    assert!(row.contains("not available here"), "{row}");
}

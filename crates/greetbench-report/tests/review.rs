//! What a reviewer of the sample page found, each as a check on that sample (the busy one the
//! repository shipped, frozen as `tests/fixtures/busy-sample.json`) or on a copy of it bent to
//! show the defect: a caption computed from the rows its
//! table shows, a rate verdict that reads inconclusive when its prediction's own range crosses
//! the band, a busy banner that names what was busy, constants printed as written, diff rows
//! that name their language, and evidence that says which way its ratio goes.

use greetbench_report::format;
use greetbench_report::section::{answer, busy, claims, load, spawn};
use greetbench_report::verdict::{Confidence, Verdict, Why};
use greetbench_report::view::{Question, View};
use greetbench_report::{Results, diff};

#[allow(dead_code)] // the diff tests use the rest
#[path = "support/sample.rs"]
mod support;
use support::{json_rows, markdown_rows, sample_path};

fn sample() -> Results {
    diff::read(&sample_path()).expect("the sample reads")
}

#[test]
fn the_spawn_caption_names_the_rows_its_table_shows() {
    let r = sample();
    let view = View::new(&r);
    let rows: Vec<_> = view
        .figures()
        .iter()
        .filter(|f| matches!(f.question, Question::Spawn { .. }))
        .collect();
    let dearest = rows
        .iter()
        .max_by(|a, b| a.median.total_cmp(&b.median))
        .expect("the sample measured spawns");
    let cheapest = rows
        .iter()
        .min_by(|a, b| a.median.total_cmp(&b.median))
        .unwrap();
    let caption = spawn::build(&view).figure.expect("a chart").caption;
    for f in [dearest, cheapest] {
        let said = format!(
            "a {} in {} ({})",
            f.row.model,
            greetbench_report::view::lang_name(f.row.lang),
            format::time_ns(f.median)
        );
        assert!(caption.contains(&said), "{said:?} not in {caption:?}");
    }
    // The ratio keeps three figures and separates its thousands.
    let ratio = format::ratio(dearest.median / cheapest.median);
    assert!(caption.contains(&ratio), "{ratio} not in {caption:?}");
    assert!(
        !caption
            .split(|c: char| !c.is_ascii_digit())
            .any(|digits| digits.len() > 4),
        "a long run of digits in {caption:?}"
    );
}

/// `r` with every rate run of `model` predicting `knee`.
fn predicting(r: &Results, model: &str, knee: f64) -> Results {
    let mut r = r.clone();
    for run in r.sweep.as_mut().unwrap().rates.iter_mut() {
        if let greet_core::record::RunResult::Record(k) = run
            && k.request.model == model
            && let Some(l) = k.load.as_mut()
        {
            l.predicted_knee_rate = Some(knee);
        }
    }
    r
}

#[test]
fn a_knee_verdict_is_decided_only_when_every_runs_prediction_agrees() {
    let r = sample();
    let view = View::new(&r);
    let lines = load::lines(&view);
    let mut straddled = 0;
    for line in lines.iter().filter(|l| l.workers.is_none()) {
        let Some((lo, hi)) = line.prediction_range() else {
            continue;
        };
        let (verdict, sentence) = load::knee_verdict(line, &line.label(&lines));
        let judged_at = |knee: f64| {
            let moved = predicting(&r, &line.model, knee);
            let view = View::new(&moved);
            let all = load::lines(&view);
            let l = all.iter().find(|l| l.model == line.model).unwrap();
            load::knee_verdict(l, &l.label(&all)).0
        };
        let (at_lo, at_hi) = (judged_at(lo), judged_at(hi));
        if at_lo != at_hi {
            straddled += 1;
            assert!(
                matches!(verdict, Verdict::Inconclusive(Why::Straddles { .. })),
                "{verdict:?}: {sentence}"
            );
        } else if verdict.decided() {
            assert_eq!(verdict, at_lo, "{sentence}");
        }
    }
    assert!(
        straddled > 0,
        "the sample has a line whose runs' predictions put its knee across the band"
    );
}

/// The answer's picks that read inconclusive because a figure behind them was busy.
fn busy_picks(a: &answer::Answer) -> usize {
    a.rows
        .iter()
        .flat_map(|s| s.picks.iter())
        .filter(|p| matches!(p.confidence, Confidence::Unsure(Why::Busy(_))))
        .count()
}

#[test]
fn the_busy_banner_names_what_was_busy_and_agrees_with_the_answer() {
    let r = sample();
    let view = View::new(&r);
    let a = answer::build(&view);
    let banner = busy::banner(&view, &a).expect("the sample has busy groups");
    let busy_groups: Vec<_> = r.noise.iter().filter(|g| g.busy()).collect();
    assert!(!busy_groups.is_empty());
    for g in &busy_groups {
        assert!(banner.contains(&g.group), "{} not in {banner}", g.group);
    }
    for g in r.noise.iter().filter(|g| !g.busy()) {
        assert!(!banner.contains(&format!("{} (", g.group)), "{banner}");
    }
    // The sample's answer gives sure picks from quiet runs, and leaves the Rust I/O pick
    // undecided: its comparison side (prefork) has a busy greet run. The banner counts exactly
    // those, and never says every comparison is undecided.
    let sure = a
        .rows
        .iter()
        .flat_map(|s| s.picks.iter())
        .any(|p| p.confidence == Confidence::Sure);
    let n = busy_picks(&a);
    assert!(sure && n > 0);
    assert!(
        banner.contains(&format!("{n} of the answer's")),
        "{n}: {banner}"
    );
    assert!(!banner.contains("Every comparison built on"), "{banner}");
    // The page shows that banner.
    let page = greetbench_report::page(
        &r,
        &greetbench_report::Options {
            link_base: "../target/criterion".into(),
            baseline: None,
        },
    )
    .unwrap();
    assert!(page.contains("id=\"run-busy\""));
    assert!(page.contains(&format!("{n} of the answer")));

    // Every sweep run busy: the answer's picks from them read inconclusive, and the banner
    // counts them.
    let mut hot = r.clone();
    let noise = greet_core::record::Noise {
        other_busy: 0.5,
        steal: 0.0,
    };
    for run in hot.sweep.as_mut().unwrap().entries.iter_mut() {
        if let greet_core::record::RunResult::Record(k) = run {
            k.noise = Some(noise);
        }
    }
    let view = View::new(&hot);
    let a = answer::build(&view);
    let n = busy_picks(&a);
    assert!(n > 0);
    let banner = busy::banner(&view, &a).unwrap();
    assert!(
        banner.contains(&format!("{n} of the answer's")),
        "{n}: {banner}"
    );

    // Nothing busy: no banner.
    let mut quiet = r.clone();
    for g in &mut quiet.noise {
        g.noise = greet_core::record::Noise {
            other_busy: 0.01,
            steal: 0.0,
        };
    }
    let sweep = quiet.sweep.as_mut().unwrap();
    for run in sweep
        .entries
        .iter_mut()
        .chain(sweep.faults.iter_mut())
        .chain(sweep.rates.iter_mut())
        .chain(sweep.scale.iter_mut())
        .chain(sweep.timelines.iter_mut())
    {
        if let greet_core::record::RunResult::Record(k) = run {
            k.noise = None;
        }
    }
    let view = View::new(&quiet);
    assert_eq!(busy::banner(&view, &answer::build(&view)), None);
}

#[test]
fn the_banner_and_the_machine_section_count_the_same_busy_runs() {
    let r = sample();
    let view = View::new(&r);
    let banner = busy::banner(&view, &answer::build(&view)).unwrap();
    let machine = greetbench_report::section::machine::build(&view).sweep_noise;
    let n = r.runs_noise();
    assert!(n.busy > 0 && n.recorded > n.busy);
    let busy = format::count(n.busy as u64);
    let recorded = format::count(n.recorded as u64);
    assert!(
        banner.contains(&format!("{busy} of the {recorded} sweep runs")),
        "{banner}"
    );
    assert!(
        machine.contains(&format!("{recorded} of"))
            && machine.contains(&format!("; {busy} of them")),
        "{machine}"
    );
}

#[test]
fn a_figure_with_one_busy_run_is_busy_and_its_comparisons_inconclusive() {
    let r = sample();
    let view = View::new(&r);
    let Some(Question::Greet { count, latency }) = view.greet_point() else {
        panic!("the sample has an I/O point");
    };
    // A Rust greet figure at the sample's I/O point (prefork's) with one busy run among
    // quiet ones: its mean noise is quiet, yet the figure is busy.
    let question = Question::Greet { count, latency };
    let mixed = view.figures_of(&question).find(|f| {
        f.row.lang == greet_core::Lang::Rust
            && f.noise.is_some_and(|n| !n.busy())
            && f.busy().is_some()
    });
    assert!(mixed.is_some(), "one busy run makes the figure busy");
    // So the Rust I/O pick, whose evidence compares with prefork, is not sure.
    let a = answer::build(&view);
    let io = &a.rows[0].picks[0];
    assert!(
        matches!(io.confidence, Confidence::Unsure(Why::Busy(_))),
        "{io:?}"
    );
    assert_eq!(io.model, None);
}

/// The answer's row that starts with `what`.
fn row<'a>(a: &'a answer::Answer, what: &str) -> &'a answer::Situation {
    a.rows.iter().find(|s| s.what.starts_with(what)).unwrap()
}

#[test]
fn models_that_went_equally_far_are_tied_with_no_sure_pick() {
    // The sample: py-asyncio and py-threads both held 19 000 waiting and both stopped at
    // 25 000 on the open-files limit.
    let r = sample();
    let view = View::new(&r);
    let a = answer::build(&view);
    let python = &row(&a, "Tens of thousands").picks[1];
    assert_eq!(python.model, None, "{python:?}");
    assert!(
        matches!(python.confidence, Confidence::Unsure(Why::Tied(_))),
        "{python:?}"
    );
    assert!(python.confidence.words().starts_with("tied"), "{python:?}");
    let said = format!(
        "tied: each held {} waiting and stopped at {}",
        format::count(19_000_u64),
        format::count(25_000_u64)
    );
    assert!(python.evidence.contains(&said), "{}", python.evidence);
    // One Rust model (prefork) held more than anyone: a sure pick, set against how far
    // threads went.
    let rust = &row(&a, "Tens of thousands").picks[0];
    assert!(rust.model.is_some() && rust.confidence == Confidence::Sure);
    assert!(rust.evidence.contains("threads held"), "{}", rust.evidence);

    // The fixture: tokio and tokio-current-thread sustained the same highest rate.
    let fixture = diff::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json"),
    )
    .unwrap();
    let view = View::new(&fixture);
    let a = answer::build(&view);
    let rate = &row(&a, "A fixed offered rate").picks[0];
    assert_eq!(rate.model, None, "{rate:?}");
    assert!(
        matches!(rate.confidence, Confidence::Unsure(Why::Tied(_))),
        "{rate:?}"
    );
    assert!(
        rate.evidence
            .starts_with("tokio and tokio-current-thread tied: each sustained"),
        "{}",
        rate.evidence
    );
}

#[test]
fn the_answer_and_the_claims_give_one_memory_figure_for_one_question() {
    let r = sample();
    let view = View::new(&r);
    let a = answer::build(&view);
    let c = claims::build(&view);
    let claim = c
        .rows
        .iter()
        .find(|row| row.claim.starts_with("Async handles thousands"))
        .expect("the memory claim");
    let memory = row(&a, answer::MEMORY_TIGHT);
    for (i, column) in view.columns().iter().enumerate() {
        let pick = &memory.picks[i];
        let Some(model) = &pick.model else { continue };
        // The answer's evidence: "tokio 4.47× [4.24–6.50] less memory than threads".
        let figure = pick
            .evidence
            .split(" less memory")
            .next()
            .unwrap()
            .trim_start_matches(model.as_str())
            .trim();
        let said = &claim.cells[i].evidence;
        assert!(
            said.contains(&format!("{figure} as much")) && said.contains(&format!("({model}, ")),
            "{}: answer {:?}, claim {said:?}",
            column.heading(true),
            pick.evidence
        );
    }
}

#[test]
fn diff_rows_name_their_language_where_a_model_name_is_shared() {
    let r = sample();
    let view = View::new(&r);
    let d = diff::Diff::new(&view, "OLD", &view, "NEW", diff::Settings::default());
    let md = diff::text::markdown(&d);
    let rows = markdown_rows(&md);
    assert_eq!(rows.len(), d.rows.len());
    // No two rows of one question read the same.
    let mut seen = std::collections::HashSet::new();
    for (question, model, _, _) in &rows {
        assert!(
            seen.insert((question, model)),
            "{question}: {model} twice\n{md}"
        );
    }
    // The spawn rows measured in both languages carry it in their label.
    let both: Vec<_> = d
        .rows
        .iter()
        .filter(|a| {
            d.rows
                .iter()
                .any(|b| a.what == b.what && a.row.model == b.row.model && a.row.lang != b.row.lang)
        })
        .collect();
    assert!(both.len() >= 2, "the sample has a kind in both languages");
    for c in &both {
        let label = format!(
            "{} ({})",
            c.row.model,
            greetbench_report::view::lang_name(c.row.lang)
        );
        assert!(
            rows.iter().any(|(q, m, _, _)| *q == c.what && *m == label),
            "{label} not in the Markdown"
        );
    }
    // The terminal's rows too: each row's label, as its first column, once per question.
    let text = diff::text::terminal(&d);
    let mut question = String::new();
    let mut seen = std::collections::HashSet::new();
    for l in text.lines() {
        if let Some(row) = l.strip_prefix("  ") {
            let label = row.trim().split("  ").next().unwrap().to_string();
            assert!(seen.insert((question.clone(), label.clone())), "{l}");
        } else {
            question = l.to_string();
        }
    }
    // The JSON keeps its fields: the model as named, the language apart; the label the
    // Markdown shows is made from them.
    let json: serde_json::Value = serde_json::from_str(&diff::text::json(&d)).unwrap();
    for (row, c) in json["rows"].as_array().unwrap().iter().zip(&d.rows) {
        assert_eq!(row["model"], c.model.as_str());
        assert!(row["row"]["lang"].is_string());
    }
    let labels: Vec<_> = json_rows(&json).into_iter().map(|r| r.1).collect();
    let shown: Vec<_> = rows.into_iter().map(|r| r.1).collect();
    assert_eq!(labels, shown);
}

#[test]
fn constants_print_as_written_and_no_interval_prints_its_median_twice() {
    let r = sample();
    let page = greetbench_report::page(
        &r,
        &greetbench_report::Options {
            link_base: "../target/criterion".into(),
            baseline: None,
        },
    )
    .unwrap();
    for false_precision in [
        "5.00 %",
        "10.0 % of all cores",
        "Past 10.0 %",
        "2L + 10.0 ms",
        "within 2.00×",
        "50.0 % faults",
        "steal 0.0577",
    ] {
        assert!(!page.contains(false_precision), "{false_precision}");
    }
    assert!(page.contains("2L + 10 ms"));
    // No interval whose two ends print alike and equal to the figure before it.
    for (i, _) in page.match_indices(" [") {
        let rest = &page[i + 2..];
        let Some(end) = rest.find(']') else { continue };
        let Some((lo, hi)) = rest[..end].split_once('–') else {
            continue;
        };
        let before = page[..i].rsplit(' ').nth(1).unwrap_or("");
        assert!(
            !(lo == hi && (before == lo || before.trim_end_matches('×') == lo)),
            "{before} [{lo}–{hi}]"
        );
    }
}

#[test]
fn undecided_evidence_says_which_way_its_ratio_goes() {
    let r = sample();
    let view = View::new(&r);
    let a = answer::build(&view);
    let mut checked = 0;
    for p in a.rows.iter().flat_map(|s| s.picks.iter()) {
        assert!(!p.evidence.contains(" against "), "{}", p.evidence);
        if !matches!(p.confidence, Confidence::Unsure(_)) {
            continue;
        }
        // "A takes R [lo–hi] B's time": R is A's median over B's, for one question.
        let Some((a_name, rest)) = p.evidence.split_once(" takes ") else {
            continue;
        };
        let (ratio, rest) = rest.split_once(' ').unwrap();
        let b_name = rest
            .split_once("] ")
            .unwrap()
            .1
            .split(" time")
            .next()
            .unwrap()
            .trim_end_matches("'s")
            .trim_end_matches('\'');
        let a_name = a_name.rsplit(": ").next().unwrap();
        let found = view.figures().iter().any(|fa| {
            fa.row.model == a_name
                && view.figures().iter().any(|fb| {
                    fb.row.model == b_name
                        && fb.question == fa.question
                        && format::ratio(fa.median / fb.median) == ratio
                })
        });
        assert!(
            found,
            "{a_name} over {b_name} is not {ratio}: {}",
            p.evidence
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "the sample has an undecided pick with its comparison"
    );
}

#[test]
fn the_kill_claim_numbers_what_it_shows_consecutively() {
    let r = sample();
    let view = View::new(&r);
    let i = claims::CLAIMS
        .iter()
        .position(|c| c.starts_with("A thread cannot be killed"))
        .expect("the claim is listed");
    let rust = greetbench_report::view::Column {
        lang: greet_core::Lang::Rust,
        interpreter: None,
    };
    let evidence = claims::check(&view, &rust, i).evidence;
    let mut numbers = Vec::new();
    for (at, _) in evidence.match_indices('(') {
        let rest = &evidence[at + 1..];
        if let Some((n, _)) = rest.split_once(')')
            && let Ok(n) = n.parse::<usize>()
        {
            numbers.push(n);
        }
    }
    assert!(numbers.len() >= 3, "{evidence}");
    let mut first_seen: Vec<usize> = Vec::new();
    for n in numbers {
        if !first_seen.contains(&n) {
            first_seen.push(n);
        }
    }
    let expected: Vec<usize> = (1..=first_seen.len()).collect();
    assert_eq!(first_seen, expected, "{evidence}");
}

#[test]
fn a_cpu_pick_past_the_cores_is_inconclusive_and_a_gil_prefers_processes() {
    let r = sample();
    let view = View::new(&r);
    let cpu = answer::build(&view)
        .rows
        .into_iter()
        .find(|s| s.what == "CPU-bound work")
        .expect("the answer has the CPU row");
    let python = cpu.picks.last().expect("a Python column");
    // The sample's fastest Python model ran 2.03× its sequential baseline on 2 cores: the
    // baseline's noise, so no pick.
    assert!(
        matches!(&python.confidence, Confidence::Unsure(Why::OutOfRange(w)) if w.contains("cores")),
        "{:?}: {}",
        python.confidence,
        python.evidence
    );
    // Under the GIL the course's kind for CPU work is processes: the evidence is theirs,
    // not a thread pool's.
    let processes = r
        .models
        .iter()
        .find(|d| d.lang == greet_core::Lang::Python && d.family == greet_core::Family::Processes)
        .expect("a Python processes model");
    assert!(
        python.evidence.starts_with(&processes.name),
        "{}",
        python.evidence
    );
}

//! "At the floor": each model's ratio to the bare client of its kind, from the fixture's floor
//! pairs, with its interval; too few pairs say so and decide nothing; the io_uring model and
//! the epoll one get one sentence of what the file holds. No model name is typed in here: the
//! tests take them from the fixture's descriptions and floor pairs.

use greet_core::Family;
use greet_core::floor::FloorPairs;
use greetbench_report::section::{Options, floor};
use greetbench_report::{Results, View, page};

mod common;
use common::{fixture, section, text};

fn options() -> Options {
    Options {
        link_base: String::new(),
        baseline: None,
    }
}

fn floor_pairs(r: &Results) -> Vec<FloorPairs> {
    r.sweep.as_ref().unwrap().floor.clone()
}

/// The text of the floor table's row of `model`.
fn row<'a>(section: &'a str, model: &str) -> &'a str {
    section
        .split("<tr>")
        .find(|r| r.contains(&format!(">{model}</th>")))
        .unwrap_or_else(|| panic!("no row for {model}"))
}

#[test]
fn each_model_reads_its_ratio_to_its_floor_with_its_interval() {
    let r = fixture();
    let all = floor_pairs(&r);
    assert!(all.len() >= 3, "the fixture has floor pairs");
    let page = page(&r, &options()).unwrap();
    let s = section(&page, "floor");
    for p in &all {
        let ratio = p.ratio().expect("pairs kept");
        let cells = text(row(s, &p.model));
        assert!(cells.contains(p.floor.name()), "{cells}");
        assert!(
            cells.contains(&format!(
                "{}× [",
                greetbench_report::format::sig3(ratio.median)
            )),
            "{cells}"
        );
        assert!(
            cells.contains(&format!(
                "{} of {}",
                p.pairs.len(),
                p.pairs.len() + p.dropped.len()
            )),
            "{cells}"
        );
        // The verdict follows the interval: within or over only when 95 % and clear.
        let want = if ratio.coverage < 0.95 {
            assert!(cells.contains("too few pairs"), "{cells}");
            "inconclusive"
        } else {
            ratio.against(1.05).word()
        };
        assert!(cells.contains(&format!("1.05×: {want}")), "{cells}");
    }
    // The fixture holds one of each: within, over, too few.
    let words: Vec<String> = all.iter().map(|p| text(row(s, &p.model))).collect();
    for w in ["1.05×: within", "1.05×: over", "too few pairs (4)"] {
        assert!(words.iter().any(|c| c.contains(w)), "{w}: {words:#?}");
    }
}

#[test]
fn without_floor_pairs_the_section_says_how_to_get_them() {
    let mut r = fixture();
    r.sweep.as_mut().unwrap().floor.clear();
    let page = page(&r, &options()).unwrap();
    let s = text(section(&page, "floor"));
    assert!(s.contains("Not measured in this run") && s.contains("compare --floor"));
}

#[test]
fn the_io_uring_model_and_the_epoll_one_get_one_sentence_of_what_was_measured() {
    let mut r = fixture();
    assert!(
        floor::build(&View::new(&r)).uring.is_none(),
        "no io_uring model"
    );
    // An async model on the io_uring runtime crate, beside the same floor client as tokio's.
    let epoll = r
        .models
        .iter()
        .find(|d| d.family == Family::Async && !d.one_thread)
        .unwrap()
        .clone();
    let mut uring = epoll.clone();
    uring.name = "uring-model".into();
    uring.runtime.as_mut().unwrap().name = "compio".into();
    r.models.push(uring);
    let sweep = r.sweep.as_mut().unwrap();
    let mut pairs = sweep
        .floor
        .iter()
        .find(|p| p.model == epoll.name)
        .unwrap()
        .clone();
    pairs.model = "uring-model".into();
    for p in &mut pairs.pairs {
        p.model_wall_s *= 1.2;
    }
    sweep.floor.push(pairs.clone());
    let sentence = floor::build(&View::new(&r)).uring.expect("both measured");
    let mine = pairs.ratio().unwrap();
    assert!(sentence.starts_with("uring-model (io_uring"), "{sentence}");
    assert!(
        sentence.contains(&format!(
            "{}× [",
            greetbench_report::format::sig3(mine.median)
        )),
        "{sentence}"
    );
    assert!(
        sentence.contains(&format!("{} (epoll)", epoll.name)),
        "{sentence}"
    );
    // Counts it does not hold are not stated as measured.
    assert!(!sentence.contains("syscalls per greet"), "{sentence}");
}

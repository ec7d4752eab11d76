//! The page checked in a real browser: the sample results (`reports/sample/results.json`) and
//! the fixture are rendered, loaded in headless Chromium at 1280 and 500 px, and measured by
//! `tests/browser/measure.js` (injected into a copy; the page has no JavaScript of its own).
//! The answer is the first h2 section and its table ends within the first screen; the page
//! never scrolls sideways; no two texts of a chart overlap; and the sample page keeps its
//! budgets (size, height with the appendices closed).
//!
//! Where Chromium is not installed the test says so in one line and passes (`.ci/run`
//! installs it). Every run of the browser has a deadline, and its profile is a temp directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The budgets for the sample page.
const MAX_BYTES: u64 = 400 * 1024;
const MAX_HEIGHT_AT_1280: i64 = 12_000;
const ANSWER_WITHIN: i64 = 1_100;

/// How long one browser run may take.
const DEADLINE: Duration = Duration::from_secs(120);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-browser-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Renders `results` into `dir`, returning the page.
fn render(results: &Path, dir: &Path) -> PathBuf {
    greetbench_report::render(results, &dir.join("out"), dir).expect("the page renders")
}

/// Loads `page` at `width` in headless Chromium and returns measure.js's figures.
fn measure(chrome: &Path, page: &Path, width: u32, dir: &Path) -> Value {
    let script = include_str!("browser/measure.js");
    let html = std::fs::read_to_string(page).unwrap();
    let at = html.rfind("</body>").expect("a body");
    let probe = dir.join(format!("measured-{width}.html"));
    std::fs::write(
        &probe,
        format!("{}<script>{script}</script>{}", &html[..at], &html[at..]),
    )
    .unwrap();
    let out = dir.join(format!("dom-{width}.html"));
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--window-size={width},900"))
        .arg(format!("file://{}", probe.display()))
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t0.elapsed() > DEADLINE {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = std::fs::read_to_string(&out).unwrap();
    let start = dom
        .rfind("<pre id=\"__measure\">")
        .unwrap_or_else(|| panic!("no figures from the browser at {width} px"));
    let json = &dom[start + "<pre id=\"__measure\">".len()..];
    let json = &json[..json.find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).expect("measure.js's figures")
}

fn num(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

/// The checks every page passes, at both widths.
fn check_layout(name: &str, m: &Value, width: u32) {
    assert_eq!(m["first_h2_section"], "answer", "{name} at {width}: {m}");
    assert_eq!(
        m["side_scroll"], false,
        "{name} scrolls sideways at {width}: {m}"
    );
    assert_eq!(num(m, "svg_text_overlaps"), 0, "{name} at {width}: {m}");
    assert_eq!(num(m, "open_details"), 0, "{name}: appendices start closed");
    assert_eq!(num(m, "scripts"), 0, "{name} has no JavaScript of its own");
    assert!(num(m, "svgs") > 5, "{name} draws its charts: {m}");
}

#[test]
fn the_pages_read_in_a_browser_within_their_budgets() {
    let Some(chrome) = chromium() else {
        println!("browser check skipped: no chromium on PATH (apt-get install -y chromium)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("../../reports/sample/results.json");
    let fixture = root.join("tests/fixtures/results.json");
    for (name, results) in [("fixture", fixture), ("sample", sample)] {
        if !results.is_file() {
            println!(
                "browser check of the {name} skipped: {} is absent",
                results.display()
            );
            continue;
        }
        let dir = temp_dir(name);
        let page = render(&results, &dir);
        let wide = measure(&chrome, &page, 1280, &dir);
        let narrow = measure(&chrome, &page, 500, &dir);
        check_layout(name, &wide, 1280);
        check_layout(name, &narrow, 500);
        // At 1280 px a table beside its chart fits its box: no column hides behind a scroll.
        assert_eq!(
            wide["clipped_beside_chart"],
            serde_json::json!([]),
            "{name} at 1280 px"
        );
        assert!(
            num(&wide, "answer_table_bottom") <= ANSWER_WITHIN,
            "{name}: the answer table ends at {} px at 1280 px",
            num(&wide, "answer_table_bottom")
        );
        if name == "sample" {
            let bytes = std::fs::metadata(&page).unwrap().len();
            assert!(bytes <= MAX_BYTES, "the sample page is {bytes} bytes");
            assert!(
                num(&wide, "height") <= MAX_HEIGHT_AT_1280,
                "the sample page is {} px tall at 1280 px",
                num(&wide, "height")
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

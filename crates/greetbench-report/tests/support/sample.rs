//! The busy sample the repository shipped (frozen as a fixture), a copy of it with one model's I/O slowed down, and the
//! rows of `diff --markdown` and `--json` read back: shared by the report crate's diff tests
//! and the CLI's (`#[path]`-included by both).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The sample the repository shipped before the quiet one (format 2, measured on a busy
/// machine), frozen as `tests/fixtures/busy-sample.json`: the tests read facts of it that a
/// regenerated `reports/sample/` would not keep. (`browser.rs` checks the shipped one.)
pub fn sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../greetbench-report/tests/fixtures/busy-sample.json")
}

/// The sample with `model`'s I/O figures times `factor`: criterion's io estimates (median,
/// interval, spread and raw samples) and the sweep's greet runs (wall time and latencies).
pub fn slowed(model: &str, factor: f64) -> Value {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(sample_path()).unwrap()).unwrap();
    let scale = |x: &mut Value| {
        if let Some(n) = x.as_f64() {
            *x = Value::from(n * factor);
        }
    };
    let mut touched = 0;
    for e in v["criterion"].as_array_mut().unwrap() {
        if e["function"] == model && e["group"].as_str().unwrap().starts_with("io_") {
            for k in ["median_ns", "median_lo_ns", "median_hi_ns", "mad_ns"] {
                scale(&mut e[k]);
            }
            if let Some(s) = e.get_mut("samples_ns").and_then(Value::as_array_mut) {
                s.iter_mut().for_each(scale);
            }
            touched += 1;
        }
    }
    for e in v["sweep"]["entries"].as_array_mut().unwrap() {
        let Some(r) = e.get_mut("record") else {
            continue;
        };
        if r["model"] == model && r["workload"] == "greet" {
            for k in ["wall_s", "latency_p50_ms", "latency_p99_ms"] {
                scale(&mut r[k]);
            }
            touched += 1;
        }
    }
    assert!(touched > 4, "the sample has {model}'s I/O figures to slow");
    v
}

/// The rows of `greetbench diff --markdown`'s table: (question, model, NEW / OLD, word).
pub fn markdown_rows(md: &str) -> Vec<(String, String, String, String)> {
    md.lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let c: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let word = c[5].trim_matches('*').split(':').next().unwrap_or("");
            (unescape(c[0]), unescape(c[1]), c[4].into(), word.into())
        })
        .collect()
}

/// `s` without Markdown's backslash escapes.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    out
}

/// The rows of `greetbench diff --json`: (question, label, NEW / OLD, word). The label is
/// the one the text and Markdown show, made from the JSON's own fields: the model, and its
/// language where another row of the same question has the same name in another language (or
/// its interpreter, which `model` then already names).
pub fn json_rows(json: &Value) -> Vec<(String, String, Option<f64>, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let Some(rows) = json["rows"].as_array() else {
        return Vec::new();
    };
    let label = |r: &Value| {
        let shared = rows.iter().any(|o| {
            o["what"] == r["what"]
                && o["row"]["model"] == r["row"]["model"]
                && (o["row"]["lang"] != r["row"]["lang"]
                    || o["row"]["interpreter"] != r["row"]["interpreter"])
        });
        let model = text(&r["model"]);
        if !shared || model != text(&r["row"]["model"]) {
            return model;
        }
        let lang = text(&r["row"]["lang"]);
        let mut chars = lang.chars();
        let lang: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        format!("{model} ({lang})")
    };
    rows.iter()
        .map(|r| {
            (
                text(&r["what"]),
                label(r),
                r["ratio"].as_f64(),
                text(&r["word"]),
            )
        })
        .collect()
}

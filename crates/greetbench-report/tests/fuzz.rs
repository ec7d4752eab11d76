//! `report` (and `diff`, and `report --baseline`) never hangs or panics, whatever the results
//! file says: the fixture's numbers are replaced with extremes and random values (a few
//! hundred cases, reproducibly drawn), and its text is mutated byte by byte; each case is parsed and rendered on a thread of its own
//! that must finish within a deadline. A results file whose median was about 1e-300 once
//! sent plotters' log axis into an endless loop at 100 % CPU, and `cargo bench` calls the
//! report.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// How long one case may take. Rendering the fixture takes milliseconds; only a hang (or a
/// machine stalled for a minute) reaches this.
const DEADLINE: Duration = Duration::from_secs(60);

/// Numbers no real results file holds, but a broken or hand-edited one might.
const EXTREMES: [f64; 14] = [
    0.0,
    -0.0,
    -1.0,
    1e-300,
    5e-324,
    f64::MIN_POSITIVE,
    1e300,
    f64::MAX,
    -f64::MAX,
    1.8446744073709552e19,
    1e-9,
    1e12,
    0.5,
    123_456_789.0,
];

/// A small reproducible random source (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// An integer: 0, 1, the largest, or a random magnitude.
    fn integer(&mut self) -> u64 {
        match self.below(4) {
            0 => 0,
            1 => u64::MAX,
            2 => 1,
            _ => self.next() >> self.below(64),
        }
    }

    /// A value: an extreme, or a random magnitude of either sign.
    fn number(&mut self) -> f64 {
        if self.next().is_multiple_of(2) {
            EXTREMES[self.below(EXTREMES.len())]
        } else {
            let exp = self.below(640) as i32 - 320;
            let sign = if self.next().is_multiple_of(4) {
                -1.0
            } else {
                1.0
            };
            sign * (self.next() % 1000) as f64 * 10f64.powi(exp)
        }
    }
}

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every number in `v`, by its JSON pointer, except the format version (another version is
/// refused before anything is read, which tests nothing here).
fn numbers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Number(_) if at != "/format" => out.push(at),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                numbers(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                numbers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// Writes `text` as a results file and renders it on a thread, within [`DEADLINE`]. Returns
/// whether it rendered (a refusal with an error is fine); panics if it panicked or hung.
fn render_within_deadline(dir: &Path, case: usize, text: String) -> bool {
    let file = dir.join(format!("case-{case}.json"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(format!("out-{case}"));
    let (tx, rx) = mpsc::channel();
    let (f, o, crit) = (file.clone(), out.clone(), dir.join("criterion"));
    std::thread::spawn(move || {
        let rendered = greetbench_report::render(&f, &o, &crit).is_ok();
        // The extremes, and one case in twenty after them: a diff bootstraps every row of
        // both runs, several times what a page costs in a debug build.
        if case < EXTREMES.len() || case.is_multiple_of(20) {
            diff_against_fixture(&f);
        }
        let _ = tx.send(rendered);
    });
    let rendered = match rx.recv_timeout(DEADLINE) {
        Ok(ok) => ok,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!(
                "case {case} did not render within {DEADLINE:?}: {}",
                file.display()
            )
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("case {case} panicked while rendering: {}", file.display())
        }
    };
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_dir_all(&out);
    rendered
}

/// `greetbench diff` and `report --baseline` read a case through the same reader as `report`:
/// the case against the fixture, in every rendering, must end too.
fn diff_against_fixture(case: &Path) {
    use greetbench_report::diff::{self, Against, Baseline, Diff, Kind, Settings, text};
    use greetbench_report::view::View;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json");
    let Ok((old, new)) = diff::open(&fixture, case) else {
        return;
    };
    let settings = Settings {
        fail_over: Some(0.1),
        ..Settings::default()
    };
    let d = Diff::new(&View::new(&old), "OLD", &View::new(&new), "NEW", settings);
    let _ = (text::terminal(&d), text::markdown(&d), text::json(&d));
    let baseline = Baseline {
        kind: Kind::Given,
        against: Against::Diff(Box::new(d)),
    };
    let _ = askama::Template::render(&greetbench_report::section::baseline::build(&baseline));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gb-fuzz-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn extreme_and_random_numbers_render_or_are_refused_never_hang_or_panic() {
    let dir = temp_dir("numbers");
    let base = fixture();
    let mut pointers = Vec::new();
    numbers(&base, String::new(), &mut pointers);
    assert!(pointers.len() > 100, "the fixture has numbers to vary");
    let mut rng = Rng(0x00C0_FFEE);
    let mut rendered = 0;
    let cases = 300;
    for case in 0..cases {
        let mut v = base.clone();
        // The first cases set every number to one extreme; then a few numbers at random.
        let (chosen, same): (Vec<&String>, Option<f64>) = if let Some(&x) = EXTREMES.get(case) {
            (pointers.iter().collect(), Some(x))
        } else {
            let k = 1 + rng.below(8);
            (
                (0..k)
                    .map(|_| &pointers[rng.below(pointers.len())])
                    .collect(),
                None,
            )
        };
        for p in chosen {
            let Some(slot) = v.pointer_mut(p) else {
                continue;
            };
            // Keep each field's type (an integer where the record has a count), so that the
            // file still parses and the odd numbers reach the charts.
            let n = if slot.is_u64() {
                let x = same.map_or_else(|| rng.integer(), |x| x.abs().min(u64::MAX as f64) as u64);
                Some(serde_json::Number::from(x))
            } else {
                serde_json::Number::from_f64(same.unwrap_or_else(|| rng.number()))
            };
            if let Some(n) = n {
                *slot = Value::Number(n);
            }
        }
        if render_within_deadline(&dir, case, v.to_string()) {
            rendered += 1;
        }
    }
    // Most cases are valid files with odd numbers, and those must render, not be refused.
    assert!(rendered > cases / 2, "only {rendered} of {cases} rendered");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn mutated_text_is_parsed_or_refused_never_a_panic() {
    let dir = temp_dir("text");
    let text = fixture().to_string();
    let mut rng = Rng(7);
    let alphabet = b"0123456789-+.eE{}[]\",: naxl";
    for case in 0..100 {
        let mut bytes = text.clone().into_bytes();
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(bytes.len());
            bytes[at] = alphabet[rng.below(alphabet.len())];
        }
        render_within_deadline(&dir, case, String::from_utf8_lossy(&bytes).into_owned());
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn huge_latencies_in_group_names_render_never_panic() {
    // An io group's latency comes from its name, and the ideals multiply it by N: a day-long
    // latency at N = 1e15 once overflowed `Duration::mul_f64` and panicked the report.
    let dir = temp_dir("names");
    let mut v = fixture();
    if let Some(estimates) = v.get_mut("criterion").and_then(Value::as_array_mut) {
        for e in estimates {
            if e["group"] == "io_10ms" {
                e["group"] = Value::from("io_86400s");
                if e["size"] == 1000 {
                    e["size"] = Value::from(1_000_000_000_000_000u64);
                }
            }
        }
    }
    assert!(
        v.to_string().contains("io_86400s"),
        "the fixture has an io_10ms group"
    );
    assert!(render_within_deadline(&dir, 0, v.to_string()));
    std::fs::remove_dir_all(&dir).ok();
}

//! Bad input as a user types it: every mistake ends in one line on stderr that names the fix
//! (the flag to add, the range to keep to), with exit status 2, before anything runs.

use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

fn greetbench(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs")
}

/// Runs `args`, asserts one line on stderr and exit status 2, and returns the line.
fn refused(args: &[&str]) -> String {
    let out = greetbench(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    err.trim_end().to_owned()
}

#[test]
fn a_missing_argument_is_named_with_the_subcommands_help() {
    let line = refused(&["run"]);
    assert!(line.contains("missing --model"), "{line}");
    assert!(line.contains("greetbench run --help"), "{line}");
    let line = refused(&["diff", "S"]);
    assert!(line.contains("missing <NEW>"), "{line}");
    let model = greetbench::registry::names()[0];
    let line = refused(&["load", "--model", model]);
    assert!(
        line.contains("--rate") && line.contains("--duration"),
        "{line}"
    );
}

#[test]
fn a_flag_that_needs_another_says_which() {
    let model = greetbench::registry::names()[0];
    let line = refused(&["compare", "--repeats", "3", "--model", model]);
    assert!(line.contains("--repeats needs --floor"), "{line}");
    let line = refused(&["sweep", "--size=10"]);
    assert!(line.contains("--size needs --scale"), "{line}");
}

#[test]
fn a_results_file_report_cannot_read_is_bad_input_like_in_diff() {
    let dir = std::env::temp_dir().join(format!("greetbench-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_json = dir.join("notjson.json");
    std::fs::write(&not_json, "nope").unwrap();
    let format_4 = dir.join("format4.json");
    std::fs::write(&format_4, r#"{"format": 4}"#).unwrap();
    let missing = dir.join("missing.json");
    let out = dir.join("out");
    for (file, says) in [
        (&not_json, "is not a greetbench results file"),
        (&format_4, "results format 4"),
        (&missing, "does not exist; pass a results.json file"),
        (&std::path::PathBuf::from("/dev/zero"), "not a regular file"),
    ] {
        let args = ["report", "--results", file.to_str().unwrap()];
        let line = refused(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
        assert!(line.contains(says), "{line}");
        assert!(line.contains(file.to_str().unwrap()), "{line}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn targets_off_ipv4_loopback_are_refused_as_bad_input() {
    let model = greetbench::registry::names()[0];
    for target in [
        "10.0.0.1:80",
        "0.0.0.0:9000",
        "[::1]:9000",
        "[::ffff:127.0.0.1]:9000",
    ] {
        let line = refused(&["run", "--model", model, "--count", "2", "--targets", target]);
        assert!(
            line.contains("only IPv4 127.0.0.0/8 addresses are allowed"),
            "{line}"
        );
    }
}

#[test]
fn a_port_range_past_65535_names_the_highest_port_that_fits() {
    for processes in ["1", "2"] {
        let line = refused(&[
            "serve",
            "--port",
            "65535",
            "--hosts",
            "4",
            "--processes",
            processes,
        ]);
        assert!(
            line.contains("--port 65535 with --hosts 4 needs ports up to 65538")
                && line.contains("use --port 65532 or lower"),
            "{line}"
        );
    }
}

#[test]
fn soak_names_its_own_flags_and_fits_its_default_batch_to_the_count() {
    let line = refused(&["soak", "--count", "0"]);
    assert!(line.contains("--count must be at least 1"), "{line}");
    let line = refused(&["soak", "--count", "5", "--batch", "6"]);
    assert!(line.contains("--batch 6 is more than --count 5"), "{line}");
    // The default batch (10,000) is cut to a smaller count, not refused: 20 greets, 1 batch.
    let model = greetbench::registry::first_where(|d| d.lang == greet_core::Lang::Rust);
    let out = greetbench(&[
        "soak",
        "--model",
        &model,
        "--count",
        "20",
        "--timeout",
        "2s",
        "--latency",
        "1ms",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("20 greets") && text.contains("1 batches of up to 20"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_duration_out_of_reach_names_the_units_and_the_range() {
    let model = greetbench::registry::names()[0];
    let line = refused(&["run", "--model", model, "--latency", "10h"]);
    assert!(
        line.contains("s, ms, us or ns") && line.contains("up to 86400s"),
        "{line}"
    );
}

#[test]
fn fault_hosts_without_a_fault_is_refused() {
    let model = greetbench::registry::names()[0];
    let line = refused(&["run", "--model", model, "--fault-hosts", "0"]);
    assert!(line.contains("--fault-hosts needs --fault"), "{line}");
}

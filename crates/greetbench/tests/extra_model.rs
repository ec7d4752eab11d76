//! A model registered from outside, through the one registration path, appears everywhere
//! with no other edit: in `greetbench models`, in `compare`, and in a rendered report.
//!
//! The model is test-only: a sequential loop under another name and family description.
//! This binary registers it first thing in `main`, then acts as the greetbench CLI when it is
//! re-executed as a child (`compare` starts each run in a fresh child of the current
//! executable, and the server too), exactly as a bench binary does.

use std::process::{Command, ExitCode};

use greet_core::record::{RunRecord, RunResult};
use greet_core::{
    Concurrency, Description, Family, FnRunner, Model, ModelError, Plan, Runner, Shape, run_job,
};

const NAME: &str = "extra-test-model";

/// One job after another, like sequential: the point is the registration, not the model.
struct Extra;

impl Model for Extra {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> Description {
        Description::new(
            self.name(),
            Family::Sequential,
            Shape::OneAtATime,
            "a test-only model registered from outside the registry's list",
        )
        .one_thread()
        .crunch_on("the calling thread")
    }

    fn concurrency(&self, _plan: &Plan) -> Concurrency {
        Concurrency { io: 1, cpu: 1 }
    }

    fn start(&self, _plan: &Plan) -> Result<Box<dyn Runner>, ModelError> {
        Ok(Box::new(FnRunner(|plan: &Plan| {
            (0..plan.count).map(|i| run_job(plan, i)).collect()
        })))
    }
}

fn main() -> ExitCode {
    greetbench::registry::register(|| Box::new(Extra));
    greetbench::cli::run_as_cli_if_requested();
    // `cargo test -- --list` and friends: this binary has one test.
    if std::env::args().any(|a| a == "--list") {
        println!("extra_model: test");
        return ExitCode::SUCCESS;
    }
    match check() {
        Ok(()) => {
            println!("test extra_model ... ok\n1 passed, 0 failed");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("test extra_model ... FAILED: {why}\n0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}

/// This executable as the greetbench CLI.
fn cli(args: &[&str]) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .env(greetbench::child::AS_CLI_ENV, "1")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn check() -> Result<(), String> {
    // 1. `models` lists it, with its description.
    let models = cli(&["models"])?;
    let line = models
        .lines()
        .find(|l| l.split_whitespace().next() == Some(NAME))
        .ok_or(format!("`models` does not list {NAME}:\n{models}"))?;
    if !line.contains("registered from outside") {
        return Err(format!("its description is missing: {line}"));
    }

    // 2. `compare` runs it in a child of its own, beside every built-in model.
    let out = cli(&[
        "compare",
        "--count",
        "4",
        "--hosts",
        "2",
        "--latency",
        "1ms",
        "--json",
    ])?;
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&out).map_err(|e| format!("compare --json: {e}: {out}"))?;
    let names: Vec<&str> = rows.iter().filter_map(|r| r["model"].as_str()).collect();
    // Every model that can run here (a Python model needs python3, uvloop's needs uvloop).
    let runnable = greetbench::registry::all();
    let runnable = runnable.iter().filter(|m| m.unavailable().is_none());
    for want in runnable.map(|m| m.name()) {
        if !names.contains(&want) {
            return Err(format!("compare has no row for {want}: {names:?}"));
        }
    }
    let records: Vec<RunRecord> = serde_json::from_str(&out).map_err(|e| e.to_string())?;
    let extra = records
        .iter()
        .find(|r| r.request.model == NAME)
        .ok_or("no record for the extra model")?;
    if extra.ok != 4 || extra.errors != 0 {
        return Err(format!(
            "the extra model's run: {} ok, {} errors",
            extra.ok, extra.errors
        ));
    }

    // 3. A report rendered from results holding its description and its runs shows it.
    let paths = greetbench_report::Paths::locate();
    let dir = std::env::temp_dir().join(format!("gb-extra-model-{}", std::process::id()));
    let results = greetbench_report::Results {
        sweep: Some(greetbench_report::results::Sweep {
            format: greetbench_report::results::FORMAT,
            provenance: greetbench_report::Provenance::collect(&paths.workspace),
            models: greetbench::registry::descriptions(),
            profile: "test".into(),
            wall_s: 0.0,
            entries: records
                .into_iter()
                .map(|r| RunResult::Record(Box::new(r)))
                .collect(),
            kill: None,
            python: None,
            rates: Vec::new(),
            scale: Vec::new(),
            floor: Vec::new(),
            faults: Vec::new(),
            timelines: Vec::new(),
        }),
        ..greetbench_report::Results::gather(
            &paths.workspace,
            &dir.join("no-target"),
            &greetbench::registry::descriptions(),
        )
    };
    let file = dir.join("results.json");
    greetbench_report::results::write_json(&file, &results).map_err(|e| e.to_string())?;
    let page = greetbench_report::render(&file, &dir, &dir).map_err(|e| e.to_string())?;
    let html = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    let shown = html.matches(NAME).count();
    if shown < 2 {
        return Err(format!(
            "the report names {NAME} {shown} time(s); want it in the models table and the sweep"
        ));
    }
    Ok(())
}

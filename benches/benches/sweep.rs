//! Question: what does each model cost besides wall time — CPU, memory, threads, context
//! switches — and where does an OS limit stop it?
//!
//! Not a criterion benchmark: it runs `greetbench sweep`'s default sweep (each model and size
//! in a fresh child process, about a minute here, then the rate sweep's two models under
//! open-loop load, about 20 s more; `GREETBENCH_PROFILE=full` sweeps further),
//! stores `target/greetbench/sweep.json`, then regenerates `reports/index.html`. Cargo runs
//! bench targets in name order, so this one comes last and its report includes every
//! criterion group. It runs only under `cargo bench` with no name filter, or a filter that
//! matches "sweep".
//!
//! ```text
//! cargo bench --bench sweep
//! cargo bench -- sweep
//! ```

use greetbench::sweep;

/// Criterion flags that take a value: their value is not a name filter.
const VALUE_FLAGS: &[&str] = &[
    "--baseline",
    "--baseline-lenient",
    "--save-baseline",
    "--load-baseline",
    "--color",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "--format",
    "--logfile",
];

/// The name filter criterion would apply (the first argument that is not a flag or a flag's
/// value), if any.
fn filter(args: &[String]) -> Option<&str> {
    let mut skip = false;
    for a in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if a.starts_with('-') {
            skip = VALUE_FLAGS.contains(&a.as_str());
            continue;
        }
        return Some(a);
    }
    None
}

fn main() {
    // First: this binary is also the `greetbench run` child of every sweep point.
    greetbench::cli::run_as_cli_if_requested();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("sweep: benchmark");
        return;
    }
    // `cargo test --benches` runs bench binaries without `--bench`: too long for a test.
    if !args.iter().any(|a| a == "--bench") {
        println!("sweep: skipped (runs under `cargo bench` only)");
        return;
    }
    if let Some(f) = filter(&args)
        && !("sweep".contains(f) || f.contains("sweep"))
    {
        return;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("warning: the sweep did not run: cannot find this executable ({e})");
            return;
        }
    };
    match sweep::run_and_store(&exe, benches::profile(), None) {
        Ok((s, written)) => {
            print!("{}", sweep::table(&s));
            for file in written {
                println!("sweep results: {}", file.display());
            }
        }
        Err(e) => eprintln!("warning: the sweep's results were not stored: {e}"),
    }
    benches::report();
}

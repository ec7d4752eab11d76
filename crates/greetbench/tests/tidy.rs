//! Tidy: the conventions ARCHITECTURE.md states that no behavioural test can check, checked on
//! the source itself, in the spirit of rust-analyzer's `xtask/src/tidy.rs`.
//!
//! Each check is a pure function of a file's text (or a manifest's), so that a unit test at the
//! bottom feeds it a bad snippet and sees it fail; the workspace tests run it over every file.
//! ARCHITECTURE.md names the test behind each invariant. Exceptions are listed here, each with
//! its reason; those waiting for another change to land (`PENDING_*`) name the issue and the
//! area that removes them, and shrink as those land.

use std::path::{Path, PathBuf};

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A source file: its path from the root (with `/`), and its text.
struct Source {
    path: String,
    text: String,
}

/// This file: it holds the bad snippets its checks are shown to catch.
const THIS_FILE: &str = "crates/greetbench/tests/tidy.rs";

/// Every `.rs` file under the `tops` (paths from the root), `target/` and this file left out.
fn sources(tops: &[&str]) -> Vec<Source> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = tops.iter().map(|t| root().join(t)).collect();
    // Bounded: every directory is visited once, and the tree is finite.
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let rel = path.strip_prefix(root()).unwrap_or(&path);
                let path = rel.to_string_lossy().replace('\\', "/");
                out.push(Source { path, text });
            }
        }
    }
    out.retain(|s| s.path != THIS_FILE);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The code before a file's `#[cfg(test)]` module: what ships.
fn shipped(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// A line without its `//` comment (good enough for the checks: no check looks for `//`).
fn code(line: &str) -> &str {
    line.find("//").map_or(line, |at| &line[..at])
}

/// Whether `path` is one of `list`, or starts with one of its entries (a directory `dir/`, or
/// a prefix such as `crates/model-`).
fn listed(path: &str, list: &[(&str, &str)]) -> bool {
    list.iter().any(|(p, _)| path.starts_with(p))
}

/// The lines of shipped code (outside comments) that contain one of `words`.
fn lines_with(text: &str, words: &[&str]) -> Vec<usize> {
    shipped(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| words.iter().any(|w| code(l).contains(w)))
        .map(|(i, _)| i + 1)
        .collect()
}

/// `path:line` of every line `find` reports in each of `files`.
fn at_lines(files: impl IntoIterator<Item = Source>, find: fn(&str) -> Vec<usize>) -> Vec<String> {
    files
        .into_iter()
        .flat_map(|s| {
            find(&s.text)
                .into_iter()
                .map(move |n| format!("{}:{n}", s.path))
        })
        .collect()
}

/// Asserts that `problems` is empty, one line per problem.
fn assert_none(what: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

// ---- Every file opens with `//!` --------------------------------------------------------

/// Whether a file opens with a `//!` line saying what it is.
fn opens_with_module_doc(text: &str) -> bool {
    text.starts_with("//!")
}

/// Files that cannot open with `//!`: a lesson's `checks.rs` and `run.rs` are `include!`d by
/// the exercise's and the solution's test targets, where an inner doc comment is not allowed
/// mid-file; each opens with a `//` line instead.
const NO_MODULE_DOC: &[(&str, &str)] = &[("lessons/", "checks.rs and run.rs are include!d")];

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let problems = sources(&["crates", "benches", "lessons"])
        .into_iter()
        .filter(|s| !opens_with_module_doc(&s.text))
        .filter(|s| {
            let included = s.path.ends_with("/checks.rs") || s.path.ends_with("/run.rs");
            !(included && listed(&s.path, NO_MODULE_DOC))
        })
        .map(|s| s.path)
        .collect();
    assert_none("files that do not open with //!", problems);
}

// ---- Output goes through `greetbench::out` ----------------------------------------------

/// The lines of shipped code that print with `println!` and its kin, which panic when the
/// write fails (a closed pipe, a full disk).
fn prints(text: &str) -> Vec<usize> {
    let macros = ["println!(", "eprintln!(", "print!(", "eprint!(", "dbg!("];
    shipped(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let c = code(l);
            macros.iter().any(|m| {
                c.match_indices(m).any(|(at, _)| {
                    // `eprintln!(` is not `println!(` preceded by `e`.
                    at == 0 || !c.as_bytes()[at - 1].is_ascii_alphanumeric()
                })
            })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Code whose job is to print, and so prints directly.
const PRINTING_IS_ITS_JOB: &[(&str, &str)] = &[
    (
        "crates/lesson/src/",
        "the `cargo lesson` command, a terminal program for learners",
    ),
    (
        "crates/lesson-measure/src/lib.rs",
        "prints the lesson run's one-line record",
    ),
    (
        "crates/lesson-reference/src/lib.rs",
        "prints the reference model's record",
    ),
    ("benches/", "criterion bench binaries and their shared code"),
];

/// Printing that other areas are removing (allowed until they land; then delete the line).
/// (None left: the report's landed. Add a line here, with its issue and area, only while
/// another area's change is on its way.)
const PENDING_PRINTS: &[(&str, &str)] = &[];

#[test]
fn every_output_line_goes_through_out() {
    let files = sources(&["crates", "benches"])
        .into_iter()
        .filter(|s| s.path.contains("/src/"))
        .filter(|s| !listed(&s.path, PRINTING_IS_ITS_JOB) && !listed(&s.path, PENDING_PRINTS));
    let problems = at_lines(files, prints);
    assert_none(
        "println!/eprintln! outside greetbench::out (use out::say/out::warn)",
        problems,
    );
}

// ---- Unsafe only in the named places, each with its SAFETY comment ----------------------

/// Each `unsafe` block or item in `text` (its line), and whether a `// SAFETY:` comment is
/// among the six lines before it.
fn unsafe_uses(text: &str) -> Vec<(usize, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let c = code(l);
            ["unsafe {", "unsafe fn", "unsafe impl", "unsafe extern"]
                .iter()
                .any(|u| c.contains(u))
        })
        .map(|(i, _)| {
            let from = i.saturating_sub(6);
            let safety = lines[from..=i].iter().any(|l| l.contains("// SAFETY:"));
            (i + 1, safety)
        })
        .collect()
}

/// Where unsafe code may be, and how many uses each file has: what no safe crate offers.
const UNSAFE_ALLOWED: &[(&str, usize, &str)] = &[
    (
        "crates/greet-os/src/limits.rs",
        1,
        "pre_exec: setrlimit in a child between fork and exec",
    ),
    (
        "crates/greet-os/src/process.rs",
        2,
        "pre_exec (prctl PDEATHSIG) and the tgkill system call",
    ),
    (
        "crates/greet-os/src/memory.rs",
        1,
        "malloc_trim: glibc's return of freed heap to the OS after a connection storm",
    ),
    (
        "benches/src/fork.rs",
        2,
        "fork and _exit: what the spawn benchmark times",
    ),
];

/// Unsafe code other areas are removing (allowed until they land; then delete the line).
const PENDING_UNSAFE: &[(&str, usize, &str)] = &[];

#[test]
fn unsafe_code_is_only_where_no_safe_crate_reaches_and_says_why() {
    let mut problems = Vec::new();
    for s in sources(&["crates", "benches", "lessons"]) {
        let uses = unsafe_uses(&s.text);
        let allowed = UNSAFE_ALLOWED
            .iter()
            .chain(PENDING_UNSAFE)
            .find(|(p, _, _)| *p == s.path)
            .map_or(0, |(_, n, _)| *n);
        if uses.len() > allowed {
            problems.push(format!(
                "{}: {} unsafe uses, {allowed} allowed",
                s.path,
                uses.len()
            ));
        }
        for (line, safety) in uses {
            if !safety {
                problems.push(format!("{}:{line}: no `// SAFETY:` comment", s.path));
            }
        }
    }
    assert_none("unsafe code", problems);
}

// ---- No `Result<_, String>` in a public API ----------------------------------------------

/// The public functions of `text` that return `Result<_, String>`, by line: a library returns
/// its own error enum.
fn string_results(text: &str) -> Vec<usize> {
    let text = shipped(text);
    let mut out = Vec::new();
    for (at, _) in text.match_indices("pub fn ") {
        let before = &text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        if !before[line_start..].trim().is_empty() {
            continue; // `pub(crate) fn` and the like are not public
        }
        let end = text[at..].find(['{', ';']).map_or(text.len(), |e| at + e);
        let sig: String = text[at..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let returns = sig.rsplit_once("->").map_or("", |(_, r)| r.trim());
        if returns.starts_with("Result<") && returns.trim_end_matches('>').ends_with(", String") {
            out.push(before.matches('\n').count() + 1);
        }
    }
    out
}

/// Public `Result<_, String>`s other areas are turning into error enums.
const PENDING_STRING_RESULTS: &[(&str, &str)] = &[];

/// Whether the module in file `path` (from the root) is reachable from outside its crate:
/// the library's root, or a module declared `pub mod` all the way up. A binary's `main.rs` is
/// no API.
fn public_module(path: &str) -> bool {
    let Some((src, rel)) = path.split_once("/src/") else {
        return false;
    };
    let rel = rel.trim_end_matches(".rs").trim_end_matches("/mod");
    if rel == "lib" {
        return true;
    }
    if rel == "main" {
        return false;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    (0..parts.len()).all(|i| {
        let parent = if i == 0 {
            vec![format!("{src}/src/lib.rs")]
        } else {
            let up = parts[..i].join("/");
            vec![
                format!("{src}/src/{up}.rs"),
                format!("{src}/src/{up}/mod.rs"),
            ]
        };
        let declared = format!("pub mod {};", parts[i]);
        parent
            .iter()
            .any(|p| std::fs::read_to_string(root().join(p)).is_ok_and(|t| t.contains(&declared)))
    })
}

#[test]
fn no_public_function_returns_a_string_as_its_error() {
    let files = sources(&["crates", "benches"])
        .into_iter()
        .filter(|s| public_module(&s.path) && !listed(&s.path, PENDING_STRING_RESULTS));
    let problems = at_lines(files, string_results);
    assert_none("public functions returning Result<_, String>", problems);
}

// ---- Line budgets: files of 600 lines, functions of 80 -----------------------------------

/// The functions of `text` longer than `max` lines, as `name (lines)`. A function ends at the
/// first line that is its own indentation followed by `}` (rustfmt's layout).
fn long_functions(text: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let Some(at) = trimmed.find("fn ") else {
            continue;
        };
        let head = &trimmed[..at];
        let words = [
            "pub ",
            "pub(crate) ",
            "pub(super) ",
            "async ",
            "const ",
            "unsafe ",
        ];
        let mut rest = head;
        while let Some(w) = words.iter().find(|w| rest.starts_with(**w)) {
            rest = &rest[w.len()..];
        }
        if !rest.is_empty() || trimmed.ends_with(';') {
            continue;
        }
        let name: String = trimmed[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
            let len = end + 2;
            if len > max {
                out.push(format!("{name} ({len} lines)"));
            }
        }
    }
    out
}

/// The most lines a file of `crates/*/src` may have.
const MAX_FILE_LINES: usize = 600;

/// The most lines a function of `crates/*/src` may have.
const MAX_FN_LINES: usize = 80;

/// The report's charts are drawn by long, flat plotting functions: outside both budgets.
const OUTSIDE_THE_BUDGETS: &[(&str, &str)] = &[(
    "crates/greetbench-report/",
    "plotting code, by the issue's terms",
)];

/// Files and functions over budget that other areas are cutting.
const PENDING_BUDGETS: &[(&str, &str)] = &[];

#[test]
fn no_file_or_function_is_over_its_line_budget() {
    let mut problems = Vec::new();
    for s in sources(&["crates"]) {
        let budgeted = s.path.contains("/src/")
            && !listed(&s.path, OUTSIDE_THE_BUDGETS)
            && !listed(&s.path, PENDING_BUDGETS);
        if !budgeted {
            continue;
        }
        let n = s.text.lines().count();
        if n > MAX_FILE_LINES {
            problems.push(format!("{}: {n} lines", s.path));
        }
        for f in long_functions(&s.text, MAX_FN_LINES) {
            problems.push(format!("{}: fn {f}", s.path));
        }
    }
    assert_none(
        &format!("over {MAX_FILE_LINES} lines a file or {MAX_FN_LINES} a function"),
        problems,
    );
}

// ---- greet-core starts no threads, processes or runtimes --------------------------------

/// The lines of shipped code that start a thread, a process or a runtime.
fn starts_concurrency(text: &str) -> Vec<usize> {
    let starts = [
        "thread::spawn",
        "thread::Builder",
        "thread::scope",
        "Command::new",
        "Runtime::new",
        "runtime::Builder",
        "block_on(",
    ];
    lines_with(text, &starts)
}

#[test]
fn greet_core_starts_no_threads_processes_or_runtimes() {
    let files = sources(&["crates/greet-core/src"]).into_iter();
    let problems = at_lines(files, starts_concurrency);
    assert_none("concurrency started in greet-core", problems);
}

// ---- The OS is called in one place -------------------------------------------------------

/// The lines of shipped code that ask the OS themselves: a `/proc` path, an rlimit or rusage
/// call, a libc function. The OS layer (`greet-os`) is where those live.
fn calls_the_os(text: &str) -> Vec<usize> {
    let calls = ["\"/proc", "getrlimit", "setrlimit", "getrusage", "prlimit"];
    shipped(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let c = code(l);
            let libc_fn = c.match_indices("libc::").any(|(at, m)| {
                let rest = &c[at + m.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                    .collect();
                name.chars().next().is_some_and(char::is_lowercase)
                    && rest[name.len()..].starts_with('(')
            });
            libc_fn || calls.iter().any(|k| c.contains(k))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The lines of shipped code that wait for a child by polling `try_wait` and sleeping: the
/// wait is `greet_os::process::wait_timeout`.
fn polls_for_exit(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = shipped(text).lines().collect();
    (0..lines.len())
        .filter(|&i| code(lines[i]).contains("try_wait()"))
        .filter(|&i| {
            let near = &lines[i.saturating_sub(4)..(i + 8).min(lines.len())];
            near.iter().any(|l| code(l).contains("sleep("))
        })
        .map(|i| i + 1)
        .collect()
}

/// Code that asks the OS itself, and why it may.
const OS_CALLS_ALLOWED: &[(&str, &str)] = &[
    ("crates/greet-os/", "the OS layer"),
    (
        "benches/src/fork.rs",
        "fork and _exit: what the spawn benchmark times",
    ),
];

/// OS calls other areas are moving to the OS layer (allowed until they land; then delete).
const PENDING_OS_CALLS: &[(&str, &str)] = &[];

#[test]
fn the_os_is_called_in_one_place() {
    let problems = sources(&["crates", "benches"])
        .into_iter()
        .filter(|s| s.path.contains("/src/"))
        .filter(|s| !listed(&s.path, OS_CALLS_ALLOWED) && !listed(&s.path, PENDING_OS_CALLS))
        .flat_map(|s| {
            let calls = calls_the_os(&s.text)
                .into_iter()
                .map(|n| (n, "asks the OS"));
            let waits = polls_for_exit(&s.text)
                .into_iter()
                .map(|n| (n, "polls try_wait"));
            calls
                .chain(waits)
                .map(move |(n, what)| format!("{}:{n} {what}", s.path))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_none("OS calls outside greet-os (use greet_os)", problems);
}

// ---- Dependencies: what each crate may depend on -----------------------------------------

/// The names in a manifest's `[dependencies]` table.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
        out.push(name.to_owned());
    }
    out
}

/// Each crate whose dependencies are an invariant, and what it may depend on: the model
/// crates greet-core and their own runtime (the process models also worker-process and the
/// wire's serde; prefork the tokio-current-thread model whose event loop each worker is),
/// greet-core no runtime, the report and the checker not greetbench.
const DEPENDENCIES: &[(&str, &[&str])] = &[
    ("model-sequential", &["greet-core"]),
    ("model-threads", &["greet-core"]),
    ("model-thread-pool", &["greet-core", "crossbeam-channel"]),
    ("model-processes", &["greet-core", "worker-process"]),
    (
        "model-prefork",
        &[
            "greet-core",
            "worker-process",
            "model-tokio-current-thread",
            "tokio",
            "serde",
        ],
    ),
    ("model-rayon", &["greet-core", "rayon"]),
    // model-tokio runs tokio-current-thread's tasks, greet and join loop on its own runtime.
    (
        "model-tokio",
        &["greet-core", "tokio", "model-tokio-current-thread"],
    ),
    ("model-tokio-current-thread", &["greet-core", "tokio"]),
    ("model-async-std", &["greet-core", "async-std"]),
    ("model-smol", &["greet-core", "smol"]),
    // model-compio names the errno io_uring_setup returned (rustix's `Errno`) and reads the
    // io_uring_disabled sysctl through the OS layer, to say why io_uring is refused.
    (
        "model-compio",
        &["greet-core", "compio", "rustix", "greet-os"],
    ),
    (
        "model-python",
        &["greet-core", "greet-os", "serde", "serde_json"],
    ),
    // greet-core's `observe` and `catch_panic` wrap a future in place (pin-project-lite), so
    // that a waiting greet does not carry it twice, with no unsafe of its own.
    (
        "greet-core",
        &[
            "greet-os",
            "serde",
            "serde_json",
            "thiserror",
            "pin-project-lite",
        ],
    ),
    (
        "greet-os",
        &[
            "rustix",
            "nix",
            "libc",
            "serde",
            "serde_json",
            "thiserror",
            "toml",
        ],
    ),
    (
        "worker-process",
        &["greet-core", "greet-os", "serde", "thiserror"],
    ),
];

/// Dependencies other areas are taking out (allowed until they land; then delete the line).
const PENDING_DEPENDENCIES: &[(&str, &str, &str)] = &[];

/// Crates that must not depend on `greetbench` (the CLI depends on them, or they stand
/// apart from it).
const NOT_ON_GREETBENCH: &[&str] = &["greetbench-report", "lesson"];

/// The dependencies of `manifest` outside `allowed`.
fn unexpected(manifest: &str, allowed: &[&str]) -> Vec<String> {
    dependencies(manifest)
        .into_iter()
        .filter(|d| !allowed.contains(&d.as_str()))
        .collect()
}

#[test]
fn each_crate_depends_only_on_what_its_layer_allows() {
    let manifest = |name: &str| {
        std::fs::read_to_string(root().join("crates").join(name).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("crates/{name}/Cargo.toml: {e}"))
    };
    let mut problems = Vec::new();
    for (name, allowed) in DEPENDENCIES {
        for d in unexpected(&manifest(name), allowed) {
            let pending = PENDING_DEPENDENCIES
                .iter()
                .any(|(c, p, _)| c == name && *p == d);
            if !pending {
                problems.push(format!("{name} depends on {d}"));
            }
        }
    }
    for name in NOT_ON_GREETBENCH {
        if dependencies(&manifest(name))
            .iter()
            .any(|d| d == "greetbench")
        {
            problems.push(format!("{name} depends on greetbench"));
        }
    }
    // Every model crate is in the table: a new one is checked from its first commit.
    for entry in std::fs::read_dir(root().join("crates")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("model-") && !DEPENDENCIES.iter().any(|(n, _)| *n == name) {
            problems.push(format!("{name} has no line in DEPENDENCIES"));
        }
    }
    assert_none("dependencies", problems);
}

// ---- Layers point one way: nothing imports the CLI ---------------------------------------

/// The lines of `text` that use the CLI module.
fn uses_cli(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| code(l).contains("crate::cli"))
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn nothing_in_greetbench_imports_the_cli() {
    let files = sources(&["crates/greetbench/src"])
        .into_iter()
        .filter(|s| !s.path.starts_with("crates/greetbench/src/cli/"));
    let problems = at_lines(files, uses_cli);
    assert_none("crate::cli used outside cli/", problems);
}

// ---- No model name outside the registry --------------------------------------------------

/// The model names `text` quotes (`"tokio-inline"`): a second list of names. A name that is
/// also an ordinary word of the code, a family's label or a runtime's crate (`ambiguous`:
/// `"threads"`, `"tokio"`), counts only on a line that picks a model ([`PICKS`]), so that a
/// table's `"threads"` column is not taken for the threads model.
fn quoted_names<'a>(text: &str, names: &[&'a str], ambiguous: &[String]) -> Vec<&'a str> {
    let mut found = Vec::new();
    for line in text.lines() {
        let picks = PICKS.iter().any(|w| line.contains(w));
        for name in names {
            let quoted = line.contains(&format!("\"{name}\""));
            let plain = !ambiguous.iter().any(|a| a == name);
            if quoted && (picks || plain) && !found.contains(name) {
                found.push(*name);
            }
        }
    }
    found
}

/// What a line that picks a model by name says.
const PICKS: &[&str] = &[
    "find(",
    "run(",
    "--model",
    "model ==",
    "model =",
    "model:",
    ".model",
    "\"model\":",
];

/// Where a model's name may be written: where the model says it, and where the registry
/// lists the models.
const NAMES_ALLOWED: &[(&str, &str)] = &[
    (
        "crates/model-",
        "each model says its own name (and its runtime's crate)",
    ),
    (
        "crates/greetbench/src/registry.rs",
        "the registry lists the models",
    ),
    (
        "crates/greetbench-report/src/provenance.rs",
        "the runtime crates whose versions it records (crate names)",
    ),
    (
        "lessons/09-choosing/",
        "the lesson is choosing a model by name from the registry",
    ),
    (
        "crates/lesson/src/",
        "a lesson.toml names the reference model a lesson is measured against (data)",
    ),
    (
        "crates/lesson-reference/",
        "runs the reference model a lesson.toml names",
    ),
];

/// Names other areas are taking out (allowed until they land; then delete the line).
/// (None left: the report's tests pick by description now.)
const PENDING_NAMES: &[(&str, &str)] = &[];

/// The words a model's name may also be: its family's label and its runtime's crate.
fn ambiguous_names() -> Vec<String> {
    greetbench::registry::descriptions()
        .into_iter()
        .flat_map(|d| [Some(d.family.to_string()), d.runtime.map(|r| r.name)])
        .flatten()
        .collect()
}

#[test]
fn no_model_is_named_outside_the_registry() {
    let names = greetbench::registry::names();
    let ambiguous = ambiguous_names();
    assert!(
        names.len() > 10 && ambiguous.iter().any(|a| a == "threads"),
        "{names:?}"
    );
    let problems = sources(&["crates", "benches", "lessons"])
        .into_iter()
        .filter(|s| !listed(&s.path, NAMES_ALLOWED) && !listed(&s.path, PENDING_NAMES))
        .filter_map(|s| {
            let found = quoted_names(&s.text, &names, &ambiguous);
            (!found.is_empty()).then(|| format!("{} names {found:?}", s.path))
        })
        .collect();
    assert_none(
        "model names outside the registry (pick models by description)",
        problems,
    );
}

// ---- The page has no JavaScript ----------------------------------------------------------

/// Whether `text` writes a `<script` element (any case).
fn writes_script(text: &str) -> bool {
    text.to_ascii_lowercase().contains("<script")
}

#[test]
fn the_page_has_no_javascript() {
    let mut problems: Vec<String> = sources(&["crates/greetbench-report/src"])
        .into_iter()
        .filter(|s| writes_script(&s.text))
        .map(|s| s.path)
        .collect();
    // The page's templates, whatever their extension.
    let templates = root().join("crates/greetbench-report/templates");
    for entry in std::fs::read_dir(&templates)
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if writes_script(&text) {
            problems.push(entry.path().display().to_string());
        }
    }
    assert_none("report code or template that writes <script", problems);
}

// ---- The lesson checker writes only in one place -----------------------------------------

/// The lines of shipped code that write to the file system.
fn writes_files(text: &str) -> Vec<usize> {
    let writes = [
        "fs::write",
        "File::create",
        "create_dir",
        "fs::rename",
        "OpenOptions",
        "fs::remove_",
    ];
    lines_with(text, &writes)
}

/// The one module of the checker that writes files: its stores under `target/`.
const CHECKER_WRITES: &str = "crates/lesson/src/store.rs";

#[test]
fn the_lesson_checker_writes_files_in_one_module_only() {
    let files = sources(&["crates/lesson/src"])
        .into_iter()
        .filter(|s| s.path != CHECKER_WRITES);
    let problems = at_lines(files, writes_files);
    assert_none(
        &format!("file writes in the lesson checker outside {CHECKER_WRITES}"),
        problems,
    );
}

// ---- Each check fails on a bad snippet -----------------------------------------------------

#[test]
fn each_check_catches_what_it_is_for() {
    // A file without its doc.
    assert!(opens_with_module_doc("//! What this is.\nfn f() {}\n"));
    assert!(!opens_with_module_doc("use std::io;\n"));
    assert!(!opens_with_module_doc("// a plain comment\n"));
    // Printing, but not in a comment, not in tests, and `eprintln!` counted once.
    assert_eq!(
        prints("fn f() {\n    eprintln!(\"x\");\n    // println!(\"no\")\n}\n"),
        vec![2]
    );
    assert_eq!(
        prints("fn f() {\n    out::say(\"x\");\n}\n"),
        Vec::<usize>::new()
    );
    assert!(prints("#[cfg(test)]\nmod t { fn f() { println!(\"x\"); } }\n").is_empty());
    // Unsafe, with and without its reason.
    assert_eq!(
        unsafe_uses("fn f() {\n    // SAFETY: why.\n    unsafe { g() }\n}\n"),
        vec![(3, true)]
    );
    assert_eq!(
        unsafe_uses("fn f() {\n    unsafe { g() }\n}\n"),
        vec![(2, false)]
    );
    // A public String error, split over lines; not a crate-private one.
    let public = "pub fn parse(\n    text: &str,\n) -> Result<u32, String> {\n    todo!()\n}\n";
    assert_eq!(string_results(public), vec![1]);
    assert!(string_results("pub(crate) fn p() -> Result<u32, String> {}\n").is_empty());
    assert!(string_results("pub fn p() -> Result<u32, ParseError> {}\n").is_empty());
    // ... in a module the crate exports, not in a private one or a binary.
    assert!(public_module("crates/greet-core/src/duration.rs"));
    assert!(public_module("crates/greet-os/src/proc/net.rs"));
    assert!(!public_module("crates/greetbench/src/cli/args.rs"));
    assert!(!public_module("crates/greetbench/src/main.rs"));
    // A long function and a short one.
    let long = format!(
        "pub fn long() {{\n{}}}\nfn short() {{\n}}\n",
        "    x();\n".repeat(90)
    );
    assert_eq!(
        long_functions(&long, 80),
        vec!["long (92 lines)".to_owned()]
    );
    // Concurrency started in shipped code.
    assert_eq!(
        starts_concurrency("fn f() {\n    std::thread::spawn(g);\n}\n"),
        vec![2]
    );
    assert!(starts_concurrency("fn f() {\n    g();\n}\n").is_empty());
    // A model crate that grew a dependency.
    let manifest = "[package]\nname = \"m\"\n\n[dependencies]\ngreet-core.workspace = true\n\
                    tokio = { workspace = true }\n\n[dev-dependencies]\nrayon = \"1\"\n";
    assert_eq!(dependencies(manifest), vec!["greet-core", "tokio"]);
    assert_eq!(unexpected(manifest, &["greet-core"]), vec!["tokio"]);
    // The CLI imported from below it.
    assert_eq!(uses_cli("use crate::cli::exit;\n"), vec![1]);
    // A second list of names.
    let names = ["threads", "thread-pool"];
    let ambiguous = ["threads".to_owned()];
    let picks = "let m = registry::find(\"threads\");\nlet p = \"thread-pool\";";
    assert_eq!(
        quoted_names("q.model == \"threads\"", &names, &ambiguous),
        vec!["threads"]
    );
    assert_eq!(
        quoted_names(picks, &names, &ambiguous),
        vec!["threads", "thread-pool"]
    );
    let header = "format!(\"{:>7}\", \"threads\");";
    assert!(quoted_names(header, &names, &ambiguous).is_empty());
    assert!(quoted_names("\"thread-pools\"", &names, &ambiguous).is_empty());
    // A script element on the page.
    assert!(writes_script("h.push_str(\"<SCRIPT src=x>\");"));
    assert!(!writes_script("h.push_str(\"<style>\");"));
    // The OS asked directly, and a wait that polls.
    assert_eq!(
        calls_the_os(
            "let s = read(\"/proc/self/stat\");\nlet r = libc::getrlimit(x);\nlet k = libc::SIGTERM;\n"
        ),
        vec![1, 2]
    );
    let poll =
        "loop {\n    match child.try_wait() {\n        _ => std::thread::sleep(d),\n    }\n}\n";
    assert_eq!(polls_for_exit(poll), vec![2]);
    assert!(polls_for_exit("let gone = child.try_wait();\n").is_empty());
    // A write outside the store.
    assert_eq!(
        writes_files("fn f() {\n    std::fs::write(p, t)?;\n}\n"),
        vec![2]
    );
}

//! The report page: static HTML with the charts' SVG inline, tables beside them, the verdicts
//! and the claims. No JavaScript, no external files: it reads the same in any browser and in
//! headless Chromium.

use std::fmt::Write as _;

use greet_core::record::{Noise, RunRecord, RunResult, Status};
use greet_core::{Lang, Shape, Workload};

use crate::Results;
use crate::charts::{self, Chart, human_latency, human_ns, stopped_by};
use crate::results::{
    CPU_ALL_CORES, CPU_ONE_WORKER, Estimate, IO_PREFIX, MIXED, SHARED_STATE, SPAWN, Spread,
};
use crate::timeline;
use crate::verdicts::{self, Verdict, noise_words};

/// How to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Where criterion's per-benchmark pages are, as seen from the page
    /// (e.g. `../target/criterion`).
    pub link_base: String,
    /// The run to compare against ("Against the baseline", "Since the last run"), if any.
    pub baseline: Option<crate::diff::Baseline>,
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;max-width:1400px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f2f2f2} td.l,th.l{text-align:left}
.pair{display:flex;flex-wrap:wrap;gap:1.2em;align-items:flex-start;margin:1em 0}
figure{margin:0;flex:0 0 680px} figure svg{width:680px;height:auto} figcaption{font-size:14px;color:#333;margin-top:.3em}
.pair table{flex:1 1 0;min-width:0}
.holds{background:#dff3df} .caveat{background:#fff3cd} .nothold{background:#f8d7da} .none{background:#eee}
.verdicts li{margin:.4em 0} .small{font-size:13px;color:#555} .limit{color:#b00;font-weight:bold}
.busy{color:#8a4b00;font-weight:bold} tr.busy td,tr.busy th{background:#fff3cd}
.half{flex:1 1 0;min-width:0} .half figure svg{width:100%}
.timelines figure{flex:0 0 640px} .timelines figure svg{width:640px}
";

/// The words that mark a figure, a group or the whole run whose machine was busy.
pub const BUSY_MARK: &str = "measured on a busy machine";

/// The whole page.
pub fn page(results: &Results, options: &Options) -> String {
    let mut h = String::new();
    h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    h += "<title>greetbench report: which model, when?</title>\n";
    let _ = writeln!(h, "<style>{STYLE}</style></head><body>");
    h += "<h1>greetbench: which model, when?</h1>\n";
    let view = crate::view::View::new(results);
    let mut answer = crate::section::answer::build(&view);
    let baseline = options.baseline.as_ref();
    answer.against = baseline.map(|b| crate::section::baseline::column(b, &answer));
    match askama::Template::render(&answer) {
        Ok(answer) => h += &answer,
        Err(e) => crate::warn(&format!("warning: the answer was not rendered: {e}")),
    }
    if let Some(b) = baseline {
        match askama::Template::render(&crate::section::baseline::build(b)) {
            Ok(section) => h += &section,
            Err(e) => crate::warn(&format!("warning: the baseline was not rendered: {e}")),
        }
    }
    let _ = writeln!(
        h,
        "<p class=\"small\">Generated from stored results on {}. Regenerate with \
         <code>cargo bench</code> or <code>greetbench report</code>; every number, sentence and \
         verdict below is computed from those results.</p>",
        escape(&results.provenance.date_utc)
    );
    run_busy(&mut h, results);
    machine(&mut h, results);
    models(&mut h, results);
    summary(&mut h, results);
    claims(&mut h, results);
    side_by_side(&mut h, results);
    kill_probe(&mut h, results);
    waiting_timelines(&mut h, results);
    h += "<h2 id=\"charts\">Charts</h2>\n";
    for (key, chart) in charts::all(results) {
        section(&mut h, results, options, &key, chart.as_ref());
    }
    crate::load::section(&mut h, results);
    crate::scale::section(&mut h, results);
    sweep_table(&mut h, results);
    faults_section(&mut h, results);
    noise_table(&mut h, results);
    skipped(&mut h, results);
    h += "</body></html>\n";
    h
}

fn machine(h: &mut String, r: &Results) {
    let p = &r.provenance;
    h.push_str("<h2 id=\"machine\">The machine</h2>\n<table>\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            escape(&v)
        );
    };
    row("CPU", p.cpu_model.clone());
    row(
        "cores",
        format!(
            "{} logical, {} physical",
            p.logical_cores,
            p.physical_cores
                .map_or_else(|| "unknown".to_string(), |n| n.to_string())
        ),
    );
    row("memory", format!("{} MiB", p.memory_mib));
    row("OS", p.os.clone());
    row("kernel", format!("{} ({})", p.kernel, p.arch));
    row("rustc", p.rustc.clone());
    row(
        "crates",
        p.crates
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(py) = r.sweep.as_ref().and_then(|s| s.python.as_ref()) {
        row(
            "python",
            format!(
                "{}, multiprocessing start method {} by default, uvloop {}",
                py.python,
                py.default_start_method,
                py.uvloop.as_deref().unwrap_or("not installed")
            ),
        );
    }
    row("git commit", p.git_commit.clone());
    row("report date (UTC)", p.date_utc.clone());
    if let Some(s) = &r.sweep {
        row(
            "sweep",
            format!(
                "profile {}, {} points in {:.0} s, run {} at commit {}",
                s.profile,
                s.entries.len(),
                s.wall_s,
                s.provenance.date_utc,
                s.provenance.git_commit
            ),
        );
    }
    h.push_str("</table>\n");
}

fn summary(h: &mut String, r: &Results) {
    h.push_str("<h2 id=\"verdicts\">Which model, when?</h2>\n<ul class=\"verdicts\">\n");
    let lines = verdicts::summary(r);
    if lines.is_empty() {
        h.push_str("<li>Not measured in this run: run <code>cargo bench</code>.</li>\n");
    }
    for l in lines {
        let _ = writeln!(h, "<li>{}</li>", escape(&l));
    }
    h.push_str("</ul>\n");
}

fn claims(h: &mut String, r: &Results) {
    h.push_str("<h2 id=\"claims\">The course's claims, checked</h2>\n<table>\n");
    if r.has_lang(Lang::Python) {
        // A column per language, each verdict computed from that language's rows only.
        h.push_str("<tr><th class=\"l\">claim</th><th class=\"l\">Rust: evidence (this run)</th><th class=\"l\">Rust</th><th class=\"l\">Python: evidence (this run)</th><th class=\"l\">Python</th></tr>\n");
        let rust = verdicts::claims(&r.for_lang(Lang::Rust));
        let python = verdicts::claims(&r.for_lang(Lang::Python));
        for (a, b) in rust.iter().zip(&python) {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td>{}{}</tr>",
                escape(a.claim),
                claim_cells(a),
                claim_cells(b)
            );
        }
        h.push_str("</table>\n");
        return;
    }
    h.push_str("<tr><th class=\"l\">claim</th><th class=\"l\">evidence (this run)</th><th class=\"l\">verdict</th></tr>\n");
    for c in verdicts::claims(r) {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td>{}</tr>",
            escape(c.claim),
            claim_cells(&c)
        );
    }
    h.push_str("</table>\n");
}

/// The page's class for a verdict's colour.
pub(crate) fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds",
        Verdict::HoldsWithCaveat => "caveat",
        Verdict::DoesNotHold => "nothold",
        Verdict::NotMeasured => "none",
    }
}

/// A claim's evidence and verdict cells.
fn claim_cells(c: &verdicts::Claim) -> String {
    let class = verdict_class(c.verdict);
    format!(
        "<td class=\"l\">{}</td><td class=\"l {class}\"><b>{}</b></td>",
        escape(&c.evidence),
        c.verdict.label()
    )
}

/// "Rust beside Python": the course's own Python measured by the same harness against the
/// same server, each chart with its table. Absent when the results describe no Python model.
fn side_by_side(h: &mut String, r: &Results) {
    let drawn = charts::side_by_side(r);
    if drawn.is_empty() {
        return;
    }
    let python = r
        .sweep
        .as_ref()
        .and_then(|s| s.python.as_ref())
        .map_or("python3".to_string(), |p| p.python.clone());
    let _ = writeln!(
        h,
        "<h2 id=\"langs\">Rust beside Python</h2>\n<p class=\"small\">The course's own Python \
         (<code>python/</code>, run by {}) measured by the same harness, against the same server, \
         with the same accounting as the Rust models: <code>greetbench compare --lang all</code> \
         prints the same rows. Criterion cannot time an interpreter in-process, so every timing \
         here is the median of the sweep's fresh-child runs, with the fastest and slowest as \
         whiskers; spawn costs come from <code>python/spawn_cost.py</code>.</p>",
        escape(&python)
    );
    let mut speedups = Vec::new();
    for (key, chart) in &drawn {
        if key.starts_with("lang_speedup") {
            speedups.push((key, chart));
            if speedups.len() == 2 {
                lang_speedups(h, r, &speedups);
            }
            continue;
        }
        let _ = writeln!(h, "<h3 id=\"{}\">{}</h3>", escape(key), lang_heading(key));
        h.push_str("<div class=\"pair\">\n");
        figure(h, chart.as_ref());
        match key.as_str() {
            "lang_greet" => lang_greet_table(h, r),
            "lang_cpu" => lang_cpu_table(h, r),
            "lang_memory" => memory_table(h, r),
            _ => lang_spawn_table(h, r),
        }
        h.push_str("</div>\n");
    }
}

fn lang_heading(key: &str) -> &'static str {
    match key {
        "lang_greet" => "I/O-bound: greet, Rust beside Python",
        "lang_cpu" => "CPU per crunch job, Rust beside Python",
        "lang_memory" => "Memory per waiting greet, Rust beside Python",
        _ => "Spawn cost, Rust beside Python",
    }
}

/// A chart as a figure, or the note that it was not measured.
fn figure(h: &mut String, chart: Option<&Chart>) {
    match chart {
        Some(c) => {
            let _ = writeln!(
                h,
                "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>",
                escape(&c.id),
                c.svg,
                escape(&c.caption)
            );
        }
        None => h.push_str(
            "<p class=\"none\">Not measured in this run (run <code>greetbench sweep</code> with python3 installed).</p>\n",
        ),
    }
}

/// The two speedup charts side by side, each language's table under it.
fn lang_speedups(h: &mut String, r: &Results, charts: &[(&String, &Option<Chart>)]) {
    h.push_str("<h3 id=\"lang_speedup\">CPU speedup vs workers, Rust beside Python</h3>\n<div class=\"pair\">\n");
    for ((_, chart), lang) in charts.iter().zip([Lang::Rust, Lang::Python]) {
        h.push_str("<div class=\"half\">\n");
        figure(h, chart.as_ref());
        speedup_table(h, &r.for_lang(lang));
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
}

/// "1.23 s – 1.40 s (3 runs)", or "one run".
fn spread_words(s: &Spread, unit_ns: f64) -> String {
    if s.n > 1 {
        format!(
            "{} – {} ({} runs)",
            human_ns(s.min * unit_ns),
            human_ns(s.max * unit_ns),
            s.n
        )
    } else {
        "one run".to_string()
    }
}

fn lang_greet_table(h: &mut String, r: &Results) {
    let Some((n, latency)) = charts::lang_greet_point(r) else {
        return;
    };
    let names: Vec<String> = r
        .runs()
        .map(RunResult::request)
        .filter(|q| q.workload == Workload::Greet && q.count == n && q.hosts.latency == latency)
        .map(|q| q.model.clone())
        .collect();
    let _ = writeln!(
        h,
        "<table>\n<tr><th class=\"l\">model (N = {n}, L = {})</th><th class=\"l\">language</th><th>median wall</th><th>spread</th><th>floor</th><th>peak threads</th><th class=\"l\">outcome</th></tr>",
        human_latency(latency)
    );
    for m in charts::paired(r, names) {
        let runs = r.greet_repeats(&m, n, latency);
        let oks: Vec<&RunRecord> = runs
            .iter()
            .filter_map(|e| Results::ok_record(Some(e)))
            .collect();
        let spread = Spread::of(oks.iter().map(|k| k.wall_s));
        let first = runs.first().and_then(|e| e.record());
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&m),
            charts::lang_name(r.lang_of(&m)),
            spread.map_or("-".into(), |s| human_ns(s.median * 1e9)),
            spread.map_or("-".into(), |s| spread_words(&s, 1e9)),
            first
                .and_then(|k| k.floor_s)
                .map_or("-".into(), |f| human_ns(f * 1e9)),
            first.map_or("-".into(), |k| k.peak_threads.to_string()),
            runs.first().map_or("-".into(), |e| outcome(e))
        );
    }
    h.push_str("</table>\n");
}

fn lang_cpu_table(h: &mut String, r: &Results) {
    let names: Vec<String> = r
        .runs()
        .map(RunResult::request)
        .filter(|q| q.workload == Workload::Crunch)
        .map(|q| q.model.clone())
        .collect();
    h.push_str("<table>\n<tr><th class=\"l\">model</th><th class=\"l\">language</th><th>N × work</th><th>CPU per job</th><th>spread</th></tr>\n");
    for m in charts::paired(r, names) {
        let point = charts::crunch_point(r, &m);
        let found = charts::cpu_per_job(r, &m);
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&m),
            charts::lang_name(r.lang_of(&m)),
            match (point, found) {
                (Some((_, n)), Some((_, w))) => format!("{n} × {w}"),
                _ => "-".into(),
            },
            found.map_or("-".into(), |(s, _)| human_ns(s.median * 1e3)),
            found.map_or("-".into(), |(s, _)| spread_words(&s, 1e3)),
        );
    }
    h.push_str("</table>\n");
}

fn lang_spawn_table(h: &mut String, r: &Results) {
    let Some(py) = r.sweep.as_ref().and_then(|s| s.python.as_ref()) else {
        return;
    };
    h.push_str("<table>\n<tr><th class=\"l\">kind</th><th class=\"l\">language</th><th>per start + wait</th><th>spread</th><th class=\"l\">what</th></tr>\n");
    for (k, ns) in r.for_lang(Lang::Rust).spawn_costs() {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">Rust</td><td>{}</td><td>criterion</td><td class=\"l\">the spawn bench</td></tr>",
            escape(&k),
            human_ns(ns)
        );
    }
    for c in &py.spawn {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">Python</td><td>{}</td><td>{} – {} ({} runs)</td><td class=\"l\">{}</td></tr>",
            escape(&c.kind),
            human_ns(c.median_ns),
            human_ns(c.min_ns),
            human_ns(c.max_ns),
            c.repeats,
            escape(&c.what)
        );
    }
    h.push_str("</table>\n");
}

/// The kill probe's experiments under the claims: what each tried, whether it came out as
/// the course says, and how fast (the claim's evidence above has the full sentences).
fn kill_probe(h: &mut String, r: &Results) {
    let Some(k) = r.sweep.as_ref().and_then(|s| s.kill.as_ref()) else {
        return;
    };
    h.push_str("<h3 id=\"kill-probe\">The kill probe's experiments</h3>\n<table>\n");
    h.push_str("<tr><th>#</th><th class=\"l\">stuck on a silent host, and what we tried</th><th class=\"l\">as the course says?</th><th class=\"l\">what happened (this run)</th></tr>\n");
    for (n, row) in k.rows().iter().enumerate() {
        let (class, label) = match row.as_claimed {
            Some(true) => ("holds", "yes"),
            Some(false) => ("nothold", "no"),
            None => ("none", "not run"),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l {class}\">{label}</td><td class=\"l\">{}</td></tr>",
            n + 1,
            escape(row.tried),
            escape(&row.figure)
        );
    }
    h.push_str("</table>\n");
    if let Some(note) = k.resolution() {
        let _ = writeln!(h, "<p class=\"small\">{}</p>", escape(&note));
    }
}

/// "What waiting looks like": the sweep's traced runs, one row per model, greet beside mixed.
fn waiting_timelines(h: &mut String, r: &Results) {
    h.push_str("<h2 id=\"waiting\">What waiting looks like</h2>\n");
    let runs = r.timelines();
    let Some(first) = runs.first().map(|e| e.request()) else {
        h.push_str("<p class=\"none\">Not measured in this run (run `greetbench sweep` or `cargo bench`).</p>\n");
        return;
    };
    let crunch_ms = timeline::median_crunch_ms(r);
    let _ = writeln!(
        h,
        "<p>Each timeline is one traced run of N = {} greets (the pools with K = {}, hosts at L = \
         {}, one host per greet){}. Lanes are the OS threads, or worker processes, that ran the \
         greets; in a lane each greet has its row, its bars coloured by phase. Predict the shape \
         before you look: one greet at a time draws a staircase; a pool of K draws K lanes; one \
         thread per greet draws N lanes; a one-thread event loop draws N overlapping waits in \
         one lane, and in the mixed runs its crunches, taking turns on that lane, hold up every \
         other task's wait. Open the same picture in Perfetto with <code>greetbench run --model \
         MODEL --count {} --trace t.json</code> (see the README).</p>",
        first.count,
        first.workers.map_or("-".into(), |k| k.to_string()),
        human_latency(first.hosts.latency),
        crunch_ms.map_or(String::new(), |c| format!(
            "; the mixed runs crunch for about {c:.0} ms after each reply"
        )),
        first.count
    );
    let all = timeline::all(r);
    let mut i = 0;
    while i < all.len() {
        let model = &all[i].0;
        let n = all[i..].iter().take_while(|t| &t.0 == model).count();
        let _ = writeln!(h, "<h3 id=\"waiting-{0}\">{0}</h3>", escape(model));
        h.push_str("<div class=\"pair timelines\">\n");
        for (_, workload, chart) in &all[i..i + n] {
            match chart {
                Some(c) => {
                    let _ = writeln!(
                        h,
                        "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>",
                        escape(&c.id),
                        c.svg,
                        escape(&c.caption)
                    );
                }
                None => {
                    let _ = writeln!(
                        h,
                        "<p class=\"none\">{}: no timeline in this run (the run failed or was not traced).</p>",
                        escape(workload.name())
                    );
                }
            }
        }
        h.push_str("</div>\n");
        i += n;
    }
}

/// One chart with its table beside it, or a note that it was not measured.
fn section(h: &mut String, r: &Results, o: &Options, key: &str, chart: Option<&Chart>) {
    let title = match Results::io_latency(key) {
        Some(l) => format!("I/O-bound: greet at L = {}", human_latency(l)),
        None => heading(key).to_string(),
    };
    let _ = writeln!(h, "<h3 id=\"{}\">{}</h3>", escape(key), escape(&title));
    for group in groups_of(key) {
        if let Some(g) = r.busy_group(group) {
            let _ = writeln!(
                h,
                "<p class=\"busy\">{}: group {} ran beside {} of all cores; the mark is set \
                 past {} (see <a href=\"#noise\">noise</a>).</p>",
                capitalise(BUSY_MARK),
                escape(&g.group),
                escape(&noise_words(&g.noise)),
                busy_threshold()
            );
        }
    }
    h.push_str("<div class=\"pair\">\n");
    match chart {
        Some(c) => {
            let _ = writeln!(
                h,
                "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}</figcaption></figure>",
                escape(&c.id),
                c.svg,
                escape(&c.caption)
            );
        }
        None => {
            let _ = writeln!(
                h,
                "<p class=\"none\">Not measured in this run ({}).</p>",
                escape(how_to_measure(key))
            );
        }
    }
    match key {
        "memory" => memory_table(h, r),
        "cpu_speedup" => speedup_table(h, r),
        SPAWN => spawn_table(h, r, o),
        _ => estimates_table(h, r, o, key),
    }
    h.push_str("</div>\n");
}

/// The criterion groups a chart is drawn from.
fn groups_of(key: &str) -> Vec<&str> {
    match key {
        "cpu_speedup" => vec![CPU_ONE_WORKER, CPU_ALL_CORES],
        "memory" => Vec::new(),
        _ => vec![key],
    }
}

fn heading(key: &str) -> &str {
    match key {
        "cpu_speedup" => "CPU speedup vs workers",
        CPU_ONE_WORKER => "CPU-bound, one worker",
        CPU_ALL_CORES => "CPU-bound, every core",
        MIXED => "Mixed: greet then crunch",
        "memory" => "Memory per waiting greet",
        SPAWN => "Spawn cost",
        SHARED_STATE => "Shared state",
        IO_PREFIX => "I/O-bound: greet",
        _ => key,
    }
}

fn how_to_measure(key: &str) -> &'static str {
    match key {
        "memory" => "run `greetbench sweep` or `cargo bench`",
        "cpu_speedup" | CPU_ONE_WORKER | CPU_ALL_CORES => "run `cargo bench --bench cpu`",
        SPAWN => "run `cargo bench --bench spawn`",
        SHARED_STATE => "run `cargo bench --bench shared_state`",
        MIXED => "run `cargo bench --bench mixed`",
        _ => "run `cargo bench --bench io`",
    }
}

/// The busy threshold in the page's words, from [`Noise::BUSY`].
fn busy_threshold() -> String {
    format!(
        "others' CPU plus steal over {:.0} % of all cores",
        Noise::BUSY * 100.0
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn link(o: &Options, e: &Estimate, text: &str) -> String {
    format!(
        "<a href=\"{}/{}/report/index.html\">{}</a>",
        escape(&o.link_base),
        escape(&e.dir),
        escape(text)
    )
}

/// Rows = functions, columns = sizes; each cell the median, linked to criterion's page, with
/// the spread (median absolute deviation) under it.
fn estimates_table(h: &mut String, r: &Results, o: &Options, group: &str) {
    let functions = r.functions(group);
    if functions.is_empty() {
        return;
    }
    let sizes = r.sizes(group);
    h.push_str("<table>\n<tr><th class=\"l\">median (± MAD)</th>");
    for n in &sizes {
        if group == SHARED_STATE {
            let _ = write!(h, "<th>{n} threads</th>");
        } else {
            let _ = write!(h, "<th>N = {n}</th>");
        }
    }
    h.push_str("</tr>\n");
    for f in &functions {
        let _ = write!(h, "<tr><th class=\"l\">{}</th>", escape(f));
        for n in &sizes {
            match r.estimate(group, f, *n) {
                Some(e) => {
                    let _ = write!(
                        h,
                        "<td>{}<br><span class=\"small\">± {}</span></td>",
                        link(o, e, &human_ns(e.median_ns)),
                        human_ns(e.mad_ns)
                    );
                }
                None => h.push_str("<td>-</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

fn speedup_table(h: &mut String, r: &Results) {
    let s = r.cpu_speedups();
    if s.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<table>\n<tr><th class=\"l\">model (N = {})</th><th>1 worker</th><th>{} cores</th></tr>",
        s[0].size, r.provenance.logical_cores
    );
    let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}×"));
    for x in &s {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td><td>{}</td></tr>",
            escape(&x.model),
            f(x.one),
            f(x.all)
        );
    }
    h.push_str("</table>\n");
}

fn spawn_table(h: &mut String, r: &Results, o: &Options) {
    let costs = r.spawn_costs();
    if costs.is_empty() {
        return;
    }
    h.push_str("<table>\n<tr><th class=\"l\">kind</th><th>per spawn + wait</th><th>median CI (per iteration)</th></tr>\n");
    for (k, ns) in costs {
        let e = r
            .group(SPAWN)
            .filter(|e| e.function == k)
            .min_by_key(|e| e.size.unwrap_or(1));
        let ci = e.map_or("-".into(), |e| {
            link(
                o,
                e,
                &format!(
                    "{} – {}",
                    human_ns(e.median_lo_ns),
                    human_ns(e.median_hi_ns)
                ),
            )
        });
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td><td>{ci}</td></tr>",
            escape(&k),
            human_ns(ns)
        );
    }
    h.push_str("</table>\n");
}

/// The memory chart's figures: the sweep's waiting runs of the models that keep one thread,
/// task or process per job (and of any model with no description), in model order.
fn memory_table(h: &mut String, r: &Results) {
    let waiting = r.waiting_runs();
    if waiting.is_empty() {
        return;
    }
    let models = r.pick(waiting.iter().map(|e| e.request().model.clone()), |m| {
        m.shape == Shape::PerJob
    });
    let mut rows: Vec<&RunResult> = waiting
        .into_iter()
        .filter(|e| models.contains(&e.request().model))
        .collect();
    rows.sort_by_key(|e| (r.rank(&e.request().model), e.request().count));
    h.push_str("<table>\n<tr><th class=\"l\">model</th><th>N</th><th>L</th><th>KiB per greet</th><th>peak RSS</th><th>baseline</th><th>peak threads</th><th>executor threads</th><th class=\"l\">outcome</th></tr>\n");
    for e in rows {
        let q = e.request();
        let k = e.record();
        let _ = writeln!(
            h,
            "<tr{}><th class=\"l\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            busy_class(e),
            escape(&q.model),
            q.count,
            human_latency(q.hosts.latency),
            Results::ok_record(Some(e)).map_or("-".into(), |k| format!("{:.2}", k.kib_per_job())),
            k.map_or("-".into(), |k| format!("{} MiB", k.peak_rss_kib / 1024)),
            k.map_or("-".into(), |k| format!("{} MiB", k.baseline_rss_kib / 1024)),
            k.map_or("-".into(), |k| k.peak_threads.to_string()),
            executor_threads(e),
            outcome(e)
        );
    }
    h.push_str("</table>\n");
}

/// ` class="busy"` for a sweep run measured on a busy machine.
fn busy_class(e: &RunResult) -> &'static str {
    if run_noise(e).is_some_and(|n| n.busy()) {
        " class=\"busy\""
    } else {
        ""
    }
}

fn run_noise(e: &RunResult) -> Option<Noise> {
    e.record().and_then(|k| k.noise)
}

/// How many threads the run's executor had, as the runtime chose ("-" when not an async
/// runtime, or not reported).
fn executor_threads(e: &RunResult) -> String {
    e.record()
        .and_then(|k| k.executor_threads)
        .map_or("-".into(), |n| n.to_string())
}

/// How a sweep run ended, with its figures' counts and the run's own words.
fn outcome(e: &RunResult) -> String {
    let counts = e.record().map_or_else(
        || "no figures".to_string(),
        |k| format!("{} ok, {} errors", k.ok, k.errors),
    );
    let words = e
        .message()
        .map_or(String::new(), |m| format!(": {}", escape(&m)));
    let mut out = match e.status() {
        _ if e.unavailable().is_some() => format!(
            "{}: {}",
            charts::NOT_AVAILABLE,
            escape(
                e.unavailable()
                    .unwrap_or_default()
                    .trim_start_matches("not installed: ")
            )
        ),
        Status::Ok => "ok".to_string(),
        Status::Limit(_) => format!(
            "<span class=\"limit\">limit: {}</span> ({counts}){words}",
            escape(&stopped_by(e))
        ),
        Status::FaultsOnly => format!("ok but for injected faults ({counts}){words}"),
        Status::Failed => format!("failed ({counts}){words}"),
    };
    if let Some(n) = run_noise(e).filter(Noise::busy) {
        let _ = write!(
            out,
            " <span class=\"busy\">{BUSY_MARK} ({})</span>",
            escape(&noise_words(&n))
        );
    }
    out
}

fn sweep_table(h: &mut String, r: &Results) {
    let Some(s) = &r.sweep else {
        h.push_str("<h2 id=\"sweep\">Resource sweep</h2>\n<p class=\"none\">Not measured in this run (run `greetbench sweep`).</p>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<h2 id=\"sweep\">Resource sweep</h2>\n<p class=\"small\">Each row is one run in a fresh child process (greet at {} hosts). \
         CPU includes the child's worker processes; KiB per greet = (peak RSS − baseline RSS) ÷ N. \
         Executor threads: how many threads an async runtime's executor ran, as the runtime chose. \
         Others' CPU and steal: what the rest of the machine did during the run; a row past the \
         threshold ({}) is marked {BUSY_MARK}.</p>",
        s.entries.first().map_or(0, |e| e.request().hosts.hosts),
        busy_threshold()
    );
    h.push_str("<table>\n<tr><th class=\"l\">model</th><th class=\"l\">workload</th><th>N</th><th>L</th><th>wall</th><th>cpu user</th><th>cpu sys</th><th>peak RSS</th><th>KiB per greet</th><th>peak threads</th><th>executor threads</th><th>ctx vol</th><th>ctx invol</th><th>others' CPU</th><th>steal</th><th class=\"l\">outcome</th></tr>\n");
    for e in &s.entries {
        let q = e.request();
        let figures = match e.record() {
            Some(k) => format!(
                "<td>{}</td><td>{}</td><td>{}</td><td>{} MiB</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                human_ns(k.wall_s * 1e9),
                human_ns(k.cpu_user_s * 1e9),
                human_ns(k.cpu_sys_s * 1e9),
                k.peak_rss_kib / 1024,
                k.kib_per_job(),
                k.peak_threads,
                executor_threads(e),
                k.ctx_voluntary,
                k.ctx_involuntary,
            ),
            None => "<td>-</td>".repeat(9),
        };
        let noise = run_noise(e).map_or("<td>-</td><td>-</td>".into(), |n| {
            format!(
                "<td>{:.0} %</td><td>{:.0} %</td>",
                n.other_busy * 100.0,
                n.steal * 100.0
            )
        });
        let _ = writeln!(
            h,
            "<tr{}><th class=\"l\">{}</th><td class=\"l\">{}</td><td>{}</td><td>{}</td>{figures}{noise}<td class=\"l\">{}</td></tr>",
            busy_class(e),
            escape(&q.model),
            escape(q.workload.name()),
            q.count,
            human_latency(q.hosts.latency),
            outcome(e)
        );
    }
    h.push_str("</table>\n");
}

/// The "Under faults" section: every model at each fault level, with and without retries.
fn faults_section(h: &mut String, r: &Results) {
    h.push_str("<h2 id=\"faults\">Under faults</h2>\n");
    let levels = r.fault_levels();
    let retries = r.fault_retries();
    let Some(sample) = r
        .fault_runs()
        .max_by(|a, b| Results::fault_level(a).total_cmp(&Results::fault_level(b)))
    else {
        h.push_str("<p class=\"none\">Not measured in this run (run `greetbench sweep`).</p>\n");
        return;
    };
    let q = sample.request();
    let total = q.hosts.faults.per_greet_total();
    let mix = q
        .hosts
        .faults
        .rates
        .iter()
        .filter(|(_, rate)| **rate > 0.0)
        .map(|(k, rate)| format!("{k} {:.0} %", rate / total.max(1e-9) * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        h,
        "<p class=\"small\">Each model ran {} greets over {} hosts at {}, while the greet server broke \
         a share of them on purpose (<code>--fault</code>, seed {}), with no retries and with \
         retries (<code>--retries</code>: exponential backoff with jitter, every attempt bounded \
         by the {} timeout). The faults are this mix: {mix}. A reset or a close loses the reply \
         at once, a stall after the whole timeout; a sliced or delayed reply still arrives, \
         later. Each cell: greets ok and failed (by kind), the batch's wall time, the p99 \
         latency of the greets that succeeded, and ✓ when ok + errors = the greets asked for.</p>",
        q.count,
        q.hosts.hosts,
        human_latency(q.hosts.latency),
        q.hosts.faults.seed,
        human_latency(q.timeout),
    );
    if let Some(line) = faults_verdict(r, &levels, &retries) {
        let _ = writeln!(h, "<p>{}</p>", escape(&line));
    }
    h.push_str("<table>\n<tr><th class=\"l\">model</th>");
    for level in &levels {
        for k in &retries {
            let _ = write!(h, "<th>{level} % faults<br>{k} retries</th>");
        }
    }
    h.push_str("</tr>\n");
    let models = r.in_model_order(r.fault_runs().map(|e| e.request().model.clone()));
    for m in &models {
        let _ = write!(h, "<tr><th class=\"l\">{}</th>", escape(m));
        for level in &levels {
            for k in &retries {
                h.push_str(&fault_cell(r.fault_run(m, *level, *k)));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// One cell of the faults table.
fn fault_cell(run: Option<&RunResult>) -> String {
    let Some(e) = run else {
        return "<td>-</td>".into();
    };
    let Some(k) = e.record() else {
        return format!(
            "<td class=\"l\">no figures: {}</td>",
            escape(&e.message().unwrap_or_default())
        );
    };
    let kinds = k
        .errors_by_kind
        .iter()
        .map(|(kind, n)| {
            let name = serde_json::to_string(kind).unwrap_or_default();
            format!("{} {n}", name.trim_matches('"'))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let adds_up = k.ok + k.errors == k.request.count;
    format!(
        "<td>{} ok, {} errors {}<br><span class=\"small\">{}</span><br><span class=\"small\">wall {} · p99 {}</span></td>",
        k.ok,
        k.errors,
        if adds_up {
            "✓"
        } else {
            "<span class=\"limit\">✗</span>"
        },
        if kinds.is_empty() {
            "no errors".into()
        } else {
            escape(&kinds)
        },
        human_ns(k.wall_s * 1e9),
        k.latency_p99_ms.map_or("-".into(), |v| human_ns(v * 1e6)),
    )
}

/// What the runs under faults show at the highest level: the share of greets kept with the
/// fewest and the most retries, and what the retries cost in wall time.
fn faults_verdict(r: &Results, levels: &[f64], retries: &[u32]) -> Option<String> {
    let (&top, &none, &most) = (levels.last()?, retries.first()?, retries.last()?);
    let share = |k: u32| -> Vec<f64> {
        r.fault_runs()
            .filter(|e| e.request().retries == k && (Results::fault_level(e) - top).abs() < 1e-9)
            .filter_map(RunResult::record)
            .map(|rec| rec.ok as f64 / rec.request.count.max(1) as f64 * 100.0)
            .collect()
    };
    let range = |v: &[f64]| -> Option<String> {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo.is_finite() && hi.is_finite()).then(|| {
            if format!("{lo:.0}") == format!("{hi:.0}") {
                format!("{lo:.0} %")
            } else {
                format!("{lo:.0}–{hi:.0} %")
            }
        })
    };
    let without = range(&share(none))?;
    if none == most {
        return Some(format!(
            "At {top} % faults the models kept {without} of their greets."
        ));
    }
    let with = range(&share(most))?;
    Some(format!(
        "At {top} % faults the models kept {without} of their greets {}, and {with} with \
         {most}: a greet is idempotent, so sending it again is safe, and most faults do not \
         strike twice in a row.",
        if none == 0 {
            "without retries".to_string()
        } else {
            format!("with {none} retries")
        }
    ))
}

/// The models as these results describe them: the one list every table and chart orders by.
fn models(h: &mut String, r: &Results) {
    h.push_str("<h2 id=\"models\">The models</h2>\n<p class=\"small\">As the registry described them when these results were gathered; tables and charts pick and order their rows from this list.</p>\n<table>\n<tr><th class=\"l\">model</th><th class=\"l\">family</th><th class=\"l\">language</th><th class=\"l\">greets waiting at once</th><th class=\"l\">crunch runs on</th><th class=\"l\">runtime</th><th class=\"l\">about</th></tr>\n");
    for m in r.described() {
        let shape = match m.shape {
            Shape::OneAtATime => "one",
            Shape::Pool => "K (--workers)",
            Shape::PerJob => "N: one per job",
        };
        let lang = match m.lang {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
        };
        let runtime = m.runtime.as_ref().map_or("std".to_string(), |k| {
            format!("{} {}", k.name, k.version.as_deref().unwrap_or(""))
                .trim_end()
                .to_string()
        });
        let about = match &m.historical {
            Some(why) => format!("{} (historical: {why})", m.about),
            None => m.about.clone(),
        };
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&m.name),
            m.family,
            lang,
            shape,
            escape(&m.crunch_on),
            escape(&runtime),
            escape(&about)
        );
    }
    let undescribed: Vec<String> = r
        .model_names()
        .into_iter()
        .filter(|n| r.model(n).is_none())
        .collect();
    for n in &undescribed {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\" colspan=\"6\">not described in these results: shown after the described models</td></tr>",
            escape(n)
        );
    }
    h.push_str("</table>\n");
}

/// A banner when the whole run, weighted by wall time, was measured on a busy machine.
fn run_busy(h: &mut String, r: &Results) {
    if let Some(n) = r.run_noise().filter(Noise::busy) {
        let _ = writeln!(
            h,
            "<p class=\"busy\" id=\"run-busy\">This whole run was {BUSY_MARK}: over all groups and sweep runs, weighted by wall time, {} of all cores, past {}. Its timings say more about the load than about the models; see <a href=\"#noise\">noise</a>.</p>",
            escape(&noise_words(&n)),
            busy_threshold()
        );
    }
}

/// What the rest of the machine did during each criterion group.
fn noise_table(h: &mut String, r: &Results) {
    let _ = writeln!(
        h,
        "<h2 id=\"noise\">Noise: what else the machine did</h2>\n<p class=\"small\">Others' CPU is \
         the busy CPU of everything but the benchmark (its client, workers and server), steal the \
         time the hypervisor gave our cores to someone else, both as a fraction of all cores over \
         the group's wall time, from <code>/proc/stat</code>. A group, a sweep run or the whole \
         run is marked {BUSY_MARK} past {} (<code>Noise::BUSY</code>).</p>",
        busy_threshold()
    );
    if r.noise.is_empty() {
        h.push_str("<p class=\"none\">Not measured in this run: these results record no noise for the criterion groups.</p>\n");
    } else {
        h.push_str("<table>\n<tr><th class=\"l\">group</th><th>wall</th><th>others' CPU</th><th>steal</th><th class=\"l\"></th></tr>\n");
        for g in &r.noise {
            let _ = writeln!(
                h,
                "<tr{}><th class=\"l\">{}</th><td>{}</td><td>{:.1} %</td><td>{:.1} %</td><td class=\"l\">{}</td></tr>",
                if g.busy() { " class=\"busy\"" } else { "" },
                escape(&g.group),
                human_ns(g.wall_s * 1e9),
                g.noise.other_busy * 100.0,
                g.noise.steal * 100.0,
                if g.busy() {
                    format!("<span class=\"busy\">{BUSY_MARK}</span>")
                } else {
                    "quiet".into()
                }
            );
        }
        h.push_str("</table>\n");
    }
    let with_noise: Vec<Noise> = r.runs().filter_map(run_noise).collect();
    let busy = with_noise.iter().filter(|n| n.busy()).count();
    let _ = writeln!(
        h,
        "<p class=\"small\">Sweep: {} of {} runs recorded their noise; {busy} of them {BUSY_MARK}.</p>",
        with_noise.len(),
        r.runs().count()
    );
}

fn skipped(h: &mut String, r: &Results) {
    if r.skipped.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"skipped\">Skipped by the time budget</h2>\n<p class=\"small\">Run with <code>GREETBENCH_PROFILE=full</code> to measure these.</p>\n<table>\n<tr><th class=\"l\">group</th><th class=\"l\">model</th><th>N</th><th>predicted</th></tr>\n");
    for s in &r.skipped {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{:.1} s</td></tr>",
            escape(&s.group),
            escape(&s.model),
            s.size,
            s.predicted_s
        );
    }
    h.push_str("</table>\n");
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

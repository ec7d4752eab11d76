//! The report page: static HTML with the charts' SVG inline, tables beside them, the verdicts
//! and the claims. No JavaScript, no external files: it reads the same in any browser and in
//! headless Chromium.

use std::fmt::Write as _;

use crate::Results;
use crate::charts::{self, Chart, human_ns};
use crate::results::{Estimate, Outcome};
use crate::verdicts::{self, Verdict};

/// How to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Where criterion's per-benchmark pages are, as seen from the page
    /// (e.g. `../target/criterion`).
    pub link_base: String,
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
";

/// The whole page.
pub fn page(results: &Results, options: &Options) -> String {
    let mut h = String::new();
    h += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    h += "<title>greetbench report: which model, when?</title>\n";
    let _ = writeln!(h, "<style>{STYLE}</style></head><body>");
    h += "<h1>greetbench: which model, when?</h1>\n";
    let _ = writeln!(
        h,
        "<p class=\"small\">Generated from stored results on {}. Regenerate with \
         <code>cargo bench</code> or <code>greetbench report</code>; every number, sentence and \
         verdict below is computed from those results.</p>",
        escape(&results.provenance.date_utc)
    );
    machine(&mut h, results);
    summary(&mut h, results);
    claims(&mut h, results);
    kill_probe(&mut h, results);
    h += "<h2 id=\"charts\">Charts</h2>\n";
    for (key, chart) in charts::all(results) {
        section(&mut h, results, options, &key, chart.as_ref());
    }
    sweep_table(&mut h, results);
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
    h.push_str("<tr><th class=\"l\">claim</th><th class=\"l\">evidence (this run)</th><th class=\"l\">verdict</th></tr>\n");
    for c in verdicts::claims(r) {
        let class = match c.verdict {
            Verdict::Holds => "holds",
            Verdict::HoldsWithCaveat => "caveat",
            Verdict::DoesNotHold => "nothold",
            Verdict::NotMeasured => "none",
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l {class}\"><b>{}</b></td></tr>",
            escape(c.claim),
            escape(&c.evidence),
            c.verdict.label()
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

/// One chart with its table beside it, or a note that it was not measured.
fn section(h: &mut String, r: &Results, o: &Options, key: &str, chart: Option<&Chart>) {
    let title = match key.strip_prefix("io_") {
        Some(l) => format!("I/O-bound: greet at L = {l}"),
        None => heading(key).to_string(),
    };
    let _ = writeln!(h, "<h3 id=\"{}\">{}</h3>", escape(key), escape(&title));
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
        "spawn" => spawn_table(h, r, o),
        _ => estimates_table(h, r, o, key),
    }
    h.push_str("</div>\n");
}

fn heading(key: &str) -> &str {
    match key {
        "cpu_speedup" => "CPU speedup vs workers",
        "cpu_1worker" => "CPU-bound, one worker",
        "cpu_allcores" => "CPU-bound, every core",
        "mixed" => "Mixed: greet then crunch",
        "memory" => "Memory per waiting greet",
        "spawn" => "Spawn cost",
        "shared_state" => "Shared state",
        _ => key,
    }
}

fn how_to_measure(key: &str) -> &'static str {
    match key {
        "memory" => "run `greetbench sweep` or `cargo bench`",
        "cpu_speedup" | "cpu_1worker" | "cpu_allcores" => "run `cargo bench --bench cpu`",
        "spawn" => "run `cargo bench --bench spawn`",
        "shared_state" => "run `cargo bench --bench shared_state`",
        "mixed" => "run `cargo bench --bench mixed`",
        _ => "run `cargo bench --bench io`",
    }
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
        if group == "shared_state" {
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
            .group("spawn")
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

fn memory_table(h: &mut String, r: &Results) {
    let Some(s) = &r.sweep else {
        return;
    };
    h.push_str("<table>\n<tr><th class=\"l\">model</th><th>N</th><th>L</th><th>KiB per greet</th><th>peak RSS</th><th>baseline</th><th>threads</th><th class=\"l\">outcome</th></tr>\n");
    let mut rows: Vec<&crate::results::SweepEntry> = s
        .entries
        .iter()
        .filter(|e| charts::MEMORY_MODELS.contains(&e.model.as_str()) && e.count >= 1000)
        .filter_map(|e| r.sweep_waiting(&e.model, e.count))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    rows.retain(|e| seen.insert((e.model.clone(), e.count)));
    for e in rows {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td><td>{} ms</td><td>{}</td><td>{} MiB</td><td>{} MiB</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&e.model),
            e.count,
            e.latency_ms,
            if e.outcome == Outcome::Ok {
                format!("{:.2}", e.kib_per_job())
            } else {
                "-".into()
            },
            e.peak_rss_kib / 1024,
            e.baseline_rss_kib / 1024,
            e.peak_threads,
            outcome(e)
        );
    }
    h.push_str("</table>\n");
}

fn outcome(e: &crate::results::SweepEntry) -> String {
    match (e.outcome, &e.limit) {
        (Outcome::Ok, _) => "ok".into(),
        (_, Some(l)) => format!(
            "<span class=\"limit\">limit: {}</span> ({} ok, {} errors)",
            escape(l),
            e.ok,
            e.errors
        ),
        (_, None) => format!(
            "failed ({} ok, {} errors){}",
            e.ok,
            e.errors,
            e.message
                .as_deref()
                .map_or(String::new(), |m| format!(": {}", escape(m)))
        ),
    }
}

fn sweep_table(h: &mut String, r: &Results) {
    let Some(s) = &r.sweep else {
        h.push_str("<h2 id=\"sweep\">Resource sweep</h2>\n<p class=\"none\">Not measured in this run (run `greetbench sweep`).</p>\n");
        return;
    };
    let _ = writeln!(
        h,
        "<h2 id=\"sweep\">Resource sweep</h2>\n<p class=\"small\">Each row is one run in a fresh child process (greet at {} hosts). \
         CPU includes the child's worker processes; KiB per greet = (peak RSS − baseline RSS) ÷ N.</p>",
        s.entries.first().map_or(0, |e| e.hosts)
    );
    h.push_str("<table>\n<tr><th class=\"l\">model</th><th class=\"l\">workload</th><th>N</th><th>L</th><th>wall</th><th>cpu user</th><th>cpu sys</th><th>peak RSS</th><th>KiB per greet</th><th>peak threads</th><th>ctx vol</th><th>ctx invol</th><th class=\"l\">outcome</th></tr>\n");
    for e in &s.entries {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td><td>{}</td><td>{} ms</td><td>{}</td><td>{}</td><td>{}</td><td>{} MiB</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&e.model),
            escape(&e.workload),
            e.count,
            e.latency_ms,
            human_ns(e.wall_s * 1e9),
            human_ns(e.cpu_user_s * 1e9),
            human_ns(e.cpu_sys_s * 1e9),
            e.peak_rss_kib / 1024,
            e.kib_per_job(),
            e.peak_threads,
            e.ctx_voluntary,
            e.ctx_involuntary,
            outcome(e)
        );
    }
    h.push_str("</table>\n");
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

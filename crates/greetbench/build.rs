//! Bakes the locked versions of the workspace's dependencies into the binary, so that a
//! model's description can name the exact runtime version it was built with.
//!
//! It reads the workspace's `Cargo.lock` (two levels up) and writes
//! `$OUT_DIR/locked_versions.rs`: one `(name, version)` pair per locked package. A crate locked
//! at two versions keeps both; the registry takes the first.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let lock = manifest.join("../../Cargo.lock");
    println!("cargo::rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let mut pairs = Vec::new();
    let mut name: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            name = None;
        } else if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_owned());
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
        {
            pairs.push((n, v.trim_matches('"').to_owned()));
        }
    }
    let mut out = String::from(
        "/// `(crate, version)` for every package in Cargo.lock.\npub const LOCKED: &[(&str, &str)] = &[\n",
    );
    for (n, v) in &pairs {
        let _ = writeln!(out, "    ({n:?}, {v:?}),");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("locked_versions.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

//! What the report's test files share: the fixture, and reading a page's text.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};

use greetbench_report::Results;
use greetbench_report::results::read_versioned;

/// `tests/fixtures/results.json`: format 3, with raw samples.
pub fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results.json")
}

/// The fixture, read as `greetbench report` reads it.
pub fn fixture() -> Results {
    read_versioned(&fixture_path()).expect("the fixture parses")
}

/// The page's `<section id="{id}">`.
pub fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The text of an HTML fragment, tags removed and the escaped characters read back.
pub fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

//! `expected-failures.txt`: the checks an untouched exercise stub must fail, one test name per
//! line as libtest prints it. Blank lines and `#` comments are ignored. Every other check must
//! pass on the stub, so a check that passes for the wrong reason is caught too.

use std::collections::BTreeSet;

/// Parses the file's text into test names.
pub fn parse(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Compares what the stub did with what it should have done. Returns one line per mismatch;
/// empty means the stub behaves exactly as expected.
///
/// - `tests`: every test the exercise has;
/// - `failed`: the tests that failed (or timed out) on the stub;
/// - `expected`: the tests that should have failed.
pub fn compare(
    tests: &BTreeSet<String>,
    failed: &BTreeSet<String>,
    expected: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for name in expected.difference(tests) {
        problems.push(format!(
            "{name} is listed in expected-failures.txt but no such test exists"
        ));
    }
    for name in expected.intersection(tests) {
        if !failed.contains(name) {
            problems.push(format!(
                "{name} should fail on the untouched stub but passed"
            ));
        }
    }
    for name in failed.difference(expected) {
        problems.push(format!(
            "{name} failed on the stub but is not listed in expected-failures.txt"
        ));
    }
    if expected.is_empty() {
        problems.push("expected-failures.txt lists no test: a stub must fail something".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_names_skipping_comments_and_blanks() {
        let text = "# the stub's todo!()s\nreplies_in_order\n\n  counts_errors  \n";
        assert_eq!(parse(text), set(&["counts_errors", "replies_in_order"]));
    }

    #[test]
    fn exact_match_is_clean() {
        let tests = set(&["a", "b", "c"]);
        assert!(compare(&tests, &set(&["a", "b"]), &set(&["a", "b"])).is_empty());
    }

    #[test]
    fn every_kind_of_mismatch_is_reported() {
        let tests = set(&["a", "b", "c"]);
        let problems = compare(&tests, &set(&["a", "c"]), &set(&["a", "b", "zz"]));
        let all = problems.join("\n");
        assert_eq!(problems.len(), 3, "{all}");
        assert!(all.contains("zz is listed"), "{all}");
        assert!(all.contains("b should fail"), "{all}");
        assert!(
            all.contains("c failed on the stub but is not listed"),
            "{all}"
        );
    }

    #[test]
    fn an_empty_list_is_a_mistake() {
        let tests = set(&["a"]);
        assert_eq!(compare(&tests, &set(&[]), &set(&[])).len(), 1);
    }
}

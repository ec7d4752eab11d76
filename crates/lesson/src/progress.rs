//! The learner's progress: the last result of `cargo lesson check NN` for each lesson, kept in
//! `target/lesson-progress.json` (never inside `lessons/`, and `cargo clean` forgets it). A
//! check that did not compile is recorded too, so `cargo lesson list` never calls a lesson done
//! that no longer builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{self, Loaded};

/// The last check of one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Checks that passed.
    pub passed: Vec<String>,
    /// Checks that failed or timed out.
    pub failed: Vec<String>,
    /// Checks not run because an earlier one hung (`cargo lesson check` stops at a hang).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
    /// The exercise did not compile at this check; `passed` and `failed` are from the last
    /// check that did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub build_failed: bool,
    /// When, in seconds since the Unix epoch.
    pub checked_at_unix: u64,
}

impl LessonProgress {
    /// Whether every check ran and passed.
    pub fn done(&self) -> bool {
        !self.build_failed
            && self.failed.is_empty()
            && self.not_run.is_empty()
            && !self.passed.is_empty()
    }

    /// `3 of 5 checks pass`, `3 of 5 checks pass (2 not run after a hang)`, or that it did not
    /// compile.
    pub fn line(&self) -> String {
        if self.build_failed {
            return "did not compile at your last check".into();
        }
        let total = self.passed.len() + self.failed.len() + self.not_run.len();
        let mut line = format!("{} of {total} checks pass", self.passed.len());
        if !self.not_run.is_empty() {
            line.push_str(&format!(" ({} not run after a hang)", self.not_run.len()));
        }
        line
    }
}

/// Every lesson's last check, by two-digit lesson id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// `"03"` → its last check.
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// Where the progress file lives.
pub fn path(target_dir: &Path) -> PathBuf {
    target_dir.join("lesson-progress.json")
}

/// Reads the progress file. A missing file is no progress yet; a corrupt one is moved aside and
/// reported in the note (see [`crate::store::load`]).
pub fn load(file: &Path) -> Loaded<Progress> {
    store::load(file)
}

/// Writes the progress file.
pub fn save(file: &Path, progress: &Progress) -> Result<(), store::SaveError> {
    store::save(file, progress)
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_missing_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = path(&tmp.path().join("target"));
        assert_eq!(load(&file).value, Progress::default());
        let mut p = Progress::default();
        p.lessons.insert(
            "03".into(),
            LessonProgress {
                passed: vec!["a".into()],
                failed: vec!["b".into()],
                checked_at_unix: 1,
                ..LessonProgress::default()
            },
        );
        save(&file, &p).unwrap();
        let loaded = load(&file);
        assert_eq!((loaded.value, loaded.note), (p.clone(), None));
        assert_eq!(p.lessons["03"].line(), "1 of 2 checks pass");
        assert!(!p.lessons["03"].done());
    }

    #[test]
    fn a_build_failure_or_a_hang_is_never_done() {
        let passed = LessonProgress {
            passed: vec!["a".into(), "b".into()],
            checked_at_unix: 1,
            ..LessonProgress::default()
        };
        assert!(passed.done());
        let broken = LessonProgress {
            build_failed: true,
            ..passed.clone()
        };
        assert!(!broken.done());
        assert!(
            broken.line().contains("did not compile"),
            "{}",
            broken.line()
        );
        let hung = LessonProgress {
            passed: vec!["a".into()],
            failed: vec!["b".into()],
            not_run: vec!["c".into(), "d".into()],
            ..passed.clone()
        };
        assert!(!hung.done());
        assert_eq!(hung.line(), "1 of 4 checks pass (2 not run after a hang)");
    }

    #[test]
    fn files_from_before_these_fields_still_load() {
        let old = r#"{"lessons":{"01":{"passed":["a"],"failed":[],"checked_at_unix":7}}}"#;
        let p: Progress = serde_json::from_str(old).unwrap();
        assert!(p.lessons["01"].done());
    }

    #[test]
    fn a_corrupt_progress_file_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let file = path(tmp.path());
        std::fs::write(&file, "{\"lessons\": [").unwrap();
        let loaded = load(&file);
        assert_eq!(loaded.value, Progress::default());
        assert!(
            loaded
                .note
                .unwrap()
                .contains("lesson-progress.json was not valid")
        );
    }
}

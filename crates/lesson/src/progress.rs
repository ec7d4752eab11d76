//! The learner's progress: the last result of `cargo lesson check NN` for each lesson, kept in
//! `target/lesson-progress.json` (never inside `lessons/`, and `cargo clean` forgets it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The last check of one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Checks that passed.
    pub passed: Vec<String>,
    /// Checks that failed or timed out.
    pub failed: Vec<String>,
    /// When, in seconds since the Unix epoch.
    pub checked_at_unix: u64,
}

impl LessonProgress {
    /// Whether every check passed.
    pub fn done(&self) -> bool {
        self.failed.is_empty() && !self.passed.is_empty()
    }

    /// `3 of 5 checks pass`.
    pub fn line(&self) -> String {
        let total = self.passed.len() + self.failed.len();
        format!("{} of {total} checks pass", self.passed.len())
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

/// Reads the progress file; a missing or unreadable file is no progress yet.
pub fn load(file: &Path) -> Progress {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Writes the progress file.
pub fn save(file: &Path, progress: &Progress) -> Result<(), String> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let json = serde_json::to_string_pretty(progress).map_err(|e| e.to_string())?;
    std::fs::write(file, json + "\n").map_err(|e| e.to_string())
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
        assert_eq!(load(&file), Progress::default());
        let mut p = Progress::default();
        p.lessons.insert(
            "03".into(),
            LessonProgress {
                passed: vec!["a".into()],
                failed: vec!["b".into()],
                checked_at_unix: 1,
            },
        );
        save(&file, &p).unwrap();
        assert_eq!(load(&file), p);
        assert_eq!(p.lessons["03"].line(), "1 of 2 checks pass");
        assert!(!p.lessons["03"].done());
    }
}

//! The checker's JSON files in `target/` (progress, predictions, runs): read with a fallback,
//! never silently. A missing file is an empty record; a file that does not parse is moved aside
//! to `NAME.corrupt-UNIXTIME` and reported in one line, so nothing the learner did is thrown
//! away without a word.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// What [`load`] read, and a note for the learner when it had to start afresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<T> {
    /// The record (the default one if the file was missing or unreadable).
    pub value: T,
    /// One line saying what was wrong with the file and where the old copy is.
    pub note: Option<String>,
}

/// Reads `file` as JSON. Missing: the default, no note. Unreadable or not valid: the default,
/// with a note; an invalid file is moved aside first (see [`backup_path`]).
pub fn load<T: DeserializeOwned + Default>(file: &Path) -> Loaded<T> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Loaded {
                value: T::default(),
                note: None,
            };
        }
        Err(e) => {
            return Loaded {
                value: T::default(),
                note: Some(format!(
                    "cannot read {}: {e}; going on without it",
                    file.display()
                )),
            };
        }
    };
    match serde_json::from_str(&text) {
        Ok(value) => Loaded { value, note: None },
        Err(e) => {
            let backup = backup_path(file, crate::progress::now_unix());
            let kept = match std::fs::rename(file, &backup) {
                Ok(()) => format!("the old file is kept as {}", backup.display()),
                Err(e) => format!("it could not be moved aside ({e})"),
            };
            Loaded {
                value: T::default(),
                note: Some(format!(
                    "{} was not valid ({e}), so it starts afresh; {kept}",
                    file.display()
                )),
            }
        }
    }
}

/// Writes `value` to `file` as pretty JSON, creating its directory.
pub fn save<T: Serialize>(file: &Path, value: &T) -> Result<(), String> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let json = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(file, json + "\n").map_err(|e| e.to_string())
}

/// Where a corrupt `file` is moved: `NAME.corrupt-UNIXTIME` next to it.
pub fn backup_path(file: &Path, unix: u64) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{unix}"));
    file.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn missing_is_empty_and_saved_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("target/x.json");
        let loaded: Loaded<BTreeMap<String, u32>> = load(&file);
        assert_eq!(loaded.value, BTreeMap::new());
        assert_eq!(loaded.note, None);
        let value = BTreeMap::from([("a".to_owned(), 1u32)]);
        save(&file, &value).unwrap();
        assert_eq!(load(&file), Loaded { value, note: None });
    }

    #[test]
    fn a_corrupt_file_is_reported_and_kept_aside() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("lesson-progress.json");
        std::fs::write(&file, "{ not json").unwrap();
        let loaded: Loaded<BTreeMap<String, u32>> = load(&file);
        assert_eq!(loaded.value, BTreeMap::new());
        let note = loaded.note.expect("a corrupt file is reported");
        assert_eq!(note.lines().count(), 1, "{note}");
        assert!(note.contains("was not valid"), "{note}");
        assert!(!file.exists(), "moved aside, so the next load starts clean");
        let kept: Vec<PathBuf> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(kept.len(), 1);
        assert!(note.contains(&kept[0].display().to_string()), "{note}");
        assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), "{ not json");
        // Reported once: the next load finds no file.
        assert_eq!(load::<BTreeMap<String, u32>>(&file).note, None);
    }

    #[test]
    fn backups_sit_next_to_the_file() {
        assert_eq!(
            backup_path(Path::new("/w/target/lesson-progress.json"), 42),
            PathBuf::from("/w/target/lesson-progress.json.corrupt-42")
        );
    }
}

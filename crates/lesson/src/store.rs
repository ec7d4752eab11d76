//! The checker's JSON files in `target/` (progress, predictions, runs): read with a fallback,
//! never silently. A missing file is an empty record; a file that does not parse is moved aside
//! to `NAME.corrupt-UNIXTIME` (`-2`, `-3`, … when that name is taken: a backup never replaces
//! another) and reported in one line, so nothing the learner did is thrown away without a word.
//!
//! Bounded: a file larger than [`MAX_BYTES`] is not read (it is moved aside like a corrupt one),
//! and anything that is not a regular file (a FIFO, a device, a symlink to `/dev/zero`) is
//! neither opened nor moved: the note says so, and the next save replaces it with a file.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest file the checker reads back: far more than the course's records ever need.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// How many `-N` suffixes [`move_aside`] tries before it gives up.
const MAX_BACKUPS: u32 = 1_000;

/// What [`load`] read, and a note for the learner when it had to start afresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<T> {
    /// The record (the default one if the file was missing or unreadable).
    pub value: T,
    /// One line saying what was wrong with the file and where the old copy is.
    pub note: Option<String>,
}

impl<T: Default> Loaded<T> {
    fn afresh(note: String) -> Loaded<T> {
        Loaded {
            value: T::default(),
            note: Some(note),
        }
    }
}

/// Reads `file` as JSON. Missing: the default, no note. Not a regular file, unreadable, larger
/// than [`MAX_BYTES`] or not valid: the default, with a note; a file too large or not valid is
/// moved aside first (see [`backup_path`]).
pub fn load<T: DeserializeOwned + Default>(file: &Path) -> Loaded<T> {
    // `metadata` follows symlinks: a link to /dev/zero is a character device here, and is
    // never opened (nor is a FIFO, whose open would wait for a writer).
    let meta = match std::fs::metadata(file) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Loaded {
                value: T::default(),
                note: None,
            };
        }
        Err(e) => {
            return Loaded::afresh(format!(
                "cannot read {}: {e}; going on without it",
                file.display()
            ));
        }
    };
    if !meta.is_file() {
        return Loaded::afresh(format!(
            "{} is not a regular file, so it was not read; going on without it (the next save \
             replaces it with one)",
            file.display()
        ));
    }
    let mut text = String::new();
    let read =
        std::fs::File::open(file).and_then(|f| f.take(MAX_BYTES + 1).read_to_string(&mut text));
    if let Err(e) = read {
        return Loaded::afresh(format!(
            "cannot read {}: {e}; going on without it",
            file.display()
        ));
    }
    if text.len() as u64 > MAX_BYTES {
        return Loaded::afresh(format!(
            "{} is larger than {} KiB, the most the checker reads, so it starts afresh; {}",
            file.display(),
            MAX_BYTES / 1024,
            kept(file)
        ));
    }
    match serde_json::from_str(&text) {
        Ok(value) => Loaded { value, note: None },
        Err(e) => Loaded::afresh(format!(
            "{} was not valid ({e}), so it starts afresh; {}",
            file.display(),
            kept(file)
        )),
    }
}

/// Moves `file` aside and says where, for the note.
fn kept(file: &Path) -> String {
    match move_aside(file, crate::progress::now_unix()) {
        Ok(backup) => format!("the old file is kept as {}", backup.display()),
        Err(e) => format!("it could not be moved aside ({e})"),
    }
}

/// Moves `file` to the first free name among `NAME.corrupt-UNIX`, `NAME.corrupt-UNIX-2`, …,
/// never over an existing file: a hard link to the new name (which fails if the name is
/// taken), then the old name removed.
pub fn move_aside(file: &Path, unix: u64) -> std::io::Result<PathBuf> {
    for n in 1..=MAX_BACKUPS {
        let backup = backup_path(file, unix, n);
        match std::fs::hard_link(file, &backup) {
            Ok(()) => {
                std::fs::remove_file(file)?;
                return Ok(backup);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{MAX_BACKUPS} backups from this second already exist"
    )))
}

/// Why a record could not be saved. The caller names the file; this says what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Its directory could not be made.
    #[error("cannot create its directory: {0}")]
    Directory(std::io::Error),
    /// The record is not JSON (a number JSON has no way to write).
    #[error("cannot write it as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The new copy could not be written beside it.
    #[error("cannot write its new copy: {0}")]
    Write(std::io::Error),
    /// The new copy could not take its place.
    #[error("cannot put its new copy in place: {0}")]
    Replace(std::io::Error),
}

/// Writes `value` to `file` as pretty JSON, creating its directory. The JSON goes to a file of
/// its own first, which then replaces `file` in one step: a crash never leaves half a record,
/// and whatever `file` was (a symlink, a FIFO) is replaced, never written through.
pub fn save<T: Serialize>(file: &Path, value: &T) -> Result<(), SaveError> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(SaveError::Directory)?;
    }
    let json = serde_json::to_string_pretty(value)?;
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".saving-{}", std::process::id()));
    let temp = file.with_file_name(name);
    std::fs::write(&temp, json + "\n").map_err(SaveError::Write)?;
    std::fs::rename(&temp, file).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        SaveError::Replace(e)
    })
}

/// The `n`th name for a corrupt `file` moved aside in second `unix`: `NAME.corrupt-UNIX` for
/// the first, `NAME.corrupt-UNIX-N` after it.
pub fn backup_path(file: &Path, unix: u64, n: u32) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{unix}"));
    if n > 1 {
        name.push(format!("-{n}"));
    }
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
            backup_path(Path::new("/w/target/lesson-progress.json"), 42, 1),
            PathBuf::from("/w/target/lesson-progress.json.corrupt-42")
        );
        assert_eq!(
            backup_path(Path::new("/w/target/lesson-progress.json"), 42, 3),
            PathBuf::from("/w/target/lesson-progress.json.corrupt-42-3")
        );
    }

    #[test]
    fn backups_never_overwrite_each_other() {
        // Three corrupt files within one second: three backups, each with its own content, and
        // each note names the one that holds its file.
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("lesson-progress.json");
        let mut notes = Vec::new();
        for i in 0..3 {
            std::fs::write(&file, format!("{{ corrupt {i}")).unwrap();
            let loaded: Loaded<BTreeMap<String, u32>> = load(&file);
            notes.push(loaded.note.unwrap());
        }
        let mut kept: Vec<PathBuf> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        kept.sort();
        assert_eq!(kept.len(), 3, "{kept:?}");
        for (i, note) in notes.iter().enumerate() {
            let named = kept
                .iter()
                .find(|k| note.ends_with(&format!("kept as {}", k.display())))
                .unwrap_or_else(|| panic!("note {i} names no backup: {note}"));
            assert_eq!(
                std::fs::read_to_string(named).unwrap(),
                format!("{{ corrupt {i}"),
                "{note}"
            );
        }
    }

    #[test]
    fn a_huge_file_is_not_read_whole_and_the_cap_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("lesson-runs.json");
        let f = std::fs::File::create(&file).unwrap();
        // Sparse: 2 GiB that take no disk, and would take 2 GiB of memory to read whole.
        f.set_len(2 * 1024 * 1024 * 1024).unwrap();
        drop(f);
        let loaded: Loaded<BTreeMap<String, u32>> = load(&file);
        let note = loaded.note.expect("reported");
        assert!(note.contains("larger than 1024 KiB"), "{note}");
        assert!(!file.exists(), "moved aside");
        assert_eq!(loaded.value, BTreeMap::new());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_dev_zero_is_refused_and_replaced_on_save() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("lesson-progress.json");
        std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
        let loaded: Loaded<BTreeMap<String, u32>> = load(&file);
        let note = loaded.note.expect("reported");
        assert!(note.contains("not a regular file"), "{note}");
        assert_eq!(note.lines().count(), 1);
        let value = BTreeMap::from([("a".to_owned(), 1u32)]);
        save(&file, &value).unwrap();
        assert!(
            std::fs::symlink_metadata(&file).unwrap().is_file(),
            "the link is replaced"
        );
        assert_eq!(load(&file), Loaded { value, note: None });
    }
}

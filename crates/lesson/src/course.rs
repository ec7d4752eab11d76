//! Finding the lessons. A lesson is any directory `lessons/NN-topic/` (two digits, a dash, a
//! topic); its exercise, if it has one, is the package `lessonNN-exercise` inside it. Nothing
//! is registered anywhere else, so a new lesson directory shows up without code changes.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// One lesson directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The number, `3` for `03-thread-queue`.
    pub number: u32,
    /// The topic, `thread-queue`.
    pub topic: String,
    /// `lessons/03-thread-queue`.
    pub dir: PathBuf,
}

impl Lesson {
    /// Two digits: `03`.
    pub fn id(&self) -> String {
        format!("{:02}", self.number)
    }

    /// `03-thread-queue`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.id(), self.topic)
    }

    /// The learner's package, `lesson03-exercise`.
    pub fn exercise_package(&self) -> String {
        format!("lesson{}-exercise", self.id())
    }

    /// The reference solution's package, `lesson03-solution`.
    pub fn solution_package(&self) -> String {
        format!("lesson{}-solution", self.id())
    }

    /// The exercise crate's directory.
    pub fn exercise_dir(&self) -> PathBuf {
        self.dir.join(self.exercise_package())
    }

    /// The solution crate's directory.
    pub fn solution_dir(&self) -> PathBuf {
        self.dir.join(self.solution_package())
    }

    /// Whether the lesson has an exercise (lesson 09 may not).
    pub fn has_exercise(&self) -> bool {
        self.exercise_dir().join("Cargo.toml").is_file()
    }

    /// `hints.toml`.
    pub fn hints_file(&self) -> PathBuf {
        self.dir.join("hints.toml")
    }

    /// `expected-failures.txt`.
    pub fn expected_failures_file(&self) -> PathBuf {
        self.dir.join("expected-failures.txt")
    }

    /// `lesson.toml`: the hang message, the standard run and the predict questions.
    pub fn data_file(&self) -> PathBuf {
        self.dir.join("lesson.toml")
    }

    /// When the learner last changed the exercise's sources (`src/`), in seconds since the
    /// Unix epoch; `None` if that cannot be read.
    pub fn exercise_modified_unix(&self) -> Option<u64> {
        newest_mtime_unix(&self.exercise_dir().join("src"))
    }
}

/// The newest modification time of a file under `dir`, in seconds since the Unix epoch. Looks
/// at most 4 directories deep and at 10,000 entries: an exercise has a handful.
pub fn newest_mtime_unix(dir: &Path) -> Option<u64> {
    let mut newest: Option<u64> = None;
    let mut dirs = vec![(dir.to_path_buf(), 0u32)];
    let mut seen = 0u32;
    while let Some((d, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            seen += 1;
            if seen > 10_000 {
                return newest;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if depth < 4 {
                    dirs.push((entry.path(), depth + 1));
                }
                continue;
            }
            let secs = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            newest = newest.max(secs);
        }
    }
    newest
}

/// Splits a lesson directory name `NN-topic` into its number and topic.
pub fn parse_dir_name(name: &str) -> Option<(u32, &str)> {
    let (digits, topic) = name.split_once('-')?;
    let valid_topic = !topic.is_empty()
        && topic
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if digits.len() != 2 || !digits.chars().all(|c| c.is_ascii_digit()) || !valid_topic {
        return None;
    }
    Some((digits.parse().ok()?, topic))
}

/// Every lesson under `lessons_dir`, by number.
pub fn discover(lessons_dir: &Path) -> Result<Vec<Lesson>> {
    let entries = std::fs::read_dir(lessons_dir).map_err(|e| {
        Error::new(format!(
            "cannot read {}: {e}; run cargo lesson from inside the greetbench checkout",
            lessons_dir.display()
        ))
    })?;
    let mut lessons = Vec::new();
    for entry in entries.flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name();
        let Some((number, topic)) = name.to_str().and_then(parse_dir_name) else {
            continue;
        };
        lessons.push(Lesson {
            number,
            topic: topic.to_owned(),
            dir: entry.path(),
        });
    }
    lessons.sort_by_key(|l| l.number);
    Ok(lessons)
}

/// Finds the lesson the learner means by `03`, `3`, `03-thread-queue` or `thread-queue`.
pub fn find<'a>(lessons: &'a [Lesson], wanted: &str) -> Result<&'a Lesson> {
    let wanted = wanted.trim();
    let by_number = wanted.parse::<u32>().ok();
    let found = lessons
        .iter()
        .find(|l| Some(l.number) == by_number || l.name() == wanted || l.topic == wanted);
    found.ok_or_else(|| {
        let known: Vec<String> = lessons.iter().map(Lesson::id).collect();
        Error::new(format!(
            "there is no lesson {wanted:?}: use one of {} (see cargo lesson list)",
            known.join(", ")
        ))
    })
}

/// The `members` of the workspace manifest `root/Cargo.toml`, as written there.
pub fn workspace_members(root: &Path) -> Result<Vec<String>> {
    let manifest = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", manifest.display())))?;
    members_of(&text).ok_or_else(|| {
        Error::new(format!(
            "{} has no [workspace] members list",
            manifest.display()
        ))
    })
}

/// Parses `[workspace] members = [...]` out of a manifest's text.
pub fn members_of(manifest: &str) -> Option<Vec<String>> {
    let value: toml::Table = toml::from_str(manifest).ok()?;
    let members = value.get("workspace")?.get("members")?.as_array()?;
    Some(
        members
            .iter()
            .filter_map(|m| m.as_str())
            .map(|m| m.trim_end_matches('/').to_owned())
            .collect(),
    )
}

/// Whether the crate at `dir` is listed in `members` (paths relative to `root`).
pub fn is_member(root: &Path, members: &[String], dir: &Path) -> bool {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    members.iter().any(|m| Path::new(m) == rel)
}

/// The workspace root this checker was built in (it lives in `crates/lesson`).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map_or_else(|| here.to_path_buf(), Path::to_path_buf)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR`, or `target/` in the workspace root.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_names() {
        assert_eq!(parse_dir_name("03-thread-queue"), Some((3, "thread-queue")));
        assert_eq!(
            parse_dir_name("07-web-api-client"),
            Some((7, "web-api-client"))
        );
        assert_eq!(parse_dir_name("3-threads"), None);
        assert_eq!(parse_dir_name("03-"), None);
        assert_eq!(parse_dir_name("03-Threads"), None);
        assert_eq!(parse_dir_name("README.md"), None);
        assert_eq!(parse_dir_name("ab-threads"), None);
    }

    #[test]
    fn discovers_lesson_directories_only() {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["02-threads", "01-waiting", "notes", "10-extra"] {
            std::fs::create_dir(tmp.path().join(d)).unwrap();
        }
        std::fs::write(tmp.path().join("03-file-not-dir"), "").unwrap();
        std::fs::write(tmp.path().join("README.md"), "").unwrap();
        std::fs::create_dir_all(tmp.path().join("02-threads/lesson02-exercise")).unwrap();
        std::fs::write(
            tmp.path().join("02-threads/lesson02-exercise/Cargo.toml"),
            "",
        )
        .unwrap();
        let lessons = discover(tmp.path()).unwrap();
        let names: Vec<String> = lessons.iter().map(Lesson::name).collect();
        assert_eq!(names, ["01-waiting", "02-threads", "10-extra"]);
        assert!(!lessons[0].has_exercise());
        assert!(lessons[1].has_exercise());
        assert_eq!(lessons[1].exercise_package(), "lesson02-exercise");
        assert_eq!(lessons[1].exercise_modified_unix(), None, "no src/ yet");
        std::fs::create_dir_all(tmp.path().join("02-threads/lesson02-exercise/src/bin")).unwrap();
        std::fs::write(
            tmp.path().join("02-threads/lesson02-exercise/src/bin/w.rs"),
            "",
        )
        .unwrap();
        let file_mtime =
            std::fs::metadata(tmp.path().join("02-threads/lesson02-exercise/src/bin/w.rs"))
                .unwrap()
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
        assert_eq!(lessons[1].exercise_modified_unix(), Some(file_mtime));
    }

    #[test]
    fn reads_workspace_members() {
        let manifest =
            "[workspace]\nmembers = [\"crates/a\", \"lessons/01-x/lesson01-exercise/\"]\n";
        let members = members_of(manifest).unwrap();
        let root = Path::new("/w");
        assert!(is_member(
            root,
            &members,
            Path::new("/w/lessons/01-x/lesson01-exercise")
        ));
        assert!(!is_member(
            root,
            &members,
            Path::new("/w/lessons/02-y/lesson02-exercise")
        ));
        assert_eq!(members_of("[package]\nname = \"x\""), None);
    }

    #[test]
    fn finds_by_number_or_name_and_lists_the_known_ones() {
        let lessons: Vec<Lesson> = [(1, "waiting"), (3, "thread-queue")]
            .into_iter()
            .map(|(number, topic)| Lesson {
                number,
                topic: topic.into(),
                dir: PathBuf::from(format!("lessons/{number:02}-{topic}")),
            })
            .collect();
        for wanted in ["3", "03", "03-thread-queue", "thread-queue"] {
            assert_eq!(find(&lessons, wanted).unwrap().number, 3, "{wanted}");
        }
        let err = find(&lessons, "12").unwrap_err().to_string();
        assert!(err.contains("01, 03"), "{err}");
        assert!(err.contains("cargo lesson list"), "{err}");
    }
}

//! The packages of a `Cargo.lock`, read once with the `toml` crate: which version of each
//! dependency a build locked, for the registry's model descriptions and the report's
//! provenance.
//!
//! ```
//! let text = "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.228\"\n";
//! let locked = greet_os::lockfile::parse(text).unwrap();
//! assert_eq!(greet_os::lockfile::version_of(&locked, "serde"), Some("1.0.228"));
//! ```

use std::path::Path;

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Locked {
    /// The crate's name.
    pub name: String,
    /// Its locked version.
    pub version: String,
}

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Locked>,
}

/// Why a `Cargo.lock` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// It is not a lock file.
    #[error("not a Cargo.lock: {0}")]
    Toml(#[from] toml::de::Error),
}

/// Every package of a `Cargo.lock` text, in file order. A crate locked at two versions is
/// there twice; [`version_of`] takes the first.
pub fn parse(text: &str) -> Result<Vec<Locked>, LockError> {
    Ok(toml::from_str::<Lock>(text)?.package)
}

/// [`parse`] of the file at `path`.
pub fn read(path: &Path) -> Result<Vec<Locked>, LockError> {
    let text = std::fs::read_to_string(path).map_err(|source| LockError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text)
}

/// The locked version of `name`: the first, if it is locked at several.
pub fn version_of<'a>(locked: &'a [Locked], name: &str) -> Option<&'a str> {
    locked
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.version.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_lock_file_names_its_runtimes_and_a_bad_one_says_why() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
        let locked = read(&lock).expect("the workspace's Cargo.lock");
        assert!(version_of(&locked, "rustix").is_some_and(|v| v.starts_with("1.")));
        assert!(version_of(&locked, "greet-os").is_some());
        assert_eq!(version_of(&locked, "no-such-crate"), None);
        assert!(matches!(parse("[[package]\n"), Err(LockError::Toml(_))));
        let missing = read(Path::new("/nonexistent/Cargo.lock")).unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/Cargo.lock"),
            "{missing}"
        );
    }
}

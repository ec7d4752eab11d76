//! Where a result came from: the machine, the toolchain, the runtimes' versions, the commit
//! and the date. Every stored result carries one of these, so a number is never read without
//! the setup that produced it.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// The crates whose versions a reader needs to compare runs: the runtimes being taught and the
/// measuring tools.
pub const TRACKED_CRATES: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "compio",
    "hdrhistogram",
    "rayon",
    "crossbeam-channel",
    "criterion",
];

/// The runtime crate whose models wait on io_uring (a crate name, kept beside the others: the
/// floor section tells its models from epoll ones by it).
pub const URING_RUNTIME: &str = "compio";

/// The setup a result was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// CPU model (brand string), or "unknown".
    pub cpu_model: String,
    /// Logical cores (hardware threads).
    pub logical_cores: usize,
    /// Physical cores, when the OS says.
    pub physical_cores: Option<usize>,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// OS name and version, e.g. "Linux (Debian GNU/Linux 13)".
    pub os: String,
    /// Kernel version.
    pub kernel: String,
    /// CPU architecture.
    pub arch: String,
    /// `rustc -V`, or "unknown".
    pub rustc: String,
    /// Versions of [`TRACKED_CRATES`] from `Cargo.lock` (name → version).
    pub crates: std::collections::BTreeMap<String, String>,
    /// `git rev-parse --short HEAD`, or "unknown".
    pub git_commit: String,
    /// When, UTC, RFC 3339 to the second.
    pub date_utc: String,
}

impl Provenance {
    /// Reads everything now. `workspace` is the directory holding `Cargo.lock` (and the git
    /// checkout); anything that cannot be read is recorded as "unknown", never guessed.
    pub fn collect(workspace: &Path) -> Provenance {
        let (cpu_model, logical_cores, memory_mib) = machine();
        Provenance {
            cpu_model,
            logical_cores,
            physical_cores: sysinfo::System::physical_core_count().ok(),
            memory_mib,
            os: sysinfo::System::long_os_version()
                .or_else(|_| sysinfo::System::name())
                .unwrap_or_else(|_| "unknown".into()),
            kernel: sysinfo::System::kernel_version().unwrap_or_else(|_| "unknown".into()),
            arch: sysinfo::System::cpu_arch(),
            rustc: command_line("rustc", &["-V"], workspace),
            crates: lock_versions(&workspace.join("Cargo.lock")),
            git_commit: command_line("git", &["rev-parse", "--short", "HEAD"], workspace),
            date_utc: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }

    /// One line, for the head of a table or a log.
    pub fn summary(&self) -> String {
        format!(
            "{} ({} logical / {} physical cores, {} MiB), {} {}, {}, commit {}, {}",
            self.cpu_model,
            self.logical_cores,
            self.physical_cores
                .map_or_else(|| "?".to_string(), |n| n.to_string()),
            self.memory_mib,
            self.os,
            self.kernel,
            self.rustc,
            self.git_commit,
            self.date_utc
        )
    }
}

/// CPU brand, logical cores and memory from sysinfo.
fn machine() -> (String, usize, u64) {
    use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};
    let kind = RefreshKind::nothing()
        .with_cpu(CpuRefreshKind::nothing())
        .with_memory(MemoryRefreshKind::nothing().with_ram());
    let Ok(sys) = System::new_with_specifics(kind) else {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        return ("unknown".into(), cores, 0);
    };
    let brand = sys
        .cpus()
        .first()
        .map(|c| c.brand().trim().to_string())
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "unknown".into());
    (brand, sys.cpus().len(), sys.total_memory() / (1024 * 1024))
}

/// The first line of a command's output, or "unknown" if it cannot run or fails.
fn command_line(program: &str, args: &[&str], dir: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_string())
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The locked versions of [`TRACKED_CRATES`]. `Cargo.lock` is a list of `[[package]]` tables
/// whose first two lines are `name = "..."` and `version = "..."`.
fn lock_versions(lock: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(lock) else {
        return out;
    };
    let quoted = |line: &str, key: &str| {
        line.strip_prefix(key)
            .and_then(|r| r.trim().strip_prefix('='))
            .map(|r| r.trim().trim_matches('"').to_string())
    };
    let mut name: Option<String> = None;
    for line in text.lines() {
        if let Some(n) = quoted(line, "name") {
            name = Some(n);
        } else if let (Some(n), Some(v)) = (name.take(), quoted(line, "version"))
            && TRACKED_CRATES.contains(&n.as_str())
        {
            out.insert(n, v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn lock_versions_reads_the_tracked_crates_only() {
        let dir = std::env::temp_dir().join(format!("gb-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lock = dir.join("Cargo.lock");
        std::fs::write(
            &lock,
            "[[package]]\nname = \"tokio\"\nversion = \"1.2.3\"\n\n[[package]]\nname = \"serde\"\nversion = \"9.9.9\"\n",
        )
        .unwrap();
        let v = super::lock_versions(&lock);
        assert_eq!(v.get("tokio").map(String::as_str), Some("1.2.3"));
        assert!(!v.contains_key("serde"));
        std::fs::remove_dir_all(&dir).ok();
    }
}

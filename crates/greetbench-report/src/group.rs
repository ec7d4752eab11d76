//! The criterion groups, named once. The benches (`benches/benches/*.rs`) name their groups
//! with [`Group::name`] and the report reads them back with [`Group::parse`], so a group that
//! is renamed in one place is renamed everywhere. The spawn bench's function ids that a claim
//! compares live here too ([`spawn`]).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// One criterion group: what one bench target measures at one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Greet N hosts that each wait `L` before replying (`io_10ms`, `io_0ms`, ...).
    Io(Duration),
    /// Crunch with one worker (the pools), and the sequential baseline.
    CpuOneWorker,
    /// Crunch with every core.
    CpuAllCores,
    /// Greet, then crunch.
    Mixed,
    /// Start one unit of concurrency and wait for it (the functions are kinds of start).
    Spawn,
    /// One counter updated from several threads (the functions are ways of sharing it).
    SharedState,
}

const IO_PREFIX: &str = "io_";

impl Group {
    /// The group's name as criterion stores it: `io_10ms`, `cpu_1worker`, ...
    pub fn name(&self) -> String {
        match self {
            Group::Io(latency) => format!("{IO_PREFIX}{}ms", latency.as_millis()),
            Group::CpuOneWorker => "cpu_1worker".into(),
            Group::CpuAllCores => "cpu_allcores".into(),
            Group::Mixed => "mixed".into(),
            Group::Spawn => "spawn".into(),
            Group::SharedState => "shared_state".into(),
        }
    }

    /// The group a stored name stands for; `None` for a name no bench writes. An io group's
    /// latency is read from its name (`io_<L>`, `<L>` a duration such as `10ms`).
    pub fn parse(name: &str) -> Option<Group> {
        if let Some(l) = name.strip_prefix(IO_PREFIX) {
            return greet_core::duration::parse(l).ok().map(Group::Io);
        }
        [
            Group::CpuOneWorker,
            Group::CpuAllCores,
            Group::Mixed,
            Group::Spawn,
            Group::SharedState,
        ]
        .into_iter()
        .find(|g| g.name() == name)
    }

    /// Whether the group's functions are models (io, cpu and mixed), rather than kinds of
    /// start or ways of sharing.
    pub fn of_models(&self) -> bool {
        !matches!(self, Group::Spawn | Group::SharedState)
    }

    /// The hosts' latency of an io group.
    pub fn latency(&self) -> Option<Duration> {
        match self {
            Group::Io(l) => Some(*l),
            _ => None,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.name())
    }
}

/// The spawn bench's function ids that the spawn claims compare: kinds of start, not models.
pub mod spawn {
    /// A thread: `std::thread::spawn` + join.
    pub const THREAD: &str = "thread";
    /// A fresh process: fork + exec of the worker, then wait.
    pub const PROCESS: &str = "process";
    /// A bare fork, then wait.
    pub const FORK: &str = "fork";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_io_latency_is_read_from_the_name() {
        for g in [
            Group::Io(Duration::from_millis(10)),
            Group::Io(Duration::ZERO),
            Group::CpuOneWorker,
            Group::CpuAllCores,
            Group::Mixed,
            Group::Spawn,
            Group::SharedState,
        ] {
            assert_eq!(Group::parse(&g.name()), Some(g), "{g}");
        }
        assert_eq!(Group::Io(Duration::from_millis(10)).name(), "io_10ms");
        assert_eq!(
            Group::parse("io_1s"),
            Some(Group::Io(Duration::from_secs(1)))
        );
        assert_eq!(Group::parse("io_fast"), None);
        assert_eq!(Group::parse("cpu"), None);
        assert!(Group::Mixed.of_models() && !Group::Spawn.of_models());
    }
}

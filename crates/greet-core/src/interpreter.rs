//! The interpreter a model in another language ran on: part of its record.
//!
//! The course's claims about Python rest on the GIL, and since PEP 703 not every CPython has
//! one: a free-threaded build (`3.13t`, `3.14t`) runs Python threads in parallel, unless the
//! GIL is switched back on at run time (`PYTHON_GIL=1`, or an extension that needs it). So a
//! Python record says which interpreter ran it, as the interpreter itself reported at run
//! time, and [`Interpreter::label`] is how tables name it: `3.11`, `3.13t, no GIL`,
//! `3.13t, GIL on`. A Rust record has none (the field is absent from its JSON).

use std::path::PathBuf;

/// What an interpreter said about itself when it ran a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interpreter {
    /// The executable that ran (`sys.executable`).
    pub path: PathBuf,
    /// `CPython`, `PyPy`, … (`platform.python_implementation()`).
    pub implementation: String,
    /// The full version, e.g. `3.13.5` (`platform.python_version()`).
    pub version: String,
    /// Built without the GIL (`sysconfig.get_config_var("Py_GIL_DISABLED")`).
    pub free_threaded: bool,
    /// Whether the GIL was on while the model ran (`sys._is_gil_enabled()`, true where that
    /// does not exist). On a free-threaded build it can be turned back on at run time, and
    /// then this, not the build, is what the model ran under.
    pub gil_enabled: bool,
}

impl Interpreter {
    /// Major and minor version, e.g. `(3, 13)`; `None` if the version does not read so.
    pub fn release(&self) -> Option<(u32, u32)> {
        let mut parts = self.version.split('.').map(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u32>().ok()
        });
        Some((parts.next()??, parts.next()??))
    }

    /// How tables name it: the minor version (`3.11`), with `t` and the GIL's state on a
    /// free-threaded build (`3.13t, no GIL`, `3.13t, GIL on`), and the implementation when it
    /// is not CPython (`PyPy 3.10`).
    pub fn label(&self) -> String {
        let version = match self.release() {
            Some((major, minor)) => format!("{major}.{minor}"),
            None => self.version.clone(),
        };
        let version = if self.implementation == "CPython" {
            version
        } else {
            format!("{} {version}", self.implementation)
        };
        match (self.free_threaded, self.gil_enabled) {
            (false, _) => version,
            (true, false) => format!("{version}t, no GIL"),
            (true, true) => format!("{version}t, GIL on"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(version: &str, free_threaded: bool, gil_enabled: bool) -> Interpreter {
        Interpreter {
            path: "/usr/bin/python3".into(),
            implementation: "CPython".into(),
            version: version.into(),
            free_threaded,
            gil_enabled,
        }
    }

    #[test]
    fn the_label_says_the_minor_version_and_on_a_free_threaded_build_the_gils_state() {
        assert_eq!(python("3.11.7", false, true).label(), "3.11");
        assert_eq!(python("3.13.5", true, false).label(), "3.13t, no GIL");
        // PYTHON_GIL=1 on a free-threaded build: the run-time state, not the build, decides.
        assert_eq!(python("3.13.5", true, true).label(), "3.13t, GIL on");
        assert_eq!(python("3.14.0rc1", true, false).label(), "3.14t, no GIL");
        let mut pypy = python("3.10.14", false, true);
        pypy.implementation = "PyPy".into();
        assert_eq!(pypy.label(), "PyPy 3.10");
    }

    #[test]
    fn the_release_reads_major_and_minor_or_nothing() {
        assert_eq!(python("3.9.18", false, true).release(), Some((3, 9)));
        assert_eq!(python("3.14.0a7", false, true).release(), Some((3, 14)));
        assert_eq!(python("weird", false, true).release(), None);
        assert_eq!(python("weird", false, true).label(), "weird");
    }
}

//! The interpreters the Python rows run on: `--python PATH[,PATH…]`, else `GREETBENCH_PYTHON`
//! (the same list), else `python3` on `PATH`.
//!
//! Each interpreter named gets a set of Python rows of its own: every Python request is
//! repeated once per interpreter ([`Pythons::requests`]), and its rows are labelled by what
//! the interpreter said it was while it ran ([`label`]): `py-threads (3.13t, no GIL)`. One
//! that cannot run the models (missing, hung, not a Python, too old) makes its rows "not
//! available here", with one line naming the path and the fix; the others' rows still run.

use std::path::PathBuf;

use greet_core::Lang;
use greet_core::interpreter::Interpreter;
use greet_core::record::RunRequest;

use crate::registry;

/// The interpreters asked for, in order. `None` is the default interpreter, when none was
/// named: a request for it names none, and its record is as it always was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pythons(pub Vec<Option<PathBuf>>);

impl Pythons {
    /// The interpreters `flag` names (`--python`), or else those of `GREETBENCH_PYTHON`, or
    /// else the default one; each named once.
    pub fn choose(flag: &[PathBuf]) -> Pythons {
        let named: Vec<PathBuf> = if flag.is_empty() {
            match std::env::var_os(model_python::PYTHON_ENV) {
                Some(_) => model_python::named_in_env()
                    .into_iter()
                    .map(PathBuf::from)
                    .collect(),
                None => Vec::new(),
            }
        } else {
            flag.to_vec()
        };
        let mut list: Vec<Option<PathBuf>> = Vec::new();
        for path in named {
            if !list.contains(&Some(path.clone())) {
                list.push(Some(path));
            }
        }
        if list.is_empty() {
            list.push(None);
        }
        Pythons(list)
    }

    /// `requests` with each Python model's request repeated once per interpreter, in order
    /// (a Rust model's request once, as it was).
    pub fn requests(&self, requests: Vec<RunRequest>) -> Vec<RunRequest> {
        let mut out = Vec::new();
        for request in requests {
            if !is_python(&request.model) {
                out.push(request);
                continue;
            }
            for python in &self.0 {
                out.push(RunRequest {
                    python: python.clone(),
                    ..request.clone()
                });
            }
        }
        out
    }
}

/// Whether `model` is one of the Python models.
pub fn is_python(model: &str) -> bool {
    registry::find(model).is_ok_and(|m| m.describe().lang == Lang::Python)
}

/// How a row is named: the model, and for a Python model the interpreter it ran on, as it
/// said while it ran (`interpreter`, from the record), else as its probe said, else as named
/// (`py-threads (3.13t, no GIL)`, `py-threads (/opt/python)`).
pub fn label(request: &RunRequest, interpreter: Option<&Interpreter>) -> String {
    if !is_python(&request.model) {
        return request.model.clone();
    }
    let python = request.python.as_deref().map(|p| p.as_os_str());
    let said = match interpreter {
        Some(i) => i.label(),
        None => match model_python::interpreter(python) {
            Ok(found) => found.interpreter.label(),
            Err(_) => request
                .python
                .as_ref()
                .map_or_else(|| "python3".to_owned(), |p| p.display().to_string()),
        },
    };
    format!("{} ({said})", request.model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_python_request_is_repeated_per_interpreter_and_a_rust_one_is_not() {
        let python = registry::first_where(|d| d.lang == Lang::Python);
        let rust = registry::first_where(|d| d.lang == Lang::Rust);
        let pythons =
            Pythons::choose(&["/a/python".into(), "/b/python".into(), "/a/python".into()]);
        assert_eq!(pythons.0.len(), 2, "each named once: {pythons:?}");
        let requests = pythons.requests(vec![
            RunRequest::new(&rust, greet_core::Workload::Greet, 1),
            RunRequest::new(&python, greet_core::Workload::Greet, 1),
        ]);
        let named: Vec<(String, Option<PathBuf>)> =
            requests.into_iter().map(|r| (r.model, r.python)).collect();
        assert_eq!(
            named,
            [
                (rust.clone(), None),
                (python.clone(), Some("/a/python".into())),
                (python.clone(), Some("/b/python".into())),
            ]
        );
        // A row is labelled by what its interpreter said, not by the build it was named by.
        let said = Interpreter {
            path: "/b/python".into(),
            implementation: "CPython".into(),
            version: "3.13.5".into(),
            free_threaded: true,
            gil_enabled: true,
        };
        let request = RunRequest::new(&python, greet_core::Workload::Greet, 1);
        assert_eq!(
            label(&request, Some(&said)),
            format!("{python} (3.13t, GIL on)")
        );
        assert_eq!(
            label(
                &RunRequest::new(&rust, greet_core::Workload::Greet, 1),
                None
            ),
            rust
        );
    }
}

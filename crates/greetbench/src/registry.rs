//! The registry: every model, by name. Adding a model is one crate plus one line here.
//!
//! The registry is also where a model's [`Description`] gets the version of its runtime
//! (from the `Cargo.lock` the binary was built with, included at build time and read once
//! with the OS layer's `lockfile`), and where a program embedding greetbench can
//! [`register`] a model of its own: the extra-model test does exactly that, and the new model
//! then appears in `models`, `compare`, the sweep and the report with no other edit.
//!
//! The course's own Python models (`model_python`, scripts under `python/`) come after the
//! Rust ones, one line each in [`python_models`]. [`all`] lists both; everything that names,
//! finds or describes models reads it. [`models`] alone is the Rust models (and any
//! registered), which run in this process: what the criterion benches and lesson 09 iterate.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use greet_core::record::RunRequest;
use greet_core::{Description, Model};
use greet_os::lockfile::{self, Locked};

/// The workspace's `Cargo.lock` as this binary was built with it: the versions it names are
/// the ones compiled in. (Cargo rebuilds the crate when the file changes.)
const CARGO_LOCK: &str = include_str!("../../../Cargo.lock");

/// [`CARGO_LOCK`]'s packages, parsed the first time a description asks for a version.
fn locked() -> &'static [Locked] {
    static LOCKED: OnceLock<Vec<Locked>> = OnceLock::new();
    LOCKED.get_or_init(|| lockfile::parse(CARGO_LOCK).unwrap_or_default())
}

/// Makes one model.
pub type Factory = fn() -> Box<dyn Model>;

/// Models registered at run time, after the built-in ones.
static EXTRA: Mutex<Vec<Factory>> = Mutex::new(Vec::new());

/// Every model that runs in this process, in the order tables list them: the baseline, the
/// thread models, the process models (a pool, then prefork's event loops), rayon, the async
/// runtimes, then any registered with [`register`]. The Python models follow them in [`all`].
pub fn models() -> Vec<Box<dyn Model>> {
    let mut all: Vec<Box<dyn Model>> = vec![
        Box::new(model_sequential::Sequential),
        Box::new(model_threads::Threads),
        Box::new(model_thread_pool::ThreadPool),
        Box::new(model_processes::Processes::default()),
        Box::new(model_prefork::Prefork),
        Box::new(model_rayon::Rayon),
        Box::new(model_tokio::Tokio),
        Box::new(model_tokio::TokioInline),
        Box::new(model_tokio_current_thread::TokioCurrentThread),
        Box::new(model_async_std::AsyncStd),
        Box::new(model_smol::Smol),
        Box::new(model_compio::Compio),
    ];
    all.extend(extra().iter().map(|make| make()));
    all
}

/// The models of [`models`] that can run on this machine: those whose
/// [`Model::unavailable`] names no reason (compio needs io_uring, which a kernel or a seccomp
/// policy may refuse). Each one left out is named on stderr, so a test run shows it.
pub fn runnable() -> Vec<Box<dyn Model>> {
    let mut all = models();
    all.retain(|m| match m.unavailable() {
        None => true,
        Some(why) => {
            crate::out::warn(&format!(
                "{}: not available here, skipped: {why}\n",
                m.name()
            ));
            false
        }
    });
    all
}

/// If this process was started as a model's worker process, serves as one and exits;
/// otherwise returns at once. The models that re-execute the current binary as their workers
/// (processes, prefork) each have a hook, called here in one place: every binary that can be a
/// worker (greetbench, a bench or a test acting as the CLI) calls this first thing in `main`.
pub fn run_worker_if_requested() {
    model_processes::run_worker_if_requested();
    model_prefork::run_worker_if_requested();
}

/// The course's own Python models, run by `python3` (see `model_python`): one line each.
pub fn python_models() -> Vec<Box<dyn Model>> {
    python_models_on(None)
}

/// The course's own Python models on the interpreter `python` (`--python`; `None`: the
/// default one, see `model_python::named_in_env`), in the order tables list them.
pub fn python_models_on(python: Option<&Path>) -> Vec<Box<dyn Model>> {
    use model_python::{Kind, Python};
    let on = |kind| -> Box<dyn Model> {
        match python {
            Some(path) => Box::new(Python::new(kind).on(path)),
            None => Box::new(Python::new(kind)),
        }
    };
    vec![
        on(Kind::Sequential),
        on(Kind::Threads),
        on(Kind::ThreadPool),
        on(Kind::Processes),
        on(Kind::Interpreters),
        on(Kind::Asyncio),
        on(Kind::AsyncioUvloop),
    ]
}

/// Every model, Rust then Python: what `models`, `run`, `compare`, the sweep and the report
/// list and find.
pub fn all() -> Vec<Box<dyn Model>> {
    let mut all = models();
    all.extend(python_models());
    all
}

fn extra() -> Vec<Factory> {
    EXTRA.lock().map(|v| v.clone()).unwrap_or_default()
}

/// Adds a model after the built-in ones, for this process. A program that embeds greetbench
/// calls this first thing in `main`, before [`crate::cli::run_as_cli_if_requested`], so that
/// its children (which re-execute it) register the same model.
pub fn register(make: Factory) {
    if let Ok(mut v) = EXTRA.lock() {
        v.push(make);
    }
}

/// The description of `model`, with its runtime's locked version filled in.
pub fn describe(model: &dyn Model) -> Description {
    let mut d = model.describe();
    if let Some(rt) = d.runtime.as_mut() {
        rt.version = lockfile::version_of(locked(), &rt.name).map(str::to_owned);
    }
    d
}

/// Every model's description, in registry order.
pub fn descriptions() -> Vec<Description> {
    all().iter().map(|m| describe(m.as_ref())).collect()
}

/// The names of the models whose description satisfies `keep`, in registry order: how tests,
/// benches and the sweep pick "the processes model" or "every async model" without naming them.
/// (The descriptions are the models' own: without the runtime's version, which no choice of a
/// model depends on.)
pub fn names_where(keep: impl Fn(&Description) -> bool) -> Vec<String> {
    all()
        .iter()
        .map(|m| m.describe())
        .filter(|d| keep(d))
        .map(|d| d.name)
        .collect()
}

/// The first model whose description satisfies `keep`, by name.
///
/// # Panics
/// If none does: for tests and benches, where the registry's contents are known.
pub fn first_where(keep: impl Fn(&Description) -> bool) -> String {
    names_where(keep)
        .into_iter()
        .next()
        .expect("the registry has a model like that")
}

/// A `--model` that names no registered model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model '{name}': use one of {known}")]
pub struct UnknownModel {
    /// What was asked for.
    pub name: String,
    /// The registered names, comma-separated.
    pub known: String,
}

/// The model called `name`, or an error that lists the known ones.
pub fn find(name: &str) -> Result<Box<dyn Model>, UnknownModel> {
    all()
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| UnknownModel {
            name: name.to_owned(),
            known: names().join(", "),
        })
}

/// The model `request` asks for: a Python model on the interpreter the request names
/// (`python`), any other by name.
pub fn find_for(request: &RunRequest) -> Result<Box<dyn Model>, UnknownModel> {
    let on = request.python.as_deref().map(|p| python_models_on(Some(p)));
    match on.and_then(|models| models.into_iter().find(|m| m.name() == request.model)) {
        Some(model) => Ok(model),
        None => find(&request.model),
    }
}

/// Every model's name.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|m| m.name()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_findable() {
        let names = super::names();
        for n in &names {
            assert_eq!(super::find(n).unwrap().name(), *n);
        }
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        let err = super::find("tokyo")
            .err()
            .expect("no model is called tokyo");
        assert!(err.to_string().contains(names[0]), "{err}");
    }

    #[test]
    fn descriptions_name_their_models_and_locked_runtime_versions() {
        let all = super::all();
        assert_eq!(all.len(), super::descriptions().len());
        for (m, d) in all.iter().zip(super::descriptions()) {
            assert_eq!(d.name, m.name());
            assert!(!d.about.is_empty() && !d.crunch_on.is_empty(), "{d:?}");
            if let Some(rt) = &d.runtime {
                let v = rt.version.as_deref().unwrap_or_default();
                assert!(
                    v.chars().next().is_some_and(|c| c.is_ascii_digit()),
                    "{d:?}"
                );
            }
        }
    }
}

//! The registry: every model, by name. Adding a model is one crate plus one line here.

use greet_core::Model;

/// Every model, in the order tables list them: the baseline, the thread models, processes,
/// rayon, then the async runtimes.
pub fn models() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(model_sequential::Sequential),
        Box::new(model_threads::Threads),
        Box::new(model_thread_pool::ThreadPool),
        Box::new(model_processes::Processes::default()),
        Box::new(model_rayon::Rayon),
        Box::new(model_tokio::Tokio),
        Box::new(model_tokio::TokioInline),
        Box::new(model_tokio_current_thread::TokioCurrentThread),
        Box::new(model_async_std::AsyncStd),
        Box::new(model_smol::Smol),
    ]
}

/// The model called `name`, or an error that lists the known ones.
pub fn find(name: &str) -> Result<Box<dyn Model>, String> {
    models()
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| {
            let known: Vec<_> = models().iter().map(|m| m.name()).collect();
            format!("unknown model '{name}': use one of {}", known.join(", "))
        })
}

/// Every model's name.
pub fn names() -> Vec<&'static str> {
    models().iter().map(|m| m.name()).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique_and_findable() {
        let names = super::names();
        assert_eq!(names.len(), 9);
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
        assert!(err.contains("tokio-current-thread"), "{err}");
    }
}

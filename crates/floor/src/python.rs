//! The Python floor clients, `python/floor/*.py`: started on the Python models' interpreter
//! (`model_python::interpreter`), each times its own batch and prints one JSON line, a
//! [`FloorRun`].

use std::time::Duration;

use greet_core::floor::{FloorKind, FloorRun};

use crate::{Batch, FloorError};

/// The script that runs every Python floor client, under `python/`.
pub const SCRIPT: &str = "floor/floor.py";

/// Runs the Python floor client `kind` over `batch` in a fresh interpreter, killed if it
/// outlives every greet's timeout (one wave of greets after another) plus 30 s.
pub fn run(kind: FloorKind, batch: &Batch) -> Result<FloorRun, FloorError> {
    let failed = |why: String| FloorError::Python { kind, why };
    let waves = match kind {
        FloorKind::PySequential => batch.count,
        FloorKind::PyThreadPool => batch.count.div_ceil(batch.workers),
        _ => 1,
    };
    let deadline = Duration::from_secs(30)
        + batch
            .timeout
            .saturating_mul(u32::try_from(waves).unwrap_or(u32::MAX));
    let addrs: Vec<String> = batch.addrs.iter().map(ToString::to_string).collect();
    let (count, workers) = (batch.count.to_string(), batch.workers.to_string());
    let timeout = batch.timeout.as_secs_f64().to_string();
    let mut args = vec![
        kind.name(),
        "--count",
        &count,
        "--workers",
        &workers,
        "--timeout",
        &timeout,
    ];
    args.extend(addrs.iter().map(String::as_str));
    let out =
        model_python::run_script(SCRIPT, &args, deadline).map_err(|e| failed(e.to_string()))?;
    let line = out.lines().last().unwrap_or_default();
    let run: FloorRun = serde_json::from_str(line)
        .map_err(|e| failed(format!("answered {line:?}, not its result ({e})")))?;
    if run.count != batch.count {
        return Err(failed(format!(
            "ran {} greets, not {}",
            run.count, batch.count
        )));
    }
    Ok(run)
}

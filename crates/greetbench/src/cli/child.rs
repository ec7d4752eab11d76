//! `greetbench child` (hidden): runs one request read as JSON from stdin and prints its result
//! as one JSON line. `compare`, `load` and the sweep start it in each fresh child process
//! ([`crate::child::run`]). `greetbench floor-child` (hidden) does the same for a floor client
//! ([`crate::child::run_floor`]).

use greet_core::floor::FloorRequest;
use greet_core::record::RunResult;

use super::{CliError, result_status};
use crate::out::say;
use crate::{child, harness};

/// Reads the request, runs it here, prints the result; the exit status is the run's.
pub(super) fn child() -> Result<u8, CliError> {
    let result = match child::read_request(std::io::stdin()) {
        Ok(request) => match harness::execute(&request) {
            Ok(record) => RunResult::Record(Box::new(record)),
            Err(e) => RunResult::Failure(e.into_failure(request)),
        },
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let code = result_status(&result);
    say(&format!(
        "{}\n",
        serde_json::to_string(&result).unwrap_or_default()
    ));
    Ok(code)
}

/// Reads a floor request, runs its floor client here (a Python one in an interpreter it
/// starts), and prints the run as one JSON line.
pub(super) fn floor_child() -> Result<u8, CliError> {
    let request: FloorRequest =
        child::read_request(std::io::stdin()).map_err(|e| CliError::Usage(e.to_string()))?;
    let batch = floor::Batch {
        addrs: request.addrs,
        count: request.count,
        workers: request.workers,
        timeout: std::time::Duration::from_millis(request.timeout_ms),
    };
    let run = floor::run(request.kind, &batch).map_err(|e| CliError::Run {
        model: format!("floor:{}", request.kind),
        message: e.to_string(),
    })?;
    say(&format!(
        "{}\n",
        serde_json::to_string(&run).unwrap_or_default()
    ));
    Ok(super::exit::OK)
}

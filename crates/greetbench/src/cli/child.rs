//! `greetbench child` (hidden): runs one request read as JSON from stdin and prints its result
//! as one JSON line. `compare`, `load` and the sweep start it in each fresh child process
//! ([`crate::child::run`]).

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

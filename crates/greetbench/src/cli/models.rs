//! `greetbench models`: every registered model, one per line, with its family and what it is.

use super::{CliError, exit};
use crate::out::say;
use crate::registry;

/// Lists the models; a closed pipe (`greetbench models | head -1`) ends the list quietly.
pub(super) fn models() -> Result<u8, CliError> {
    for d in registry::descriptions() {
        let lang = match d.lang {
            greet_core::Lang::Rust => String::new(),
            other => format!("[{other:?}] "),
        };
        let historical = d
            .historical
            .as_deref()
            .map_or(String::new(), |why| format!(" (historical: {why})"));
        let line = format!(
            "{:<22} {:<14} {lang}{}{historical}\n",
            d.name, d.family, d.about
        );
        say(&line);
        if crate::out::stdout_closed() {
            break; // a closed pipe (`greetbench models | head -1`) is not an error
        }
    }
    Ok(exit::OK)
}

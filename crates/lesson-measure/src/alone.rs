//! Running one check alone in a process of its own, for the lesson checks that count this
//! process's threads or their CPU: `cargo test` runs a file's checks side by side in one
//! process, and another check's threads would be counted too.

use std::process::{Command, Stdio};
use std::time::Duration;

/// The variable that marks the process a check was started again in.
pub const ALONE_ENV: &str = "LESSON_CHECK_ALONE";

/// How long the check may take in its own process before it is killed.
pub const ALONE_LIMIT: Duration = Duration::from_secs(50);

/// Whether this process runs the check `name` and nothing else. If it may not (no
/// [`ALONE_ENV`]), this runs the check again in a fresh process of its own (`--exact`, one test
/// thread), panics with that run's message if it failed, and returns `false`: the caller then
/// returns at once, since the check has run.
pub fn in_a_process_of_its_own(name: &str) -> bool {
    if std::env::var_os(ALONE_ENV).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("the path of this test executable");
    let mut child = Command::new(exe)
        .args(["--exact", name, "--test-threads", "1", "--nocapture"])
        .env(ALONE_ENV, "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("this test executable starts again");
    let mut stderr = child.stderr.take().expect("stderr was piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let status = match greet_os::process::wait_timeout(&mut child, ALONE_LIMIT) {
        Ok(Some(status)) => Some(status),
        _ => {
            greet_os::process::kill_and_reap(&mut child, Duration::from_secs(5));
            None
        }
    };
    let text = reader.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => false,
        Some(_) => panic!("(run alone) {}", panic_message(&text)),
        None => panic!(
            "{name} did not finish within {} s in a process of its own",
            ALONE_LIMIT.as_secs()
        ),
    }
}

/// A failed check's panic message and where it came from, without libtest's notes.
fn panic_message(stderr: &str) -> String {
    stderr
        .lines()
        .skip_while(|l| !l.contains("panicked at "))
        .map(|l| l.find("panicked at ").map_or(l, |i| &l[i..]))
        .take_while(|l| !l.starts_with("note: "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_the_panic_without_notes() {
        let stderr = "running 1 test\nthread 'x' (42) panicked at checks.rs:3:5:\nboom\n\
                      note: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(panic_message(stderr), "panicked at checks.rs:3:5:\nboom");
    }
}

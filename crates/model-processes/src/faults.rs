//! Test-only fault injection for the processes model: a worker that misbehaves at its n-th
//! job, so that tests can check the parent's error paths (a worker that exits, one that hangs,
//! one that writes something that is not a message).
//!
//! It lives apart from the model so that the lesson reads without it. Nothing here acts unless
//! a test sets [`crate::Processes::fault`]: otherwise the parent removes [`FAULT_ENV`] from its
//! workers' environment, so a fault cannot be inherited by accident.

use std::fmt;
use std::io::Write;
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

/// The environment variable that hands a fault to the workers, as `exit:N`, `hang:N` or
/// `garbage:N`.
pub const FAULT_ENV: &str = "GREETBENCH_WORKER_FAULT";

/// How a worker misbehaves, and at which of its jobs (counting from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Exit with status 3 at that job, leaving it unanswered.
    Exit(usize),
    /// Stop answering at that job: the parent must kill the worker.
    Hang(usize),
    /// Write a stray line on stdout before that job, as a debugging `println!` would.
    Garbage(usize),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Exit(n) => write!(f, "exit:{n}"),
            Fault::Hang(n) => write!(f, "hang:{n}"),
            Fault::Garbage(n) => write!(f, "garbage:{n}"),
        }
    }
}

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Fault, String> {
        let bad = || format!("{FAULT_ENV}={s:?}: use exit:N, hang:N or garbage:N");
        let (kind, n) = s.split_once(':').ok_or_else(bad)?;
        let n = n.parse().map_err(|_| bad())?;
        match kind {
            "exit" => Ok(Fault::Exit(n)),
            "hang" => Ok(Fault::Hang(n)),
            "garbage" => Ok(Fault::Garbage(n)),
            _ => Err(bad()),
        }
    }
}

/// The parent's side: gives a worker about to start the fault, or makes sure it has none.
pub(crate) fn pass_on(cmd: &mut Command, fault: Option<Fault>) {
    match fault {
        Some(f) => cmd.env(FAULT_ENV, f.to_string()),
        None => cmd.env_remove(FAULT_ENV),
    };
}

/// The worker's side: the fault it was started with, and how many jobs it has begun.
pub(crate) struct Injector {
    fault: Option<Fault>,
    jobs: usize,
}

impl Injector {
    /// The fault in this worker's environment, if any.
    pub(crate) fn from_env() -> Result<Injector, String> {
        let fault = match std::env::var(FAULT_ENV) {
            Ok(s) => Some(s.parse()?),
            Err(_) => None,
        };
        Ok(Injector { fault, jobs: 0 })
    }

    /// Called before each job, with the worker's stdout: misbehaves at the job it names.
    pub(crate) fn before_job(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.jobs += 1;
        match self.fault {
            Some(Fault::Exit(n)) if n == self.jobs => std::process::exit(3),
            // Long enough to be noticed, bounded all the same.
            Some(Fault::Hang(n)) if n == self.jobs => {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(())
            }
            Some(Fault::Garbage(n)) if n == self.jobs => {
                writeln!(out, "debug: a stray line on stdout")?;
                out.flush()
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_roundtrip_through_the_environment_text() {
        for f in [Fault::Exit(2), Fault::Hang(1), Fault::Garbage(3)] {
            assert_eq!(f.to_string().parse::<Fault>(), Ok(f));
        }
        assert!("explode:1".parse::<Fault>().unwrap_err().contains("exit:N"));
        assert!("exit:x".parse::<Fault>().is_err());
    }
}

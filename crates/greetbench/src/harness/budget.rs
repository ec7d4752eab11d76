//! The budget check: before anything starts, a pool's `--workers` must fit the open-files and
//! process limits, so that a run too big for the machine fails at once, naming the limit.

use greet_core::{Family, Model, OsLimit, Shape};

use super::HarnessError;
use greet_os::proc::{self, Who, machine};

use crate::registry;

/// File descriptors a worker process of a pool holds open in the parent: the write end of its
/// stdin pipe and the read end of its stdout pipe.
pub const FDS_PER_WORKER_PROCESS: u64 = 2;

/// Descriptors kept free for everything else a run opens (the runtime, the server's pipes).
const FD_RESERVE: u64 = 64;

/// Checks, before anything starts, that a pool of `plan.workers` fits this process's budgets:
/// a pool of worker processes needs two open files here and a process (plus its reader
/// thread) per worker; a pool of threads a thread per worker. A run past a budget would fail
/// only after starting thousands of workers (47 s for 10,000 processes); this fails at once,
/// naming the limit.
pub fn check_budget(model: &dyn Model, workers: usize) -> Result<(), HarnessError> {
    let d = registry::describe(model);
    // A pool's workers, and any model's worker processes (prefork's event loops are K
    // processes whatever its shape), are what `--workers` starts.
    if d.shape != Shape::Pool && d.family != Family::Processes {
        return Ok(());
    }
    let k = workers as u64;
    let too_many = |limit, message: String| {
        Err(HarnessError::Limit {
            limit,
            message: format!("--workers {k} is past a limit: {message}, or lower --workers"),
        })
    };
    let threads = greet_core::limits::thread_budget().map(|b| b as u64);
    if d.family == Family::Processes {
        let limit = greet_os::limits::raise_open_files();
        let open = proc::open_fds(Who::Me);
        let left = limit.saturating_sub(open + FD_RESERVE);
        if limit > 0 && k * FDS_PER_WORKER_PROCESS > left {
            return too_many(
                OsLimit::OpenFiles,
                format!(
                    "{k} worker processes need {} open files here ({FDS_PER_WORKER_PROCESS} each), \
                     but the open-files limit (RLIMIT_NOFILE {limit}, {open} in use) leaves \
                     {left}; raise it (`ulimit -n`, up to the hard limit `ulimit -Hn`)",
                    k * FDS_PER_WORKER_PROCESS
                ),
            );
        }
        if let Some(left) = process_budget()
            && 2 * k > left
        {
            return too_many(
                OsLimit::Threads,
                format!(
                    "{k} worker processes and their {k} reader threads need {} tasks, but the \
                     process limits (RLIMIT_NPROC, kernel.threads-max, kernel.pid_max) leave \
                     {left}; raise them (`ulimit -u`)",
                    2 * k
                ),
            );
        }
        if let Some(left) = threads
            && k > left
        {
            return too_many(
                OsLimit::Threads,
                greet_core::limits::thread_budget_message(left as usize),
            );
        }
    } else if let Some(left) = threads.into_iter().chain(process_budget()).min()
        && k > left
    {
        return too_many(
            OsLimit::Threads,
            format!("{k} pool threads, but the thread limits leave room for about {left}"),
        );
    }
    Ok(())
}

/// How many more processes and threads this process can start, as far as the limits on tasks
/// tell: the least of `RLIMIT_NPROC`, `kernel.threads-max` and `kernel.pid_max`, less every
/// task running on the machine now (from `/proc/loadavg`; more than this user's own, so the
/// budget errs low). `None` where none of them can be read.
pub fn process_budget() -> Option<u64> {
    let limit = [
        greet_os::limits::tasks(),
        machine::sysctl("kernel/threads-max"),
        machine::sysctl("kernel/pid_max"),
    ]
    .into_iter()
    .flatten()
    .min()?;
    Some(limit.saturating_sub(machine::tasks_total().unwrap_or(0)))
}

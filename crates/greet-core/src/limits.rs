//! OS limits that a model must respect *before* it reaches them.
//!
//! Most limits announce themselves as an error the model can count (`EMFILE`, `EAGAIN`,
//! `EADDRNOTAVAIL`). One does not: when a process runs out of memory mappings
//! (`vm.max_map_count`), a newly created Rust thread fails to map its signal stack and
//! **aborts the whole process** — the spawn itself had already succeeded. So the threads
//! model asks [`thread_budget`] how many threads fit, and counts the rest as errors.
//!
//! The servers ask [`open_files_limit`] how many connections they can hold and still accept
//! (and close) one more. Every figure comes from the OS layer (`greet_os`).

use greet_os::proc::machine;

/// Memory mappings one std thread costs on Linux: its stack, the stack's guard page, its
/// signal stack and that stack's guard page. (Measured: 2,000 threads added 8,019 mappings.)
pub const MAPS_PER_THREAD: usize = 4;

/// Mappings kept free for everything else the process does (allocator arenas, sockets'
/// buffers are not mappings, but libraries and runtimes are).
const RESERVE_MAPS: usize = 1_024;

/// How many more threads this process can start before it runs out of memory mappings, or
/// `None` where that cannot be read (not Linux).
pub fn thread_budget() -> Option<usize> {
    let max = usize::try_from(machine::sysctl("vm/max_map_count")?).ok()?;
    let used = greet_os::proc::mappings()?;
    Some(max.saturating_sub(used + RESERVE_MAPS) / MAPS_PER_THREAD)
}

/// The message for a job refused because the thread budget was spent.
pub fn thread_budget_message(budget: usize) -> String {
    let max = machine::sysctl("vm/max_map_count").map_or(String::new(), |m| m.to_string());
    format!(
        "vm.max_map_count = {max} leaves room for about {budget} more threads ({MAPS_PER_THREAD} mappings each)"
    )
}

/// This process's soft open-files limit (`RLIMIT_NOFILE`); `None` where it is unlimited. The
/// servers size their connection caps from it.
pub fn open_files_limit() -> Option<u64> {
    greet_os::limits::open_files().soft
}

#[cfg(test)]
mod tests {
    #[test]
    fn budget_is_positive_where_readable() {
        if let Some(b) = super::thread_budget() {
            assert!(b > 100, "only {b} threads fit?");
        }
    }
}

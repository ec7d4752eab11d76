//! greetbench's one OS layer: every question greetbench asks the operating system, asked in
//! one place, through safe crates (`rustix`, and `nix` for `getrusage`, which rustix lacks).
//!
//! The harness, the servers, the worker processes and the course's measuring code all call
//! this crate rather than reading `/proc` or calling libc themselves, so that each file is
//! parsed by one parser and each wait has one implementation with a deadline.
//!
//! # Layout
//! - [`proc`]: the `/proc` reader (a process's `status`, `stat`, `smaps_rollup`, open files
//!   and threads; the machine's CPU, kernel memory and limits; the TCP sockets).
//! - [`limits`]: resource limits (open files, tasks), read, raised, lowered for a child.
//! - [`usage`]: CPU time (exact in total, tick-sampled in its user/system split), context
//!   switches and peak memory, from `getrusage`.
//! - [`process`]: a child's exit waited for with a deadline ([`process::wait_timeout`]),
//!   killed and reaped; a child that dies with its parent; a signal to one thread; a pipe
//!   read with a deadline; this thread's id.
//! - [`lines`]: the bounded JSON-lines codec every pipe protocol speaks.
//! - [`memory`]: freed heap handed back to the OS after a storm ([`memory::trim`]).
//! - [`sampler`]: the thread sampler, built on [`proc`].
//! - `lockfile` (feature `lockfile`): a `Cargo.lock`'s packages, read with `toml`.
//!
//! # Unsafe
//! Denied, except in four functions, each for a call no safe crate offers and each with its
//! `// SAFETY:` comment: [`limits::lower_open_files_in`] and [`process::die_with_parent`]
//! (code in a child between fork and exec: `pre_exec`), [`process::signal_thread`]
//! (`tgkill`), and [`memory::trim`] (glibc's `malloc_trim`).
//!
//! # Example
//! ```
//! use greet_os::proc::{self, Who};
//! // Where there is a /proc, this process has at least one thread and a parent.
//! if let Some(me) = proc::stat(Who::Me) {
//!     assert!(me.threads >= 1 && me.ppid > 0);
//! }
//! ```

pub mod limits;
pub mod lines;
#[cfg(feature = "lockfile")]
pub mod lockfile;
pub mod memory;
pub mod proc;
pub mod process;
pub mod sampler;
pub mod usage;

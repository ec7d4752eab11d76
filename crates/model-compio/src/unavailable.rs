//! Why compio's io_uring driver cannot run here, in one line: the errno that `io_uring_setup`
//! returned, named, and its likely cause.
//!
//! Out of `lib.rs`, which is the lesson: this is what the model says instead of running where
//! the kernel refuses a ring (an old kernel, `kernel.io_uring_disabled`, a container's seccomp
//! profile).

use std::io;

use rustix::io::Errno;

/// The `kernel.io_uring_disabled` sysctl (Linux 6.6 and later), if the kernel has it: read
/// through the OS layer.
pub fn io_uring_disabled() -> Option<u64> {
    greet_os::proc::machine::sysctl("kernel/io_uring_disabled")
}

/// Why the io_uring driver could not start, in one line, from the error of setting it up and
/// the `kernel.io_uring_disabled` sysctl (`None` where the kernel has no such sysctl).
pub fn why_no_io_uring(error: &io::Error, disabled: Option<u64>) -> String {
    let sysctl = disabled.map(|v| format!("kernel.io_uring_disabled={v}"));
    let (errno, cause) = match Errno::from_io_error(error) {
        Some(Errno::PERM) => (
            "EPERM",
            match disabled {
                Some(2) => "kernel.io_uring_disabled=2: io_uring is off for every process".into(),
                Some(1) => "kernel.io_uring_disabled=1: only root and kernel.io_uring_group \
                            may use it"
                    .into(),
                _ => format!(
                    "{}: a seccomp filter or the container's policy refuses it",
                    sysctl.as_deref().unwrap_or("no io_uring_disabled sysctl")
                ),
            },
        ),
        Some(Errno::ACCESS) => ("EACCES", "a security module (LSM) refuses it".into()),
        Some(Errno::NOMEM) => (
            "ENOMEM",
            "kernels before 5.12 count the ring against RLIMIT_MEMLOCK: raise `ulimit -l`".into(),
        ),
        Some(Errno::NOSYS) => (
            "ENOSYS",
            "the kernel has no io_uring, or a seccomp filter hides it".into(),
        ),
        _ => {
            return format!(
                "io_uring is not available here: compio's io_uring driver did not start: {error}"
            );
        }
    };
    format!("io_uring is not available here: io_uring_setup returned {errno} ({cause})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_names_its_errno_and_its_cause() {
        let why = |errno: Errno, sysctl| {
            why_no_io_uring(&io::Error::from_raw_os_error(errno.raw_os_error()), sysctl)
        };
        assert_eq!(
            why(Errno::PERM, Some(2)),
            "io_uring is not available here: io_uring_setup returned EPERM \
             (kernel.io_uring_disabled=2: io_uring is off for every process)"
        );
        assert!(why(Errno::PERM, Some(0)).contains("kernel.io_uring_disabled=0: a seccomp"));
        assert!(why(Errno::PERM, None).contains("EPERM (no io_uring_disabled sysctl"));
        assert!(why(Errno::NOSYS, None).contains("returned ENOSYS (the kernel has no io_uring"));
        assert!(why(Errno::NOMEM, None).contains("RLIMIT_MEMLOCK"));
        assert!(why(Errno::ACCESS, None).contains("returned EACCES (a security module"));
        // Anything else is passed on as it came, still one line.
        let other = why(Errno::MFILE, None);
        assert!(other.starts_with("io_uring is not available here: compio's io_uring driver"));
        assert!(!other.contains('\n'));
    }
}

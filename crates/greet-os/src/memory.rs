//! The allocator's side of memory: handing freed heap back to the OS.
//!
//! glibc's `malloc` keeps what a program frees, to serve the next allocation: only a free
//! stretch at the very top of a heap is given back on its own. After a storm of connections,
//! each with a few small buffers, the freed buffers lie between the few allocations that
//! outlived it, so resident memory stays at the storm's peak although almost none of it is in
//! use: `serve-api`, after two rounds of 20,000 connections, held 319 MB of heap with 248 KB
//! in use (`malloc_stats`, three arenas). `malloc_trim(0)` gives back every free page of
//! every arena; after it the same process was at 13.6 MB, its 11.6 MB baseline and its
//! caches.

/// Gives the heap's free pages back to the OS (glibc's `malloc_trim(0)`, every arena);
/// whether any were. Costs a walk over the free lists, milliseconds for hundreds of MB: for
/// after a storm, not for every request. Does nothing (`false`) where the C library is not
/// glibc.
#[allow(unsafe_code)]
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: no safe crate offers `malloc_trim`. It takes an integer (the free space to
        // leave at the top of the heap), reads and writes no memory of ours, and takes each
        // arena's lock in turn, so any thread may call it while others allocate.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use crate::proc::{Who, status};

    fn rss_kib() -> u64 {
        status(Who::Me).map_or(0, |s| s.vm_rss_kib)
    }

    #[test]
    fn freed_blocks_between_live_ones_come_back_only_when_trimmed() {
        // 64 MiB in 8 KiB blocks, touched, each followed by a small block that stays: once
        // the big ones are freed, no stretch at the top of the heap is free, so glibc keeps
        // them all (as it kept a storm's connection buffers).
        let (mut big, small): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (0..8_192)
            .map(|i| (vec![(i % 251) as u8; 8 << 10], vec![(i % 7) as u8; 64]))
            .unzip();
        big.clear();
        big.shrink_to_fit();
        let held = rss_kib();
        assert!(super::trim(), "glibc had free pages to give back");
        let after = rss_kib();
        // Each freed block holds at least one whole page: 32 MiB, less what other tests free.
        assert!(
            held >= after + 24 * 1024,
            "{held} KiB before the trim, {after} KiB after"
        );
        for (i, b) in small.iter().enumerate() {
            assert!(
                b.iter().all(|&x| x == (i % 7) as u8),
                "what is live stays intact"
            );
        }
    }
}

//! How the process holds on to memory over a long run.

/// Keeps freed memory in the process for the next allocation instead of handing it back to
/// the kernel. Call it first thing in a program that trains.
///
/// glibc serves an allocation above its mmap threshold (128 KiB to start) with fresh pages and
/// unmaps them when it is freed, and it returns the top of its heaps to the kernel; a training
/// step that allocates a few MB of tapes (the hard-constraint experts do, per expert and per
/// step) then faults every page in again at every step. On diffusion–sorption with one expert
/// that was 1.1 million page faults and 1.5 s of kernel time in a 5 s run, and whether it
/// happened depended on what the process had run before (glibc raises its threshold after
/// freeing a large block), so step times changed with the order of runs. With these settings
/// the same run makes 7,000 page faults.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning parameters, under its own lock.
    unsafe {
        // Blocks up to 32 MiB (glibc's largest threshold) come from the heaps, whose top
        // stays mapped up to 1 GiB of free space.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

//! The memory a run may use: what the machine has available now.

/// Bytes of memory available (`MemAvailable` of /proc/meminfo; unbounded where unknown).
pub fn available() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(u64::MAX)
}

//! Memory accounting: the resident set size of this process (Linux), for limits and statistics.

/// Resident set size in bytes, if the platform tells.
pub fn current_rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

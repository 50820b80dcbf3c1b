//! Helpers the fuzz targets share.

/// CPU time this thread has used, in milliseconds. Unlike wall time, other
/// processes on a shared machine do not inflate it.
pub fn cpu_millis() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// A CPU-time budget in milliseconds: `$var` when set, else `default`. The targets
/// are built with AddressSanitizer and coverage counters, several times slower than
/// a release build, so budgets are set above the uninstrumented figure they guard.
pub fn budget_ms(var: &str, default: f64) -> f64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

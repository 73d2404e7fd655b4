//! How many threads candle's CPU kernels (and rayon's pool) may use in an interactive app.
//!
//! candle sizes its matmul parallelism from `RAYON_NUM_THREADS`, else from every core. In a
//! desktop app the same cores also draw the tracing and run the webview; measured on a 2-core
//! machine with other work running (`bench/llm`), decoding with 2 threads was about 4x slower
//! than with 1, because spinning worker threads wait on a core that is busy elsewhere (the model
//! kernels share candle's spinning pool, `models::parallel`; a worker that is not running stalls
//! every product). So the app leaves one core free: 1 thread on 1-2 cores, `cores - 1` above.
//! Re-measured on a quiet 2-core machine with the AMX/VNNI kernels and the shared pool (issue 17,
//! `bench/llm/README.md`): a second thread now brings about 1.6x in prefill and 1.4x in decode,
//! but only while the second core is idle; with the interface drawing a streamed answer it is
//! not, so the app still keeps the core for the interface. `RAYON_NUM_THREADS` overrides.

/// The environment variable candle and rayon read.
pub const THREADS_ENV: &str = "RAYON_NUM_THREADS";

/// Threads for model work on a machine with `cores` cores, leaving one for the interface.
pub fn interactive_threads(cores: usize) -> usize {
    if cores <= 2 { 1 } else { cores - 1 }
}

/// The value to set for [`THREADS_ENV`] at start-up, or `None` when the user already chose
/// one (an explicit setting always wins).
pub fn interactive_threads_setting(current: Option<&str>, cores: usize) -> Option<String> {
    match current {
        Some(v) if !v.trim().is_empty() => None,
        _ => Some(interactive_threads(cores).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_core_is_left_for_the_interface_and_user_settings_win() {
        assert_eq!(interactive_threads(1), 1);
        assert_eq!(interactive_threads(2), 1);
        assert_eq!(interactive_threads(8), 7);
        assert_eq!(interactive_threads_setting(None, 4).as_deref(), Some("3"));
        assert_eq!(
            interactive_threads_setting(Some(""), 2).as_deref(),
            Some("1")
        );
        assert_eq!(interactive_threads_setting(Some("4"), 2), None);
    }
}

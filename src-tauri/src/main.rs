// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cap_model_threads();
    heartlens_app::run();
}

/// Leaves a core for the interface when the models run (see `ai::threads`).
#[allow(unsafe_code)]
fn cap_model_threads() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let current = std::env::var(ai::threads::THREADS_ENV).ok();
    if let Some(value) = ai::threads::interactive_threads_setting(current.as_deref(), cores) {
        // SAFETY: the first statement of `main`, before any other thread exists, so nothing
        // reads the environment concurrently.
        unsafe { std::env::set_var(ai::threads::THREADS_ENV, value) };
    }
}

//! The Heartlens desktop app: Tauri 2 glue over the crates.
//!
//! One `run()` adds plugins, registers commands grouped by domain, manages the [`state::AppState`]
//! and opens the file named on the command line (`heartlens-app FILE`). Commands live in
//! `commands/<domain>.rs`; each deserialises, fetches state, calls one crate function and maps
//! the error to [`error::CommandError`]. No SQL, DSP or prompt text here.
//!
//! Presence ("reading by" on a shared store): a heartbeat task renews the claims of the
//! recordings being read every `store::presence::HEARTBEAT_INTERVAL_MS`, and the exit handler
//! releases them, so colleagues' worklists stop showing this reader as soon as the app closes
//! (a crash is covered by the claims' expiry).

mod commands;
mod error;
mod ipc_types;
mod state;

use std::path::PathBuf;

/// Starts the app. The first command-line argument that is not a flag is opened at start-up.
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let initial_file: Option<PathBuf> = std::env::args_os()
        .skip(1)
        .map(PathBuf::from)
        .find(|p| !p.to_string_lossy().starts_with('-'));
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::new(initial_file))
        .setup(|app| {
            use tauri::Manager;
            app.state::<state::AppState>().set_app(app.handle().clone());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let period = std::time::Duration::from_millis(
                    u64::try_from(store::presence::HEARTBEAT_INTERVAL_MS).unwrap_or(30_000),
                );
                let mut beat = tokio::time::interval(period);
                beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                beat.tick().await; // the first tick is immediate; opening claimed already
                loop {
                    beat.tick().await;
                    handle.state::<state::AppState>().heartbeat().await;
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            // open
            commands::open::initial_file,
            commands::open::open_recording,
            commands::open::worklist,
            commands::open::close_recording,
            // view
            commands::view::render_frame,
            commands::view::frame_timing,
            commands::view::save_view,
            // annotate
            commands::annotate::add_annotation,
            commands::annotate::update_annotation,
            commands::annotate::delete_annotation,
            commands::annotate::list_annotations,
            commands::annotate::undo,
            commands::annotate::redo,
            // review
            commands::review::review,
            commands::review::cancel_analysis,
            commands::holter::holter_map,
            commands::review::set_qtc_formula,
            commands::review::set_measurement,
            commands::review::clear_measurement,
            commands::review::set_statement,
            commands::review::sign,
            commands::review::default_signer,
            // report
            commands::compare::compare_candidates,
            commands::compare::compare_recordings,
            commands::report::report_chat_choices,
            commands::report::export_report,
            // chat
            commands::chat::chat_status,
            commands::chat::chat_history,
            commands::chat::chat_ask,
            commands::chat::cancel_job,
            // models
            commands::models::list_models,
            commands::models::remove_model,
            commands::models::import_model,
            commands::models::model_catalog,
            commands::models::download_model,
            // settings
            commands::settings::database_setting,
            commands::settings::set_database_setting,
            commands::settings::restart_app,
        ])
        .build(tauri::generate_context!())
        .expect("the Tauri runtime starts (webview libraries present)")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                use tauri::Manager;
                tauri::async_runtime::block_on(app.state::<state::AppState>().release_all());
            }
        });
}

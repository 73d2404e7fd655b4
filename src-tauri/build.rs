//! Build script: Tauri's context, and the app manifest that turns every app command into an
//! `allow-<command>` permission. With the manifest, a command is reachable from the webview
//! only when `capabilities/main.json` grants it: the list below and that file must name the
//! same commands as `generate_handler!` in `src/lib.rs` (a missing grant fails the E2E test;
//! an unknown one fails this build).

/// Every command registered in `src/lib.rs`.
const COMMANDS: &[&str] = &[
    "initial_file",
    "open_recording",
    "worklist",
    "close_recording",
    "render_frame",
    "frame_timing",
    "save_view",
    "add_annotation",
    "update_annotation",
    "delete_annotation",
    "list_annotations",
    "undo",
    "redo",
    "review",
    "cancel_analysis",
    "holter_map",
    "set_qtc_formula",
    "set_measurement",
    "clear_measurement",
    "set_statement",
    "sign",
    "default_signer",
    "compare_candidates",
    "compare_recordings",
    "report_chat_choices",
    "export_report",
    "chat_status",
    "chat_history",
    "chat_ask",
    "cancel_job",
    "list_models",
    "remove_model",
    "import_model",
    "model_catalog",
    "download_model",
    "database_setting",
    "set_database_setting",
    "restart_app",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build: app manifest and capabilities are consistent");
}

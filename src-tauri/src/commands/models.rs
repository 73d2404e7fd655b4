//! The Models page: installed models (kind, size, quantization), import and removal.

use crate::error::{CommandError, ErrorCode};

fn registry() -> Result<ai::Registry, CommandError> {
    ai::default_models_dir()
        .map(ai::Registry::new)
        .ok_or_else(|| {
            CommandError::new(ErrorCode::NotFound, "no models folder: set HEARTLENS_HOME")
        })
}

/// Installed models.
#[tauri::command]
pub async fn list_models() -> Result<Vec<ai::registry::InstalledModel>, CommandError> {
    tauri::async_runtime::spawn_blocking(|| {
        registry()?
            .list()
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
    })
    .await
    .map_err(CommandError::task)?
}

/// Removes an installed model.
#[tauri::command]
pub async fn remove_model(name: String) -> Result<(), CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        registry()?
            .remove(&name)
            .map_err(|e| CommandError::new(ErrorCode::NotFound, e.to_string()))
    })
    .await
    .map_err(CommandError::task)?
}

/// Import progress streamed to the Models page.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    /// What is happening.
    pub stage: String,
    /// Steps done.
    pub done: usize,
    /// Steps in this stage.
    pub total: usize,
}

/// Installs a chat GGUF (grounded mode) under `name`, with an optional `tokenizer.json`.
#[tauri::command]
pub async fn import_model(
    gguf: String,
    tokenizer: Option<String>,
    name: String,
    on_progress: tauri::ipc::Channel<ImportProgress>,
) -> Result<(), CommandError> {
    tauri::async_runtime::spawn_blocking(move || {
        let reg = registry()?;
        ai::import::import_gguf(
            std::path::Path::new(&gguf),
            tokenizer.as_deref().map(std::path::Path::new),
            reg.dir(),
            &name,
            |p| {
                let _ = on_progress.send(ImportProgress {
                    stage: p.stage,
                    done: p.done,
                    total: p.total,
                });
            },
        )
        .map(|_| ())
        .map_err(|e| CommandError::new(ErrorCode::BadFile, e.to_string()))
    })
    .await
    .map_err(CommandError::task)?
}

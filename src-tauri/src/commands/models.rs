//! The Models page: installed models (kind, size, quantization), import and removal, the
//! catalogue of recommended models and their download (the one command that goes online, on
//! request).

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

/// The recommended models (`models/catalog.json`), smallest first.
#[tauri::command]
pub fn model_catalog() -> Vec<ai::download::CatalogModel> {
    let mut models = ai::download::Catalog::builtin().models;
    models.sort_by_key(|m| m.bytes);
    models
}

/// What a download streams to the Models page (or the chat panel's first-run offer).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "event",
    content = "data"
)]
pub enum DownloadEvent {
    /// The download started; `cancel_job(job_id)` stops it (what was fetched is kept).
    Started {
        /// Job id for `cancel_job`.
        job_id: u64,
        /// The model's name once installed.
        name: String,
    },
    /// Progress: connecting, downloading, verifying, installing, done.
    Progress {
        /// Stage.
        stage: String,
        /// Bytes so far.
        done: u64,
        /// Size, when known.
        total: Option<u64>,
    },
}

/// Downloads a catalogue model (its name) or a pasted GGUF URL and installs it; the only
/// command that uses the network. An interrupted or cancelled download resumes next time.
#[tauri::command]
pub async fn download_model(
    spec: String,
    on_event: tauri::ipc::Channel<DownloadEvent>,
    state: tauri::State<'_, crate::state::AppState>,
) -> Result<String, CommandError> {
    let reg = registry()?;
    let catalog = ai::download::Catalog::builtin();
    let source = ai::download::Source::resolve(spec.trim(), &catalog)
        .map_err(|e| CommandError::new(ErrorCode::BadRequest, e.to_string()))?;
    let opts = ai::download::DownloadOptions::default();
    let job_id = state.next_job_id();
    crate::state::lock(&state.jobs).insert(job_id, opts.cancel.clone());
    let _ = on_event.send(DownloadEvent::Started {
        job_id,
        name: source.name.clone(),
    });
    let result = tauri::async_runtime::spawn_blocking(move || {
        ai::download::download_and_install(&source, reg.dir(), &opts, |p| {
            let _ = on_event.send(DownloadEvent::Progress {
                stage: p.stage,
                done: p.done,
                total: p.total,
            });
        })
        .map(|(m, _)| m.name)
        .map_err(|e| {
            let code = match e {
                ai::LlmError::Cancelled => ErrorCode::Cancelled,
                ai::LlmError::Invalid(_) => ErrorCode::BadRequest,
                _ => ErrorCode::Internal,
            };
            CommandError::new(code, e.to_string())
        })
    })
    .await
    .map_err(CommandError::task);
    crate::state::lock(&state.jobs).remove(&job_id);
    result?
}

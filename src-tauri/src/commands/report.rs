//! Report export: the export dialog's chat chooser and the export itself, through the same
//! `reading::export` code as `heartlens report --session`; every file written is recorded in
//! the store with the SHA-256 of its bytes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::annotate::current_user;
use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, lock};

/// The export dialog's choices.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// The PDF to write.
    pub pdf_path: String,
    /// Also a PNG of the tracing page.
    pub png_path: Option<String>,
    /// Also a CSV of measurements and annotations.
    pub csv_path: Option<String>,
    /// "a4" or "letter".
    pub paper: String,
    /// Drop name, identifier and birth date.
    pub deidentify: bool,
    /// Chat answers to include (message ids); empty = no chat page.
    pub chat_answer_ids: Vec<i64>,
    /// Start of the tracing page's 10-s window, seconds.
    pub start_s: f64,
    /// The display filter the reader is viewing with; the report draws with it and states
    /// the band.
    #[serde(default)]
    pub filter: reading::display::DisplayFilter,
}

/// One file written.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    /// Where.
    pub path: String,
    /// "pdf", "png", "csv".
    pub format: String,
    /// SHA-256 of its bytes, as recorded in the store.
    pub sha256: String,
}

/// Completed chat exchanges of a recording, for the dialog's chooser.
#[tauri::command]
pub async fn report_chat_choices(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Vec<reading::export::ChatChoice>, CommandError> {
    let parts = reading::export::SessionParts::load(state.store().await?, recording_id).await?;
    Ok(parts.chat_choices())
}

/// Exports the report of an open recording and records the export.
#[tauri::command]
pub async fn export_report(
    recording_id: i64,
    request: ExportRequest,
    state: State<'_, AppState>,
) -> Result<Vec<ExportedFile>, CommandError> {
    if request.pdf_path.trim().is_empty() {
        return Err(CommandError::new(
            ErrorCode::BadRequest,
            "choose where to save the PDF",
        ));
    }
    if !(request.start_s.is_finite() && request.start_s >= 0.0) {
        return Err(CommandError::new(
            ErrorCode::BadRequest,
            format!("start {} s: must be a time >= 0 s", request.start_s),
        ));
    }
    let paper = match request.paper.as_str() {
        "a4" => report::Paper::A4,
        "letter" => report::Paper::Letter,
        other => {
            return Err(CommandError::new(
                ErrorCode::BadRequest,
                format!("unknown paper size {other:?}"),
            ));
        }
    };
    let rec = state.recording(recording_id)?;
    let analysis = state.analysis(recording_id).await?;
    let store = state.store().await?;
    let parts = reading::export::SessionParts::load(store, recording_id).await?;
    let targets = reading::export::Targets {
        pdf: Some(PathBuf::from(&request.pdf_path)),
        png: request
            .png_path
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
        png_dpi: 200.0,
        csv: request
            .csv_path
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
    };
    let choices = reading::export::ReportChoices {
        paper,
        start_s: request.start_s,
        deidentify: request.deidentify,
        filter: request.filter,
        chat: Some(request.chat_answer_ids),
        all_annotations: false,
    };
    let comparison = lock(&state.comparisons)
        .get(&recording_id)
        .cloned()
        .unwrap_or_default();
    let written = tauri::async_runtime::spawn_blocking(move || {
        let (mut input, warnings) =
            reading::export::report_input(&rec.recording, Some(&analysis), Some(&parts), &choices);
        input.comparison = comparison;
        for w in warnings {
            tracing::warn!(%w, "report");
        }
        let report = report::Report::new(&input)?;
        reading::export::write(&report, &targets)
    })
    .await
    .map_err(CommandError::task)??;
    reading::export::record(store, recording_id, &written, &current_user()).await?;
    Ok(written
        .into_iter()
        .map(|w| ExportedFile {
            path: w.path.display().to_string(),
            format: w.format.to_string(),
            sha256: w.sha256.to_string(),
        })
        .collect())
}

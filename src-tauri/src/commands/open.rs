//! Opening recordings: the command-line file, files chosen in the UI (dialog or drag-and-drop),
//! and the worklist of recordings the store knows.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::State;

use crate::error::CommandError;
use crate::ipc_types::{OpenedRecording, RecordingSummary, WorklistEntry};
use crate::state::{AppState, OpenRecording, lock};

/// The file named on the command line, once (later calls return `None`).
#[tauri::command]
pub fn initial_file(state: State<'_, AppState>) -> Option<String> {
    lock(&state.initial_file)
        .take()
        .map(|p| p.display().to_string())
}

/// Opens a recording: decodes it off the async runtime, records it in the store (by content
/// hash, so a moved file keeps its session) and returns its summary, saved view and annotations.
#[tauri::command]
pub async fn open_recording(
    path: String,
    state: State<'_, AppState>,
) -> Result<OpenedRecording, CommandError> {
    let path = PathBuf::from(path);
    let p = path.clone();
    let recording = tauri::async_runtime::spawn_blocking(move || formats::open(&p))
        .await
        .map_err(CommandError::task)??;
    let summary = RecordingSummary::of(&path, &recording);
    let store = state.store().await?;
    let metadata = serde_json::to_value(&summary).unwrap_or_default();
    let row = store
        .open_file(&path, &recording.source.format, metadata)
        .await?;
    // "Reading by": the worklist of every station on a shared store shows this reader here
    // while the app keeps beating (AppState::heartbeat) and until it is closed.
    state.start_reading(row.id).await?;
    let mut snapshot = store.load_session(row.id).await?;
    // A 12-lead layout shows a 2-lead Holter or a non-standard recording as empty "absent"
    // cells: such recordings open with one row per lead they have.
    let twelve_lead_layout = matches!(
        snapshot.session.view.layout.as_str(),
        "3x4" | "3x4+1" | "3x4+3" | "6x2" | "12x1"
    );
    if twelve_lead_layout && !recording.is_twelve_lead() {
        snapshot.session.view.layout = "leads".to_string();
    }
    lock(&state.recordings).insert(row.id, Arc::new(OpenRecording::new(recording)));
    Ok(OpenedRecording {
        recording_id: row.id,
        summary,
        view: snapshot.session.view,
        annotations: snapshot.annotations,
        annotation_count: snapshot.annotation_count,
        signed_by: snapshot.signature.map(|s| s.signer),
    })
}

/// Closes a recording the reader has finished with (another one opened, or the app closing):
/// releases this reader's presence on it at once, so colleagues' worklists stop showing it,
/// and drops it from memory. Returns whether it was open.
#[tauri::command]
pub async fn close_recording(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<bool, CommandError> {
    let was_reading = state.stop_reading(recording_id).await?;
    let was_open = lock(&state.recordings).remove(&recording_id).is_some();
    Ok(was_reading || was_open)
}

/// Recently opened recordings, optionally filtered by a search text (path or format), with who
/// is reading each now and its signer.
#[tauri::command]
pub async fn worklist(
    search: Option<String>,
    state: State<'_, AppState>,
) -> Result<Vec<WorklistEntry>, CommandError> {
    let store = state.store().await?;
    let needle = search.unwrap_or_default().to_lowercase();
    Ok(store
        .worklist(200)
        .await?
        .into_iter()
        .filter(|e| {
            needle.is_empty()
                || e.recording.last_path.to_lowercase().contains(&needle)
                || e.recording.format.to_lowercase().contains(&needle)
        })
        .map(|e| WorklistEntry {
            recording_id: e.recording.id,
            path: e.recording.last_path,
            format: e.recording.format,
            last_opened_at_ms: e.recording.last_opened_at_ms,
            reading_by: e
                .readers
                .iter()
                .map(|p| {
                    let role = match &p.role {
                        Some(r) if *r != p.reader => format!(" (role {r})"),
                        _ => String::new(),
                    };
                    format!("{}{role} since {}", p.reader, reading::utc_text(p.since_ms))
                })
                .collect(),
            signed_by: e.signature.map(|s| s.signer),
        })
        .collect())
}

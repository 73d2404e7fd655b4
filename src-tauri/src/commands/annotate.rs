//! Annotations: create (on a lead or all leads), edit, delete, list, undo/redo. Each is one
//! store transaction with its audit row; the store refuses changes to a signed recording.

use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

pub use reading::current_user;

/// Adds an annotation.
#[tauri::command]
pub async fn add_annotation(
    recording_id: i64,
    data: store::annotations::AnnotationData,
    state: State<'_, AppState>,
) -> Result<store::annotations::Annotation, CommandError> {
    Ok(state
        .store()
        .await?
        .add_annotation(recording_id, &data, &current_user())
        .await?)
}

/// Edits an annotation. With the `version` the UI showed, an edit a colleague overtook on a
/// shared store is refused (`CONFLICT`, naming who) instead of overwriting theirs.
#[tauri::command]
pub async fn update_annotation(
    id: i64,
    data: store::annotations::AnnotationData,
    version: Option<i64>,
    state: State<'_, AppState>,
) -> Result<store::annotations::Annotation, CommandError> {
    let store = state.store().await?;
    Ok(match version {
        Some(v) => {
            store
                .update_annotation_at(id, v, &data, &current_user())
                .await?
        }
        None => store.update_annotation(id, &data, &current_user()).await?,
    })
}

/// Deletes (softly) an annotation; with `version`, only if no one changed it since.
#[tauri::command]
pub async fn delete_annotation(
    id: i64,
    version: Option<i64>,
    state: State<'_, AppState>,
) -> Result<store::annotations::Annotation, CommandError> {
    let store = state.store().await?;
    Ok(match version {
        Some(v) => store.delete_annotation_at(id, v, &current_user()).await?,
        None => store.delete_annotation(id, &current_user()).await?,
    })
}

/// The first page of a recording's live annotations (by start time) and their total.
#[tauri::command]
pub async fn list_annotations(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<crate::ipc_types::AnnotationPage, CommandError> {
    let store = state.store().await?;
    Ok(crate::ipc_types::AnnotationPage {
        items: store
            .annotations_first(recording_id, store::SESSION_ANNOTATIONS)
            .await?,
        total: store.annotation_count(recording_id).await?,
    })
}

/// Undoes the last annotation change (from the audit log; works across restarts).
#[tauri::command]
pub async fn undo(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Option<store::annotations::Annotation>, CommandError> {
    Ok(state
        .store()
        .await?
        .undo(recording_id, &current_user())
        .await?)
}

/// Redoes the last undone change.
#[tauri::command]
pub async fn redo(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Option<store::annotations::Annotation>, CommandError> {
    Ok(state
        .store()
        .await?
        .redo(recording_id, &current_user())
        .await?)
}

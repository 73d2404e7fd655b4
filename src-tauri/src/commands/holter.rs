//! The Holter map of a long recording: the heart-rate trend (per minute, hourly band) and the
//! events (pauses, runs of ectopic beats, AF episodes), read from the store's Holter rows
//! (`reading::holter`), analysing the recording first if it never was.

use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

/// The Holter rows of an open recording; `None` for a recording too short to be a Holter.
#[tauri::command]
pub async fn holter_map(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Option<store::holter::HolterOverview>, CommandError> {
    if !reading::holter::is_long(&state.recording(recording_id)?.recording) {
        return Ok(None);
    }
    state.analysis(recording_id).await?;
    Ok(reading::holter::overview(state.store().await?, recording_id).await?)
}

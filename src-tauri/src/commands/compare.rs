//! Comparison with a prior ECG: the store's other recordings (the same patient's first) and,
//! for a chosen one, what changed (`reading::compare`) with the median beats and rhythm strips
//! the Compare view draws one above the other at the same scale. The last comparison of a
//! recording is kept for its report ("Compared with the ECG of DATE" and the changes).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, OpenRecording, lock};

/// Seconds of each recording's rhythm strip.
const STRIP_SECONDS: f64 = 10.0;
/// Highest sampling rate sent for a strip (display only; 250 Hz draws a 10-s strip at 1000 px
/// without losing a QRS).
const STRIP_MAX_HZ: f64 = 250.0;

/// A recording the current one can be compared with.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompareCandidate {
    /// Store id.
    pub recording_id: i64,
    /// Where the store last saw the file.
    pub path: String,
    /// Format name.
    pub format: String,
    /// Acquisition time the file states, ISO 8601.
    pub start_time: Option<String>,
    /// Patient display name.
    pub patient_name: Option<String>,
    /// The patient facts name the same person as the current recording's.
    pub same_patient: bool,
}

/// What the Compare view shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompareView {
    /// Deltas and statement changes.
    pub comparison: reading::compare::Comparison,
    /// The changes as the report words them ("Compared with the ECG of DATE", ...).
    pub lines: Vec<String>,
    /// The prior recording's path.
    pub prior_path: String,
    /// Median beats of both, lead by lead.
    pub medians: Vec<reading::compare::MedianOverlay>,
    /// The current recording's rhythm strip (lead II, else its first lead).
    pub current_strip: Option<reading::compare::RhythmStrip>,
    /// The prior recording's, same lead when it has it.
    pub prior_strip: Option<reading::compare::RhythmStrip>,
}

fn patient_of(metadata: &serde_json::Value) -> ecg::Patient {
    metadata
        .get("patient")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .unwrap_or_default()
}

/// The store's other recordings, the same patient's first (then most recently opened).
#[tauri::command]
pub async fn compare_candidates(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<Vec<CompareCandidate>, CommandError> {
    let store = state.store().await?;
    let me = patient_of(&store.recording(recording_id).await?.metadata);
    let mut out: Vec<CompareCandidate> = store
        .recent(200)
        .await?
        .into_iter()
        .filter(|r| r.id != recording_id)
        .map(|r| {
            let p = patient_of(&r.metadata);
            CompareCandidate {
                recording_id: r.id,
                start_time: r
                    .metadata
                    .get("startTime")
                    .and_then(|t| t.as_str())
                    .map(str::to_string),
                patient_name: p.display_name(),
                same_patient: reading::compare::same_patient(&me, &p),
                path: r.last_path,
                format: r.format,
            }
        })
        .collect();
    // Stable: within each group the store's order (most recently opened first) stays.
    out.sort_by_key(|c| !c.same_patient);
    Ok(out)
}

/// The recording with store id `id`, decoding it from where the store last saw it when it is
/// not open yet (a prior ECG chosen from the worklist).
async fn ensure_open(state: &AppState, id: i64) -> Result<Arc<OpenRecording>, CommandError> {
    if let Ok(r) = state.recording(id) {
        return Ok(r);
    }
    let row = state.store().await?.recording(id).await?;
    let path = PathBuf::from(&row.last_path);
    let recording = tauri::async_runtime::spawn_blocking(move || formats::open(&path))
        .await
        .map_err(CommandError::task)?
        .map_err(|e| {
            CommandError::new(
                ErrorCode::BadFile,
                format!("prior ECG {}: {e}", row.last_path),
            )
        })?;
    let open = Arc::new(OpenRecording::new(recording));
    lock(&state.recordings).insert(id, open.clone());
    Ok(open)
}

/// Compares the open recording with a prior one from the store (analysing it if needed): the
/// reader's reviewed values on both sides.
#[tauri::command]
pub async fn compare_recordings(
    recording_id: i64,
    prior_recording_id: i64,
    state: State<'_, AppState>,
) -> Result<CompareView, CommandError> {
    if recording_id == prior_recording_id {
        return Err(CommandError::new(
            ErrorCode::BadRequest,
            "choose a different recording to compare with",
        ));
    }
    let (current, prior) = (
        state.recording(recording_id)?,
        ensure_open(&state, prior_recording_id).await?,
    );
    let (now_a, prior_a) = (
        state.analysis(recording_id).await?,
        state.analysis(prior_recording_id).await?,
    );
    let store = state.store().await?;
    let (now_m, now_s) = reading::compare::reviewed(
        store,
        recording_id,
        &now_a.measurements,
        &current.suggested_statements(&now_a),
    )
    .await?;
    let (prior_m, prior_s) = reading::compare::reviewed(
        store,
        prior_recording_id,
        &prior_a.measurements,
        &prior.suggested_statements(&prior_a),
    )
    .await?;
    let time = |r: &OpenRecording| r.recording.acquisition.start_time.map(|t| t.to_iso8601());
    let (now_t, prior_t) = (time(&current), time(&prior));
    let comparison = reading::compare::compare(
        reading::compare::Side {
            measurements: &now_m,
            statements: &now_s,
            time: now_t.as_deref(),
        },
        reading::compare::Side {
            measurements: &prior_m,
            statements: &prior_s,
            time: prior_t.as_deref(),
        },
    );
    let ii = &ecg::LeadLabel::STANDARD_12[1];
    let current_strip =
        reading::compare::rhythm_strip(&current.recording, ii, STRIP_SECONDS, STRIP_MAX_HZ);
    let lead = current_strip
        .as_ref()
        .map(|s| ecg::LeadLabel::parse(&s.lead))
        .unwrap_or_else(|| ii.clone());
    let prior_path = store.recording(prior_recording_id).await?.last_path;
    let lines = comparison.lines(1.0);
    // The next report of this recording states the comparison.
    lock(&state.comparisons).insert(recording_id, lines.clone());
    Ok(CompareView {
        lines,
        comparison,
        prior_path,
        medians: reading::compare::median_overlays(&now_a, &prior_a),
        current_strip,
        prior_strip: reading::compare::rhythm_strip(
            &prior.recording,
            &lead,
            STRIP_SECONDS,
            STRIP_MAX_HZ,
        ),
    })
}

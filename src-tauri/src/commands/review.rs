//! Review: the measurement table (analysed values, the clinician's corrections with the
//! original kept, QTc formula of choice), statements to confirm, reject or edit, and sign-off,
//! which locks the recording. The rules live in `reading::review`; the store audits each step.

use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::annotate::current_user;
use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// Settings key of the QTc formula the table and chat lead with.
const QTC_FORMULA_SETTING: &str = "review.qtc_formula";

/// What the review panel shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    /// Measurement rows (QTc once per formula).
    pub rows: Vec<reading::review::MeasurementRow>,
    /// The QTc formula chosen (lowercase name).
    pub qtc_formula: String,
    /// Statements with their review state.
    pub statements: Vec<store::review::StoredStatement>,
    /// Who signed, what it means and when (UTC text), once signed.
    pub signature: Option<SignatureView>,
    /// The filter band the measurements were made through.
    pub analysis_band: String,
    /// Whether analysis found atrial fibrillation.
    pub atrial_fibrillation: bool,
    /// The leads and beats each analysis statement rests on (by statement code).
    pub evidence: Vec<reading::evidence::StatementEvidence>,
    /// Where each interval was measured (by measurement name).
    pub calipers: Vec<reading::evidence::MeasurementCaliper>,
}

/// A signature as the panel shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureView {
    /// Who signed.
    pub signer: String,
    /// What it means.
    pub meaning: String,
    /// When, UTC.
    pub time: String,
}

async fn qtc_formula(state: &AppState) -> Result<String, CommandError> {
    Ok(state
        .store()
        .await?
        .setting::<String>(QTC_FORMULA_SETTING)
        .await?
        .unwrap_or_else(|| "bazett".to_string()))
}

/// The review of an open recording (analysing it on first use).
#[tauri::command]
pub async fn review(
    recording_id: i64,
    state: State<'_, AppState>,
) -> Result<ReviewView, CommandError> {
    let analysis = state.analysis(recording_id).await?;
    let store = state.store().await?;
    let r = reading::review::review(store, recording_id, &analysis.measurements).await?;
    Ok(ReviewView {
        rows: r.rows,
        qtc_formula: qtc_formula(&state).await?,
        statements: r.statements,
        signature: r.signature.map(|s| SignatureView {
            signer: s.signer,
            meaning: s.meaning,
            time: reading::utc_text(s.signed_at_ms),
        }),
        analysis_band: analysis.analysis_band.clone(),
        atrial_fibrillation: analysis.atrial_fibrillation,
        evidence: reading::evidence::statement_evidence(&analysis),
        calipers: reading::evidence::measurement_calipers(&analysis),
    })
}

/// Stops the running analysis of a recording (the review then reports it cancelled and can be
/// asked again). `false` when none is running.
#[tauri::command]
pub fn cancel_analysis(recording_id: i64, state: State<'_, AppState>) -> bool {
    match crate::state::lock(&state.analyses).get(&recording_id) {
        Some(flag) => {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// Chooses the QTc formula the table leads with (kept across recordings).
#[tauri::command]
pub async fn set_qtc_formula(
    formula: String,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let f = reading::review::parse_formula(&formula).ok_or_else(|| {
        CommandError::new(
            ErrorCode::BadRequest,
            format!("unknown QTc formula {formula:?}"),
        )
    })?;
    state
        .store()
        .await?
        .set_setting(QTC_FORMULA_SETTING, &f.name().to_ascii_lowercase())
        .await?;
    Ok(())
}

/// Sets the clinician's value of a measurement (`method`: QTc formula). `version` is the row's
/// version the reader saw: a colleague's change made since is refused (`CONFLICT`), not lost.
#[tauri::command]
pub async fn set_measurement(
    recording_id: i64,
    name: String,
    method: Option<String>,
    value: f64,
    version: Option<i64>,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let analysis = state.analysis(recording_id).await?;
    reading::review::set_measurement(
        state.store().await?,
        recording_id,
        &name,
        method.as_deref(),
        value,
        &analysis.measurements,
        version,
        &current_user(),
    )
    .await?;
    Ok(())
}

/// Returns a measurement to its analysed value (refused as `set_measurement` is when `version`
/// is no longer the row's).
#[tauri::command]
pub async fn clear_measurement(
    recording_id: i64,
    name: String,
    version: Option<i64>,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    reading::review::clear_measurement(
        state.store().await?,
        recording_id,
        &name,
        version,
        &current_user(),
    )
    .await?;
    Ok(())
}

/// A statement decision from the panel.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Back to a suggestion.
    Suggested,
    /// Confirmed.
    Confirmed,
    /// Rejected.
    Rejected,
    /// Text edited (then `text` is required).
    Edited,
}

/// Confirms, rejects or edits a statement (`version`: the statement's version the reader saw;
/// a colleague's change made since is refused with `CONFLICT`, naming who).
#[tauri::command]
pub async fn set_statement(
    recording_id: i64,
    code: String,
    decision: Decision,
    text: Option<String>,
    version: Option<i64>,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    let st = match decision {
        Decision::Suggested => ecg::StatementState::Suggested,
        Decision::Confirmed => ecg::StatementState::Confirmed,
        Decision::Rejected => ecg::StatementState::Rejected,
        Decision::Edited => ecg::StatementState::Edited,
    };
    let text = text.filter(|_| matches!(decision, Decision::Edited));
    let store = state.store().await?;
    match version {
        Some(v) => {
            store
                .set_statement_state_at(
                    recording_id,
                    &code,
                    st,
                    text.as_deref(),
                    v,
                    &current_user(),
                )
                .await?
        }
        None => {
            store
                .set_statement_state(recording_id, &code, st, text.as_deref(), &current_user())
                .await?
        }
    };
    Ok(())
}

/// Signs the reading and locks the recording against further changes.
#[tauri::command]
pub async fn sign(
    recording_id: i64,
    signer: String,
    meaning: String,
    state: State<'_, AppState>,
) -> Result<SignatureView, CommandError> {
    let signer = signer.trim();
    let meaning = meaning.trim();
    if signer.is_empty() || meaning.is_empty() {
        return Err(CommandError::new(
            ErrorCode::BadRequest,
            "a signature needs the signer's name and what it means",
        ));
    }
    let s = state
        .store()
        .await?
        .sign(recording_id, signer, meaning)
        .await?;
    Ok(SignatureView {
        signer: s.signer,
        meaning: s.meaning,
        time: reading::utc_text(s.signed_at_ms),
    })
}

/// The default signer name (the OS account).
#[tauri::command]
pub fn default_signer() -> String {
    current_user()
}

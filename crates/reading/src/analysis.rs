//! `signal::analyze` results cached in the store, keyed by [`signal::ANALYSIS_VERSION`]: one
//! analysis per recording serves the review panel, every chat question and every report.

use signal::{Analysis, AnalysisOptions};
use store::Store;

use crate::Result;

/// The cached analysis of a recording, when one of the current version is stored. A stale or
/// unreadable cache is treated as absent (it is recomputed and overwritten, never trusted).
pub async fn cached(store: &Store, recording_id: i64) -> Result<Option<Analysis>> {
    Ok(match store.analysis(recording_id).await? {
        Some((version, json)) if version == signal::ANALYSIS_VERSION => {
            serde_json::from_value(json).ok()
        }
        _ => None,
    })
}

/// Stores an analysis of a recording under the current version.
pub async fn save(store: &Store, recording_id: i64, analysis: &Analysis) -> Result<()> {
    let json = serde_json::to_value(analysis).map_err(|e| crate::Error::Argument {
        field: "analysis",
        message: format!("cannot be serialised: {e}"),
    })?;
    store
        .set_analysis(recording_id, signal::ANALYSIS_VERSION, &json)
        .await?;
    Ok(())
}

/// Analyses a recording with the default options (synchronous and CPU-heavy: call it from a
/// blocking thread in async code).
pub fn compute(recording: &ecg::Recording) -> Result<Analysis> {
    Ok(signal::analyze(recording, &AnalysisOptions::default())?)
}

/// [`compute`] that stops with `signal::Error::Cancelled` soon after `cancel` is set.
pub fn compute_cancellable(
    recording: &ecg::Recording,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Analysis> {
    Ok(signal::analyze_cancellable(
        recording,
        &AnalysisOptions::default(),
        cancel,
    )?)
}

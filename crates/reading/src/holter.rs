//! Long recordings: the streamed analysis ([`signal::holter::analyze_streamed`]) with progress
//! and cancel, and its result cached in the store as rows ([`store::holter`]) instead of one
//! JSON blob, so reopening a 24-h recording reads it back in milliseconds.
//!
//! What is saved (one transaction, keyed by [`signal::ANALYSIS_VERSION`]): the analysis of the
//! representative window (medians, measurements, statements) as the usual analysis cache but
//! without its beat list; the beats packed per block; the Holter outputs as summary, hourly,
//! per-minute and event rows. [`cached`] puts the same [`Streamed`] back together (the
//! longest/fastest episodes recomputed from the events by [`Holter::fill_extremes`]).

use std::sync::atomic::AtomicBool;

use signal::holter::{
    Episode, Holter, HolterOptions, HourlyRate, MinuteRate, Pause, Progress, Run, RunKind, Streamed,
};
use signal::{AnalysisOptions, Beat, BeatClass};
use store::Store;
use store::holter::{
    BeatArrays, EventKind, HolterEvent, HolterOverview, HolterResult, HolterSummary, HourRow,
    MinuteRow,
};

use crate::{Error, Result};

/// Recordings longer than this (s) are analysed chunk by chunk as Holters (the CLI's
/// `--holter-min` default).
pub const HOLTER_MIN_S: f64 = 600.0;

/// Whether a recording is long enough to be analysed as a Holter.
pub fn is_long(recording: &ecg::Recording) -> bool {
    recording.duration_s() > HOLTER_MIN_S
}

/// Analyses a long recording chunk by chunk with the default options, reporting each chunk
/// and stopping with `signal::Error::Cancelled` soon after `cancel` is set (synchronous and
/// CPU-heavy: call it from a blocking thread in async code).
pub fn compute(
    recording: &ecg::Recording,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<Streamed> {
    Ok(signal::holter::analyze_streamed(
        recording,
        &AnalysisOptions::default(),
        &HolterOptions::default(),
        progress,
        cancel,
    )?)
}

fn run_kind(k: RunKind) -> EventKind {
    match k {
        RunKind::VentricularCouplet => EventKind::VentricularCouplet,
        RunKind::VentricularTriplet => EventKind::VentricularTriplet,
        RunKind::VentricularTachycardia => EventKind::VentricularTachycardia,
        RunKind::IdioventricularRun => EventKind::IdioventricularRun,
        RunKind::SupraventricularCouplet => EventKind::SupraventricularCouplet,
        RunKind::SupraventricularTachycardia => EventKind::SupraventricularTachycardia,
    }
}

fn event_run(k: EventKind) -> Option<RunKind> {
    Some(match k {
        EventKind::VentricularCouplet => RunKind::VentricularCouplet,
        EventKind::VentricularTriplet => RunKind::VentricularTriplet,
        EventKind::VentricularTachycardia => RunKind::VentricularTachycardia,
        EventKind::IdioventricularRun => RunKind::IdioventricularRun,
        EventKind::SupraventricularCouplet => RunKind::SupraventricularCouplet,
        EventKind::SupraventricularTachycardia => RunKind::SupraventricularTachycardia,
        EventKind::Pause | EventKind::AtrialFibrillation => return None,
    })
}

fn class_of(code: u8) -> BeatClass {
    match code {
        b'N' => BeatClass::Normal,
        b'S' => BeatClass::Supraventricular,
        b'V' => BeatClass::Ventricular,
        b'/' => BeatClass::Paced,
        _ => BeatClass::Unknown,
    }
}

/// The Holter outputs as the store's events, in time order (pauses, runs, AF episodes mixed).
pub fn events(h: &Holter) -> Vec<HolterEvent> {
    let mut out: Vec<HolterEvent> = h
        .pauses
        .iter()
        .map(|p| HolterEvent {
            kind: EventKind::Pause,
            start_s: p.start_s,
            end_s: p.end_s,
            beats: None,
            rate_bpm: None,
            first_beat: None,
            detail: None,
        })
        .chain(h.runs.iter().map(|r| HolterEvent {
            kind: run_kind(r.kind),
            start_s: r.start_s,
            end_s: r.end_s,
            beats: Some(r.beats as u64),
            rate_bpm: Some(r.rate_bpm),
            first_beat: Some(r.first_beat as u64),
            detail: None,
        }))
        .chain(h.af_episodes.iter().map(|e| HolterEvent {
            kind: EventKind::AtrialFibrillation,
            start_s: e.start_s,
            end_s: e.end_s,
            beats: None,
            rate_bpm: Some(e.mean_bpm),
            first_beat: None,
            detail: None,
        }))
        .collect();
    // Stable: at one start time, pauses before runs before episodes.
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    out
}

/// The store's rows for a streamed analysis.
pub fn to_rows(s: &Streamed) -> HolterResult {
    let h = &s.holter;
    let beats = &s.analysis.beats;
    HolterResult {
        summary: HolterSummary {
            analysis_version: signal::ANALYSIS_VERSION.to_string(),
            fs_hz: s.analysis.fs_hz,
            duration_s: h.duration_s,
            chunks: u32::try_from(h.chunks).unwrap_or(u32::MAX),
            af_burden: h.af_burden,
            representative_window_s: h.representative_window_s,
            counts: h
                .counts
                .iter()
                .map(|(k, v)| (k.clone(), *v as u64))
                .collect(),
        },
        hourly: h
            .hourly
            .iter()
            .map(|r| HourRow {
                hour: u32::try_from(r.hour).unwrap_or(u32::MAX),
                beats: r.beats as u64,
                min_bpm: r.min_bpm,
                mean_bpm: r.mean_bpm,
                max_bpm: r.max_bpm,
            })
            .collect(),
        minutes: h
            .minutes
            .iter()
            .map(|m| MinuteRow {
                minute: u32::try_from(m.minute).unwrap_or(u32::MAX),
                beats: u32::try_from(m.beats).unwrap_or(u32::MAX),
                mean_bpm: m.mean_bpm,
            })
            .collect(),
        events: events(h),
        beats: BeatArrays {
            fiducial: beats.iter().map(|b| b.fiducial_sample as u64).collect(),
            r: beats.iter().map(|b| b.r_sample as u64).collect(),
            class: beats.iter().map(|b| b.class.code().as_bytes()[0]).collect(),
        },
    }
}

/// The Holter outputs from the store's rows (no beat list needed).
pub fn from_rows(o: &HolterOverview) -> Holter {
    let mut pauses = Vec::new();
    let mut runs = Vec::new();
    let mut af_episodes = Vec::new();
    for e in &o.events {
        match (e.kind, event_run(e.kind)) {
            (EventKind::Pause, _) => pauses.push(Pause {
                start_s: e.start_s,
                end_s: e.end_s,
                duration_s: round3(e.end_s - e.start_s),
            }),
            (EventKind::AtrialFibrillation, _) => af_episodes.push(Episode {
                start_s: e.start_s,
                end_s: e.end_s,
                duration_s: round3(e.end_s - e.start_s),
                mean_bpm: e.rate_bpm.unwrap_or(0.0),
            }),
            (_, Some(kind)) => runs.push(Run {
                kind,
                start_s: e.start_s,
                end_s: e.end_s,
                first_beat: e.first_beat.unwrap_or(0) as usize,
                beats: e.beats.unwrap_or(0) as usize,
                rate_bpm: e.rate_bpm.unwrap_or(0.0),
            }),
            (_, None) => {}
        }
    }
    let s = &o.summary;
    let mut h = Holter {
        duration_s: s.duration_s,
        chunks: s.chunks as usize,
        counts: s
            .counts
            .iter()
            .map(|(k, v)| (k.clone(), *v as usize))
            .collect(),
        hourly: o
            .hourly
            .iter()
            .map(|r| HourlyRate {
                hour: r.hour as usize,
                beats: r.beats as usize,
                min_bpm: r.min_bpm,
                mean_bpm: r.mean_bpm,
                max_bpm: r.max_bpm,
            })
            .collect(),
        minutes: o
            .minutes
            .iter()
            .map(|m| MinuteRate {
                minute: m.minute as usize,
                beats: m.beats as usize,
                mean_bpm: m.mean_bpm,
            })
            .collect(),
        pauses,
        runs,
        af_episodes,
        af_burden: s.af_burden,
        longest_af: None,
        longest_vt: None,
        fastest_vt: None,
        longest_svt: None,
        fastest_svt: None,
        longest_pause: None,
        representative_window_s: s.representative_window_s,
    };
    h.fill_extremes();
    h
}

/// The beat list from the packed arrays (R time and RR as the streamed analysis gives them).
pub fn beats_from_arrays(b: &BeatArrays, fs_hz: f64) -> Vec<Beat> {
    (0..b.len())
        .map(|i| Beat {
            fiducial_sample: b.fiducial[i] as usize,
            r_sample: b.r[i] as usize,
            r_s: b.r[i] as f64 / fs_hz,
            class: class_of(b.class[i]),
            rr_ms: (i > 0).then(|| (b.fiducial[i] - b.fiducial[i - 1]) as f64 * 1000.0 / fs_hz),
        })
        .collect()
}

/// Saves a streamed analysis of a recording (one transaction, current analysis version).
pub async fn save(store: &Store, recording_id: i64, s: &Streamed) -> Result<()> {
    let mut json = serde_json::to_value(&s.analysis).map_err(|e| Error::Argument {
        field: "analysis",
        message: format!("cannot be serialised: {e}"),
    })?;
    // The beats go to their packed rows.
    if let Some(b) = json.get_mut("beats") {
        *b = serde_json::Value::Array(Vec::new());
    }
    store
        .save_holter(recording_id, signal::ANALYSIS_VERSION, &json, &to_rows(s))
        .await?;
    Ok(())
}

/// The Holter rows of a recording, when they are of the current analysis version.
pub async fn overview(store: &Store, recording_id: i64) -> Result<Option<HolterOverview>> {
    Ok(store
        .holter(recording_id)
        .await?
        .filter(|o| o.summary.analysis_version == signal::ANALYSIS_VERSION))
}

/// The streamed analysis of a recording read back from the store, when both the analysis
/// cache and the Holter rows are of the current version; else `None` (analyse again).
pub async fn cached(store: &Store, recording_id: i64) -> Result<Option<Streamed>> {
    let Some(o) = overview(store, recording_id).await? else {
        return Ok(None);
    };
    let Some(mut analysis) = crate::analysis::cached(store, recording_id).await? else {
        return Ok(None);
    };
    let b = store.holter_beats(recording_id).await?;
    analysis.beats = beats_from_arrays(&b, o.summary.fs_hz);
    Ok(Some(Streamed {
        analysis,
        holter: from_rows(&o),
    }))
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNTH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/holter/synth_12lead_10m.hea"
    );

    #[tokio::test]
    async fn a_streamed_analysis_reads_back_from_the_rows_unchanged() {
        let rec = formats::open(SYNTH).expect("synthetic Holter opens");
        assert!(!is_long(&rec), "10 min is not above the Holter threshold");
        let seen = std::sync::Mutex::new(Vec::new());
        let s = compute(
            &rec,
            &|p| seen.lock().unwrap().push(p),
            &AtomicBool::new(false),
        )
        .expect("streamed analysis");
        assert_eq!(seen.lock().unwrap().last().map(|p| p.done), Some(3));
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("h.sqlite3")).await.unwrap();
        let row = store
            .open_recording(&store::recordings::NewRecording {
                content_sha256: store::recordings::ContentHash::of_bytes(b"synth"),
                size_bytes: 1,
                path: SYNTH.into(),
                format: "WFDB".into(),
                metadata: serde_json::json!({}),
            })
            .await
            .unwrap();
        assert!(cached(&store, row.id).await.unwrap().is_none());
        save(&store, row.id, &s).await.unwrap();
        let back = cached(&store, row.id).await.unwrap().expect("cached");
        assert_eq!(back.holter, s.holter);
        assert_eq!(back.analysis.beats, s.analysis.beats);
        assert_eq!(back.analysis.statements, s.analysis.statements);
        // The known events of the file are among the stored ones.
        let o = overview(&store, row.id).await.unwrap().unwrap();
        assert!(o.events.iter().any(|e| e.kind == EventKind::Pause));
        assert!(
            o.events
                .iter()
                .any(|e| e.kind == EventKind::AtrialFibrillation)
        );
        assert_eq!(o.minutes.len(), 10);
        store.close().await;
    }

    #[test]
    fn a_cancelled_analysis_says_so() {
        let rec = formats::open(SYNTH).expect("synthetic Holter opens");
        let e = compute(&rec, &|_| {}, &AtomicBool::new(true)).unwrap_err();
        assert!(
            matches!(e, Error::Analysis(signal::Error::Cancelled)),
            "{e}"
        );
    }
}

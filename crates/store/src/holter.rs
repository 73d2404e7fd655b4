//! Holter results: what the streamed analysis of a long recording found, kept as rows the
//! trend and the event list read in milliseconds, not as one JSON blob.
//!
//! Owns the `holter_*` tables (migration `20261203000001_holter_results.sql`): one
//! [`HolterSummary`] row per recording, beat counts by class, [`HourRow`]s, [`MinuteRow`]s (the
//! trend), [`HolterEvent`]s (pauses, runs of ectopic beats, AF episodes) and every beat packed
//! per block of [`BEATS_PER_BLOCK`] ([`BeatArrays`]: about 9 bytes a beat). It does not know
//! `signal`'s types (the store depends on `ecg` only): `reading::holter` maps them.
//!
//! A result is tagged with the analysis version that made it; [`save`] replaces all rows of the
//! recording, [`load`] reads everything but the beats, [`beats`] the beats.

use std::collections::BTreeMap;

use crate::sql::{Conn, query};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Beats per packed block: 4096 beats (about an hour at 70 bpm) make a 36-KiB blob.
pub const BEATS_PER_BLOCK: usize = 4096;

/// What a Holter result is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolterSummary {
    /// Analysis version tag that made the result.
    pub analysis_version: String,
    /// Sampling rate of the beat sample indices (Hz).
    pub fs_hz: f64,
    /// Seconds analysed.
    pub duration_s: f64,
    /// Chunks analysed.
    pub chunks: u32,
    /// Fraction of the time in atrial fibrillation.
    pub af_burden: f64,
    /// The window whose full analysis gave medians and measurements (start, end s).
    pub representative_window_s: (f64, f64),
    /// Beats by class code (N, S, V, /, Q).
    pub counts: BTreeMap<String, u64>,
}

/// Heart rate over one hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourRow {
    /// Hour from the start (0-based).
    pub hour: u32,
    /// Beats in the hour.
    pub beats: u64,
    /// Lowest per-minute rate (bpm).
    pub min_bpm: Option<f64>,
    /// Mean rate (bpm).
    pub mean_bpm: Option<f64>,
    /// Highest per-minute rate (bpm).
    pub max_bpm: Option<f64>,
}

/// Heart rate over one minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinuteRow {
    /// Minute from the start (0-based).
    pub minute: u32,
    /// Beats in the minute.
    pub beats: u32,
    /// Mean rate (bpm), if enough intervals.
    pub mean_bpm: Option<f64>,
}

/// What kind of Holter event (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An RR interval at least the pause threshold.
    Pause,
    /// Two ventricular beats in a row.
    VentricularCouplet,
    /// Three ventricular beats in a row.
    VentricularTriplet,
    /// Four or more ventricular beats at >= 100 bpm.
    VentricularTachycardia,
    /// Four or more ventricular beats below 100 bpm.
    IdioventricularRun,
    /// Two supraventricular ectopic beats in a row.
    SupraventricularCouplet,
    /// A supraventricular tachycardia run.
    SupraventricularTachycardia,
    /// An atrial fibrillation episode.
    AtrialFibrillation,
}

impl EventKind {
    /// Every kind, in the order of the migration's check constraint.
    pub const ALL: [EventKind; 8] = [
        EventKind::Pause,
        EventKind::VentricularCouplet,
        EventKind::VentricularTriplet,
        EventKind::VentricularTachycardia,
        EventKind::IdioventricularRun,
        EventKind::SupraventricularCouplet,
        EventKind::SupraventricularTachycardia,
        EventKind::AtrialFibrillation,
    ];

    /// The stored name (snake case).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Pause => "pause",
            EventKind::VentricularCouplet => "ventricular_couplet",
            EventKind::VentricularTriplet => "ventricular_triplet",
            EventKind::VentricularTachycardia => "ventricular_tachycardia",
            EventKind::IdioventricularRun => "idioventricular_run",
            EventKind::SupraventricularCouplet => "supraventricular_couplet",
            EventKind::SupraventricularTachycardia => "supraventricular_tachycardia",
            EventKind::AtrialFibrillation => "atrial_fibrillation",
        }
    }

    /// The kind stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One event, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolterEvent {
    /// Kind.
    pub kind: EventKind,
    /// Start (s from the recording's start): R before a pause, first beat of a run or episode.
    pub start_s: f64,
    /// End (s): R after a pause, last beat of a run or episode.
    pub end_s: f64,
    /// Beats in a run (None for a pause or an episode).
    pub beats: Option<u64>,
    /// Rate of a run or mean ventricular rate of an episode (bpm).
    pub rate_bpm: Option<f64>,
    /// Index of the run's first beat.
    pub first_beat: Option<u64>,
    /// Free text (e.g. why the event was called).
    pub detail: Option<String>,
}

/// Every beat as parallel arrays (sample indices at [`HolterSummary::fs_hz`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BeatArrays {
    /// QRS fiducial samples, ascending.
    pub fiducial: Vec<u64>,
    /// R-peak samples.
    pub r: Vec<u64>,
    /// Class code bytes (`b'N'`, `b'S'`, `b'V'`, `b'/'`, `b'Q'`).
    pub class: Vec<u8>,
}

impl BeatArrays {
    /// Number of beats.
    pub fn len(&self) -> usize {
        self.fiducial.len()
    }

    /// No beats.
    pub fn is_empty(&self) -> bool {
        self.fiducial.is_empty()
    }
}

/// A whole Holter result, as saved.
#[derive(Debug, Clone, PartialEq)]
pub struct HolterResult {
    /// Summary.
    pub summary: HolterSummary,
    /// Hourly rates.
    pub hourly: Vec<HourRow>,
    /// Per-minute rates.
    pub minutes: Vec<MinuteRow>,
    /// Events in time order.
    pub events: Vec<HolterEvent>,
    /// Every beat.
    pub beats: BeatArrays,
}

/// What [`load`] reads: everything but the beats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HolterOverview {
    /// Summary.
    pub summary: HolterSummary,
    /// Hourly rates.
    pub hourly: Vec<HourRow>,
    /// Per-minute rates.
    pub minutes: Vec<MinuteRow>,
    /// Events in time order.
    pub events: Vec<HolterEvent>,
}

fn arg(field: &'static str, message: String) -> Error {
    Error::Argument { field, message }
}

fn to_i64(field: &'static str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| arg(field, format!("{v} does not fit in i64")))
}

/// Packs one block of beats (see the migration for the layout).
fn pack(fid: &[u64], r: &[u64], class: &[u8], prev_fid: u64) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(fid.len() * 9);
    let mut last = prev_fid;
    for &f in fid {
        let step = f
            .checked_sub(last)
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| {
                arg(
                    "beats.fiducial",
                    format!("not ascending by steps below 2^32: {last} then {f}"),
                )
            })?;
        out.extend_from_slice(&step.to_le_bytes());
        last = f;
    }
    for (&f, &rr) in fid.iter().zip(r) {
        let off = i32::try_from(rr as i128 - f as i128).map_err(|_| {
            arg(
                "beats.r",
                format!("R sample {rr} too far from fiducial {f}"),
            )
        })?;
        out.extend_from_slice(&off.to_le_bytes());
    }
    out.extend_from_slice(class);
    Ok(out)
}

/// Unpacks one block into `out`; `prev_fid` is the block's `first_fiducial`.
fn unpack(packed: &[u8], n: usize, prev_fid: u64, out: &mut BeatArrays) -> Result<()> {
    let corrupt = |m: String| Error::State(format!("holter_beats: {m}"));
    if packed.len() != n * 9 {
        return Err(corrupt(format!(
            "block of {n} beats has {} bytes, expected {}",
            packed.len(),
            n * 9
        )));
    }
    let (steps, rest) = packed.split_at(n * 4);
    let (offs, classes) = rest.split_at(n * 4);
    let mut last = prev_fid;
    for (s, o) in steps.chunks_exact(4).zip(offs.chunks_exact(4)) {
        let step = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        let off = i32::from_le_bytes([o[0], o[1], o[2], o[3]]);
        last = last
            .checked_add(u64::from(step))
            .ok_or_else(|| corrupt("fiducial overflows".into()))?;
        let r = last
            .checked_add_signed(i64::from(off))
            .ok_or_else(|| corrupt(format!("R offset {off} before sample 0")))?;
        out.fiducial.push(last);
        out.r.push(r);
    }
    out.class.extend_from_slice(classes);
    Ok(())
}

/// Deletes the Holter result of a recording (all its rows).
pub async fn delete(conn: &mut Conn, recording_id: i64) -> Result<()> {
    for table in [
        "holter_beats",
        "holter_events",
        "holter_minutes",
        "holter_hourly",
        "holter_beat_counts",
        "holter_results",
    ] {
        query(format!("DELETE FROM {table} WHERE recording_id = ?"))
            .bind(recording_id)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Saves a Holter result, replacing the recording's previous one.
pub async fn save(
    conn: &mut Conn,
    recording_id: i64,
    result: &HolterResult,
    now_ms: i64,
) -> Result<()> {
    let b = &result.beats;
    if b.r.len() != b.len() || b.class.len() != b.len() {
        return Err(arg(
            "beats",
            format!(
                "arrays differ in length: {} fiducials, {} R, {} classes",
                b.len(),
                b.r.len(),
                b.class.len()
            ),
        ));
    }
    delete(conn, recording_id).await?;
    let s = &result.summary;
    query(
        "INSERT INTO holter_results (recording_id, analysis_version, fs_hz, duration_s, chunks, \
             af_burden, representative_start_s, representative_end_s, saved_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(recording_id)
    .bind(&s.analysis_version)
    .bind(s.fs_hz)
    .bind(s.duration_s)
    .bind(i64::from(s.chunks))
    .bind(s.af_burden)
    .bind(s.representative_window_s.0)
    .bind(s.representative_window_s.1)
    .bind(now_ms)
    .execute(conn)
    .await?;
    for (class, n) in &s.counts {
        query("INSERT INTO holter_beat_counts (recording_id, class, beats) VALUES (?, ?, ?)")
            .bind(recording_id)
            .bind(class)
            .bind(to_i64("counts", *n)?)
            .execute(conn)
            .await?;
    }
    for h in &result.hourly {
        query(
            "INSERT INTO holter_hourly (recording_id, hour, beats, min_bpm, mean_bpm, max_bpm) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(recording_id)
        .bind(i64::from(h.hour))
        .bind(to_i64("hourly.beats", h.beats)?)
        .bind(h.min_bpm)
        .bind(h.mean_bpm)
        .bind(h.max_bpm)
        .execute(conn)
        .await?;
    }
    for m in &result.minutes {
        query(
            "INSERT INTO holter_minutes (recording_id, minute, beats, mean_bpm) VALUES (?, ?, ?, ?)",
        )
        .bind(recording_id)
        .bind(i64::from(m.minute))
        .bind(i64::from(m.beats))
        .bind(m.mean_bpm)
        .execute(conn)
        .await?;
    }
    for (seq, e) in result.events.iter().enumerate() {
        query(
            "INSERT INTO holter_events (recording_id, seq, kind, start_s, end_s, beats, rate_bpm, \
                 first_beat, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(recording_id)
        .bind(to_i64("events", seq as u64)?)
        .bind(e.kind.as_str())
        .bind(e.start_s)
        .bind(e.end_s)
        .bind(e.beats.map(|v| to_i64("events.beats", v)).transpose()?)
        .bind(e.rate_bpm)
        .bind(
            e.first_beat
                .map(|v| to_i64("events.first_beat", v))
                .transpose()?,
        )
        .bind(&e.detail)
        .execute(conn)
        .await?;
    }
    let mut prev = 0u64;
    for (block, start) in (0..b.len()).step_by(BEATS_PER_BLOCK).enumerate() {
        let end = (start + BEATS_PER_BLOCK).min(b.len());
        let packed = pack(
            &b.fiducial[start..end],
            &b.r[start..end],
            &b.class[start..end],
            prev,
        )?;
        query(
            "INSERT INTO holter_beats (recording_id, block, first_beat, beats, first_fiducial, packed) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(recording_id)
        .bind(to_i64("beats", block as u64)?)
        .bind(to_i64("beats", start as u64)?)
        .bind(to_i64("beats", (end - start) as u64)?)
        .bind(to_i64("beats.fiducial", prev)?)
        .bind(packed)
        .execute(conn)
        .await?;
        prev = b.fiducial[end - 1];
    }
    Ok(())
}

fn opt_u64(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

/// The Holter result of a recording without its beats (summary, rates, events), if any.
pub async fn load(conn: &mut Conn, recording_id: i64) -> Result<Option<HolterOverview>> {
    let Some(row) = query(
        "SELECT analysis_version, fs_hz, duration_s, chunks, af_burden, representative_start_s, \
             representative_end_s FROM holter_results WHERE recording_id = ?",
    )
    .bind(recording_id)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let counts: Vec<(String, i64)> =
        query("SELECT class, beats FROM holter_beat_counts WHERE recording_id = ? ORDER BY class")
            .bind(recording_id)
            .fetch_all(conn)
            .await?
            .iter()
            .map(|r| Ok((r.at(0)?, r.at(1)?)))
            .collect::<Result<_>>()?;
    let chunks: i64 = row.get("chunks")?;
    let summary = HolterSummary {
        analysis_version: row.get("analysis_version")?,
        fs_hz: row.get("fs_hz")?,
        duration_s: row.get("duration_s")?,
        chunks: u32::try_from(chunks).unwrap_or(0),
        af_burden: row.get("af_burden")?,
        representative_window_s: (
            row.get("representative_start_s")?,
            row.get("representative_end_s")?,
        ),
        counts: counts
            .into_iter()
            .map(|(c, n)| (c, u64::try_from(n).unwrap_or(0)))
            .collect(),
    };
    type Hour = (i64, i64, Option<f64>, Option<f64>, Option<f64>);
    let hourly: Vec<Hour> = query(
        "SELECT hour, beats, min_bpm, mean_bpm, max_bpm FROM holter_hourly \
         WHERE recording_id = ? ORDER BY hour",
    )
    .bind(recording_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| Ok((r.at(0)?, r.at(1)?, r.at(2)?, r.at(3)?, r.at(4)?)))
    .collect::<Result<_>>()?;
    let minutes: Vec<(i64, i64, Option<f64>)> = query(
        "SELECT minute, beats, mean_bpm FROM holter_minutes WHERE recording_id = ? ORDER BY minute",
    )
    .bind(recording_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| Ok((r.at(0)?, r.at(1)?, r.at(2)?)))
    .collect::<Result<_>>()?;
    let rows = query(
        "SELECT kind, start_s, end_s, beats, rate_bpm, first_beat, detail FROM holter_events \
         WHERE recording_id = ? ORDER BY seq",
    )
    .bind(recording_id)
    .fetch_all(conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.get("kind")?;
        events.push(HolterEvent {
            kind: EventKind::parse(&kind)
                .ok_or_else(|| Error::State(format!("holter_events: unknown kind {kind:?}")))?,
            start_s: r.get("start_s")?,
            end_s: r.get("end_s")?,
            beats: opt_u64(r.get("beats")?),
            rate_bpm: r.get("rate_bpm")?,
            first_beat: opt_u64(r.get("first_beat")?),
            detail: r.get("detail")?,
        });
    }
    Ok(Some(HolterOverview {
        summary,
        hourly: hourly
            .into_iter()
            .map(|(hour, beats, min_bpm, mean_bpm, max_bpm)| HourRow {
                hour: u32::try_from(hour).unwrap_or(0),
                beats: u64::try_from(beats).unwrap_or(0),
                min_bpm,
                mean_bpm,
                max_bpm,
            })
            .collect(),
        minutes: minutes
            .into_iter()
            .map(|(minute, beats, mean_bpm)| MinuteRow {
                minute: u32::try_from(minute).unwrap_or(0),
                beats: u32::try_from(beats).unwrap_or(0),
                mean_bpm,
            })
            .collect(),
        events,
    }))
}

/// Every beat of the recording's Holter result (empty when there is none).
pub async fn beats(conn: &mut Conn, recording_id: i64) -> Result<BeatArrays> {
    let blocks: Vec<(i64, i64, i64, Vec<u8>)> = query(
        "SELECT first_beat, beats, first_fiducial, packed FROM holter_beats \
         WHERE recording_id = ? ORDER BY block",
    )
    .bind(recording_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| Ok((r.at(0)?, r.at(1)?, r.at(2)?, r.at(3)?)))
    .collect::<Result<_>>()?;
    let total: usize = blocks
        .iter()
        .map(|b| usize::try_from(b.1).unwrap_or(0))
        .sum();
    let mut out = BeatArrays {
        fiducial: Vec::with_capacity(total),
        r: Vec::with_capacity(total),
        class: Vec::with_capacity(total),
    };
    for (first_beat, n, first_fid, packed) in blocks {
        if usize::try_from(first_beat).ok() != Some(out.len()) {
            return Err(Error::State(format!(
                "holter_beats: block starting at beat {first_beat} follows {} beats",
                out.len()
            )));
        }
        let n = usize::try_from(n)
            .map_err(|_| Error::State(format!("holter_beats: block of {n} beats")))?;
        let first = u64::try_from(first_fid)
            .map_err(|_| Error::State(format!("holter_beats: first fiducial {first_fid}")))?;
        unpack(&packed, n, first, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_packs_and_unpacks_to_the_same_beats() {
        let fid = [1000u64, 1300, 1601, 5_000_000];
        let r = [1004u64, 1290, 1601, 4_999_990];
        let class = *b"NVSQ";
        let packed = pack(&fid, &r, &class, 900).unwrap();
        assert_eq!(packed.len(), 4 * 9);
        let mut out = BeatArrays::default();
        unpack(&packed, 4, 900, &mut out).unwrap();
        assert_eq!(out.fiducial, fid);
        assert_eq!(out.r, r);
        assert_eq!(out.class, class);
    }

    #[test]
    fn descending_fiducials_are_refused_and_short_blobs_are_corrupt() {
        assert!(matches!(
            pack(&[10, 5], &[10, 5], b"NN", 0),
            Err(Error::Argument {
                field: "beats.fiducial",
                ..
            })
        ));
        let mut out = BeatArrays::default();
        assert!(matches!(
            unpack(&[0; 17], 2, 0, &mut out),
            Err(Error::State(_))
        ));
    }

    #[test]
    fn event_kinds_round_trip_their_stored_names() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(EventKind::parse("asystole"), None);
    }
}

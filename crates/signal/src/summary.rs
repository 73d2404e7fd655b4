//! The analysis summary that front ends print as JSON: `heartlens analyze --json` and the Python
//! package's `Recording.analyze()` serialise the same [`Summary`], so both give the same keys
//! and numbers.
//!
//! Owns the choice between a whole-recording analysis and the streamed Holter analysis
//! ([`summarize`], by duration) and the JSON shape. It does not own printing, progress display
//! or exit codes (the front ends do).
//!
//! The JSON shape is a contract (tests and tools rely on it; `null` where not found):
//! `{"measurements": {"hr_bpm", "rr_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms": {"bazett",
//! "fridericia", "framingham", "hodges"}, "axis_deg": {"p", "qrs", "t"}}, "statements":
//! [{"text", "criterion", "evidence": {"leads", "beat_times_s"}}], "beats": [{"r_s",
//! "class"}], "waves": {"<lead>": [{"kind": "P|QRS|T", "onset_s", "peak_s", "offset_s"}]}}`
//! (a lead name that repeats is keyed "<lead> (2)", "<lead> (3)" in recording order). Times
//! are seconds from the start of the recording, rounded to the microsecond; a statement's
//! evidence names the leads and the beats (their R times) it rests on, both empty when it
//! names none; `class` is normal, supraventricular, ventricular, paced or unknown. A
//! recording analysed as a Holter adds a `holter` key: [`holter::Holter`] flattened, plus
//! `rr_ms`, the RR interval before each of `beats` (`null` for the first). A channel the
//! analysis leaves out (another signal by its name, not in volts, or an ECG lead it could not
//! join for its rate) adds `"not_analysed": [{"lead", "reason"}]`.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use ecg::{Recording, WaveKind};
use serde::Serialize;

use crate::holter::{self, HolterOptions, Progress};
use crate::{Analysis, AnalysisOptions, BeatClass, Error};

/// How [`summarize`] analyses a recording.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    /// Options of the (per-window) analysis.
    pub analysis: AnalysisOptions,
    /// Recordings longer than this (seconds) are analysed chunk by chunk as a Holter.
    pub holter_min_s: f64,
    /// Options of the streamed Holter analysis.
    pub holter: HolterOptions,
}

impl Default for SummaryOptions {
    /// The defaults of `heartlens analyze`: diagnostic band, 50 Hz mains, Holter from 600 s.
    fn default() -> Self {
        Self {
            analysis: AnalysisOptions::default(),
            holter_min_s: 600.0,
            holter: HolterOptions::default(),
        }
    }
}

/// Analyses `rec` (streamed as a Holter when longer than [`SummaryOptions::holter_min_s`]) and
/// returns the full [`Analysis`] with its [`Summary`]. `progress` only hears from the Holter path.
pub fn summarize(
    rec: &Recording,
    opts: &SummaryOptions,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &AtomicBool,
) -> Result<(Analysis, Summary), Error> {
    let (a, mut summary) = if rec.duration_s() > opts.holter_min_s {
        let s = holter::analyze_streamed(rec, &opts.analysis, &opts.holter, progress, cancel)?;
        let summary = Summary::new(&s.analysis, Some(s.holter));
        (s.analysis, summary)
    } else {
        let a = crate::analyze_cancellable(rec, &opts.analysis, cancel)?;
        let summary = Summary::new(&a, None);
        (a, summary)
    };
    summary.not_analysed = not_analysed(rec, &opts.analysis);
    Ok((a, summary))
}

/// What `heartlens analyze --json` prints (see the module doc for the shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Global measurements.
    pub measurements: SummaryMeasurements,
    /// Interpretation statements.
    pub statements: Vec<SummaryStatement>,
    /// Beats in time order.
    pub beats: Vec<SummaryBeat>,
    /// Waves per lead name.
    pub waves: BTreeMap<String, Vec<SummaryWave>>,
    /// Holter outputs, for recordings analysed as a Holter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holter: Option<SummaryHolter>,
    /// Channels of the recording the analysis leaves out, with why
    /// ([`crate::left_out_channels`]); set by [`summarize`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_analysed: Vec<SummaryNotAnalysed>,
}

/// A channel the analysis left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryNotAnalysed {
    /// The lead's name.
    pub lead: String,
    /// Why ("respiration, not an ECG lead", "sampled at 250.1 Hz, which no ratio ...").
    pub reason: String,
}

/// The channels of `rec` that the analysis with `opts` leaves out, with why
/// ([`crate::left_out_channels`]).
fn not_analysed(rec: &Recording, opts: &AnalysisOptions) -> Vec<SummaryNotAnalysed> {
    rec.leads
        .iter()
        .zip(crate::left_out_channels(rec, opts))
        .filter_map(|(l, why)| {
            Some(SummaryNotAnalysed {
                lead: l.label.name().to_string(),
                reason: why?,
            })
        })
        .collect()
}

/// Holter outputs plus the RR interval before each beat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryHolter {
    /// The Holter outputs (flattened into this object).
    #[serde(flatten)]
    pub holter: holter::Holter,
    /// RR interval before each beat in ms (rounded to the microsecond), `None` for the first.
    pub rr_ms: Vec<Option<f64>>,
}

/// Global measurements, `None` where not found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryMeasurements {
    /// Heart rate (bpm).
    pub hr_bpm: Option<f64>,
    /// RR interval (ms).
    pub rr_ms: Option<f64>,
    /// PR interval (ms).
    pub pr_ms: Option<f64>,
    /// QRS duration (ms).
    pub qrs_ms: Option<f64>,
    /// QT interval (ms).
    pub qt_ms: Option<f64>,
    /// QTc by formula (ms).
    pub qtc_ms: SummaryQtc,
    /// Frontal axes (degrees).
    pub axis_deg: SummaryAxis,
}

/// QTc by formula, in ms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryQtc {
    /// Bazett.
    pub bazett: Option<f64>,
    /// Fridericia.
    pub fridericia: Option<f64>,
    /// Framingham.
    pub framingham: Option<f64>,
    /// Hodges.
    pub hodges: Option<f64>,
}

/// Frontal-plane axes, in degrees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryAxis {
    /// P axis.
    pub p: Option<f64>,
    /// QRS axis.
    pub qrs: Option<f64>,
    /// T axis.
    pub t: Option<f64>,
}

/// One interpretation statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryStatement {
    /// The worded statement.
    pub text: String,
    /// The criterion it rests on.
    pub criterion: Option<String>,
    /// The leads and beats it rests on.
    pub evidence: SummaryEvidence,
}

/// The leads and beats a statement rests on, as the viewer highlights them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryEvidence {
    /// Lead names (empty: every lead, or none in particular).
    pub leads: Vec<String>,
    /// R times (s) of the beats (empty: every beat, or the median beat).
    pub beat_times_s: Vec<f64>,
}

impl SummaryEvidence {
    /// Statement `s`'s evidence in names and times: its leads' names, its beats' R times in
    /// `a` (rounded to the microsecond).
    pub fn of(a: &Analysis, s: &ecg::Statement) -> Self {
        Self {
            leads: s
                .evidence
                .leads
                .iter()
                .map(|l| l.name().to_string())
                .collect(),
            beat_times_s: a
                .beat_times_s(&s.evidence.beats)
                .into_iter()
                .map(round_s)
                .collect(),
        }
    }

    /// [`evidence_text`] of these leads and beats.
    pub fn text(&self) -> Option<String> {
        let leads: Vec<&str> = self.leads.iter().map(String::as_str).collect();
        evidence_text(&leads, &self.beat_times_s)
    }
}

/// Most beat times [`evidence_text`] lists.
pub const EVIDENCE_MAX_TIMES: usize = 8;

/// "evidence: leads V1, V6; beats at 3.80, 4.40 s": the leads and beats (R times, s) a
/// statement rests on, at most [`EVIDENCE_MAX_TIMES`] times, then how many in all; `None`
/// when it names neither. The CLI prints it under each statement; the report cites it.
pub fn evidence_text(leads: &[&str], beat_times_s: &[f64]) -> Option<String> {
    let mut parts = Vec::new();
    if !leads.is_empty() {
        let word = if leads.len() == 1 { "lead" } else { "leads" };
        parts.push(format!("{word} {}", leads.join(", ")));
    }
    if !beat_times_s.is_empty() {
        let shown: Vec<String> = beat_times_s
            .iter()
            .take(EVIDENCE_MAX_TIMES)
            .map(|t| format!("{t:.2}"))
            .collect();
        let word = if beat_times_s.len() == 1 {
            "beat"
        } else {
            "beats"
        };
        let more = if beat_times_s.len() > EVIDENCE_MAX_TIMES {
            format!(", ... ({} in all)", beat_times_s.len())
        } else {
            String::new()
        };
        parts.push(format!("{word} at {} s{more}", shown.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("evidence: {}", parts.join("; ")))
}

/// One beat.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryBeat {
    /// R time in seconds from the start.
    pub r_s: f64,
    /// Beat class.
    pub class: BeatClass,
}

/// One wave of one lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryWave {
    /// `P`, `QRS`, `T` or `U`.
    pub kind: &'static str,
    /// Onset in seconds.
    pub onset_s: Option<f64>,
    /// Peak in seconds.
    pub peak_s: Option<f64>,
    /// Offset in seconds.
    pub offset_s: Option<f64>,
}

/// Rounds seconds to the microsecond so JSON does not show float noise.
fn round_s(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn wave_kind(kind: WaveKind) -> &'static str {
    match kind {
        WaveKind::P => "P",
        WaveKind::Qrs => "QRS",
        WaveKind::T => "T",
        WaveKind::U => "U",
    }
}

impl Summary {
    /// The summary of an analysis (and of its Holter outputs, if it was streamed).
    pub fn new(a: &Analysis, holter: Option<holter::Holter>) -> Self {
        let m = &a.measurements;
        let fs = a.fs_hz;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let waves = a
            .waves
            .iter()
            .map(|lw| {
                let v = lw
                    .waves
                    .iter()
                    .map(|w| SummaryWave {
                        kind: wave_kind(w.kind),
                        onset_s: w.onset_s(fs).map(round_s),
                        peak_s: w.peak_s(fs).map(round_s),
                        offset_s: w.offset_s(fs).map(round_s),
                    })
                    .collect();
                // Two channels of one name (SVDB's "ECG", "ECG") keep a key each.
                let name = lw.lead.name().to_string();
                let n = seen.entry(name.clone()).or_insert(0);
                *n += 1;
                let key = if *n == 1 {
                    name
                } else {
                    format!("{name} ({n})")
                };
                (key, v)
            })
            .collect();
        let holter = holter.map(|h| SummaryHolter {
            holter: h,
            rr_ms: a
                .beats
                .iter()
                .map(|b| b.rr_ms.map(|v| (v * 1000.0).round() / 1000.0))
                .collect(),
        });
        Self {
            measurements: SummaryMeasurements {
                hr_bpm: m.hr.map(|v| v.0),
                rr_ms: m.rr.map(|v| v.0),
                pr_ms: m.pr.map(|v| v.0),
                qrs_ms: m.qrs.map(|v| v.0),
                qt_ms: m.qt.map(|v| v.0),
                qtc_ms: SummaryQtc {
                    bazett: m.qtc.bazett.map(|v| v.0),
                    fridericia: m.qtc.fridericia.map(|v| v.0),
                    framingham: m.qtc.framingham.map(|v| v.0),
                    hodges: m.qtc.hodges.map(|v| v.0),
                },
                axis_deg: SummaryAxis {
                    p: m.axis.p.map(|v| v.0),
                    qrs: m.axis.qrs.map(|v| v.0),
                    t: m.axis.t.map(|v| v.0),
                },
            },
            statements: a
                .statements
                .iter()
                .map(|s| SummaryStatement {
                    text: s.text.clone(),
                    criterion: s.criterion.clone(),
                    evidence: SummaryEvidence::of(a, s),
                })
                .collect(),
            beats: a
                .beats
                .iter()
                .map(|b| SummaryBeat {
                    r_s: round_s(b.r_s),
                    class: b.class,
                })
                .collect(),
            waves,
            holter,
            not_analysed: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Lead, Signal, Unit};

    /// A 10-s lead II of 1-mV narrow R waves (Gaussian, SD 8 ms) at 75 bpm on a flat line.
    /// (Flat 8-ms pulses were beats only through what clipping them as pacing stimuli left.)
    fn narrow_beats() -> Recording {
        let fs = 500.0;
        let samples: Vec<f32> = (0..5000)
            .map(|i| {
                let d = ((i % 400) as f64 - 200.0) / 4.0;
                (-0.5 * d * d).exp() as f32
            })
            .collect();
        Recording::new(vec![Lead::new(
            "II",
            fs,
            Unit::Millivolt,
            Signal::from_physical(samples),
        )])
    }

    #[test]
    fn summary_rounds_beat_times_to_the_microsecond_and_has_no_holter_key_when_short() {
        let rec = narrow_beats();
        let (a, s) = summarize(
            &rec,
            &SummaryOptions::default(),
            &|_| {},
            &AtomicBool::new(false),
        )
        .expect("analysis of a clean synthetic lead");
        assert!(
            s.beats.len() >= 10,
            "12 spikes in 10 s, found {}",
            s.beats.len()
        );
        assert_eq!(s.beats.len(), a.beats.len());
        for (b, out) in a.beats.iter().zip(&s.beats) {
            assert!((b.r_s - out.r_s).abs() <= 0.5e-6);
            assert_eq!(out.r_s, round_s(out.r_s));
        }
        assert!(s.holter.is_none());
        assert_eq!(s, Summary::new(&a, None));
    }

    #[test]
    fn two_channels_of_one_name_keep_their_waves_apart() {
        // A Holter's two channels both named "ECG" (SVDB 800): one key each, not one lost.
        let mut rec = narrow_beats();
        let mut second = rec.leads[0].clone();
        second.label = ecg::LeadLabel::Other("ECG".into());
        rec.leads[0].label = ecg::LeadLabel::Other("ECG".into());
        rec.leads.push(second);
        let (_, s) = summarize(
            &rec,
            &SummaryOptions::default(),
            &|_| {},
            &AtomicBool::new(false),
        )
        .expect("analysis");
        let keys: Vec<&str> = s.waves.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ECG", "ECG (2)"]);
        assert_eq!(s.waves["ECG"], s.waves["ECG (2)"]);
    }
}

//! Where the analysis' statements and measurements come from, in terms the tracing can show:
//! the leads and beat times each statement rests on ([`statement_evidence`]), and where each
//! global interval was measured ([`measurement_calipers`]). The app draws them as transient
//! highlights over its frame; nothing here is stored.
//!
//! The app shows the file's median beats, not the analysis' ones, so calipers are placed on
//! the first conducted (normal) beat of the rhythm with that beat's global wave boundaries
//! (`Analysis::global_waves`), and carry the median-beat value the table reports beside the
//! value on that beat.

use ecg::WaveKind;
use serde::Serialize;
use signal::{Analysis, BeatClass, Wave};

use crate::review::statement_code;

/// The leads and beats one analysis statement rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementEvidence {
    /// The statement's code in the store ([`statement_code`] of its text).
    pub code: String,
    /// Lead names the criterion was met in (empty: not lead-specific).
    pub leads: Vec<String>,
    /// R-peak times of the beats it rests on, in seconds from the recording start (empty:
    /// every beat, or the median beat).
    pub beat_times_s: Vec<f64>,
}

/// The evidence of every analysis statement that names leads or beats.
pub fn statement_evidence(analysis: &Analysis) -> Vec<StatementEvidence> {
    analysis
        .statements
        .iter()
        .filter(|s| !s.evidence.is_empty())
        .map(|s| {
            let e = signal::summary::SummaryEvidence::of(analysis, s);
            StatementEvidence {
                code: statement_code(&s.text),
                leads: e.leads,
                beat_times_s: e.beat_times_s,
            }
        })
        .collect()
}

/// Where a global interval was measured: a caliper from `start_s` to `end_s` on beat `beat`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasurementCaliper {
    /// The measurement's stored name (`pr_ms`, `qrs_ms`, `qt_ms`, `qtc_ms`, `rr_ms`, `hr_bpm`).
    pub name: &'static str,
    /// What the caliper spans, e.g. "QRS onset to T offset".
    pub span: &'static str,
    /// Index of the beat in the analysis' beats.
    pub beat: usize,
    /// Start, seconds from the recording start.
    pub start_s: f64,
    /// End, seconds from the recording start.
    pub end_s: f64,
    /// The interval on this beat, ms.
    pub beat_ms: f64,
    /// The same interval on the median beat (what the table reports before rate correction),
    /// ms, when the median beat has both boundaries.
    pub median_ms: Option<f64>,
}

/// Which boundaries an interval runs between: (wave, onset?) at each end, or the R peaks of
/// consecutive beats (`None`).
type Span = Option<((WaveKind, bool), (WaveKind, bool))>;

const SPANS: [(&str, &str, Span); 6] = [
    ("hr_bpm", "R to R", None),
    ("rr_ms", "R to R", None),
    (
        "pr_ms",
        "P onset to QRS onset",
        Some(((WaveKind::P, true), (WaveKind::Qrs, true))),
    ),
    (
        "qrs_ms",
        "QRS onset to QRS offset",
        Some(((WaveKind::Qrs, true), (WaveKind::Qrs, false))),
    ),
    (
        "qt_ms",
        "QRS onset to T offset",
        Some(((WaveKind::Qrs, true), (WaveKind::T, false))),
    ),
    (
        "qtc_ms",
        "QRS onset to T offset",
        Some(((WaveKind::Qrs, true), (WaveKind::T, false))),
    ),
];

/// The sample of a boundary among `waves` of one beat (`beat` = `None` for the median beat).
fn boundary(waves: &[Wave], beat: Option<usize>, (kind, onset): (WaveKind, bool)) -> Option<usize> {
    waves
        .iter()
        .filter(|w| w.kind == kind && beat.is_none_or(|b| w.beat == b))
        .find_map(|w| {
            if onset {
                w.onset_sample
            } else {
                w.offset_sample
            }
        })
}

/// One caliper per interval measurement (HR and RR included), each on the first normal beat
/// that has both its boundaries. Measurements the analysis could not place are left out.
pub fn measurement_calipers(analysis: &Analysis) -> Vec<MeasurementCaliper> {
    let fs = analysis.fs_hz;
    if !(fs.is_finite() && fs > 0.0) {
        return Vec::new();
    }
    let ms = |a: usize, b: usize| (b as f64 - a as f64) * 1000.0 / fs;
    // The median beat's waves are at its own rate.
    let fs_median = analysis.median_fs_hz();
    let median_ms = |a: usize, b: usize| (b as f64 - a as f64) * 1000.0 / fs_median;
    let normal = |i: &usize| {
        analysis
            .beats
            .get(*i)
            .is_some_and(|b| b.class == BeatClass::Normal)
    };
    let mut out = Vec::new();
    for (name, span, ends) in SPANS {
        let found = match ends {
            None => (0..analysis.beats.len().saturating_sub(1))
                .filter(normal)
                .find_map(|i| {
                    let (a, b) = (analysis.beats.get(i)?, analysis.beats.get(i + 1)?);
                    Some((i, a.r_sample, b.r_sample, None))
                }),
            Some((from, to)) => {
                let median = match (
                    boundary(&analysis.median_waves, None, from),
                    boundary(&analysis.median_waves, None, to),
                ) {
                    (Some(a), Some(b)) if b > a => Some(median_ms(a, b)),
                    _ => None,
                };
                (0..analysis.beats.len()).filter(normal).find_map(|i| {
                    let a = boundary(&analysis.global_waves, Some(i), from)?;
                    let b = boundary(&analysis.global_waves, Some(i), to)?;
                    (b > a).then_some((i, a, b, median))
                })
            }
        };
        if let Some((beat, a, b, median_ms)) = found {
            out.push(MeasurementCaliper {
                name,
                span,
                beat,
                start_s: a as f64 / fs,
                end_s: b as f64 / fs,
                beat_ms: ms(a, b),
                median_ms,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Evidence, LeadLabel, Statement, StatementState};
    use signal::Beat;

    fn beat(r_sample: usize, class: BeatClass) -> Beat {
        Beat {
            fiducial_sample: r_sample,
            r_sample,
            r_s: r_sample as f64 / 500.0,
            class,
            rr_ms: None,
        }
    }

    fn wave(kind: WaveKind, beat: usize, on: usize, off: usize) -> Wave {
        Wave {
            kind,
            beat,
            onset_sample: Some(on),
            peak_sample: None,
            offset_sample: Some(off),
        }
    }

    fn analysis() -> Analysis {
        let mut a = Analysis {
            fs_hz: 500.0,
            n_samples: 2000,
            leads: LeadLabel::STANDARD_12.to_vec(),
            beats: Vec::new(),
            waves: Vec::new(),
            global_waves: Vec::new(),
            measurements: ecg::Measurements::default(),
            amplitudes: Vec::new(),
            medians: Vec::new(),
            median_waves: Vec::new(),
            statements: Vec::new(),
            filter: signal::FilterChain::default(),
            filter_band: String::new(),
            analysis_band: String::new(),
            atrial_fibrillation: false,
            atrial_flutter: false,
            analysed_s: 4.0,
        };
        a.fs_hz = 500.0;
        a.beats = vec![
            beat(200, BeatClass::Ventricular),
            beat(600, BeatClass::Normal),
            beat(1000, BeatClass::Normal),
        ];
        a.global_waves = vec![
            wave(WaveKind::Qrs, 0, 180, 260),
            wave(WaveKind::T, 0, 300, 420),
            wave(WaveKind::P, 1, 500, 550),
            wave(WaveKind::Qrs, 1, 580, 625),
            wave(WaveKind::T, 1, 700, 780),
        ];
        a.median_waves = vec![
            wave(WaveKind::P, 0, 10, 60),
            wave(WaveKind::Qrs, 0, 90, 135),
            wave(WaveKind::T, 0, 210, 292),
        ];
        a.statements = vec![
            Statement {
                text: "Ventricular premature complexes".into(),
                criterion: None,
                state: StatementState::Suggested,
                evidence: Evidence {
                    leads: vec![LeadLabel::V1, LeadLabel::II],
                    beats: vec![0, 7],
                },
            },
            Statement::from_device("Sinus rhythm"),
        ];
        a
    }

    #[test]
    fn statements_name_their_leads_and_beat_times() {
        let e = statement_evidence(&analysis());
        assert_eq!(e.len(), 1, "statements without evidence are left out");
        assert_eq!(e[0].code, "ventricular_premature_complexes");
        assert_eq!(e[0].leads, ["V1", "II"]);
        assert_eq!(e[0].beat_times_s, [0.4], "beat 7 does not exist");
    }

    #[test]
    fn calipers_sit_on_the_first_normal_beat() {
        let c = measurement_calipers(&analysis());
        let by = |n: &str| c.iter().find(|c| c.name == n).unwrap();
        let qt = by("qt_ms");
        assert_eq!(qt.beat, 1, "the ventricular beat 0 is skipped");
        assert!((qt.start_s - 1.16).abs() < 1e-9 && (qt.end_s - 1.56).abs() < 1e-9);
        assert!((qt.beat_ms - 400.0).abs() < 1e-9);
        assert!((qt.median_ms.unwrap() - 404.0).abs() < 1e-9);
        let pr = by("pr_ms");
        assert!((pr.beat_ms - 160.0).abs() < 1e-9 && pr.span.starts_with("P onset"));
        assert!((by("qrs_ms").beat_ms - 90.0).abs() < 1e-9);
        let rr = by("rr_ms");
        assert_eq!((rr.beat, rr.beat_ms), (1, 800.0));
        assert_eq!(rr.median_ms, None);
        assert_eq!(by("qtc_ms").start_s, qt.start_s);
    }
}

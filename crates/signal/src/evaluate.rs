//! Accuracy evaluation against reference marks: wave delineation (per lead, per wave type:
//! sensitivity, positive predictive value, mean ± SD of onset/peak/offset errors) and beat
//! detection (Se/PPV against a beat annotation file).
//!
//! Matching follows the usual delineation protocol (Martínez et al. 2004, IEEE TBME 51:570;
//! Kalyakulina et al. 2020 for LUDB): a detected wave matches a reference wave of the same
//! kind in the same lead when their peaks are within the tolerance (150 ms), each used once,
//! closest pairs first. LUDB marks a stretch of each lead that starts and ends on a QRS and
//! leaves the waves outside it unmarked (the P before the first marked QRS, the T after the
//! last), so a detection counts when it matched a reference wave (its centre within the
//! tolerance of the stretch) or, unmatched, when its centre lies inside the stretch (first
//! reference onset to last reference offset). Errors are detected minus reference, in ms.

use std::fmt;

use ecg::{Annotation, AnnotationKind, LeadLabel, WaveKind, WavePoint};

use crate::analyze::Analysis;

/// A wave with its three points in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedWave {
    /// Lead (None = global).
    pub lead: Option<LeadLabel>,
    /// Kind.
    pub kind: WaveKind,
    /// Onset (s).
    pub onset_s: Option<f64>,
    /// Peak (s).
    pub peak_s: Option<f64>,
    /// Offset (s).
    pub offset_s: Option<f64>,
}

impl MarkedWave {
    /// Peak, or the middle of onset and offset.
    fn centre(&self) -> Option<f64> {
        self.peak_s.or(match (self.onset_s, self.offset_s) {
            (Some(a), Some(b)) => Some(0.5 * (a + b)),
            _ => None,
        })
    }
}

/// Groups wave fiducial annotations (onset, peak, offset per lead, as WFDB/LUDB write them)
/// into waves.
pub fn reference_waves(annotations: &[Annotation]) -> Vec<MarkedWave> {
    let mut sorted: Vec<&Annotation> = annotations
        .iter()
        .filter(|a| matches!(a.kind, AnnotationKind::Wave { .. }))
        .collect();
    sorted.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    let mut leads: Vec<Option<LeadLabel>> = Vec::new();
    for a in &sorted {
        if !leads.contains(&a.lead) {
            leads.push(a.lead.clone());
        }
    }
    let mut out = Vec::new();
    for lead in leads {
        let mut open: Option<MarkedWave> = None;
        for a in sorted.iter().filter(|a| a.lead == lead) {
            let AnnotationKind::Wave { wave, point } = a.kind else {
                continue;
            };
            match point {
                WavePoint::Onset => {
                    if let Some(w) = open.take() {
                        out.push(w);
                    }
                    open = Some(MarkedWave {
                        lead: lead.clone(),
                        kind: wave,
                        onset_s: Some(a.onset_s),
                        peak_s: None,
                        offset_s: None,
                    });
                }
                WavePoint::Peak => match open.as_mut() {
                    Some(w) if w.peak_s.is_none() => {
                        w.kind = wave;
                        w.peak_s = Some(a.onset_s);
                    }
                    _ => {
                        if let Some(w) = open.take() {
                            out.push(w);
                        }
                        open = Some(MarkedWave {
                            lead: lead.clone(),
                            kind: wave,
                            onset_s: None,
                            peak_s: Some(a.onset_s),
                            offset_s: None,
                        });
                    }
                },
                WavePoint::Offset => {
                    if let Some(mut w) = open.take() {
                        w.offset_s = Some(a.onset_s);
                        out.push(w);
                    }
                }
            }
        }
        if let Some(w) = open.take() {
            out.push(w);
        }
    }
    out
}

/// The analysis' per-lead waves as [`MarkedWave`]s.
pub fn analysis_waves(a: &Analysis) -> Vec<MarkedWave> {
    a.waves
        .iter()
        .flat_map(|lw| {
            lw.waves.iter().map(|w| MarkedWave {
                lead: Some(lw.lead.clone()),
                kind: w.kind,
                onset_s: w.onset_s(a.fs_hz),
                peak_s: w.peak_s(a.fs_hz),
                offset_s: w.offset_s(a.fs_hz),
            })
        })
        .collect()
}

/// The analysis' global (all-lead) waves per beat as [`MarkedWave`]s without a lead.
pub fn analysis_global_waves(a: &Analysis) -> Vec<MarkedWave> {
    a.global_waves
        .iter()
        .map(|w| MarkedWave {
            lead: None,
            kind: w.kind,
            onset_s: w.onset_s(a.fs_hz),
            peak_s: w.peak_s(a.fs_hz),
            offset_s: w.offset_s(a.fs_hz),
        })
        .collect()
}

/// Global reference waves from per-lead marks, as a cart defines its global boundaries: the
/// marks of one wave in the different leads (same kind, centres within `cluster_s` of the
/// first one's) form one global wave with the earliest onset, the median peak and the latest
/// offset; waves marked in fewer than `min_leads` leads are left out.
pub fn global_reference_waves(
    per_lead: &[MarkedWave],
    cluster_s: f64,
    min_leads: usize,
) -> Vec<MarkedWave> {
    let mut out = Vec::new();
    for kind in [WaveKind::P, WaveKind::Qrs, WaveKind::T] {
        let mut waves: Vec<(&MarkedWave, f64)> = per_lead
            .iter()
            .filter(|w| w.kind == kind && w.lead.is_some())
            .filter_map(|w| Some((w, w.centre()?)))
            .collect();
        waves.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut i = 0;
        while i < waves.len() {
            let first = waves[i].1;
            let mut j = i;
            while j < waves.len() && waves[j].1 - first <= cluster_s {
                j += 1;
            }
            let cluster = &waves[i..j];
            let mut leads: Vec<&Option<LeadLabel>> = Vec::new();
            for (w, _) in cluster {
                if !leads.contains(&&w.lead) {
                    leads.push(&w.lead);
                }
            }
            if leads.len() >= min_leads {
                let mut peaks: Vec<f64> = cluster.iter().filter_map(|(w, _)| w.peak_s).collect();
                peaks.sort_by(f64::total_cmp);
                out.push(MarkedWave {
                    lead: None,
                    kind,
                    onset_s: cluster
                        .iter()
                        .filter_map(|(w, _)| w.onset_s)
                        .min_by(f64::total_cmp),
                    peak_s: (!peaks.is_empty()).then(|| peaks[peaks.len() / 2]),
                    offset_s: cluster
                        .iter()
                        .filter_map(|(w, _)| w.offset_s)
                        .max_by(f64::total_cmp),
                });
            }
            i = j;
        }
    }
    out
}

/// Running mean/SD of errors in ms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorStats {
    /// Errors in ms (detected - reference).
    pub errors_ms: Vec<f64>,
}

impl ErrorStats {
    /// Number of errors.
    pub fn n(&self) -> usize {
        self.errors_ms.len()
    }
    /// Mean error (ms).
    pub fn mean(&self) -> f64 {
        if self.errors_ms.is_empty() {
            return f64::NAN;
        }
        self.errors_ms.iter().sum::<f64>() / self.n() as f64
    }
    /// Sample SD (ms).
    pub fn sd(&self) -> f64 {
        let n = self.n();
        if n < 2 {
            return f64::NAN;
        }
        let m = self.mean();
        (self.errors_ms.iter().map(|e| (e - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    }
}

/// Results for one wave type.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveScore {
    /// Wave type.
    pub kind: WaveKind,
    /// Reference waves.
    pub n_reference: usize,
    /// Detected waves inside the annotated stretches.
    pub n_detected: usize,
    /// Matched pairs.
    pub true_positives: usize,
    /// Onset errors.
    pub onset: ErrorStats,
    /// Peak errors.
    pub peak: ErrorStats,
    /// Offset errors.
    pub offset: ErrorStats,
}

impl WaveScore {
    fn new(kind: WaveKind) -> Self {
        Self {
            kind,
            n_reference: 0,
            n_detected: 0,
            true_positives: 0,
            onset: ErrorStats::default(),
            peak: ErrorStats::default(),
            offset: ErrorStats::default(),
        }
    }
    /// Sensitivity TP / reference.
    pub fn sensitivity(&self) -> f64 {
        self.true_positives as f64 / self.n_reference.max(1) as f64
    }
    /// Positive predictive value TP / detected.
    pub fn ppv(&self) -> f64 {
        self.true_positives as f64 / self.n_detected.max(1) as f64
    }
    /// Adds another score of the same kind.
    pub fn merge(&mut self, o: &WaveScore) {
        self.n_reference += o.n_reference;
        self.n_detected += o.n_detected;
        self.true_positives += o.true_positives;
        self.onset.errors_ms.extend_from_slice(&o.onset.errors_ms);
        self.peak.errors_ms.extend_from_slice(&o.peak.errors_ms);
        self.offset.errors_ms.extend_from_slice(&o.offset.errors_ms);
    }
}

/// Scores for P, QRS and T.
#[derive(Debug, Clone, PartialEq)]
pub struct DelineationReport {
    /// One entry per wave type (P, QRS, T).
    pub waves: Vec<WaveScore>,
}

impl DelineationReport {
    /// The score of one wave type.
    pub fn get(&self, kind: WaveKind) -> Option<&WaveScore> {
        self.waves.iter().find(|w| w.kind == kind)
    }
    /// Adds another report (e.g. another record).
    pub fn merge(&mut self, o: &DelineationReport) {
        for w in &o.waves {
            if let Some(mine) = self.waves.iter_mut().find(|m| m.kind == w.kind) {
                mine.merge(w);
            } else {
                self.waves.push(w.clone());
            }
        }
    }
    /// An empty report for P, QRS and T.
    pub fn empty() -> Self {
        Self {
            waves: [WaveKind::P, WaveKind::Qrs, WaveKind::T]
                .into_iter()
                .map(WaveScore::new)
                .collect(),
        }
    }
}

fn fmt_stat(s: &ErrorStats) -> String {
    if s.n() == 0 {
        "-".into()
    } else {
        format!("{:+.1} ± {:.1}", s.mean(), s.sd())
    }
}

impl fmt::Display for DelineationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<4} {:>6} {:>6} {:>6} {:>7} {:>7} {:>16} {:>16} {:>16}",
            "wave", "ref", "det", "TP", "Se%", "PPV%", "onset ms", "peak ms", "offset ms"
        )?;
        for w in &self.waves {
            writeln!(
                f,
                "{:<4} {:>6} {:>6} {:>6} {:>7.2} {:>7.2} {:>16} {:>16} {:>16}",
                format!("{:?}", w.kind),
                w.n_reference,
                w.n_detected,
                w.true_positives,
                100.0 * w.sensitivity(),
                100.0 * w.ppv(),
                fmt_stat(&w.onset),
                fmt_stat(&w.peak),
                fmt_stat(&w.offset)
            )?;
        }
        Ok(())
    }
}

/// Scores `detected` against `reference` (both may hold several leads) for P, QRS and T.
pub fn evaluate_delineation(
    reference: &[MarkedWave],
    detected: &[MarkedWave],
    tolerance_s: f64,
) -> DelineationReport {
    let mut report = DelineationReport::empty();
    let mut leads: Vec<Option<LeadLabel>> = Vec::new();
    for r in reference {
        if !leads.contains(&r.lead) {
            leads.push(r.lead.clone());
        }
    }
    for lead in &leads {
        let refs: Vec<&MarkedWave> = reference.iter().filter(|w| &w.lead == lead).collect();
        let first = refs
            .iter()
            .filter_map(|w| w.onset_s.or(w.peak_s))
            .fold(f64::INFINITY, f64::min);
        let last = refs
            .iter()
            .filter_map(|w| w.offset_s.or(w.peak_s))
            .fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = (first - tolerance_s, last + tolerance_s);
        for score in report.waves.iter_mut() {
            let r: Vec<&MarkedWave> = refs
                .iter()
                .copied()
                .filter(|w| w.kind == score.kind)
                .collect();
            let d: Vec<&MarkedWave> = detected
                .iter()
                .filter(|w| &w.lead == lead && w.kind == score.kind)
                .filter(|w| w.centre().is_some_and(|c| c >= lo && c <= hi))
                .collect();
            score.n_reference += r.len();
            // Closest pairs first.
            let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
            for (i, rw) in r.iter().enumerate() {
                for (j, dw) in d.iter().enumerate() {
                    if let (Some(a), Some(b)) = (rw.centre(), dw.centre()) {
                        let dist = (a - b).abs();
                        if dist <= tolerance_s {
                            pairs.push((dist, i, j));
                        }
                    }
                }
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut used_r = vec![false; r.len()];
            let mut used_d = vec![false; d.len()];
            for (_, i, j) in pairs {
                if used_r[i] || used_d[j] {
                    continue;
                }
                used_r[i] = true;
                used_d[j] = true;
                score.true_positives += 1;
                let (rw, dw) = (r[i], d[j]);
                let push = |s: &mut ErrorStats, a: Option<f64>, b: Option<f64>| {
                    if let (Some(a), Some(b)) = (a, b) {
                        s.errors_ms.push((b - a) * 1000.0);
                    }
                };
                push(&mut score.onset, rw.onset_s, dw.onset_s);
                push(&mut score.peak, rw.peak_s, dw.peak_s);
                push(&mut score.offset, rw.offset_s, dw.offset_s);
            }
            score.n_detected += d
                .iter()
                .zip(&used_d)
                .filter(|(w, used)| **used || w.centre().is_some_and(|c| c >= first && c <= last))
                .count();
        }
    }
    report
}

/// Beat detection score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatScore {
    /// Reference beats.
    pub n_reference: usize,
    /// Detected beats.
    pub n_detected: usize,
    /// Matched.
    pub true_positives: usize,
}

impl BeatScore {
    /// Sensitivity.
    pub fn sensitivity(&self) -> f64 {
        self.true_positives as f64 / self.n_reference.max(1) as f64
    }
    /// Positive predictive value.
    pub fn ppv(&self) -> f64 {
        self.true_positives as f64 / self.n_detected.max(1) as f64
    }
}

/// WFDB beat codes that mark a QRS (`N L R B A a J S V r F e j n E / f Q ?`).
pub fn is_beat_code(code: &str) -> bool {
    matches!(
        code,
        "N" | "L"
            | "R"
            | "B"
            | "A"
            | "a"
            | "J"
            | "S"
            | "V"
            | "r"
            | "F"
            | "e"
            | "j"
            | "n"
            | "E"
            | "/"
            | "f"
            | "Q"
            | "?"
    )
}

/// Beat times (s) from an annotation list.
pub fn reference_beats(annotations: &[Annotation]) -> Vec<f64> {
    annotations
        .iter()
        .filter_map(|a| match &a.kind {
            AnnotationKind::Beat { code } if is_beat_code(code) => Some(a.onset_s),
            _ => None,
        })
        .collect()
}

/// Matches beat times within `tolerance_s` (one-to-one, in time order), ignoring the first
/// and last `edge_s` seconds of `0..duration_s` as the ANSI/AAMI EC57 protocol does.
pub fn evaluate_beats(
    reference: &[f64],
    detected: &[f64],
    tolerance_s: f64,
    edge_s: f64,
    duration_s: f64,
) -> BeatScore {
    let inside = |t: &&f64| **t >= edge_s && **t <= duration_s - edge_s;
    let r: Vec<f64> = reference.iter().filter(inside).copied().collect();
    let d: Vec<f64> = detected.iter().filter(inside).copied().collect();
    let (mut i, mut j, mut tp) = (0, 0, 0);
    while i < r.len() && j < d.len() {
        let diff = d[j] - r[i];
        if diff.abs() <= tolerance_s {
            // Prefer the closer of this and the next detection.
            if j + 1 < d.len() && (d[j + 1] - r[i]).abs() < diff.abs() {
                j += 1;
                continue;
            }
            tp += 1;
            i += 1;
            j += 1;
        } else if diff < 0.0 {
            j += 1;
        } else {
            i += 1;
        }
    }
    BeatScore {
        n_reference: r.len(),
        n_detected: d.len(),
        true_positives: tp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(kind: WaveKind, on: f64, pk: f64, off: f64) -> MarkedWave {
        MarkedWave {
            lead: Some(LeadLabel::II),
            kind,
            onset_s: Some(on),
            peak_s: Some(pk),
            offset_s: Some(off),
        }
    }

    #[test]
    fn matching_counts_and_errors() {
        let r = vec![
            w(WaveKind::Qrs, 1.0, 1.05, 1.1),
            w(WaveKind::Qrs, 2.0, 2.05, 2.1),
        ];
        let d = vec![
            w(WaveKind::Qrs, 1.01, 1.05, 1.09),
            w(WaveKind::Qrs, 1.6, 1.62, 1.7),
            w(WaveKind::Qrs, 9.0, 9.0, 9.0),
            // Unmatched, just before the marked stretch: not counted.
            w(WaveKind::Qrs, 0.85, 0.9, 0.95),
        ];
        let rep = evaluate_delineation(&r, &d, 0.15);
        let q = rep.get(WaveKind::Qrs).unwrap();
        assert_eq!((q.n_reference, q.n_detected, q.true_positives), (2, 2, 1));
        assert!((q.onset.mean() - 10.0).abs() < 1e-9);
        assert!((q.offset.mean() + 10.0).abs() < 1e-9);
        assert_eq!(q.sensitivity(), 0.5);
        assert_eq!(q.ppv(), 0.5);
    }

    #[test]
    fn beats_match_one_to_one() {
        let s = evaluate_beats(&[1.0, 2.0, 3.0], &[1.05, 1.1, 2.9, 5.0], 0.15, 0.0, 10.0);
        assert_eq!((s.n_reference, s.n_detected, s.true_positives), (3, 4, 2));
    }
}

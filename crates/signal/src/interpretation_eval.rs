//! Scoring statements against diagnosis labels: which statement classes a record's labels
//! call for (LUDB diagnoses in WFDB header comments, or PhysioNet/CinC 2021 SNOMED-CT codes
//! in `#Dx:`), whether the analysis stated them, and per-class sensitivity / PPV.
//!
//! Rate classes (sinus rhythm, bradycardia < 60, tachycardia > 100 bpm) are judged on the
//! rate of the cardiologists' own QRS marks when the record has them (AHA cut-offs, whatever
//! the label's own cut-off), else on the label. This holds for complete AV block too, as the
//! held-out scoring does: there the QRS marks give the paced or escape rate, and a statement of
//! the sinus (atrial) rate is scored against that rate.

use ecg::Annotation;

use crate::evaluate::{global_reference_waves, reference_waves};

/// A record's labels.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// LUDB diagnosis lines, lower case, without the trailing full stop.
    pub diagnoses: Vec<String>,
    /// SNOMED-CT codes (CinC headers).
    pub snomed: Vec<String>,
    /// Heart rate from the cardiologists' QRS marks (mean RR of marked complexes).
    pub marked_rate_bpm: Option<f64>,
    /// The rhythm label is sinus (rhythm, bradycardia, tachycardia, arrhythmia).
    pub sinus: bool,
}

const SN_SINUS: &str = "426783006";
const SN_BRADY: &str = "426177001";
const SN_TACHY: &str = "427084000";
const SN_SINUS_ARRHYTHMIA: &str = "427393009";

impl Labels {
    /// Labels from a WFDB header's text and the record's wave marks (for the marked rate).
    pub fn from_header(header: &str, annotations: &[Annotation]) -> Self {
        let mut diagnoses = Vec::new();
        let mut snomed = Vec::new();
        let mut in_dx = false;
        for line in header.lines() {
            let Some(c) = line.trim().strip_prefix('#') else {
                continue;
            };
            let c = c.trim();
            if let Some(codes) = c.strip_prefix("Dx:") {
                snomed.extend(codes.split(',').map(|s| s.trim().to_string()));
                continue;
            }
            if c.starts_with("<diagnoses>") {
                in_dx = true;
                continue;
            }
            if c.starts_with('<') {
                in_dx = false;
                continue;
            }
            if in_dx && !c.is_empty() {
                diagnoses.push(c.trim_end_matches('.').trim().to_lowercase());
            }
        }
        let marked_rate_bpm = marked_rate(annotations);
        let sinus = diagnoses.iter().any(|d| d.starts_with("rhythm: sinus"))
            || snomed
                .iter()
                .any(|c| [SN_SINUS, SN_BRADY, SN_TACHY, SN_SINUS_ARRHYTHMIA].contains(&c.as_str()));
        Labels {
            diagnoses,
            snomed,
            marked_rate_bpm,
            sinus,
        }
    }

    fn dx(&self, needle: &str) -> bool {
        self.diagnoses.iter().any(|d| d.contains(needle))
    }

    fn code(&self, codes: &[&str]) -> bool {
        self.snomed.iter().any(|c| codes.contains(&c.as_str()))
    }

    /// Labelled third-degree AV block: atria and ventricles beat independently.
    fn av_dissociation(&self) -> bool {
        self.dx("iii degree av-block") || self.code(&["27885002"])
    }

    fn sinus_rate(&self, lo: f64, hi: f64, label: &str, code: &str) -> bool {
        if !self.sinus {
            return false;
        }
        match self.marked_rate_bpm {
            Some(r) => r >= lo && r <= hi,
            None => self.dx(label) || self.code(&[code]),
        }
    }
}

/// Mean heart rate of the QRS complexes marked in at least six leads.
fn marked_rate(annotations: &[Annotation]) -> Option<f64> {
    let per_lead = reference_waves(annotations);
    let mut peaks: Vec<f64> = global_reference_waves(&per_lead, 0.12, 6)
        .iter()
        .filter(|w| w.kind == ecg::WaveKind::Qrs)
        .filter_map(|w| w.peak_s)
        .collect();
    peaks.sort_by(f64::total_cmp);
    if peaks.len() < 3 {
        return None;
    }
    let mean_rr = (peaks[peaks.len() - 1] - peaks[0]) / (peaks.len() - 1) as f64;
    (mean_rr > 0.0).then(|| 60.0 / mean_rr)
}

/// The statement classes scored, in print order.
pub const CLASSES: &[&str] = &[
    "sinus rhythm (60-100)",
    "sinus bradycardia (< 60)",
    "sinus tachycardia (> 100)",
    "atrial fibrillation",
    "atrial flutter",
    "paced rhythm",
    "sinus arrhythmia",
    "first-degree AV block",
    "third-degree AV block",
    "complete RBBB",
    "incomplete RBBB",
    "complete LBBB",
    "incomplete LBBB",
    "left anterior fascicular block",
    "non-specific IVCD",
    "ventricular premature complexes",
    "supraventricular premature complexes",
    "left axis deviation",
    "right axis deviation",
    "left ventricular hypertrophy",
    "right ventricular hypertrophy",
    "left atrial abnormality",
    "right atrial abnormality",
    "ST elevation / STEMI",
];

/// Whether the labels call for `class`.
pub fn labelled(l: &Labels, class: &str) -> bool {
    match class {
        "sinus rhythm (60-100)" => l.sinus_rate(60.0, 100.0, "rhythm: sinus rhythm", SN_SINUS),
        "sinus bradycardia (< 60)" => {
            l.sinus_rate(0.0, 59.999, "rhythm: sinus bradycardia", SN_BRADY)
        }
        "sinus tachycardia (> 100)" => {
            l.sinus_rate(100.001, 400.0, "rhythm: sinus tachycardia", SN_TACHY)
        }
        "atrial fibrillation" => l.dx("rhythm: atrial fibrillation") || l.code(&["164889003"]),
        "atrial flutter" => l.dx("rhythm: atrial flutter") || l.code(&["164890007"]),
        "sinus arrhythmia" => l.dx("rhythm: sinus arrhythmia") || l.code(&[SN_SINUS_ARRHYTHMIA]),
        // LUDB files P-synchronous (atrial-tracking) ventricular pacing as "P-synchrony",
        // beside its "... pacing" labels.
        "paced rhythm" => {
            l.dx("pacing") || l.dx("p-synchrony") || l.code(&["10370003", "251266004"])
        }
        "first-degree AV block" => l.dx("i degree av block") || l.code(&["270492004"]),
        "third-degree AV block" => l.av_dissociation(),
        "complete RBBB" => {
            l.dx("complete right bundle branch block") && !l.dx("incomplete right")
                || l.code(&["713427006", "59118001"])
        }
        "incomplete RBBB" => l.dx("incomplete right bundle branch block") || l.code(&["713426002"]),
        "complete LBBB" => {
            l.dx("complete left bundle branch block") && !l.dx("incomplete left")
                || l.code(&["733534002", "164909002"])
        }
        "incomplete LBBB" => l.dx("incomplete left bundle branch block") || l.code(&["251120003"]),
        "left anterior fascicular block" => {
            l.dx("left anterior hemiblock") || l.code(&["445118002"])
        }
        "non-specific IVCD" => {
            l.dx("non-specific intravintricular conduction delay")
                || l.dx("non-specific intraventricular conduction delay")
                || l.code(&["698252002"])
        }
        "ventricular premature complexes" => {
            l.dx("ventricular extrasystole") || l.code(&["427172004", "17338001"])
        }
        "supraventricular premature complexes" => {
            l.dx("atrial extrasystole") || l.code(&["284470004", "63593006"])
        }
        "left axis deviation" => l.dx("left axis deviation") || l.code(&["39732003"]),
        "right axis deviation" => l.dx("right axis deviation") || l.code(&["47665007"]),
        "left ventricular hypertrophy" => {
            l.dx("left ventricular hypertrophy") || l.code(&["164873001"])
        }
        "right ventricular hypertrophy" => {
            l.dx("right ventricular hypertrophy") || l.code(&["89792004"])
        }
        "left atrial abnormality" => {
            l.dx("left atrial hypertrophy")
                || l.dx("left atrial overload")
                || l.code(&["67741000119109"])
        }
        "right atrial abnormality" => {
            l.dx("right atrial hypertrophy")
                || l.dx("right atrial overload")
                || l.code(&["446358003"])
        }
        "ST elevation / STEMI" => l.dx("stemi:") && !l.dx("nstemi") || l.code(&["164931005"]),
        _ => false,
    }
}

/// Whether the statement texts state `class`.
pub fn stated(texts: &[&str], class: &str) -> bool {
    let any = |f: &dyn Fn(&str) -> bool| texts.iter().any(|t| f(t));
    match class {
        "sinus rhythm (60-100)" => any(&|t| t.starts_with("Sinus rhythm")),
        "sinus bradycardia (< 60)" => any(&|t| t.starts_with("Sinus bradycardia")),
        "sinus tachycardia (> 100)" => any(&|t| t.starts_with("Sinus tachycardia")),
        "atrial fibrillation" => any(&|t| t.starts_with("Atrial fibrillation")),
        "atrial flutter" => any(&|t| t.starts_with("Atrial flutter")),
        "sinus arrhythmia" => any(&|t| t.starts_with("Sinus arrhythmia")),
        "paced rhythm" => any(&|t| t.contains("aced rhythm")),
        "first-degree AV block" => any(&|t| t.starts_with("First-degree AV block")),
        "third-degree AV block" => any(&|t| t.starts_with("Third-degree")),
        "complete RBBB" => any(&|t| t.starts_with("Complete right bundle branch block")),
        "incomplete RBBB" => any(&|t| t.starts_with("Incomplete right bundle branch block")),
        "complete LBBB" => any(&|t| t.starts_with("Complete left bundle branch block")),
        "incomplete LBBB" => any(&|t| t.starts_with("Incomplete left bundle branch block")),
        "left anterior fascicular block" => {
            any(&|t| t.starts_with("Left anterior fascicular block"))
        }
        "non-specific IVCD" => any(&|t| t.starts_with("Non-specific intraventricular")),
        "ventricular premature complexes" => {
            any(&|t| t.starts_with("Ventricular premature complex"))
        }
        "supraventricular premature complexes" => any(&|t| {
            t.starts_with("Supraventricular premature complex")
                || t.starts_with("Atrial premature complex")
        }),
        "left axis deviation" => any(&|t| t.starts_with("Left axis deviation")),
        "right axis deviation" => any(&|t| t.starts_with("Right axis deviation")),
        "left ventricular hypertrophy" => any(&|t| t.starts_with("Left ventricular hypertrophy")),
        "right ventricular hypertrophy" => any(&|t| t.starts_with("Right ventricular hypertrophy")),
        "left atrial abnormality" => any(&|t| t.starts_with("Left atrial abnormality")),
        "right atrial abnormality" => any(&|t| t.starts_with("Right atrial abnormality")),
        "ST elevation / STEMI" => any(&|t| t.starts_with("ST elevation")),
        _ => false,
    }
}

/// The outcome of one class on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Labelled and stated.
    TruePositive,
    /// Labelled, not stated.
    FalseNegative,
    /// Stated, not labelled.
    FalsePositive,
    /// Neither.
    TrueNegative,
}

/// Every class's outcome on one record.
pub fn score_record(labels: &Labels, texts: &[&str]) -> Vec<(&'static str, Outcome)> {
    CLASSES
        .iter()
        .map(|&c| {
            let o = match (labelled(labels, c), stated(texts, c)) {
                (true, true) => Outcome::TruePositive,
                (true, false) => Outcome::FalseNegative,
                (false, true) => Outcome::FalsePositive,
                (false, false) => Outcome::TrueNegative,
            };
            (c, o)
        })
        .collect()
}

/// Counts of one class over records.
#[derive(Debug, Clone, Default)]
pub struct ClassScore {
    /// The class.
    pub class: String,
    /// True positives.
    pub tp: usize,
    /// False negatives.
    pub fn_: usize,
    /// False positives.
    pub fp: usize,
    /// True negatives.
    pub tn: usize,
    /// Records labelled but not stated.
    pub missed: Vec<String>,
    /// Records stated but not labelled.
    pub false_records: Vec<String>,
}

impl ClassScore {
    /// Empty counts for `class`.
    pub fn new(class: &str) -> Self {
        ClassScore {
            class: class.to_string(),
            ..Default::default()
        }
    }

    /// Adds one record's outcome.
    pub fn add(&mut self, o: Outcome, record: &str) {
        match o {
            Outcome::TruePositive => self.tp += 1,
            Outcome::FalseNegative => {
                self.fn_ += 1;
                self.missed.push(record.to_string());
            }
            Outcome::FalsePositive => {
                self.fp += 1;
                self.false_records.push(record.to_string());
            }
            Outcome::TrueNegative => self.tn += 1,
        }
    }

    /// TP / (TP + FN), None without labelled records.
    pub fn sensitivity(&self) -> Option<f64> {
        let d = self.tp + self.fn_;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }

    /// TP / (TP + FP), None without statements.
    pub fn ppv(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ludb_and_cinc_labels_are_read() {
        let h = "1 12 500 5000\n#<age>: 51\n#<sex>: F\n#<diagnoses>:\n#Rhythm: Sinus bradycardia.\n#Complete right bundle branch block. \n#Left anterior hemiblock.\n";
        let l = Labels::from_header(h, &[]);
        assert!(l.sinus);
        assert!(labelled(&l, "sinus bradycardia (< 60)"));
        assert!(!labelled(&l, "sinus rhythm (60-100)"));
        assert!(labelled(&l, "complete RBBB"));
        assert!(!labelled(&l, "incomplete RBBB"));
        assert!(labelled(&l, "left anterior fascicular block"));
        let c = Labels::from_header("JS 12 500 5000\n# Dx: 284470004,427084000\n", &[]);
        assert!(labelled(&c, "sinus tachycardia (> 100)"));
        assert!(labelled(&c, "supraventricular premature complexes"));
        let s = score_record(
            &l,
            &["Sinus bradycardia", "Complete right bundle branch block"],
        );
        assert!(s.contains(&("complete RBBB", Outcome::TruePositive)));
        assert!(s.contains(&("left anterior fascicular block", Outcome::FalseNegative)));
        assert!(s.contains(&("incomplete RBBB", Outcome::TrueNegative)));
    }

    #[test]
    fn every_pacing_mode_states_the_paced_rhythm_class() {
        for text in [
            "Atrial paced rhythm",
            "Ventricular paced rhythm",
            "Dual-chamber (AV sequential) paced rhythm",
        ] {
            assert!(stated(&[text], "paced rhythm"), "{text}");
            assert!(!stated(&[text], "sinus rhythm (60-100)"), "{text}");
        }
        assert!(!stated(&["Sinus rhythm"], "paced rhythm"));
    }

    #[test]
    fn the_sinus_rate_class_follows_the_qrs_marks_even_in_complete_av_block() {
        let h = "34 12 500 5000\n#<diagnoses>:\n#Rhythm: Sinus rhythm.\n#III degree AV-block.\n#Unipolar ventricular pacing.\n";
        let mut l = Labels::from_header(h, &[]);
        // Ventricular pacing at 60/min whose marks give 59.9/min: scored as the held-out split
        // is, on the marks' rate.
        l.marked_rate_bpm = Some(59.9);
        assert!(!labelled(&l, "sinus rhythm (60-100)"));
        assert!(labelled(&l, "sinus bradycardia (< 60)"));
        assert!(labelled(&l, "third-degree AV block"));
        // Without the block the marks decide.
        let mut l = Labels::from_header(
            "1 12 500 5000\n#<diagnoses>:\n#Rhythm: Sinus rhythm.\n",
            &[],
        );
        l.marked_rate_bpm = Some(59.9);
        assert!(!labelled(&l, "sinus rhythm (60-100)"));
        assert!(labelled(&l, "sinus bradycardia (< 60)"));
    }
}

//! Comparison of a recording with a prior one of the same patient, as a cardiologist reads it
//! first: how each global measurement changed (QTc +38 ms) and which statements are new or
//! resolved since then. Shared by `heartlens compare` and (later) the app's Compare view; it
//! compares values the caller supplies (analysis results with the reader's overrides applied,
//! or the device's), so it never analyses or touches the store itself.
//!
//! Statements are matched by their store code ([`statement_code`] of the text), so "Sinus
//! rhythm" in both is unchanged whatever its criterion text says.
//!
//! The app's Compare view also needs what the eye compares: [`reviewed`] gives a recording's
//! reading as the reader left it (overrides applied, statements with their review state),
//! [`median_overlays`] the two analyses' median beats lead by lead, [`rhythm_strip`] a lead of
//! each recording for the strips drawn one above the other at the same scale, and
//! [`same_patient`] says whether two recordings' patient facts name one person.

use ecg::{LeadLabel, Measurements, Patient, Recording, Statement, StatementState};
use serde::Serialize;
use store::Store;

use crate::Result;
use crate::review::{MEASUREMENTS, apply_overrides, statement_code, statement_of, value};

/// One measurement in both recordings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementDelta {
    /// Stored name (`qtc_ms`...).
    pub name: &'static str,
    /// Label ("QTc").
    pub label: &'static str,
    /// QTc formula (lowercase) for QTc rows.
    pub method: Option<&'static str>,
    /// Unit.
    pub unit: &'static str,
    /// Value now.
    pub current: Option<f64>,
    /// Value on the prior recording.
    pub prior: Option<f64>,
    /// `current - prior` when both were measured.
    pub delta: Option<f64>,
}

/// What changed between a prior recording and the current one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Acquisition time of the prior recording as the file states it (ISO 8601), if known.
    pub prior_time: Option<String>,
    /// Acquisition time of the current recording, if known.
    pub current_time: Option<String>,
    /// Every global measurement (QTc once per formula), in table order.
    pub measurements: Vec<MeasurementDelta>,
    /// Statements now that the prior recording did not have.
    pub new_statements: Vec<String>,
    /// Statements of the prior recording that are gone now.
    pub resolved_statements: Vec<String>,
    /// Statements in both.
    pub unchanged_statements: Vec<String>,
}

/// One side of a comparison: its measurements, statements and acquisition time.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// Global measurements.
    pub measurements: &'a Measurements,
    /// Interpretation statements (rejected ones are ignored).
    pub statements: &'a [Statement],
    /// Acquisition time, ISO 8601.
    pub time: Option<&'a str>,
}

const QTC_METHODS: [&str; 4] = ["bazett", "fridericia", "framingham", "hodges"];

/// The text a statement stands for: the reader's edit is part of `text` already; rejected
/// statements are not part of the reading.
fn kept(statements: &[Statement]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in statements {
        if s.state == StatementState::Rejected {
            continue;
        }
        let code = statement_code(&s.text);
        if !out.iter().any(|(c, _)| *c == code) {
            out.push((code, s.text.clone()));
        }
    }
    out
}

/// Compares `current` with `prior`.
pub fn compare(current: Side<'_>, prior: Side<'_>) -> Comparison {
    let mut measurements = Vec::new();
    for k in &MEASUREMENTS {
        let methods: Vec<Option<&'static str>> = if k.name == "qtc_ms" {
            QTC_METHODS.iter().map(|m| Some(*m)).collect()
        } else {
            vec![None]
        };
        for method in methods {
            let now = value(current.measurements, k.name, method).filter(|v| v.is_finite());
            let before = value(prior.measurements, k.name, method).filter(|v| v.is_finite());
            measurements.push(MeasurementDelta {
                name: k.name,
                label: k.label,
                method,
                unit: k.unit,
                current: now,
                prior: before,
                delta: now.zip(before).map(|(a, b)| a - b),
            });
        }
    }
    let (now, before) = (kept(current.statements), kept(prior.statements));
    let in_list = |list: &[(String, String)], code: &str| list.iter().any(|(c, _)| c == code);
    Comparison {
        prior_time: prior.time.map(str::to_string),
        current_time: current.time.map(str::to_string),
        measurements,
        new_statements: now
            .iter()
            .filter(|(c, _)| !in_list(&before, c))
            .map(|(_, t)| t.clone())
            .collect(),
        resolved_statements: before
            .iter()
            .filter(|(c, _)| !in_list(&now, c))
            .map(|(_, t)| t.clone())
            .collect(),
        unchanged_statements: now
            .iter()
            .filter(|(c, _)| in_list(&before, c))
            .map(|(_, t)| t.clone())
            .collect(),
    }
}

impl Comparison {
    /// The changes as lines a report or terminal prints: "Compared with the ECG of DATE",
    /// each measurement that changed ("QTc (Bazett) 415 -> 453 ms (+38 ms)"), then new and
    /// resolved statements. `min_change` hides smaller differences (in each row's unit).
    pub fn lines(&self, min_change: f64) -> Vec<String> {
        let mut out = vec![match &self.prior_time {
            Some(t) => format!("Compared with the ECG of {t}"),
            None => "Compared with the prior ECG (acquisition time not stated)".to_string(),
        }];
        for m in &self.measurements {
            let name = match m.method {
                Some(f) => format!("{} ({}{})", m.label, f[..1].to_uppercase(), &f[1..]),
                None => m.label.to_string(),
            };
            match (m.prior, m.current, m.delta) {
                (Some(p), Some(c), Some(d)) if d.abs() >= min_change => out.push(format!(
                    "{name} {p:.0} -> {c:.0} {} ({d:+.0} {})",
                    m.unit, m.unit
                )),
                (None, Some(c), _) => {
                    out.push(format!("{name} {c:.0} {} (not measured before)", m.unit))
                }
                (Some(p), None, _) => {
                    out.push(format!("{name} not measured now (was {p:.0} {})", m.unit))
                }
                _ => {}
            }
        }
        out.extend(self.new_statements.iter().map(|s| format!("New: {s}")));
        out.extend(
            self.resolved_statements
                .iter()
                .map(|s| format!("Resolved: {s}")),
        );
        if self.new_statements.is_empty() && self.resolved_statements.is_empty() {
            out.push("Statements unchanged".to_string());
        }
        out
    }
}

/// A recording's reading as the reader left it: `analysed` with the stored overrides, and the
/// stored statements (edited text when edited, rejected ones kept with their state so
/// [`compare`] can skip them). Falls back to `suggested` when nothing was ever stored.
pub async fn reviewed(
    store: &Store,
    recording_id: i64,
    analysed: &Measurements,
    suggested: &[Statement],
) -> Result<(Measurements, Vec<Statement>)> {
    let snap = store.review_state(recording_id).await?;
    let mut measurements = analysed.clone();
    apply_overrides(&mut measurements, &snap.overrides);
    let statements = if snap.statements.is_empty() {
        suggested.to_vec()
    } else {
        snap.statements.iter().map(statement_of).collect()
    };
    Ok((measurements, statements))
}

/// One median beat as drawn: millivolts at `fs_hz`, the fiducial (QRS) sample to align on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MedianTrace {
    /// Sampling rate of `samples_mv`.
    pub fs_hz: f64,
    /// The median beat, mV.
    pub samples_mv: Vec<f32>,
    /// Index of the fiducial point in `samples_mv`.
    pub fiducial_sample: usize,
}

/// A lead's median beats now and before, aligned on their fiducial points when drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MedianOverlay {
    /// Lead name.
    pub lead: String,
    /// The current recording's median beat (none when the lead or its median is missing).
    pub current: Option<MedianTrace>,
    /// The prior recording's.
    pub prior: Option<MedianTrace>,
}

fn median_of(a: &signal::Analysis, lead: &LeadLabel) -> Option<MedianTrace> {
    a.medians
        .iter()
        .find(|m| &m.lead == lead)
        .map(|m| MedianTrace {
            fs_hz: m.fs_hz,
            samples_mv: m.samples_mv.clone(),
            fiducial_sample: m.fiducial_sample,
        })
}

/// The median beats of both analyses, lead by lead: the standard 12 in their order, then any
/// other lead either has. Leads neither has a median for are left out.
pub fn median_overlays(current: &signal::Analysis, prior: &signal::Analysis) -> Vec<MedianOverlay> {
    let mut leads: Vec<LeadLabel> = LeadLabel::STANDARD_12.to_vec();
    for m in current.medians.iter().chain(&prior.medians) {
        if !leads.contains(&m.lead) {
            leads.push(m.lead.clone());
        }
    }
    leads
        .iter()
        .map(|l| MedianOverlay {
            lead: l.to_string(),
            current: median_of(current, l),
            prior: median_of(prior, l),
        })
        .filter(|o| o.current.is_some() || o.prior.is_some())
        .collect()
}

/// A stretch of one lead for a rhythm strip, mV at `fs_hz` (at most the rate asked for).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RhythmStrip {
    /// Lead name.
    pub lead: String,
    /// Sampling rate of `samples_mv`.
    pub fs_hz: f64,
    /// Samples, mV; NaN where the file has none (a gap, not a zero line).
    pub samples_mv: Vec<f32>,
}

/// The first `seconds` of `lead` (else lead II, else the first lead), decimated to at most
/// `max_hz` by keeping every k-th sample (display only). `None` for a recording without leads
/// or one whose samples cannot be read.
pub fn rhythm_strip(
    rec: &Recording,
    lead: &LeadLabel,
    seconds: f64,
    max_hz: f64,
) -> Option<RhythmStrip> {
    let l = rec
        .lead(lead)
        .or_else(|| rec.lead(&LeadLabel::STANDARD_12[1]))
        .or_else(|| rec.leads.first())?;
    let fs = l.sampling_rate_hz;
    if fs.is_nan() || fs <= 0.0 {
        return None;
    }
    let n = ((seconds * fs) as usize).min(l.n_samples());
    let uv = l.read_uv(0, n)?.ok()?;
    let step = (fs / max_hz).ceil().max(1.0) as usize;
    Some(RhythmStrip {
        lead: l.label.to_string(),
        fs_hz: fs / step as f64,
        samples_mv: uv
            .iter()
            .step_by(step)
            .map(|v| (*v / 1000.0) as f32)
            .collect(),
    })
}

/// Whether two recordings' patient facts name the same person: equal patient ids when both
/// state one, else equal names and birth dates (both stated). `false` when either is silent.
pub fn same_patient(a: &Patient, b: &Patient) -> bool {
    let norm = |s: &str| s.trim().to_lowercase();
    if let (Some(x), Some(y)) = (&a.id, &b.id)
        && !x.trim().is_empty()
        && !y.trim().is_empty()
    {
        return norm(x) == norm(y);
    }
    match (
        a.display_name(),
        b.display_name(),
        &a.birth_date,
        &b.birth_date,
    ) {
        (Some(x), Some(y), Some(d), Some(e)) => norm(&x) == norm(&y) && d == e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Bpm, Millis, QtcSet};

    fn m(hr: f64, qt: f64) -> Measurements {
        let rr = 60_000.0 / hr;
        Measurements {
            hr: Some(Bpm(hr)),
            rr: Some(Millis(rr)),
            qt: Some(Millis(qt)),
            qtc: QtcSet::from_qt_rr(Millis(qt), Millis(rr)),
            ..Measurements::default()
        }
    }

    #[test]
    fn deltas_and_new_and_resolved_statements() {
        let (now_m, before_m) = (m(60.0, 453.0), m(60.0, 415.0));
        let now = [
            Statement::from_device("Sinus rhythm"),
            Statement::from_device("Prolonged QT"),
        ];
        let mut rejected = Statement::from_device("Left axis deviation");
        rejected.state = StatementState::Rejected;
        let before = [
            Statement::from_device("Sinus rhythm"),
            Statement::from_device("Ventricular premature complexes"),
            rejected,
        ];
        let c = compare(
            Side {
                measurements: &now_m,
                statements: &now,
                time: Some("2026-03-01T09:00:00"),
            },
            Side {
                measurements: &before_m,
                statements: &before,
                time: Some("2025-03-01T09:00:00"),
            },
        );
        let qtc = c
            .measurements
            .iter()
            .find(|d| d.name == "qtc_ms" && d.method == Some("bazett"))
            .unwrap();
        // At 60 bpm (RR 1 s) Bazett's QTc equals QT.
        assert!((qtc.delta.unwrap() - 38.0).abs() < 1e-9, "{qtc:?}");
        let pr = c.measurements.iter().find(|d| d.name == "pr_ms").unwrap();
        assert_eq!((pr.current, pr.prior, pr.delta), (None, None, None));
        assert_eq!(c.new_statements, ["Prolonged QT"]);
        assert_eq!(c.resolved_statements, ["Ventricular premature complexes"]);
        assert_eq!(c.unchanged_statements, ["Sinus rhythm"]);
        let lines = c.lines(1.0);
        assert_eq!(lines[0], "Compared with the ECG of 2025-03-01T09:00:00");
        assert!(
            lines.contains(&"QTc (Bazett) 415 -> 453 ms (+38 ms)".to_string()),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("Heart rate")),
            "unchanged rate: {lines:?}"
        );
        assert!(lines.contains(&"Resolved: Ventricular premature complexes".to_string()));
    }
}

#[cfg(test)]
mod view_tests {
    use super::*;
    use ecg::{Lead, Signal, Unit};

    #[test]
    fn same_patient_by_id_else_by_name_and_birth_date() {
        let mut a = Patient {
            id: Some(" 123 ".into()),
            ..Patient::default()
        };
        let mut b = Patient {
            id: Some("123".into()),
            ..Patient::default()
        };
        assert!(same_patient(&a, &b));
        b.id = Some("124".into());
        assert!(!same_patient(&a, &b), "different ids are different people");
        a.id = None;
        b.id = None;
        assert!(
            !same_patient(&a, &b),
            "nothing stated: not the same patient"
        );
        for p in [&mut a, &mut b] {
            p.last_name = Some("Doe".into());
            p.first_name = Some("Jane".into());
        }
        assert!(!same_patient(&a, &b), "a name alone is not enough");
        let born = ecg::Date::new(1970, 1, 2).unwrap();
        a.birth_date = Some(born);
        b.birth_date = Some(born);
        assert!(same_patient(&a, &b));
    }

    #[test]
    fn rhythm_strip_falls_back_to_lead_ii_and_decimates() {
        let ramp: Vec<f32> = (0..5000).map(|i| i as f32).collect();
        let rec = Recording::new(vec![
            Lead::new(
                "I",
                500.0,
                Unit::parse("uV"),
                Signal::from_physical(vec![0.0f32; 5000]),
            ),
            Lead::new("II", 500.0, Unit::parse("uV"), Signal::from_physical(ramp)),
        ]);
        let s = rhythm_strip(&rec, &LeadLabel::STANDARD_12[6], 4.0, 250.0).unwrap();
        assert_eq!(s.lead, "II");
        assert_eq!(s.fs_hz, 250.0);
        assert_eq!(s.samples_mv.len(), 1000, "4 s at 250 Hz");
        assert_eq!(s.samples_mv[1], 0.002, "every 2nd sample, in mV");
        assert!(
            rhythm_strip(
                &Recording::new(vec![]),
                &LeadLabel::STANDARD_12[1],
                4.0,
                250.0
            )
            .is_none()
        );
    }
}

//! Comparison of a recording with a prior one of the same patient, as a cardiologist reads it
//! first: how each global measurement changed (QTc +38 ms) and which statements are new or
//! resolved since then. Shared by `heartlens compare` and (later) the app's Compare view; it
//! compares values the caller supplies (analysis results with the reader's overrides applied,
//! or the device's), so it never analyses or touches the store itself.
//!
//! Statements are matched by their store code ([`statement_code`] of the text), so "Sinus
//! rhythm" in both is unchanged whatever its criterion text says.

use ecg::{Measurements, Statement, StatementState};
use serde::Serialize;

use crate::review::{MEASUREMENTS, statement_code, value};

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

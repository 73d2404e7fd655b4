//! The review of a reading: the measurement table (analysed value, the clinician's value and
//! who set it, the original always kept) and the interpretation statements to confirm, reject
//! or edit, seeded from analysis. Overrides are stored by the names of `heartlens analyze
//! --json` (`hr_bpm`, `pr_ms`, `qtc_ms` with the formula as method, `axis_qrs_deg`...).

use ecg::{Bpm, Degrees, Measurements, Millis, QtcFormula, QtcSet, Statement};
use serde::Serialize;
use store::Store;
use store::review::{MeasurementOverride, Signature, StoredStatement};

use crate::{Error, Result};

/// A global measurement the table shows and a clinician may override.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasurementKind {
    /// Stored name (`analyze --json` key).
    pub name: &'static str,
    /// Label shown to users.
    pub label: &'static str,
    /// Unit shown and stored.
    pub unit: &'static str,
    /// Plausible range a clinician's value must fall in (guards against typing slips).
    pub range: (f64, f64),
}

/// The table's rows, in the order carts print them. QTc is one row per formula.
pub const MEASUREMENTS: [MeasurementKind; 9] = [
    MeasurementKind {
        name: "hr_bpm",
        label: "Heart rate",
        unit: "bpm",
        range: (10.0, 400.0),
    },
    MeasurementKind {
        name: "rr_ms",
        label: "RR",
        unit: "ms",
        range: (150.0, 6000.0),
    },
    MeasurementKind {
        name: "pr_ms",
        label: "PR",
        unit: "ms",
        range: (40.0, 600.0),
    },
    MeasurementKind {
        name: "qrs_ms",
        label: "QRS",
        unit: "ms",
        range: (20.0, 300.0),
    },
    MeasurementKind {
        name: "qt_ms",
        label: "QT",
        unit: "ms",
        range: (150.0, 800.0),
    },
    MeasurementKind {
        name: "qtc_ms",
        label: "QTc",
        unit: "ms",
        range: (150.0, 900.0),
    },
    MeasurementKind {
        name: "axis_p_deg",
        label: "P axis",
        unit: "°",
        range: (-180.0, 360.0),
    },
    MeasurementKind {
        name: "axis_qrs_deg",
        label: "QRS axis",
        unit: "°",
        range: (-180.0, 360.0),
    },
    MeasurementKind {
        name: "axis_t_deg",
        label: "T axis",
        unit: "°",
        range: (-180.0, 360.0),
    },
];

/// One row of the measurement table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementRow {
    /// Stored name (`qtc_ms`...).
    pub name: &'static str,
    /// Label ("QTc").
    pub label: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// QTc formula (lowercase name) for QTc rows.
    pub method: Option<&'static str>,
    /// The analysed (or device) value.
    pub analysed: Option<f64>,
    /// The value in effect: the clinician's when overridden, else the analysed one (QTc
    /// follows an overridden QT or RR).
    pub value: Option<f64>,
    /// Who overrode it, when overridden.
    pub overridden_by: Option<String>,
    /// The override's version ([`store::review::NO_OVERRIDE`] when not overridden): passed
    /// back with a change so that a colleague's change made meanwhile is not overwritten.
    pub version: i64,
}

/// Everything the review panel shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The measurement table.
    pub rows: Vec<MeasurementRow>,
    /// Statements with their review state.
    pub statements: Vec<StoredStatement>,
    /// The signature, once signed (the recording is then read-only).
    pub signature: Option<Signature>,
}

/// Looks up a measurement kind by stored name (`qtc_ms`) or short name (`qtc`).
pub fn kind(name: &str) -> Option<&'static MeasurementKind> {
    MEASUREMENTS
        .iter()
        .find(|k| k.name == name || short(k.name) == short(name))
}

fn short(name: &str) -> &str {
    name.trim_end_matches("_ms")
        .trim_end_matches("_bpm")
        .trim_end_matches("_deg")
}

fn formula(method: Option<&str>) -> QtcFormula {
    match method.map(str::to_ascii_lowercase).as_deref() {
        Some("fridericia") => QtcFormula::Fridericia,
        Some("framingham") => QtcFormula::Framingham,
        Some("hodges") => QtcFormula::Hodges,
        _ => QtcFormula::Bazett,
    }
}

/// Parses a QTc formula name (case-insensitive); `None` for an unknown name.
pub fn parse_formula(name: &str) -> Option<QtcFormula> {
    QtcFormula::ALL
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(name))
}

fn formula_key(f: QtcFormula) -> &'static str {
    match f {
        QtcFormula::Bazett => "bazett",
        QtcFormula::Fridericia => "fridericia",
        QtcFormula::Framingham => "framingham",
        QtcFormula::Hodges => "hodges",
    }
}

/// The value of a global measurement (`method` picks the QTc formula).
pub fn value(m: &Measurements, name: &str, method: Option<&str>) -> Option<f64> {
    match short(name) {
        "hr" => m.hr.map(|v| v.0),
        "rr" => m.rr.map(|v| v.0),
        "pr" => m.pr.map(|v| v.0),
        "qrs" => m.qrs.map(|v| v.0),
        "qt" => m.qt.map(|v| v.0),
        "qtc" => m.qtc.get(formula(method)).map(|v| v.0),
        "axis_p" => m.axis.p.map(|v| v.0),
        "axis_qrs" => m.axis.qrs.map(|v| v.0),
        "axis_t" => m.axis.t.map(|v| v.0),
        _ => None,
    }
}

/// Applies a clinician's override of a global measurement (`lead` "global" or empty; per-lead
/// overrides do not change the global table).
pub fn apply_override(m: &mut Measurements, o: &MeasurementOverride) {
    if !(o.lead.is_empty() || o.lead.eq_ignore_ascii_case("global")) {
        return;
    }
    let v = o.value;
    match short(&o.name) {
        "hr" => m.hr = Some(Bpm(v)),
        "rr" => m.rr = Some(Millis(v)),
        "pr" => m.pr = Some(Millis(v)),
        "qrs" => m.qrs = Some(Millis(v)),
        "qt" => m.qt = Some(Millis(v)),
        "qtc" => match formula(o.method.as_deref()) {
            QtcFormula::Bazett => m.qtc.bazett = Some(Millis(v)),
            QtcFormula::Fridericia => m.qtc.fridericia = Some(Millis(v)),
            QtcFormula::Framingham => m.qtc.framingham = Some(Millis(v)),
            QtcFormula::Hodges => m.qtc.hodges = Some(Millis(v)),
        },
        "axis_p" => m.axis.p = Some(Degrees(v)),
        "axis_qrs" => m.axis.qrs = Some(Degrees(v)),
        "axis_t" => m.axis.t = Some(Degrees(v)),
        _ => {}
    }
}

/// Applies every global override the way a cardiologist expects: a corrected heart rate
/// implies its RR (and the reverse), and every QTc formula the clinician did not set
/// follows the corrected QT and RR.
pub fn apply_overrides(m: &mut Measurements, overrides: &[MeasurementOverride]) {
    let global: Vec<_> = overrides
        .iter()
        .filter(|o| o.lead.is_empty() || o.lead.eq_ignore_ascii_case("global"))
        .collect();
    let set = |n: &str| global.iter().any(|o| short(&o.name) == n);
    for o in &global {
        apply_override(m, o);
    }
    match (set("hr"), set("rr")) {
        (true, false) => m.rr = m.hr.filter(|h| h.0 > 0.0).map(|h| Millis(60_000.0 / h.0)),
        (false, true) => m.hr = m.rr.filter(|r| r.0 > 0.0).map(|r| Bpm(60_000.0 / r.0)),
        _ => {}
    }
    if (set("qt") || set("hr") || set("rr"))
        && let (Some(qt), Some(rr)) = (m.qt, m.rr)
    {
        let derived = QtcSet::from_qt_rr(qt, rr);
        for f in QtcFormula::ALL {
            let by_hand = global
                .iter()
                .any(|o| short(&o.name) == "qtc" && formula(o.method.as_deref()) == f);
            if !by_hand {
                let v = derived.get(f);
                match f {
                    QtcFormula::Bazett => m.qtc.bazett = v,
                    QtcFormula::Fridericia => m.qtc.fridericia = v,
                    QtcFormula::Framingham => m.qtc.framingham = v,
                    QtcFormula::Hodges => m.qtc.hodges = v,
                }
            }
        }
    }
}

/// The stable code of an analysis statement in the store: its text in lower case with
/// runs of other characters as `_` ("Sinus rhythm" -> "sinus_rhythm").
pub fn statement_code(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            code.push(c);
        } else if !code.ends_with('_') {
            code.push('_');
        }
    }
    code.trim_matches('_').to_string()
}

/// Records analysis (or device) statements as suggestions, unless the recording is signed.
/// Statements already reviewed keep their state (see `store::review::suggest_statement`).
pub async fn seed_statements(
    store: &Store,
    recording_id: i64,
    statements: &[Statement],
    actor: &str,
) -> Result<()> {
    if store.review_state(recording_id).await?.signature.is_some() {
        return Ok(());
    }
    let suggestions: Vec<_> = statements
        .iter()
        .map(|s| (statement_code(&s.text), s.text.clone(), s.criterion.clone()))
        .collect();
    store
        .suggest_statements(recording_id, &suggestions, actor)
        .await?;
    Ok(())
}

/// A stored statement as the reading states it: the reader's edit when there is one, its
/// criterion and review state (evidence is not stored).
pub fn statement_of(st: &StoredStatement) -> Statement {
    Statement {
        text: st.edited_text.clone().unwrap_or_else(|| st.text.clone()),
        criterion: st.criterion.clone(),
        state: st.state,
        evidence: ecg::Evidence::default(),
    }
}

/// The review of a recording: `analysed` measurements with the stored overrides, and the
/// stored statements and signature.
pub async fn review(store: &Store, recording_id: i64, analysed: &Measurements) -> Result<Review> {
    let snap = store.review_state(recording_id).await?;
    let mut effective = analysed.clone();
    apply_overrides(&mut effective, &snap.overrides);
    let mut rows = Vec::new();
    for k in &MEASUREMENTS {
        let methods: Vec<Option<&'static str>> = if k.name == "qtc_ms" {
            QtcFormula::ALL
                .iter()
                .map(|f| Some(formula_key(*f)))
                .collect()
        } else {
            vec![None]
        };
        for method in methods {
            let by = snap.overrides.iter().find(|o| {
                (o.lead.is_empty() || o.lead.eq_ignore_ascii_case("global"))
                    && short(&o.name) == short(k.name)
                    && (method.is_none() || formula(o.method.as_deref()) == formula(method))
            });
            rows.push(MeasurementRow {
                name: k.name,
                label: k.label,
                unit: k.unit,
                method,
                analysed: value(analysed, k.name, method),
                value: value(&effective, k.name, method),
                overridden_by: by.map(|o| o.author.clone()),
                version: by.map_or(store::review::NO_OVERRIDE, |o| o.version),
            });
        }
    }
    Ok(Review {
        rows,
        statements: snap.statements,
        signature: snap.signature,
    })
}

/// Sets the clinician's value of a global measurement, keeping the analysed value as the
/// original. Refuses unknown names, unknown QTc formulas and implausible values, and with
/// `expected_version` (the row's `version` the reader saw) a measurement someone else changed
/// since (`store::Error::Stale`, naming who).
#[allow(clippy::too_many_arguments)]
pub async fn set_measurement(
    store: &Store,
    recording_id: i64,
    name: &str,
    method: Option<&str>,
    new_value: f64,
    analysed: &Measurements,
    expected_version: Option<i64>,
    author: &str,
) -> Result<MeasurementOverride> {
    let k = kind(name).ok_or_else(|| Error::Argument {
        field: "name",
        message: format!("unknown measurement {name:?}"),
    })?;
    let method = match (k.name, method) {
        ("qtc_ms", Some(m)) => Some(
            formula_key(parse_formula(m).ok_or_else(|| Error::Argument {
                field: "method",
                message: format!("unknown QTc formula {m:?}"),
            })?)
            .to_string(),
        ),
        ("qtc_ms", None) => Some("bazett".to_string()),
        _ => None,
    };
    if !(new_value.is_finite() && (k.range.0..=k.range.1).contains(&new_value)) {
        return Err(Error::Argument {
            field: "value",
            message: format!(
                "{} {new_value} {} is outside {}-{} {}",
                k.label, k.unit, k.range.0, k.range.1, k.unit
            ),
        });
    }
    let o = MeasurementOverride {
        id: 0,
        recording_id,
        name: k.name.to_string(),
        lead: String::new(),
        value: new_value,
        unit: k.unit.to_string(),
        original_value: value(analysed, k.name, method.as_deref()),
        method,
        author: author.to_string(),
        at_ms: 0,
        version: 0,
    };
    Ok(match expected_version {
        Some(v) => store.set_override_at(&o, v, author).await?,
        None => store.set_override(&o, author).await?,
    })
}

/// Removes the clinician's value of a global measurement (back to the analysed one); with
/// `expected_version`, only if no one changed it since.
pub async fn clear_measurement(
    store: &Store,
    recording_id: i64,
    name: &str,
    expected_version: Option<i64>,
    actor: &str,
) -> Result<bool> {
    let k = kind(name).ok_or_else(|| Error::Argument {
        field: "name",
        message: format!("unknown measurement {name:?}"),
    })?;
    Ok(match expected_version {
        Some(v) => {
            store
                .clear_override_at(recording_id, k.name, "", v, actor)
                .await?
        }
        None => {
            store
                .clear_override(recording_id, k.name, "", actor)
                .await?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn over(name: &str, method: Option<&str>, value: f64) -> MeasurementOverride {
        MeasurementOverride {
            id: 1,
            recording_id: 1,
            name: name.into(),
            lead: String::new(),
            value,
            unit: "ms".into(),
            method: method.map(Into::into),
            original_value: None,
            author: "dr".into(),
            at_ms: 0,
            version: 0,
        }
    }

    #[test]
    fn overrides_replace_global_measurements_only() {
        let mut m = Measurements::default();
        apply_override(&mut m, &over("qtc_ms", Some("Fridericia"), 471.0));
        assert_eq!(m.qtc.fridericia, Some(Millis(471.0)));
        let mut per_lead = over("qrs_ms", None, 90.0);
        per_lead.lead = "V5".into();
        apply_override(&mut m, &per_lead);
        assert_eq!(m.qrs, None);
    }

    #[test]
    fn corrected_qt_carries_into_every_qtc_not_set_by_hand() {
        let mut m = Measurements {
            qt: Some(Millis(380.0)),
            rr: Some(Millis(1000.0)),
            hr: Some(Bpm(60.0)),
            qtc: QtcSet::from_qt_rr(Millis(380.0), Millis(1000.0)),
            ..Measurements::default()
        };
        apply_overrides(
            &mut m,
            &[
                over("qt_ms", None, 420.0),
                over("qtc_ms", Some("hodges"), 399.0),
            ],
        );
        assert_eq!(m.qtc.bazett, Some(Millis(420.0)));
        assert_eq!(m.qtc.fridericia, Some(Millis(420.0)));
        assert_eq!(m.qtc.hodges, Some(Millis(399.0)));
        apply_overrides(&mut m, &[over("hr_bpm", None, 75.0)]);
        assert_eq!(m.rr, Some(Millis(800.0)));
        assert!((m.qtc.bazett.unwrap().0 - 420.0 / 0.8f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn statement_codes_are_stable_slugs() {
        assert_eq!(statement_code("Sinus rhythm"), "sinus_rhythm");
        assert_eq!(
            statement_code("Long QTc (Bazett > 470 ms)"),
            "long_qtc_bazett_470_ms"
        );
        assert_eq!(statement_code("  "), "");
    }

    #[test]
    fn kinds_resolve_by_long_and_short_name() {
        assert_eq!(kind("qtc").unwrap().name, "qtc_ms");
        assert_eq!(kind("axis_qrs_deg").unwrap().label, "QRS axis");
        assert!(kind("st_j").is_none());
        assert_eq!(parse_formula("FRIDERICIA"), Some(QtcFormula::Fridericia));
    }
}

//! Adult criteria on a child's ECG: which statements are left out under 16 years, and the
//! statement that says so.
//!
//! The AHA/ACC/HRS recommendations (Mason et al. 2007, Surawicz et al. 2009, Hancock et al.
//! 2009) and the Fourth Universal Definition of MI are written for adults. Children's normal
//! values change with age up to about 16 years (Davignon et al. 1979/80; Rijnbeek et al.
//! 2001, 1912 children aged 0-16): their heart rate is faster, their QRS axis further right,
//! their QRS voltages larger, their PR interval shorter, and their T waves inverted in the
//! right chest leads (the juvenile T pattern). A criterion tuned to an adult's normal range
//! then fires on a healthy child. Those statements are left out, and the reader is told:
//!
//! - **Sinus tachycardia** under 12 years starts above the upper bound of a child's normal
//!   resting rate for the age, not above 100/min ([`tachycardia_above`]): 160/min under 1
//!   year, 150 at 1 year, 140 at 2-4 years, 120 at 5-11 years; from 12 years the adult range
//!   of 60-100/min applies (the APLS ranges; Fleming et al., Lancet 2011, review them). Read
//!   where the sinus statements are made ([`crate::statements`]); their criterion names the
//!   bound. A rate slow for a child's age is judged only by the adult bound (below 60/min):
//!   the ranges' lower bounds are for awake children, and a resting child's rate falls below
//!   them.
//! - **Right axis deviation** and **left posterior fascicular block** (an axis of +90° or
//!   more): a child's normal axis reaches +120° and more.
//! - **Ventricular hypertrophy** by the adult voltage criteria or Romhilt-Estes points, left
//!   and right: a child's QRS voltages are larger, and the R wave in V1 taller.
//! - **Short PR interval** (< 120 ms): a child's normal PR is shorter.
//! - **T-wave inversion** resting on V1-V4 only: the juvenile T pattern.
//!
//! Every criterion that errs the other way for a child is kept: what is abnormal for an
//! adult is abnormal for a child too (a rate below 60/min, a PR above 200 ms, a QRS of 120
//! ms, a left axis, a QTc above 450-470 ms, any arrhythmia, block or ST elevation).
//!
//! Age-specific criteria applied: the bundle-branch block statements use the QRS durations
//! the AHA/ACC/HRS 2009 recommendations give for children by age
//! ([`crate::conduction::QrsBounds`]: a complete block above 100 ms at 4-15 years, above 90
//! ms under 4; the non-specific delay keeps the adult bound, see there), and sinus
//! tachycardia its bound for the age (above). No other paediatric normal range (slow rates,
//! axis, voltages, PR by age) is: the statement says so.

use ecg::{Evidence, LeadLabel, Statement, StatementState};

/// Under this age (years) the patient is a child for the criteria above.
pub const ADULT_FROM_YEARS: f64 = 16.0;

/// From this age (years) a child's normal resting rate is the adult one, 60-100/min.
const ADULT_RATE_FROM_YEARS: f64 = 12.0;

/// The upper bound of a child's normal resting sinus rate (bpm) under
/// [`ADULT_RATE_FROM_YEARS`] and the age band it is for (the APLS ranges), or `None` for an
/// older or unknown age (the adult 100/min).
pub(crate) fn tachycardia_above(age_years: Option<f64>) -> Option<(f64, &'static str)> {
    let age = age_years.filter(|a| *a < ADULT_RATE_FROM_YEARS)?;
    Some(if age < 1.0 {
        (160.0, "under 1 year")
    } else if age < 2.0 {
        (150.0, "at 1 year")
    } else if age < 5.0 {
        (140.0, "at 2-4 years")
    } else {
        (120.0, "at 5-11 years")
    })
}

/// The sinus rate (bpm) above which the statements call it tachycardia for a patient aged
/// `age_years`: 100 for an adult, an unknown age or from 12 years, the APLS upper bound of a
/// child's resting rate below ([`tachycardia_above`]).
pub fn sinus_tachycardia_above(age_years: Option<f64>) -> f64 {
    tachycardia_above(age_years).map_or(ADULT_TACHYCARDIA_BPM, |(top, _)| top)
}

/// The adult bound of tachycardia (bpm): a rate above it.
pub(crate) const ADULT_TACHYCARDIA_BPM: f64 = 100.0;

/// Whether a patient aged `age_years` is a child for these criteria (under
/// [`ADULT_FROM_YEARS`]).
pub(crate) fn is_child(age_years: f64) -> bool {
    age_years < ADULT_FROM_YEARS
}

/// What a rate criterion adds after a tachycardia bound of `tachycardia_above` bpm (from
/// [`sinus_tachycardia_above`]): that it is a child's, or nothing for the adult 100.
pub(crate) fn child_rate_note(tachycardia_above: f64) -> &'static str {
    if tachycardia_above > ADULT_TACHYCARDIA_BPM {
        ", the bound of a child's resting rate for the age"
    } else {
        ""
    }
}

/// The statement that names what was left out for a child's age.
pub const PAEDIATRIC: &str = "Paediatric ECG: adult criteria that depend on age not applied";

/// Statements whose criterion is an adult's normal range that a healthy child's exceeds.
const AGE_DEPENDENT: [&str; 5] = [
    "Right axis deviation",
    "Left posterior fascicular block",
    "Left ventricular hypertrophy",
    "Right ventricular hypertrophy",
    "Short PR interval",
];

/// `statements` for a patient aged `age_years`: unchanged for an adult or an unknown age;
/// for a child (under [`ADULT_FROM_YEARS`]), without the age-dependent adult criteria (see
/// the module), and with the [`PAEDIATRIC`] statement last, naming the age and what was left
/// out.
pub(crate) fn apply(statements: Vec<Statement>, age_years: Option<f64>) -> Vec<Statement> {
    let Some(age) = age_years.filter(|&a| is_child(a)) else {
        return statements;
    };
    let mut out = Vec::with_capacity(statements.len() + 1);
    let mut left_out: Vec<String> = Vec::new();
    for s in statements {
        if AGE_DEPENDENT.iter().any(|p| s.text.starts_with(p))
            || (s.text.starts_with("T-wave inversion") && right_chest_only(&s.evidence.leads))
        {
            left_out.push(s.text);
        } else {
            out.push(s);
        }
    }
    let years = if age < 1.0 {
        format!("{:.0} months", (age * 12.0).floor())
    } else {
        format!("{:.0} years", age.floor())
    };
    let what = if left_out.is_empty() {
        "none of them fired here".to_string()
    } else {
        format!("left out here: {}", left_out.join("; "))
    };
    out.push(Statement {
        text: PAEDIATRIC.into(),
        criterion: Some(format!(
            "patient aged {years} (< {ADULT_FROM_YEARS:.0}): the adult bounds of right axis \
             deviation, left posterior fascicular block, ventricular hypertrophy, short PR \
             and right-chest T-wave inversion fall inside a child's normal range and are not \
             applied; under {ADULT_RATE_FROM_YEARS:.0} years sinus tachycardia starts above \
             the APLS upper bound of the age's resting rate (120-160/min); the \
             bundle-branch statements use the AHA 2009 QRS durations for the age, and no other \
             age-specific paediatric criteria are applied (Rijnbeek et al. 2001); {what}"
        )),
        state: StatementState::Suggested,
        evidence: Evidence::default(),
    });
    out
}

/// Whether every lead of `leads` is V1-V4 (and there is one).
fn right_chest_only(leads: &[LeadLabel]) -> bool {
    !leads.is_empty()
        && leads.iter().all(|l| {
            matches!(
                l,
                LeadLabel::V1 | LeadLabel::V2 | LeadLabel::V3 | LeadLabel::V4
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(text: &str, leads: Vec<LeadLabel>) -> Statement {
        Statement {
            text: text.into(),
            criterion: Some("rate 120 bpm > 100".into()),
            state: StatementState::Suggested,
            evidence: Evidence {
                leads,
                beats: Vec::new(),
            },
        }
    }

    fn reading() -> Vec<Statement> {
        use LeadLabel::*;
        vec![
            statement("Sinus tachycardia", vec![II]),
            statement("Right axis deviation", vec![I, AVF]),
            statement(
                "Right ventricular hypertrophy by voltage criteria",
                vec![V1],
            ),
            statement(
                "T-wave inversion, anteroseptal (V1, V2, V3)",
                vec![V1, V2, V3],
            ),
            statement("T-wave inversion, lateral (V5, V6)", vec![V5, V6]),
            statement("Left axis deviation", vec![I, AVF]),
            statement("First-degree AV block", vec![II]),
        ]
    }

    fn texts(s: &[Statement]) -> Vec<&str> {
        s.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn an_adult_or_an_unknown_age_keeps_every_statement() {
        for age in [None, Some(16.0), Some(70.0)] {
            assert_eq!(apply(reading(), age), reading(), "{age:?}");
        }
    }

    #[test]
    fn a_child_loses_the_age_dependent_criteria_and_is_told_which() {
        let out = apply(reading(), Some(8.4));
        // (The sinus rate is judged for the age where the statement is made.)
        assert_eq!(
            texts(&out),
            [
                "Sinus tachycardia",
                "T-wave inversion, lateral (V5, V6)",
                "Left axis deviation",
                "First-degree AV block",
                PAEDIATRIC,
            ]
        );
        let note = out[4].criterion.as_deref().unwrap();
        assert!(note.starts_with("patient aged 8 years (< 16)"), "{note}");
        for gone in [
            "Right axis deviation",
            "Right ventricular hypertrophy by voltage criteria",
            "T-wave inversion, anteroseptal (V1, V2, V3)",
        ] {
            assert!(note.contains(gone), "{gone} not named in {note}");
        }
        assert!(
            note.contains("sinus tachycardia starts above the APLS upper bound"),
            "{note}"
        );
    }

    #[test]
    fn a_childs_tachycardia_bound_is_the_apls_one_for_the_age() {
        assert_eq!(tachycardia_above(None), None);
        assert_eq!(tachycardia_above(Some(12.0)), None);
        assert_eq!(
            tachycardia_above(Some(11.9)),
            Some((120.0, "at 5-11 years"))
        );
        assert_eq!(tachycardia_above(Some(5.0)), Some((120.0, "at 5-11 years")));
        assert_eq!(tachycardia_above(Some(4.9)), Some((140.0, "at 2-4 years")));
        assert_eq!(tachycardia_above(Some(1.0)), Some((150.0, "at 1 year")));
        assert_eq!(tachycardia_above(Some(0.2)), Some((160.0, "under 1 year")));
    }

    #[test]
    fn the_tachycardia_bound_falls_with_age_to_the_adult_100() {
        let mut last = sinus_tachycardia_above(Some(0.0));
        for month in 0..=240 {
            let top = sinus_tachycardia_above(Some(month as f64 / 12.0));
            assert!(top <= last && top >= 100.0, "{month}: {top}");
            last = top;
        }
        assert_eq!(last, 100.0);
        assert_eq!(sinus_tachycardia_above(None), 100.0);
    }

    #[test]
    fn an_infant_is_aged_in_months_and_the_note_stands_when_nothing_was_left_out() {
        let out = apply(
            vec![statement("Sinus rhythm", vec![LeadLabel::II])],
            Some(0.5),
        );
        assert_eq!(texts(&out), ["Sinus rhythm", PAEDIATRIC]);
        let note = out[1].criterion.as_deref().unwrap();
        assert!(note.starts_with("patient aged 6 months"), "{note}");
        assert!(note.ends_with("none of them fired here"), "{note}");
    }
}

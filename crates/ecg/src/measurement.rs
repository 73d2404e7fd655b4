//! Clinical numbers with their units and methods attached: [`Millis`], [`Microvolts`],
//! [`Degrees`], [`Bpm`], QTc with its [`QtcFormula`], the global [`Measurements`] of an ECG and
//! interpretation [`Statement`]s with their review [`StatementState`].
//!
//! A bare `f64` never crosses a crate boundary as a clinical value: "QT 412" means nothing
//! until it says ms, and "QTc 440" nothing until it says Bazett or Fridericia.

use serde::{Deserialize, Serialize};

macro_rules! unit_newtype {
    ($(#[$doc:meta])* $name:ident, $suffix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:.0} {}", self.0, $suffix)
            }
        }
    };
}

unit_newtype!(
    /// A duration in milliseconds.
    Millis,
    "ms"
);
unit_newtype!(
    /// A duration in microseconds.
    Micros,
    "µs"
);
unit_newtype!(
    /// An amplitude in microvolts.
    Microvolts,
    "µV"
);
unit_newtype!(
    /// An angle in degrees (frontal-plane axis, -180..180).
    Degrees,
    "°"
);
unit_newtype!(
    /// A rate in beats per minute.
    Bpm,
    "bpm"
);

/// The heart-rate correction applied to QT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QtcFormula {
    /// Bazett 1920: QT / sqrt(RR in s).
    Bazett,
    /// Fridericia 1920: QT / cbrt(RR in s).
    Fridericia,
    /// Framingham (Sagie 1992): QT + 154 (1 - RR in s).
    Framingham,
    /// Hodges 1983: QT + 1.75 (HR - 60).
    Hodges,
}

impl QtcFormula {
    /// All formulas, in the order reports list them.
    pub const ALL: [QtcFormula; 4] = [
        QtcFormula::Bazett,
        QtcFormula::Fridericia,
        QtcFormula::Framingham,
        QtcFormula::Hodges,
    ];

    /// Applies the formula to a QT and RR interval.
    pub fn correct(self, qt: Millis, rr: Millis) -> Millis {
        let rr_s = rr.0 / 1000.0;
        Millis(match self {
            QtcFormula::Bazett => qt.0 / rr_s.sqrt(),
            QtcFormula::Fridericia => qt.0 / rr_s.cbrt(),
            QtcFormula::Framingham => qt.0 + 154.0 * (1.0 - rr_s),
            QtcFormula::Hodges => qt.0 + 1.75 * (60.0 / rr_s - 60.0),
        })
    }

    /// The formula's name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            QtcFormula::Bazett => "Bazett",
            QtcFormula::Fridericia => "Fridericia",
            QtcFormula::Framingham => "Framingham",
            QtcFormula::Hodges => "Hodges",
        }
    }
}

/// QTc by every formula (any may be missing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QtcSet {
    /// Bazett.
    pub bazett: Option<Millis>,
    /// Fridericia.
    pub fridericia: Option<Millis>,
    /// Framingham.
    pub framingham: Option<Millis>,
    /// Hodges.
    pub hodges: Option<Millis>,
}

impl QtcSet {
    /// Computes every formula from QT and RR.
    pub fn from_qt_rr(qt: Millis, rr: Millis) -> Self {
        Self {
            bazett: Some(QtcFormula::Bazett.correct(qt, rr)),
            fridericia: Some(QtcFormula::Fridericia.correct(qt, rr)),
            framingham: Some(QtcFormula::Framingham.correct(qt, rr)),
            hodges: Some(QtcFormula::Hodges.correct(qt, rr)),
        }
    }

    /// The value for one formula.
    pub fn get(&self, formula: QtcFormula) -> Option<Millis> {
        match formula {
            QtcFormula::Bazett => self.bazett,
            QtcFormula::Fridericia => self.fridericia,
            QtcFormula::Framingham => self.framingham,
            QtcFormula::Hodges => self.hodges,
        }
    }
}

/// Frontal-plane axes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// P axis.
    pub p: Option<Degrees>,
    /// QRS axis.
    pub qrs: Option<Degrees>,
    /// T axis.
    pub t: Option<Degrees>,
}

/// Global measurements of an ECG, from a device or from analysis. `None` = not measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measurements {
    /// Ventricular rate.
    pub hr: Option<Bpm>,
    /// Mean RR interval.
    pub rr: Option<Millis>,
    /// SD of RR intervals.
    pub rr_sd: Option<Millis>,
    /// PR interval.
    pub pr: Option<Millis>,
    /// QRS duration.
    pub qrs: Option<Millis>,
    /// QT interval.
    pub qt: Option<Millis>,
    /// QTc by formula. A device that reports one QTc without naming the formula is assumed
    /// Bazett only when its documentation says so; otherwise the reader leaves it here unset
    /// and adds a warning.
    pub qtc: QtcSet,
    /// Frontal axes.
    pub axis: Axis,
    /// P wave duration.
    pub p_duration: Option<Millis>,
}

/// The review state of an interpretation statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementState {
    /// Proposed by a device or by analysis; not reviewed.
    #[default]
    Suggested,
    /// Confirmed by a clinician.
    Confirmed,
    /// Rejected by a clinician.
    Rejected,
    /// Text edited by a clinician.
    Edited,
}

/// What an analysis statement rests on, so a viewer can highlight it and a report cite it:
/// the leads whose waves meet the criterion and the beats (indices into the analysis' beat
/// list) that show it. Empty for device statements and for statements about the whole
/// recording (e.g. a rate from every beat).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Leads the criterion was met in (empty: all leads or not lead-specific).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leads: Vec<crate::LeadLabel>,
    /// Beats (indices into the analysis' beats) the statement rests on (empty: every beat or
    /// the median beat).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beats: Vec<usize>,
}

impl Evidence {
    /// No leads and no beats named.
    pub fn is_empty(&self) -> bool {
        self.leads.is_empty() && self.beats.is_empty()
    }
}

/// One interpretation statement ("Sinus rhythm", "Left axis deviation"...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// The statement text.
    pub text: String,
    /// The criterion that fired, for analysis statements (e.g. "QTc Bazett 482 ms > 470 ms").
    pub criterion: Option<String>,
    /// Review state.
    pub state: StatementState,
    /// The leads and beats an analysis statement rests on.
    #[serde(default, skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
}

impl Statement {
    /// A suggested statement without a criterion (as read from a device).
    pub fn from_device(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            criterion: None,
            state: StatementState::Suggested,
            evidence: Evidence::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qtc_formulas_match_hand_calculation_at_rr_800() {
        let qt = Millis(400.0);
        let rr = Millis(800.0);
        let q = QtcSet::from_qt_rr(qt, rr);
        assert!((q.bazett.unwrap().0 - 447.2136).abs() < 1e-3);
        assert!((q.fridericia.unwrap().0 - 430.8869).abs() < 1e-3);
        assert!((q.framingham.unwrap().0 - 430.8).abs() < 1e-9);
        assert!((q.hodges.unwrap().0 - 426.25).abs() < 1e-9);
    }
}

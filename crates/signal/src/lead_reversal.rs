//! Arm electrode reversal (the left and right arm electrodes swapped): how it is recognised
//! and what it changes in the reading.
//!
//! With the arm electrodes swapped, lead I is inverted (P, QRS and T all negative), II and III
//! trade places, as do aVR and aVL, while aVF and the chest leads are unchanged (Batchvarov,
//! Malik & Camm 2007, Europace 9:1081). Every frontal axis then reads as 180° minus the true
//! one: a sinus P wave at +57° reads +123° ("ectopic atrial rhythm"), a normal QRS axis "right
//! axis deviation", and lead I's inverted T wave and initial deflection read as lateral T-wave
//! inversion and Q waves. Dextrocardia inverts lead I too, but also the left chest leads, whose
//! complexes shrink and turn negative. So the reversal is suspected when the P wave and the
//! net QRS are negative in I and the P wave is positive in aVR, while V5 or V6 shows an
//! upright P wave and a positive net QRS ([`suspected`]). Every criterion is a polarity within
//! one lead, which does not depend on the leads' gains.
//!
//! The reading then takes the frontal axes as mirrored back ([`mirrored`]) and the P-wave
//! polarity from the leads as they would be (II from III, aVR from aVL), and the statements
//! that rest on I, aVR or aVL are withheld with the reversal statement naming them
//! ([`withhold`]); the inferior leads keep their statements (II and III only trade places).

use ecg::{Degrees, LeadLabel, Statement};

/// The statement's text.
pub(crate) const ARM_REVERSAL: &str = "Arm lead reversal suspected";

/// The polarities [`suspected`] reads: the P wave's net area and the QRS's net deflection of
/// a lead (any unit; only the sign counts), `None` when the lead is missing.
pub(crate) struct Polarity<'a> {
    pub p: &'a dyn Fn(&LeadLabel) -> Option<f64>,
    pub qrs: &'a dyn Fn(&LeadLabel) -> Option<f64>,
}

/// Whether the arm electrodes look swapped: P wave and QRS negative in I, P wave positive in
/// aVR, and an upright P wave with a positive QRS in V5 or V6 (not dextrocardia).
pub(crate) fn suspected(of: &Polarity<'_>) -> bool {
    let (p, qrs) = (of.p, of.qrs);
    let below = |v: Option<f64>| v.is_some_and(|v| v < 0.0);
    let above = |v: Option<f64>| v.is_some_and(|v| v > 0.0);
    let left_chest_upright = [LeadLabel::V5, LeadLabel::V6]
        .iter()
        .any(|l| above(p(l)) && above(qrs(l)));
    below(p(&LeadLabel::I))
        && below(qrs(&LeadLabel::I))
        && above(p(&LeadLabel::AVR))
        && left_chest_upright
}

/// A frontal axis as it would read with the arm electrodes back in place: 180° minus the
/// recorded one, within -180..180°.
pub(crate) fn mirrored(a: Degrees) -> Degrees {
    let v = 180.0 - a.0;
    Degrees(if v > 180.0 { v - 360.0 } else { v })
}

/// The leads whose reading the reversal changes beyond a swap within the inferior leads.
const CHANGED_LEADS: [LeadLabel; 3] = [LeadLabel::I, LeadLabel::AVR, LeadLabel::AVL];

/// Statements read from the limb leads' patterns (which lead shows qR or rS), whatever the
/// leads they name.
const PATTERN_STATEMENTS: [&str; 2] = [
    "Left anterior fascicular block",
    "Left posterior fascicular block",
];

/// `statements` with those resting on I, aVR or aVL (and the fascicular blocks, read from the
/// limb leads' patterns) withheld, and the reversal statement first among the rest, its
/// criterion naming the axes as read back (`axes`: P, QRS as mirrored) and what was withheld.
pub(crate) fn withhold(statements: Vec<Statement>, axes: [Option<Degrees>; 2]) -> Vec<Statement> {
    let (withheld, kept): (Vec<Statement>, Vec<Statement>) =
        statements.into_iter().partition(|s| {
            PATTERN_STATEMENTS.iter().any(|p| s.text.starts_with(p))
                || s.evidence.leads.iter().any(|l| CHANGED_LEADS.contains(l))
        });
    let axis = |name: &str, a: Option<Degrees>| a.map(|a| format!("{name} {:.0}°", a.0));
    let axes: Vec<String> = [axis("P", axes[0]), axis("QRS", axes[1])]
        .into_iter()
        .flatten()
        .collect();
    let mut criterion = String::from(
        "P wave and QRS negative in I, P wave positive in aVR, while V5/V6 show an upright P wave and a positive QRS (not dextrocardia): the left and right arm electrodes look swapped; the frontal axes are read as 180° minus the recorded",
    );
    if !axes.is_empty() {
        criterion.push_str(&format!(" ({})", axes.join(", ")));
    }
    criterion.push_str(", the P-wave polarity from III and aVL (II and aVR as they would be)");
    if !withheld.is_empty() {
        let names: Vec<&str> = withheld.iter().map(|s| s.text.as_str()).collect();
        criterion.push_str(&format!(
            "; withheld as resting on I, aVR or aVL: {}",
            names.join("; ")
        ));
    }
    let mut out = vec![Statement {
        text: ARM_REVERSAL.to_string(),
        criterion: Some(criterion),
        state: ecg::StatementState::Suggested,
        evidence: ecg::Evidence {
            leads: vec![LeadLabel::I, LeadLabel::AVR, LeadLabel::V5, LeadLabel::V6],
            beats: Vec::new(),
        },
    }];
    out.extend(kept);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polarity_of(
        pairs: &'static [(LeadLabel, f64, f64)],
    ) -> (
        impl Fn(&LeadLabel) -> Option<f64>,
        impl Fn(&LeadLabel) -> Option<f64>,
    ) {
        let find = move |l: &LeadLabel| pairs.iter().find(|(x, _, _)| x == l);
        (
            move |l: &LeadLabel| find(l).map(|x| x.1),
            move |l: &LeadLabel| find(l).map(|x| x.2),
        )
    }

    #[test]
    fn reversal_needs_lead_i_inverted_avr_upright_and_upright_left_chest_leads() {
        use LeadLabel::*;
        static SWAPPED: [(LeadLabel, f64, f64); 4] = [
            (I, -1.0, -2.0),
            (AVR, 1.0, 1.5),
            (V5, 1.0, 3.0),
            (V6, 1.0, 2.0),
        ];
        let (p, qrs) = polarity_of(&SWAPPED);
        assert!(suspected(&Polarity { p: &p, qrs: &qrs }));
        // Dextrocardia: the left chest leads negative too.
        static DEXTRO: [(LeadLabel, f64, f64); 4] = [
            (I, -1.0, -2.0),
            (AVR, 1.0, 1.5),
            (V5, -0.5, -1.0),
            (V6, -0.5, -2.0),
        ];
        let (p, qrs) = polarity_of(&DEXTRO);
        assert!(!suspected(&Polarity { p: &p, qrs: &qrs }));
        // Right axis deviation with sinus P waves: P upright in I.
        static RAD: [(LeadLabel, f64, f64); 4] = [
            (I, 1.0, -2.0),
            (AVR, -1.0, 0.5),
            (V5, 1.0, 1.0),
            (V6, 1.0, 1.0),
        ];
        let (p, qrs) = polarity_of(&RAD);
        assert!(!suspected(&Polarity { p: &p, qrs: &qrs }));
        // A lead missing: not suspected.
        static NO_AVR: [(LeadLabel, f64, f64); 3] =
            [(I, -1.0, -2.0), (V5, 1.0, 3.0), (V6, 1.0, 2.0)];
        let (p, qrs) = polarity_of(&NO_AVR);
        assert!(!suspected(&Polarity { p: &p, qrs: &qrs }));
    }

    #[test]
    fn axes_are_mirrored_about_the_vertical() {
        assert_eq!(mirrored(Degrees(123.0)).0, 57.0);
        assert_eq!(mirrored(Degrees(-30.0)).0, -150.0);
        assert_eq!(mirrored(Degrees(-150.0)).0, -30.0);
        assert_eq!(mirrored(Degrees(90.0)).0, 90.0);
    }
}

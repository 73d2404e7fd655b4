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
//! net QRS are negative in I, with the T wave negative there too or the P wave positive in aVR,
//! while V5 or V6 shows an upright P wave and a positive net QRS ([`suspected`]). Every
//! criterion is a polarity within one lead, which does not depend on the leads' gains.
//!
//! The reading then takes the frontal axes as mirrored back ([`mirrored`]) and the P-wave
//! polarity from the leads as they would be (II from III, aVR from aVL), and the statements
//! that rest on I, aVR or aVL are withheld with the reversal statement naming them
//! ([`withhold`]); the inferior leads keep their statements (II and III only trade places).

use ecg::{Degrees, LeadLabel, Statement};

/// The statement's text.
pub(crate) const ARM_REVERSAL: &str = "Arm lead reversal suspected";

/// The polarities [`suspected`] reads: the P wave's net area, the QRS's net deflection and the
/// T wave's extreme of a lead (any unit; only the sign counts), `None` when the lead is
/// missing.
pub(crate) struct Polarity<'a> {
    pub p: &'a dyn Fn(&LeadLabel) -> Option<f64>,
    pub qrs: &'a dyn Fn(&LeadLabel) -> Option<f64>,
    pub t: &'a dyn Fn(&LeadLabel) -> Option<f64>,
}

/// Whether the arm electrodes look swapped: P wave and QRS negative in I, and either the T
/// wave negative in I too (lead I inverted as a whole) or the P wave positive in aVR, while V5
/// or V6 shows an upright P wave and a positive QRS (not dextrocardia). Either second sign
/// alone misses some: aVR's P (the true aVL's) is flat when the true P axis is near +60°, and
/// a discordant T (left bundle branch block) turns upright in the inverted lead I.
pub(crate) fn suspected(of: &Polarity<'_>) -> bool {
    let (p, qrs, t) = (of.p, of.qrs, of.t);
    let below = |v: Option<f64>| v.is_some_and(|v| v < 0.0);
    let above = |v: Option<f64>| v.is_some_and(|v| v > 0.0);
    let left_chest_upright = [LeadLabel::V5, LeadLabel::V6]
        .iter()
        .any(|l| above(p(l)) && above(qrs(l)));
    below(p(&LeadLabel::I))
        && below(qrs(&LeadLabel::I))
        && (below(t(&LeadLabel::I)) || above(p(&LeadLabel::AVR)))
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
        "P wave and QRS negative in I, with the T wave negative there too or the P wave positive in aVR, while V5/V6 show an upright P wave and a positive QRS (not dextrocardia): the left and right arm electrodes look swapped; the frontal axes are read as 180° minus the recorded",
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

    /// Whether [`suspected`] holds for leads given as (lead, P, QRS, T) signs.
    fn suspected_for(pairs: &[(LeadLabel, f64, f64, f64)]) -> bool {
        let find = |l: &LeadLabel| pairs.iter().find(|x| &x.0 == l);
        suspected(&Polarity {
            p: &|l| find(l).map(|x| x.1),
            qrs: &|l| find(l).map(|x| x.2),
            t: &|l| find(l).map(|x| x.3),
        })
    }

    #[test]
    fn reversal_needs_lead_i_inverted_as_a_whole_and_upright_left_chest_leads() {
        use LeadLabel::*;
        let chest = [(V5, 1.0, 3.0, 1.0), (V6, 1.0, 2.0, 1.0)];
        let with = |i: (f64, f64, f64)| {
            let mut v = vec![(I, i.0, i.1, i.2)];
            v.extend(chest.iter().cloned());
            v
        };
        assert!(suspected_for(&with((-1.0, -2.0, -0.5))));
        // Right axis deviation with an inverted T but sinus P waves (P upright in I).
        assert!(!suspected_for(&with((1.0, -2.0, -0.5))));
        // An upright T in I (a discordant T under left bundle branch block) and no P wave in
        // aVR: neither second sign; with the P wave positive in aVR, suspected.
        assert!(!suspected_for(&with((-1.0, -2.0, 0.5))));
        let mut avr = with((-1.0, -2.0, 0.5));
        avr.push((AVR, 1.0, 1.0, 1.0));
        assert!(suspected_for(&avr));
        // Dextrocardia: the left chest leads negative too.
        let dextro = [
            (I, -1.0, -2.0, -0.5),
            (V5, -0.5, -1.0, -0.5),
            (V6, -0.5, -2.0, -0.5),
        ];
        assert!(!suspected_for(&dextro));
        // Lead I missing: not suspected.
        assert!(!suspected_for(&chest));
    }

    #[test]
    fn axes_are_mirrored_about_the_vertical() {
        assert_eq!(mirrored(Degrees(123.0)).0, 57.0);
        assert_eq!(mirrored(Degrees(-30.0)).0, -150.0);
        assert_eq!(mirrored(Degrees(-150.0)).0, -30.0);
        assert_eq!(mirrored(Degrees(90.0)).0, 90.0);
    }
}

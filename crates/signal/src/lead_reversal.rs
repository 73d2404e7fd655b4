//! Limb electrode reversals (two limb electrodes swapped): how they are recognised and what
//! they change in the reading.
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
//! With the right arm and left leg electrodes swapped, II is inverted, I reads the inverted
//! III and III the inverted I, aVR and aVF trade places and aVL is unchanged: every frontal
//! axis reads as -60° minus the true one (a sinus P at +58° reads -118°), the P wave, QRS and
//! T turn negative in I, II, III and aVF and positive in aVR, and the inverted inferior leads
//! read as inferior Q waves and T-wave inversion. It shares the arm reversal's P-wave signs in
//! I and aVR and differs in II and aVF, which the arm reversal leaves upright: the P wave and
//! the net QRS negative in II, and the P wave negative in aVF. The net QRS of I (the inverted
//! III) is not asked: it is positive wherever the QRS axis lies under +30°.
//!
//! The reading then takes the frontal axes back ([`Reversal::axis_back`]) and the P-wave
//! polarities from the leads as they would be ([`Reversal::source`]), and the statements that
//! rest on the leads the reversal changes are withheld with the reversal statement naming
//! them ([`withhold`]): I, aVR and aVL for the arms (the inferior leads keep their statements:
//! II and III only trade places), every limb lead but aVL for the right arm and left leg.

use ecg::{Degrees, LeadLabel, Statement};

/// The statement's text for the arm electrodes swapped.
pub(crate) const ARM_REVERSAL: &str = "Arm lead reversal suspected";
/// The statement's text for the right arm and left leg electrodes swapped.
pub(crate) const RIGHT_ARM_LEFT_LEG_REVERSAL: &str =
    "Right arm and left leg lead reversal suspected";

/// Which two limb electrodes look swapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reversal {
    /// Left and right arm.
    Arms,
    /// Right arm and left leg.
    RightArmLeftLeg,
}

impl Reversal {
    /// Where the limb lead `l` as it would be recorded with the electrodes in place is on
    /// the recording: the recorded lead and its sign (+1, or -1 for an inverted lead). The
    /// chest leads are where they are.
    pub(crate) fn source(self, l: &LeadLabel) -> (LeadLabel, f64) {
        use LeadLabel::*;
        match (self, l) {
            (Reversal::Arms, I) => (I, -1.0),
            (Reversal::Arms, II) => (III, 1.0),
            (Reversal::Arms, III) => (II, 1.0),
            (Reversal::Arms, AVR) => (AVL, 1.0),
            (Reversal::Arms, AVL) => (AVR, 1.0),
            (Reversal::RightArmLeftLeg, I) => (III, -1.0),
            (Reversal::RightArmLeftLeg, II) => (II, -1.0),
            (Reversal::RightArmLeftLeg, III) => (I, -1.0),
            (Reversal::RightArmLeftLeg, AVR) => (AVF, 1.0),
            (Reversal::RightArmLeftLeg, AVF) => (AVR, 1.0),
            (_, other) => (other.clone(), 1.0),
        }
    }

    /// A frontal axis as it would read with the electrodes in place, within -180..180°:
    /// 180° minus the recorded one for the arms (a mirror about the vertical), -60° minus it
    /// for the right arm and left leg (a mirror about aVL's line, which that swap leaves
    /// alone).
    pub(crate) fn axis_back(self, a: Degrees) -> Degrees {
        let v = match self {
            Reversal::Arms => 180.0 - a.0,
            Reversal::RightArmLeftLeg => -60.0 - a.0,
        };
        Degrees(if v > 180.0 {
            v - 360.0
        } else if v <= -180.0 {
            v + 360.0
        } else {
            v
        })
    }

    /// The leads whose reading the reversal changes beyond a swap within the inferior leads.
    fn changed_leads(self) -> &'static [LeadLabel] {
        match self {
            Reversal::Arms => &[LeadLabel::I, LeadLabel::AVR, LeadLabel::AVL],
            Reversal::RightArmLeftLeg => &[
                LeadLabel::I,
                LeadLabel::II,
                LeadLabel::III,
                LeadLabel::AVR,
                LeadLabel::AVF,
            ],
        }
    }
}

/// The polarities [`suspected`] reads: the P wave's net area, the QRS's net deflection and the
/// T wave's extreme of a lead (any unit; only the sign counts), `None` when the lead is
/// missing.
pub(crate) struct Polarity<'a> {
    pub p: &'a dyn Fn(&LeadLabel) -> Option<f64>,
    pub qrs: &'a dyn Fn(&LeadLabel) -> Option<f64>,
    pub t: &'a dyn Fn(&LeadLabel) -> Option<f64>,
}

/// Which limb electrodes look swapped, if any: P wave and QRS negative in I, and either the T
/// wave negative in I too (lead I inverted as a whole) or the P wave positive in aVR, while V5
/// or V6 shows an upright P wave and a positive QRS (not dextrocardia). Either second sign
/// alone misses some arm reversals: aVR's P (the true aVL's) is flat when the true P axis is
/// near +60°, and a discordant T (left bundle branch block) turns upright in the inverted lead
/// I. Those are the arms ([`Reversal::Arms`]) unless the P wave and the net QRS are negative in
/// II as well and the P wave negative in aVF and positive in aVR, which the arms' swap leaves
/// otherwise: then the right arm and left leg ([`Reversal::RightArmLeftLeg`]).
pub(crate) fn suspected(of: &Polarity<'_>) -> Option<Reversal> {
    let (p, qrs, t) = (of.p, of.qrs, of.t);
    let below = |v: Option<f64>| v.is_some_and(|v| v < 0.0);
    let above = |v: Option<f64>| v.is_some_and(|v| v > 0.0);
    let left_chest_upright = [LeadLabel::V5, LeadLabel::V6]
        .iter()
        .any(|l| above(p(l)) && above(qrs(l)));
    if !left_chest_upright {
        return None;
    }
    // The right arm and left leg: II inverted whole (its P wave and net QRS), the P wave
    // negative in I (the inverted III) and in aVF (aVR), positive in aVR (aVF). Not the net
    // QRS of I: the inverted III is positive wherever the QRS axis lies under +30° (LBBB at
    // +21° read "Ectopic atrial rhythm" and "Left axis deviation" at -81°, and so did LUDB
    // 10 and 57 swapped). A low atrial rhythm with a left axis deviation shows the same
    // signs in II, aVR and aVF, but its P wave (axis -60..-90°) stays upright in I.
    let right_arm_left_leg = below(p(&LeadLabel::I))
        && below(p(&LeadLabel::II))
        && below(qrs(&LeadLabel::II))
        && below(p(&LeadLabel::AVF))
        && above(p(&LeadLabel::AVR));
    let lead_i_inverted = below(p(&LeadLabel::I))
        && below(qrs(&LeadLabel::I))
        && (below(t(&LeadLabel::I)) || above(p(&LeadLabel::AVR)));
    if right_arm_left_leg {
        Some(Reversal::RightArmLeftLeg)
    } else if lead_i_inverted {
        Some(Reversal::Arms)
    } else {
        None
    }
}

/// Statements read from the limb leads' patterns (which lead shows qR or rS), whatever the
/// leads they name.
const PATTERN_STATEMENTS: [&str; 2] = [
    "Left anterior fascicular block",
    "Left posterior fascicular block",
];

/// `statements` with those resting on the leads `kind` changes (and the fascicular blocks,
/// read from the limb leads' patterns) withheld, and the reversal statement first among the
/// rest, its criterion naming the axes as read back (`axes`: P, QRS) and what was withheld.
pub(crate) fn withhold(
    statements: Vec<Statement>,
    kind: Reversal,
    axes: [Option<Degrees>; 2],
) -> Vec<Statement> {
    let changed = kind.changed_leads();
    let (withheld, kept): (Vec<Statement>, Vec<Statement>) =
        statements.into_iter().partition(|s| {
            PATTERN_STATEMENTS.iter().any(|p| s.text.starts_with(p))
                || s.evidence.leads.iter().any(|l| changed.contains(l))
        });
    let axis = |name: &str, a: Option<Degrees>| a.map(|a| format!("{name} {:.0}°", a.0));
    let axes: Vec<String> = [axis("P", axes[0]), axis("QRS", axes[1])]
        .into_iter()
        .flatten()
        .collect();
    let (text, sign, back, polarity_from, changed_names, evidence) = match kind {
        Reversal::Arms => (
            ARM_REVERSAL,
            "P wave and QRS negative in I, with the T wave negative there too or the P wave positive in aVR, while V5/V6 show an upright P wave and a positive QRS (not dextrocardia): the left and right arm electrodes look swapped",
            "180° minus the recorded",
            "the P-wave polarity from III and aVL (II and aVR as they would be)",
            "I, aVR or aVL",
            vec![LeadLabel::I, LeadLabel::AVR, LeadLabel::V5, LeadLabel::V6],
        ),
        Reversal::RightArmLeftLeg => (
            RIGHT_ARM_LEFT_LEG_REVERSAL,
            "P wave negative in I, P wave and QRS negative in II, the P wave negative in aVF and positive in aVR, while V5/V6 show an upright P wave and a positive QRS: the right arm and left leg electrodes look swapped (II inverted, I and III the inverted III and I, aVR and aVF traded)",
            "-60° minus the recorded",
            "the P-wave polarity from the inverted II and from aVF (II and aVR as they would be)",
            "I, II, III, aVR or aVF",
            vec![
                LeadLabel::I,
                LeadLabel::II,
                LeadLabel::AVR,
                LeadLabel::AVF,
                LeadLabel::V5,
                LeadLabel::V6,
            ],
        ),
    };
    let mut criterion = format!("{sign}; the frontal axes are read as {back}");
    if !axes.is_empty() {
        criterion.push_str(&format!(" ({})", axes.join(", ")));
    }
    criterion.push_str(&format!(", {polarity_from}"));
    if !withheld.is_empty() {
        let names: Vec<&str> = withheld.iter().map(|s| s.text.as_str()).collect();
        criterion.push_str(&format!(
            "; withheld as resting on {changed_names}: {}",
            names.join("; ")
        ));
    }
    let mut out = vec![Statement {
        text: text.to_string(),
        criterion: Some(criterion),
        state: ecg::StatementState::Suggested,
        evidence: ecg::Evidence {
            leads: evidence,
            beats: Vec::new(),
        },
    }];
    out.extend(kept);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`suspected`] finds for leads given as (lead, P, QRS, T) signs.
    fn reversal_for(pairs: &[(LeadLabel, f64, f64, f64)]) -> Option<Reversal> {
        let find = |l: &LeadLabel| pairs.iter().find(|x| &x.0 == l);
        suspected(&Polarity {
            p: &|l| find(l).map(|x| x.1),
            qrs: &|l| find(l).map(|x| x.2),
            t: &|l| find(l).map(|x| x.3),
        })
    }

    /// Whether [`suspected`] finds the arm reversal.
    fn suspected_for(pairs: &[(LeadLabel, f64, f64, f64)]) -> bool {
        reversal_for(pairs) == Some(Reversal::Arms)
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
    fn lead_ii_and_avf_inverted_too_are_the_right_arm_and_left_leg() {
        use LeadLabel::*;
        // The sinus beat with the right arm and left leg swapped: I, II, III and aVF
        // negative, aVR positive, the left chest leads upright.
        let swapped = [
            (I, -0.2, -0.5, -0.1),
            (II, -1.0, -2.0, -0.5),
            (III, -0.8, -1.0, -0.4),
            (AVR, 1.0, 1.5, 0.5),
            (AVF, -0.9, -1.5, -0.4),
            (V5, 1.0, 3.0, 1.0),
            (V6, 1.0, 2.0, 1.0),
        ];
        assert_eq!(reversal_for(&swapped), Some(Reversal::RightArmLeftLeg));
        // The arms swapped: II (the true III) and aVF upright.
        let arms = [
            (I, -1.0, -2.0, -0.5),
            (II, 0.5, 1.0, 0.3),
            (AVR, 0.1, 0.2, 0.1),
            (AVF, 1.0, 1.5, 0.4),
            (V5, 1.0, 3.0, 1.0),
        ];
        assert_eq!(reversal_for(&arms), Some(Reversal::Arms));
        // With aVF's P upright (a leftward P axis with II inverted): the arms.
        let mut avf_up = swapped;
        avf_up[4].1 = 0.3;
        assert_eq!(reversal_for(&avf_up), Some(Reversal::Arms));
    }

    #[test]
    fn axes_are_read_back_by_the_reversal() {
        let arms = |a: f64| Reversal::Arms.axis_back(Degrees(a)).0;
        assert_eq!(arms(123.0), 57.0);
        assert_eq!(arms(-30.0), -150.0);
        assert_eq!(arms(-150.0), -30.0);
        assert_eq!(arms(90.0), 90.0);
        let legs = |a: f64| Reversal::RightArmLeftLeg.axis_back(Degrees(a)).0;
        assert_eq!(legs(-118.0), 58.0);
        assert_eq!(legs(-30.0), -30.0);
        assert_eq!(legs(150.0), 150.0);
        assert_eq!(legs(60.0), -120.0);
        assert_eq!(legs(-150.0), 90.0);
    }

    #[test]
    fn the_source_of_each_limb_lead_undoes_the_swap() {
        use LeadLabel::*;
        assert_eq!(Reversal::Arms.source(&I), (I, -1.0));
        assert_eq!(Reversal::Arms.source(&II), (III, 1.0));
        assert_eq!(Reversal::Arms.source(&AVF), (AVF, 1.0));
        assert_eq!(Reversal::RightArmLeftLeg.source(&II), (II, -1.0));
        assert_eq!(Reversal::RightArmLeftLeg.source(&AVR), (AVF, 1.0));
        assert_eq!(Reversal::RightArmLeftLeg.source(&AVL), (AVL, 1.0));
        assert_eq!(Reversal::RightArmLeftLeg.source(&V1), (V1, 1.0));
    }
}

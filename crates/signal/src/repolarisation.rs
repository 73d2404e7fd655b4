//! Repolarisation and ischaemia statements: ST elevation, ST depression, T-wave inversion and
//! pathological Q waves, read per lead on the median beat and stated when two anatomically
//! contiguous leads meet the criterion, with the territory and the leads named.
//!
//! Criteria (Fourth Universal Definition of Myocardial Infarction, Thygesen et al. 2018,
//! "ECG manifestations of acute myocardial ischaemia (in absence of LVH and LBBB)" and "ECG
//! changes associated with prior myocardial infarction (in the absence of QRS confounders)"):
//! - ST elevation: new ST elevation at the J point in two contiguous leads, >= 0.1 mV
//!   ([`STE_MV`]) in all leads other than V2-V3; in V2-V3 >= 0.2 mV for men >= 40
//!   years, >= 0.25 mV for men < 40 years, >= 0.15 mV for women ([`ste_v2v3_mv`]). With the sex, or a
//!   man's age, unknown the men >= 40 threshold (0.2 mV) is used and the criterion says so.
//!   Stated as "consider acute myocardial injury": the ECG alone does not make the diagnosis.
//! - ST depression: new horizontal or downsloping ST depression >= 0.05 mV ([`STD_MV`]) at
//!   the J point in two contiguous leads; horizontal or downsloping means the level 60 ms
//!   after J is not above the J level. Stated as "consider ischaemia"; beside a stated ST
//!   elevation the criterion notes that it may be reciprocal.
//! - T-wave inversion: T inversion > 0.1 mV ([`TWI_MV`]) in two contiguous leads with a
//!   prominent R wave or R/S ratio > 1 (here: R larger than |S|). aVR and V1, where an inverted
//!   T is normal, never count; III counts only with a contiguous partner (II or aVF).
//! - Pathological Q waves (prior MI): any Q wave >= 20 ms ([`Q_V2V3_MS`]) or a QS complex in
//!   V2-V3 (here also >= 0.1 mV deep, [`Q_V2V3_MV`], stricter than the UDMI); a Q wave >= 30 ms ([`Q_MS`]) and >= 0.1 mV deep ([`Q_MV`]) or a QS complex in I,
//!   II, aVL, aVF or V4-V6; in two leads of one contiguous grouping (I, aVL; V1-V6; II, III,
//!   aVF). Stated as "consider prior myocardial infarction". The Q width is the first
//!   (negative) deflection of the QRS on the median beat from zero crossing to zero crossing
//!   ([`crate::conduction::QrsShape`]); a QS complex is a QRS with no positive deflection.
//!
//! Contiguous leads for the ST and T criteria: inferior II, III, aVF; lateral I, aVL, V5, V6;
//! septal V1, V2; anterior V3, V4; and neighbouring precordial leads (V1-V2, ..., V5-V6). aVR
//! is in no group. The territory named is the set of groups the stated leads fall in
//! (e.g. anteroseptal for V1-V4).
//!
//! Levels are the per-lead amplitudes of [`crate::measure`]: relative to the PR-segment (PQ)
//! level, the J point being where the QRS of the median beat ends ([`crate::measure::qrs_end`]:
//! past a terminal S or R' that outlasts the other leads, so ST is not read on the S wave). A lead without a
//! measurable J point (or QRS) never counts.
//!
//! When they are not stated:
//! - All four: when the lead gains are suspect (limb leads breaking Einthoven's law), since
//!   every threshold is an absolute voltage; the caller ([`crate::statements::derive`]) returns
//!   before this module then.
//! - ST elevation, ST depression, T inversion: in a paced rhythm, in complete LBBB or RBBB, or
//!   with QRS >= 120 ms for any reason ([`QRS_WIDE_MS`]), and with left ventricular
//!   hypertrophy by voltage. Abnormal ventricular depolarisation brings secondary ST-T changes
//!   (ST elevation with deep S waves in V1-V3 in LBBB and pacing, ST depression and T
//!   inversion in the leads with the terminal delay or the hypertrophied wall) that exceed
//!   these thresholds without ischaemia; the Fourth Universal Definition gives them for the
//!   absence of LVH and LBBB, and reading injury under these confounders needs other rules
//!   (e.g. Sgarbossa's) that this module does not apply.
//! - Pathological Q waves: in a paced rhythm, in complete LBBB and in pre-excitation (the QRS
//!   confounders that change the initial QRS forces); RBBB leaves the initial forces and so
//!   the Q criteria intact.

use ecg::{Evidence, LeadLabel, Sex, Statement, StatementState};

use crate::conduction::QrsShape;
use crate::measure::LeadAmplitudes;

/// ST elevation at J in leads other than V2-V3 (mV, at least).
pub(crate) const STE_MV: f64 = 0.1;
/// ST elevation at J in V2-V3, men >= 40 years (and unknown sex or age) (mV, at least).
pub(crate) const STE_V2V3_MEN_40_MV: f64 = 0.2;
/// ST elevation at J in V2-V3, men < 40 years (mV, at least).
pub(crate) const STE_V2V3_MEN_UNDER_40_MV: f64 = 0.25;
/// ST elevation at J in V2-V3, women (mV, at least).
pub(crate) const STE_V2V3_WOMEN_MV: f64 = 0.15;
/// ST depression at J (mV, at least).
pub(crate) const STD_MV: f64 = 0.05;
/// T-wave inversion (mV, deeper than).
pub(crate) const TWI_MV: f64 = 0.1;
/// Q wave width in V2-V3 (ms, at least).
pub(crate) const Q_V2V3_MS: f64 = 20.0;
/// Q wave depth in V2-V3 (mV, at least). The UDMI counts any Q wave there; a small septal q
/// measured from zero crossing to zero crossing on the median beat can reach 20 ms (a Welch
/// Allyn file its device reads as a normal variant: V2 0.06 mV, V3 0.09 mV), so a Q must also
/// be 0.1 mV deep here, as in the other leads.
pub(crate) const Q_V2V3_MV: f64 = 0.1;
/// Q wave width in I, II, aVL, aVF, V4-V6 (ms, at least) ...
pub(crate) const Q_MS: f64 = 30.0;
/// ... and depth (mV, at least).
pub(crate) const Q_MV: f64 = 0.1;
/// QRS duration from which the ST-T criteria are not applied (ms).
pub(crate) const QRS_WIDE_MS: f64 = 120.0;

/// What the repolarisation rules look at.
pub(crate) struct Inputs<'a> {
    /// Per-lead amplitudes on the median beat.
    pub amplitudes: &'a [LeadAmplitudes],
    /// QRS shapes of the median beats.
    pub shapes: &'a [QrsShape],
    /// Patient sex.
    pub sex: Sex,
    /// Patient age (years).
    pub age_years: Option<f64>,
    /// Global QRS duration (ms).
    pub qrs_ms: Option<f64>,
    /// More than half the beats are paced.
    pub paced: bool,
    /// The statements derived so far (conduction and hypertrophy are read from their texts).
    pub prior: &'a [Statement],
}

/// Standard lead order, for listing leads.
const ORDER: [LeadLabel; 12] = LeadLabel::STANDARD_12;

/// Contiguous groups for the ST and T criteria.
const ST_GROUPS: [&[LeadLabel]; 4] = [
    &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF],
    &[LeadLabel::I, LeadLabel::AVL, LeadLabel::V5, LeadLabel::V6],
    &[LeadLabel::V1, LeadLabel::V2],
    &[LeadLabel::V3, LeadLabel::V4],
];

/// Contiguous groupings of the Q-wave criteria (Fourth Universal Definition).
const Q_GROUPS: [&[LeadLabel]; 3] = [
    &[LeadLabel::I, LeadLabel::AVL],
    &[
        LeadLabel::V1,
        LeadLabel::V2,
        LeadLabel::V3,
        LeadLabel::V4,
        LeadLabel::V5,
        LeadLabel::V6,
    ],
    &[LeadLabel::II, LeadLabel::III, LeadLabel::AVF],
];

fn precordial_index(l: &LeadLabel) -> Option<usize> {
    ORDER[6..].iter().position(|x| x == l)
}

/// Whether two leads are contiguous for the ST and T criteria.
fn st_contiguous(a: &LeadLabel, b: &LeadLabel) -> bool {
    if a == b {
        return false;
    }
    if let (Some(i), Some(j)) = (precordial_index(a), precordial_index(b))
        && i.abs_diff(j) == 1
    {
        return true;
    }
    ST_GROUPS.iter().any(|g| g.contains(a) && g.contains(b))
}

/// Whether two leads are in one grouping of the Q-wave criteria.
fn q_contiguous(a: &LeadLabel, b: &LeadLabel) -> bool {
    a != b && Q_GROUPS.iter().any(|g| g.contains(a) && g.contains(b))
}

/// The leads of `hits` with a contiguous partner among them, in standard order.
fn contiguous_hits(
    hits: &[LeadLabel],
    contiguous: fn(&LeadLabel, &LeadLabel) -> bool,
) -> Vec<LeadLabel> {
    ORDER
        .iter()
        .filter(|l| hits.contains(l) && hits.iter().any(|o| contiguous(l, o)))
        .cloned()
        .collect()
}

/// The territory of a set of leads: inferior, septal, anterior, lateral and their usual
/// combinations (anteroseptal, anterolateral, inferolateral, extensive anterior).
pub(crate) fn territory(leads: &[LeadLabel]) -> String {
    let has = |g: &[LeadLabel]| leads.iter().any(|l| g.contains(l));
    let inferior = has(ST_GROUPS[0]);
    let lateral = has(ST_GROUPS[1]);
    let septal = has(ST_GROUPS[2]);
    let anterior = has(ST_GROUPS[3]);
    let front = match (septal, anterior, lateral) {
        (true, true, true) => Some("extensive anterior"),
        (true, true, false) => Some("anteroseptal"),
        (false, true, true) => Some("anterolateral"),
        (true, false, true) => Some("septal and lateral"),
        (true, false, false) => Some("septal"),
        (false, true, false) => Some("anterior"),
        (false, false, true) => Some("lateral"),
        (false, false, false) => None,
    };
    match (inferior, front) {
        (true, Some("lateral")) => "inferolateral".into(),
        (true, Some(f)) => format!("inferior and {f}"),
        (true, None) => "inferior".into(),
        (false, Some(f)) => f.into(),
        (false, None) => String::new(),
    }
}

fn names(leads: &[LeadLabel]) -> String {
    leads
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn statement(kind: &str, leads: Vec<LeadLabel>, criterion: String) -> Statement {
    Statement {
        text: format!("{kind}, {} ({})", territory(&leads), names(&leads)),
        criterion: Some(criterion),
        state: StatementState::Suggested,
        evidence: Evidence {
            leads,
            beats: Vec::new(),
        },
    }
}

/// ST elevation threshold in V2-V3 (mV) and how it was chosen.
pub(crate) fn ste_v2v3_mv(sex: Sex, age_years: Option<f64>) -> (f64, &'static str) {
    match (sex, age_years) {
        (Sex::Female, _) => (STE_V2V3_WOMEN_MV, "women"),
        (Sex::Male, Some(a)) if a < 40.0 => (STE_V2V3_MEN_UNDER_40_MV, "men < 40 years"),
        (Sex::Male, Some(_)) => (STE_V2V3_MEN_40_MV, "men >= 40 years"),
        (Sex::Male, None) => (
            STE_V2V3_MEN_40_MV,
            "men >= 40 years, used as the age is unknown",
        ),
        (Sex::Unknown, _) => (
            STE_V2V3_MEN_40_MV,
            "men >= 40 years, used as the sex is unknown",
        ),
    }
}

fn mv(v: Option<ecg::Microvolts>) -> Option<f64> {
    v.map(|u| u.0 / 1000.0)
}

/// Lead values formatted as "V2 0.21, V3 0.25".
fn values(leads: &[LeadLabel], v: &dyn Fn(&LeadLabel) -> Option<f64>, unit: &str) -> String {
    leads
        .iter()
        .filter_map(|l| v(l).map(|x| format!("{l} {x:.2}{unit}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The repolarisation and Q-wave statements.
pub(crate) fn statements(i: &Inputs<'_>) -> Vec<Statement> {
    let mut out = Vec::new();
    let prior = |prefix: &str| i.prior.iter().any(|s| s.text.starts_with(prefix));
    let lbbb = prior("Complete left bundle branch block");
    let rbbb = prior("Complete right bundle branch block");
    let wpw = prior("Ventricular pre-excitation");
    let lvh = prior("Left ventricular hypertrophy");
    let wide = i.qrs_ms.is_some_and(|q| q >= QRS_WIDE_MS);
    let amp = |l: &LeadLabel| i.amplitudes.iter().find(|a| &a.lead == l);
    let leads: Vec<LeadLabel> = ORDER.iter().filter(|l| amp(l).is_some()).cloned().collect();

    let st_t_confounded = i.paced || lbbb || rbbb || wide || lvh;
    if !st_t_confounded {
        // ST elevation.
        let (v23, v23_why) = ste_v2v3_mv(i.sex, i.age_years);
        let limit = |l: &LeadLabel| {
            if matches!(l, LeadLabel::V2 | LeadLabel::V3) {
                v23
            } else {
                STE_MV
            }
        };
        let j = |l: &LeadLabel| amp(l).and_then(|a| mv(a.st_j));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| j(l).is_some_and(|v| v >= limit(l) - 1e-9))
            .cloned()
            .collect();
        let ste = contiguous_hits(&hits, st_contiguous);
        let stated_ste = !ste.is_empty();
        if stated_ste {
            let crit = format!(
                "consider acute myocardial injury; meets the Fourth Universal Definition of MI ST-elevation thresholds at the J point in two contiguous leads ({}; >= {STE_MV:.2} mV, V2-V3 >= {v23:.2} mV for {v23_why}); clinical context required",
                values(&ste, &j, " mV"),
            );
            out.push(statement("ST elevation", ste, crit));
        }

        // ST depression, horizontal or downsloping.
        let j60 = |l: &LeadLabel| amp(l).and_then(|a| mv(a.st_j60));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| match (j(l), j60(l)) {
                (Some(a), Some(b)) => a <= -STD_MV + 1e-9 && b <= a,
                _ => false,
            })
            .cloned()
            .collect();
        let std = contiguous_hits(&hits, st_contiguous);
        if !std.is_empty() {
            let reciprocal = if stated_ste {
                "; may be reciprocal to the ST elevation"
            } else {
                ""
            };
            let crit = format!(
                "consider ischaemia; horizontal or downsloping ST depression >= {STD_MV:.2} mV at the J point (J+60 ms not above J) in two contiguous leads ({}){reciprocal}",
                values(&std, &j, " mV"),
            );
            out.push(statement("ST depression", std, crit));
        }

        // T-wave inversion with a dominant R.
        let t = |l: &LeadLabel| amp(l).and_then(|a| mv(a.t));
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| !matches!(l, LeadLabel::AVR | LeadLabel::V1))
            .filter(|l| {
                let Some(a) = amp(l) else { return false };
                let (r, s) = (mv(a.r).unwrap_or(0.0), mv(a.s).unwrap_or(0.0).abs());
                t(l).is_some_and(|t| t < -TWI_MV) && r > s
            })
            .cloned()
            .collect();
        let twi = contiguous_hits(&hits, st_contiguous);
        if !twi.is_empty() {
            let crit = format!(
                "T inversion deeper than {TWI_MV:.1} mV with R/S > 1 in two contiguous leads ({}; aVR and V1 not counted); consider ischaemia, clinical context required",
                values(&twi, &t, " mV"),
            );
            out.push(statement("T-wave inversion", twi, crit));
        }
    }

    // Pathological Q waves.
    if !(i.paced || lbbb || wpw) {
        let shape = |l: &LeadLabel| i.shapes.iter().find(|s| &s.lead == l);
        // (Q width ms, depth mV) or None for a QS complex.
        let q_of = |l: &LeadLabel| -> Option<Option<(f64, f64)>> {
            let s = shape(l)?;
            let first = s.lobes.first()?;
            if first.positive {
                return None;
            }
            if s.lobes.iter().all(|x| !x.positive) {
                return Some(None);
            }
            Some(Some((s.width_ms(first), first.amp.abs())))
        };
        let hits: Vec<LeadLabel> = leads
            .iter()
            .filter(|l| match (l, q_of(l)) {
                (_, None) => false,
                (LeadLabel::V2 | LeadLabel::V3, Some(q)) => {
                    q.is_none_or(|(w, d)| w >= Q_V2V3_MS - 1e-9 && d >= Q_V2V3_MV - 1e-9)
                }
                (
                    LeadLabel::I
                    | LeadLabel::II
                    | LeadLabel::AVL
                    | LeadLabel::AVF
                    | LeadLabel::V4
                    | LeadLabel::V5
                    | LeadLabel::V6,
                    Some(q),
                ) => q.is_none_or(|(w, d)| w >= Q_MS - 1e-9 && d >= Q_MV - 1e-9),
                _ => false,
            })
            .cloned()
            .collect();
        let q = contiguous_hits(&hits, q_contiguous);
        if !q.is_empty() {
            let desc: Vec<String> = q
                .iter()
                .map(|l| match q_of(l) {
                    Some(Some((w, d))) => format!("{l} Q {w:.0} ms {d:.2} mV"),
                    _ => format!("{l} QS"),
                })
                .collect();
            let crit = format!(
                "consider prior myocardial infarction; Fourth Universal Definition of MI: Q >= {Q_V2V3_MS:.0} ms (and >= {Q_V2V3_MV:.1} mV deep) or QS in V2-V3, Q >= {Q_MS:.0} ms and >= {Q_MV:.1} mV deep or QS in I, II, aVL, aVF, V4-V6, in two leads of one contiguous grouping (I, aVL; V1-V6; II, III, aVF): {}",
                desc.join(", "),
            );
            out.push(statement("Pathological Q waves", q, crit));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conduction::Lobe;

    const FS: f64 = 500.0;

    fn uv(mv: f64) -> Option<ecg::Microvolts> {
        Some(ecg::Microvolts(mv * 1000.0))
    }

    /// A normal lead: R 1.0 mV, S -0.2 mV, isoelectric ST, upright T.
    fn normal(lead: LeadLabel) -> LeadAmplitudes {
        LeadAmplitudes {
            lead,
            p: uv(0.1),
            p_up: uv(0.1),
            p_terminal_depth: None,
            p_terminal_ms: None,
            q: uv(0.0),
            r: uv(1.0),
            s: uv(-0.2),
            r_prime: None,
            st_j: uv(0.0),
            st_j60: uv(0.05),
            st_j80: uv(0.1),
            t: uv(0.3),
            qrs_p2p: uv(1.2),
            qrs_terminal_positive: Some(false),
        }
    }

    fn all_normal() -> Vec<LeadAmplitudes> {
        ORDER.iter().cloned().map(normal).collect()
    }

    fn set(a: &mut [LeadAmplitudes], l: LeadLabel, f: impl Fn(&mut LeadAmplitudes)) {
        f(a.iter_mut().find(|x| x.lead == l).unwrap());
    }

    fn lobe(positive: bool, start: usize, end: usize, amp: f64) -> Lobe {
        Lobe {
            positive,
            start,
            end,
            peak: (start + end) / 2,
            amp,
            humps: 1,
            last_hump: (start + end) / 2,
        }
    }

    /// qR or Rs shapes (`q_ms` wide and `q_mv` deep initial q when given).
    fn shape(lead: LeadLabel, q: Option<(f64, f64)>) -> QrsShape {
        let mut lobes = Vec::new();
        let mut at = 0;
        if let Some((w, d)) = q {
            let n = (w * FS / 1000.0) as usize;
            lobes.push(lobe(false, 0, n - 1, -d));
            at = n;
        }
        lobes.push(lobe(true, at, at + 20, 1.0));
        lobes.push(lobe(false, at + 21, at + 35, -0.2));
        QrsShape {
            lead,
            fs: FS,
            lobes,
            p2p: 1.2,
            delta: false,
            end: at + 35,
            common_end: at + 35,
        }
    }

    fn qs(lead: LeadLabel) -> QrsShape {
        QrsShape {
            lead,
            fs: FS,
            lobes: vec![lobe(false, 0, 40, -1.0)],
            p2p: 1.0,
            delta: false,
            end: 40,
            common_end: 40,
        }
    }

    fn normal_shapes() -> Vec<QrsShape> {
        ORDER.iter().map(|l| shape(l.clone(), None)).collect()
    }

    fn put(s: &mut Vec<QrsShape>, new: QrsShape) {
        s.retain(|x| x.lead != new.lead);
        s.push(new);
    }

    struct Case {
        amps: Vec<LeadAmplitudes>,
        shapes: Vec<QrsShape>,
        sex: Sex,
        age: Option<f64>,
        qrs: f64,
        paced: bool,
        prior: Vec<&'static str>,
    }

    impl Case {
        fn new() -> Self {
            Case {
                amps: all_normal(),
                shapes: normal_shapes(),
                sex: Sex::Male,
                age: Some(60.0),
                qrs: 90.0,
                paced: false,
                prior: Vec::new(),
            }
        }

        fn run(&self) -> Vec<Statement> {
            let prior: Vec<Statement> = self
                .prior
                .iter()
                .map(|t| Statement {
                    text: (*t).into(),
                    criterion: None,
                    state: StatementState::Suggested,
                    evidence: Evidence::default(),
                })
                .collect();
            statements(&Inputs {
                amplitudes: &self.amps,
                shapes: &self.shapes,
                sex: self.sex,
                age_years: self.age,
                qrs_ms: Some(self.qrs),
                paced: self.paced,
                prior: &prior,
            })
        }

        fn texts(&self) -> Vec<String> {
            self.run().into_iter().map(|s| s.text).collect()
        }
    }

    fn elevate(c: &mut Case, leads: &[LeadLabel], mv: f64) {
        for l in leads {
            set(&mut c.amps, l.clone(), |a| {
                a.st_j = uv(mv);
                a.st_j60 = uv(mv + 0.05);
            });
        }
    }

    #[test]
    fn normal_leads_give_no_statement() {
        assert!(Case::new().run().is_empty());
    }

    #[test]
    fn inferior_st_elevation_in_two_contiguous_leads() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.15);
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "ST elevation, inferior (II, III, aVF)");
        assert_eq!(out[0].evidence.leads, vec![II, III, AVF]);
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(
            crit.starts_with("consider acute myocardial injury"),
            "{crit}"
        );
        assert!(crit.contains("clinical context required"), "{crit}");
    }

    #[test]
    fn st_elevation_in_one_lead_or_non_contiguous_leads_is_not_stated() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[III], 0.3);
        assert!(c.texts().is_empty());
        // III and V5 are not contiguous, nor are I and II.
        elevate(&mut c, &[V5, I], 0.3);
        let t = c.texts();
        // I and V5 are (lateral group); III stays alone.
        assert_eq!(t, ["ST elevation, lateral (I, V5)"]);
        // Just below the threshold in II.
        elevate(&mut c, &[II], 0.09);
        assert_eq!(c.texts(), ["ST elevation, lateral (I, V5)"]);
    }

    #[test]
    fn v2_v3_thresholds_by_sex_and_age() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[V2, V3], 0.18);
        // Man >= 40: 0.2 mV, not met.
        assert!(c.texts().is_empty());
        // Woman: 0.15 mV, met.
        c.sex = Sex::Female;
        assert_eq!(c.texts(), ["ST elevation, anteroseptal (V2, V3)"]);
        // Man < 40: 0.25 mV.
        c.sex = Sex::Male;
        c.age = Some(30.0);
        elevate(&mut c, &[V2, V3], 0.22);
        assert!(c.texts().is_empty());
        c.age = Some(45.0);
        assert_eq!(c.texts().len(), 1);
        // Unknown sex: the men >= 40 threshold, said so.
        c.sex = Sex::Unknown;
        c.age = None;
        let out = c.run();
        assert_eq!(out.len(), 1);
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(crit.contains("0.20 mV for men >= 40 years, used as the sex is unknown"));
        // V2-V3 thresholds do not apply to V4: 0.12 mV in V3 (woman) and V4 is elevation.
        c.sex = Sex::Female;
        elevate(&mut c, &[V2, V3], 0.0);
        elevate(&mut c, &[V3], 0.16);
        elevate(&mut c, &[V4], 0.12);
        assert_eq!(c.texts(), ["ST elevation, anterior (V3, V4)"]);
    }

    #[test]
    fn st_elevation_not_stated_under_confounders() {
        use LeadLabel::*;
        let mut base = Case::new();
        elevate(&mut base, &[V1, V2, V3], 0.4);
        assert_eq!(base.texts(), ["ST elevation, anteroseptal (V1, V2, V3)"]);
        let mut paced = Case::new();
        paced.amps = base.amps.clone();
        paced.paced = true;
        assert!(paced.texts().is_empty());
        let mut wide = Case::new();
        wide.amps = base.amps.clone();
        wide.qrs = 130.0;
        assert!(wide.texts().is_empty());
        for p in [
            "Complete left bundle branch block",
            "Complete right bundle branch block",
            "Left ventricular hypertrophy by voltage criteria",
        ] {
            let mut c = Case::new();
            c.amps = base.amps.clone();
            c.prior = vec![p];
            assert!(c.texts().is_empty(), "{p}");
        }
        // No J point: no statement.
        let mut c = Case::new();
        c.amps = base.amps.clone();
        for a in c.amps.iter_mut() {
            a.st_j = None;
        }
        assert!(c.texts().is_empty());
    }

    #[test]
    fn st_depression_horizontal_or_downsloping_only() {
        use LeadLabel::*;
        let mut c = Case::new();
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.1);
                a.st_j60 = uv(-0.12);
            });
        }
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "ST depression, anterolateral (V4, V5, V6)");
        assert!(
            out[0]
                .criterion
                .as_deref()
                .unwrap()
                .starts_with("consider ischaemia")
        );
        // Upsloping (J+60 above J): not stated.
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| a.st_j60 = uv(0.0));
        }
        assert!(c.texts().is_empty());
        // 0.04 mV horizontal: below the threshold.
        for l in [V4, V5, V6] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.04);
                a.st_j60 = uv(-0.04);
            });
        }
        assert!(c.texts().is_empty());
    }

    #[test]
    fn st_depression_with_st_elevation_is_named_reciprocal_and_withheld_in_bbb() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.2);
        for l in [I, AVL] {
            set(&mut c.amps, l, |a| {
                a.st_j = uv(-0.1);
                a.st_j60 = uv(-0.1);
            });
        }
        let out = c.run();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[1].text, "ST depression, lateral (I, aVL)");
        assert!(out[1].criterion.as_deref().unwrap().contains("reciprocal"));
        c.prior = vec!["Complete right bundle branch block"];
        assert!(c.texts().is_empty());
        c.prior = Vec::new();
        c.paced = true;
        assert!(c.texts().is_empty());
    }

    #[test]
    fn t_wave_inversion_needs_a_dominant_r_and_skips_avr_and_v1() {
        use LeadLabel::*;
        let mut c = Case::new();
        for l in [V2, V3, V4] {
            set(&mut c.amps, l, |a| a.t = uv(-0.3));
        }
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "T-wave inversion, anteroseptal (V2, V3, V4)");
        assert_eq!(out[0].evidence.leads, vec![V2, V3, V4]);
        // Normal inverted T in aVR and V1, and III alone.
        let mut c = Case::new();
        for l in [AVR, V1, III] {
            set(&mut c.amps, l, |a| a.t = uv(-0.3));
        }
        assert!(c.texts().is_empty());
        // Both leads of a pair with rS (R/S < 1): not counted.
        let mut c = Case::new();
        for l in [III, AVF] {
            set(&mut c.amps, l, |a| {
                a.t = uv(-0.3);
                a.r = uv(0.2);
                a.s = uv(-0.8);
            });
        }
        assert!(c.texts().is_empty());
        // Only 0.1 mV deep: not deeper than 0.1.
        let mut c = Case::new();
        for l in [V5, V6] {
            set(&mut c.amps, l, |a| a.t = uv(-0.1));
        }
        assert!(c.texts().is_empty());
        // Not in LBBB.
        let mut c = Case::new();
        for l in [V5, V6] {
            set(&mut c.amps, l, |a| a.t = uv(-0.4));
        }
        assert_eq!(c.texts(), ["T-wave inversion, lateral (V5, V6)"]);
        c.prior = vec!["Complete left bundle branch block"];
        assert!(c.texts().is_empty());
    }

    #[test]
    fn pathological_q_waves_by_the_universal_definition() {
        use LeadLabel::*;
        let mut c = Case::new();
        put(&mut c.shapes, shape(II, Some((40.0, 0.3))));
        put(&mut c.shapes, shape(AVF, Some((32.0, 0.15))));
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "Pathological Q waves, inferior (II, aVF)");
        let crit = out[0].criterion.as_deref().unwrap();
        assert!(
            crit.starts_with("consider prior myocardial infarction"),
            "{crit}"
        );
        assert!(crit.contains("II Q 40 ms 0.30 mV"), "{crit}");
        // Narrow (20 ms) or shallow (0.05 mV) Q in aVF: only II left, not stated.
        put(&mut c.shapes, shape(AVF, Some((20.0, 0.3))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(AVF, Some((40.0, 0.05))));
        assert!(c.texts().is_empty());
        // III does not count (a Q in III is often normal).
        put(&mut c.shapes, shape(III, Some((40.0, 0.5))));
        assert!(c.texts().is_empty());

        // V2-V3: a Q >= 20 ms and >= 0.1 mV deep, or QS; a shallow septal q is not.
        let mut c = Case::new();
        put(&mut c.shapes, shape(V2, Some((25.0, 0.06))));
        put(&mut c.shapes, shape(V3, Some((23.0, 0.09))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(V2, Some((20.0, 0.15))));
        put(&mut c.shapes, qs(V3));
        let out = c.run();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].text, "Pathological Q waves, anteroseptal (V2, V3)");
        assert!(out[0].criterion.as_deref().unwrap().contains("V3 QS"));
        // A 20 ms Q in V4 is not enough there (30 ms needed), but V2-V4 groups as V1-V6.
        let mut c = Case::new();
        put(&mut c.shapes, shape(V2, Some((20.0, 0.15))));
        put(&mut c.shapes, shape(V4, Some((20.0, 0.3))));
        assert!(c.texts().is_empty());
        put(&mut c.shapes, shape(V5, Some((36.0, 0.3))));
        assert_eq!(
            c.texts(),
            ["Pathological Q waves, septal and lateral (V2, V5)"]
        );
        // Not under pacing, LBBB or pre-excitation; RBBB leaves them.
        c.prior = vec!["Complete right bundle branch block"];
        c.qrs = 140.0;
        assert_eq!(c.texts().len(), 1);
        for p in [
            "Complete left bundle branch block",
            "Ventricular pre-excitation (WPW pattern)",
        ] {
            c.prior = vec![p];
            assert!(c.texts().is_empty(), "{p}");
        }
        c.prior = Vec::new();
        c.paced = true;
        assert!(c.texts().is_empty());
    }

    #[test]
    fn territories() {
        use LeadLabel::*;
        assert_eq!(territory(&[V1, V2, V3, V4]), "anteroseptal");
        assert_eq!(
            territory(&[V1, V2, V3, V4, V5, V6, I, AVL]),
            "extensive anterior"
        );
        assert_eq!(territory(&[II, III, AVF, V5, V6]), "inferolateral");
        assert_eq!(territory(&[II, III, AVF, V3, V4]), "inferior and anterior");
        assert_eq!(territory(&[I, AVL]), "lateral");
    }

    #[test]
    fn withheld_when_the_lead_gains_are_suspect() {
        use LeadLabel::*;
        let mut c = Case::new();
        elevate(&mut c, &[II, III, AVF], 0.3);
        put(&mut c.shapes, shape(II, Some((40.0, 0.3))));
        put(&mut c.shapes, shape(AVF, Some((40.0, 0.3))));
        let m = ecg::Measurements {
            qrs: Some(ecg::Millis(90.0)),
            ..Default::default()
        };
        let leads: Vec<LeadLabel> = ORDER.to_vec();
        let run = |residual: Option<f64>| -> Vec<String> {
            crate::statements::derive(&crate::statements::Findings {
                p_fraction: 1.0,
                amplitudes: &c.amps,
                sex: Sex::Male,
                age_years: Some(60.0),
                limb_residual: residual,
                qrs_shapes: &c.shapes,
                leads: &leads,
                ..crate::statements::Findings::for_rule_test(
                    &m,
                    &[crate::classify::BeatClass::Normal; 8],
                    &[100, 500, 900, 1300, 1700, 2100, 2500, 2900],
                    FS,
                )
            })
            .into_iter()
            .map(|s| s.text)
            .collect()
        };
        let ok = run(None);
        assert!(
            ok.iter()
                .any(|t| t == "ST elevation, inferior (II, III, aVF)"),
            "{ok:?}"
        );
        assert!(
            ok.iter()
                .any(|t| t == "Pathological Q waves, inferior (II, aVF)"),
            "{ok:?}"
        );
        let suspect = run(Some(0.3));
        assert!(
            !suspect
                .iter()
                .any(|t| t.starts_with("ST ") || t.starts_with("Pathological Q")),
            "{suspect:?}"
        );
        assert!(
            suspect
                .iter()
                .any(|t| t.starts_with("Limb leads inconsistent"))
        );
    }
}

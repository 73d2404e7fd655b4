//! The Romhilt-Estes point score for left ventricular hypertrophy (Romhilt and Estes, Am
//! Heart J 1968;75:752-8), from the median beats' amplitudes and QRS shapes. It owns the
//! points and their thresholds; [`crate::statements`] decides when the score is read (leads
//! on one calibration, no bundle-branch block, pre-excitation or pacing) and what is stated.
//!
//! Points (5 or more: left ventricular hypertrophy; 4: probable):
//! - 3: voltage: the largest R or S of a limb lead >= 2.0 mV, or S in V1 or V2 >= 3.0 mV, or
//!   R in V5 or V6 >= 3.0 mV;
//! - 3: ST-T opposite to the QRS ("strain") in V5 or V6: a dominant R, the ST at J+60 ms at
//!   least 0.05 mV below the PR level and the T inverted by at least 0.1 mV (3 points without
//!   digitalis, 1 with it; no drug history is known here, so 3 are counted and the criterion
//!   says so);
//! - 3: left atrial involvement: a terminal negative P in V1 at least 0.1 mV deep and 40 ms
//!   long;
//! - 2: left axis deviation, -30° or beyond;
//! - 1: QRS duration >= 90 ms;
//! - 1: intrinsicoid deflection (R-peak time) in V5 or V6 >= 50 ms.

use ecg::LeadLabel;

use crate::conduction::QrsShape;
use crate::measure::{LeadAmplitudes, mv, of_lead};
use crate::statements::with_leads;

/// Largest R or S of a limb lead for the voltage points (mV, at least).
const LIMB_MV: f64 = 2.0;
/// S in V1 / V2 or R in V5 / V6 for the voltage points (mV, at least).
const CHEST_MV: f64 = 3.0;
/// Strain: ST at J+60 ms at least this far below the PR level (mV).
const STRAIN_ST_MV: f64 = 0.05;
/// Strain: T inverted by at least this much (mV).
const STRAIN_T_MV: f64 = 0.1;
/// Terminal negative P in V1: at least this deep (mV) ...
const P_TERMINAL_MV: f64 = 0.1;
/// ... and this long (ms).
const P_TERMINAL_MS: f64 = 40.0;
/// Left axis deviation (degrees, at or beyond).
const AXIS_DEG: f64 = -30.0;
/// QRS duration (ms, at least).
const QRS_MS: f64 = 90.0;
/// Intrinsicoid deflection in V5 / V6 (ms, at least).
const INTRINSICOID_MS: f64 = 50.0;

/// Points at or above which the score states left ventricular hypertrophy ...
pub(crate) const LVH_POINTS: u32 = 5;
/// ... and probable left ventricular hypertrophy (named in the criterion text only).
const PROBABLE_POINTS: u32 = 4;

/// What the score reads.
pub(crate) struct Inputs<'a> {
    pub amplitudes: &'a [LeadAmplitudes],
    pub shapes: &'a [QrsShape],
    /// Frontal QRS axis (degrees).
    pub axis: Option<f64>,
    /// QRS duration (ms).
    pub qrs_ms: Option<f64>,
}

/// The score: its points, each item that scored (with its numbers) and the leads they rest on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Score {
    pub points: u32,
    pub items: Vec<String>,
    pub leads: Vec<LeadLabel>,
}

impl Score {
    /// "Romhilt-Estes 6 points (...; ...)", the criterion text.
    pub(crate) fn text(&self) -> String {
        format!(
            "Romhilt-Estes {} points ({}; >= {LVH_POINTS}: LVH, {PROBABLE_POINTS}: probable)",
            self.points,
            self.items.join("; ")
        )
    }

    fn add(&mut self, points: u32, item: String, leads: &[LeadLabel]) {
        self.points += points;
        self.items.push(format!("{points}: {item}"));
        self.leads = with_leads(std::mem::take(&mut self.leads), leads);
    }
}

/// The score of the median beats (every item that can be measured; an item whose leads are
/// missing scores nothing).
pub(crate) fn score(x: &Inputs<'_>) -> Score {
    let amp = |l: &LeadLabel| of_lead(x.amplitudes, l);
    let r = |l: &LeadLabel| amp(l).and_then(|a| mv(a.r)).unwrap_or(0.0);
    let s = |l: &LeadLabel| amp(l).and_then(|a| mv(a.s)).map_or(0.0, f64::abs);
    let mut out = Score {
        points: 0,
        items: Vec::new(),
        leads: Vec::new(),
    };

    // Voltage: the first lead to meet a part names it.
    let limb = &LeadLabel::STANDARD_12[..6];
    let voltage = limb
        .iter()
        .map(|l| (l, r(l).max(s(l)), LIMB_MV, "R or S"))
        .chain(
            [LeadLabel::V1, LeadLabel::V2]
                .iter()
                .map(|l| (l, s(l), CHEST_MV, "S")),
        )
        .chain(
            [LeadLabel::V5, LeadLabel::V6]
                .iter()
                .map(|l| (l, r(l), CHEST_MV, "R")),
        )
        .filter(|&(_, v, limit, _)| v >= limit)
        .max_by(|a, b| (a.1 / a.2).total_cmp(&(b.1 / b.2)));
    if let Some((l, v, limit, what)) = voltage {
        out.add(
            3,
            format!("{what} in {} {v:.2} mV >= {limit:.1}", l.name()),
            std::slice::from_ref(l),
        );
    }

    // Strain in V5 or V6.
    let strain: Vec<(LeadLabel, f64, f64)> = [LeadLabel::V5, LeadLabel::V6]
        .into_iter()
        .filter_map(|l| {
            let a = amp(&l)?;
            let (st, t) = (mv(a.st_j60)?, mv(a.t)?);
            (r(&l) > s(&l) && st <= -STRAIN_ST_MV && t <= -STRAIN_T_MV).then_some((l, st, t))
        })
        .collect();
    if !strain.is_empty() {
        let each: Vec<String> = strain
            .iter()
            .map(|(l, st, t)| format!("{} ST {st:.2} mV, T {t:.2} mV", l.name()))
            .collect();
        let leads: Vec<LeadLabel> = strain.iter().map(|(l, ..)| l.clone()).collect();
        out.add(
            3,
            format!(
                "ST-T opposite to the QRS ({}; ST at J+60 <= -{STRAIN_ST_MV:.2}, T <= -{STRAIN_T_MV:.1} mV; counted as without digitalis)",
                each.join("; ")
            ),
            &leads,
        );
    }

    // Left atrial involvement: the terminal negative P in V1.
    if let Some(a) = amp(&LeadLabel::V1)
        && let (Some(depth), Some(dur)) = (mv(a.p_terminal_depth), a.p_terminal_ms)
        && -depth >= P_TERMINAL_MV
        && dur >= P_TERMINAL_MS
    {
        out.add(
            3,
            format!(
                "terminal negative P in V1 {depth:.2} mV, {dur:.0} ms (>= {P_TERMINAL_MV:.1} mV, {P_TERMINAL_MS:.0} ms)"
            ),
            &[LeadLabel::V1],
        );
    }

    if let Some(axis) = x.axis
        && (-180.0..=AXIS_DEG).contains(&axis)
    {
        out.add(
            2,
            format!("QRS axis {axis:.0}° (-30° or beyond)"),
            &[LeadLabel::I, LeadLabel::AVF],
        );
    }
    if let Some(q) = x.qrs_ms
        && q >= QRS_MS
    {
        out.add(1, format!("QRS {q:.0} ms >= {QRS_MS:.0}"), &[]);
    }
    let intrinsicoid = [LeadLabel::V5, LeadLabel::V6]
        .into_iter()
        .filter_map(|l| {
            let rpt = x.shapes.iter().find(|sh| sh.lead == l)?.r_peak_time_ms()?;
            (rpt >= INTRINSICOID_MS).then_some((l, rpt))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((l, rpt)) = intrinsicoid {
        out.add(
            1,
            format!(
                "intrinsicoid deflection in {} {rpt:.0} ms >= {INTRINSICOID_MS:.0}",
                l.name()
            ),
            &[l],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uv(mv: f64) -> Option<ecg::Microvolts> {
        Some(ecg::Microvolts(mv * 1000.0))
    }

    /// A lead with R `r` and S `s` (mV, S given positive), ST at J+60 `st` and T `t`.
    fn lead(l: LeadLabel, r: f64, s: f64, st: f64, t: f64) -> LeadAmplitudes {
        LeadAmplitudes {
            lead: l,
            p: uv(0.1),
            p_up: uv(0.1),
            p_terminal_depth: None,
            p_terminal_ms: None,
            q: uv(0.0),
            r: uv(r),
            s: uv(-s),
            r_prime: None,
            st_j: uv(st),
            st_j60: uv(st),
            st_j80: uv(st),
            t: uv(t),
            qrs_p2p: uv(r + s),
            qrs_terminal_positive: Some(false),
        }
    }

    fn normal() -> Vec<LeadAmplitudes> {
        LeadLabel::STANDARD_12
            .iter()
            .map(|l| lead(l.clone(), 1.0, 0.5, 0.0, 0.3))
            .collect()
    }

    fn set(a: &mut [LeadAmplitudes], l: LeadLabel, f: impl Fn(&mut LeadAmplitudes)) {
        f(a.iter_mut().find(|x| x.lead == l).unwrap());
    }

    fn score_of(a: &[LeadAmplitudes], axis: f64, qrs: f64) -> Score {
        score(&Inputs {
            amplitudes: a,
            shapes: &[],
            axis: Some(axis),
            qrs_ms: Some(qrs),
        })
    }

    #[test]
    fn a_normal_beat_scores_nothing() {
        let s = score_of(&normal(), 60.0, 88.0);
        assert_eq!(s.points, 0, "{:?}", s.items);
    }

    #[test]
    fn voltage_strain_and_left_atrium_score_nine() {
        let mut a = normal();
        set(&mut a, LeadLabel::V5, |x| {
            x.r = uv(3.2);
            x.st_j60 = uv(-0.12);
            x.t = uv(-0.3);
        });
        set(&mut a, LeadLabel::V1, |x| {
            x.p_terminal_depth = uv(-0.12);
            x.p_terminal_ms = Some(48.0);
        });
        let s = score_of(&a, 10.0, 86.0);
        assert_eq!(s.points, 9, "{:?}", s.items);
        assert_eq!(s.leads, [LeadLabel::V5, LeadLabel::V1]);
        let t = s.text();
        assert!(t.starts_with("Romhilt-Estes 9 points (3: R in V5 3.20 mV >= 3.0; 3: ST-T opposite to the QRS (V5 ST -0.12 mV, T -0.30 mV;"), "{t}");
        assert!(
            t.contains("3: terminal negative P in V1 -0.12 mV, 48 ms"),
            "{t}"
        );
    }

    #[test]
    fn each_item_stops_at_its_threshold() {
        let mut a = normal();
        // Just short: limb S 1.9 mV, S(V1) 2.9, T inverted 0.08 mV, terminal P 38 ms.
        set(&mut a, LeadLabel::AVL, |x| x.s = uv(-1.9));
        set(&mut a, LeadLabel::V1, |x| {
            x.s = uv(-2.9);
            x.p_terminal_depth = uv(-0.15);
            x.p_terminal_ms = Some(38.0);
        });
        set(&mut a, LeadLabel::V6, |x| {
            x.st_j60 = uv(-0.1);
            x.t = uv(-0.08);
        });
        let s = score_of(&a, -29.0, 89.0);
        assert_eq!(s.points, 0, "{:?}", s.items);
        // At them: 3 + 3 + 3 + 2 + 1.
        set(&mut a, LeadLabel::AVL, |x| x.s = uv(-2.0));
        set(&mut a, LeadLabel::V1, |x| x.p_terminal_ms = Some(40.0));
        set(&mut a, LeadLabel::V6, |x| x.t = uv(-0.1));
        let s = score_of(&a, -30.0, 90.0);
        assert_eq!(s.points, 12, "{:?}", s.items);
    }

    #[test]
    fn strain_needs_a_dominant_r() {
        let mut a = normal();
        set(&mut a, LeadLabel::V5, |x| {
            x.r = uv(0.4);
            x.s = uv(-1.0);
            x.st_j60 = uv(-0.1);
            x.t = uv(-0.3);
        });
        assert_eq!(score_of(&a, 60.0, 80.0).points, 0);
    }
}

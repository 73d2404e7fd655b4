//! Measurements on median beats: global intervals, frontal axes and per-lead amplitudes.
//!
//! - Intervals from the global boundaries of the median beat: PR = QRS onset - P onset,
//!   QRS = offset - onset, QT = T offset - QRS onset; QTc by all four formulas via
//!   [`ecg::QtcSet`] with the mean RR.
//! - Frontal axes from the net area of the wave in leads I and aVF: lead I projects the
//!   frontal vector on 0°, aVF on +90° scaled by √3/2 (Goldberger), so
//!   `axis = atan2(2/√3 · aVF, I)`.
//! - Amplitudes relative to the isoelectric PQ level (mean over 20 ms ending 5 ms before the
//!   QRS onset) in µV: P, Q, R, S, R', ST at J, J+60 and J+80 ms, T (CSE / AHA conventions;
//!   Q is the first negative deflection before R, S the negative one after R, R' a second
//!   positive deflection after S of at least 50 µV).

use serde::{Deserialize, Serialize};

use crate::delineate::{BeatWaves, ms};

/// Per-lead amplitudes on the median beat, in microvolts (signed; `None` = not present or
/// not measurable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadAmplitudes {
    /// The lead.
    pub lead: ecg::LeadLabel,
    /// P wave extreme.
    pub p: Option<ecg::Microvolts>,
    /// Q wave (negative).
    pub q: Option<ecg::Microvolts>,
    /// R wave (positive).
    pub r: Option<ecg::Microvolts>,
    /// S wave (negative).
    pub s: Option<ecg::Microvolts>,
    /// R' (second positive deflection).
    pub r_prime: Option<ecg::Microvolts>,
    /// ST level at the J point (QRS offset).
    pub st_j: Option<ecg::Microvolts>,
    /// ST level 60 ms after J.
    pub st_j60: Option<ecg::Microvolts>,
    /// ST level 80 ms after J.
    pub st_j80: Option<ecg::Microvolts>,
    /// T wave extreme.
    pub t: Option<ecg::Microvolts>,
    /// QRS peak-to-peak.
    pub qrs_p2p: Option<ecg::Microvolts>,
    /// Whether the QRS ends on a positive deflection (R or R'), used by conduction criteria.
    pub qrs_terminal_positive: Option<bool>,
}

fn uv(mv: f64) -> ecg::Microvolts {
    ecg::Microvolts((mv * 1000.0 * 10.0).round() / 10.0)
}

/// Isoelectric level before `qrs_on`.
pub(crate) fn baseline(m: &[f64], qrs_on: usize, fs: f64) -> f64 {
    let e = qrs_on.saturating_sub(ms(fs, 5.0));
    let s = e.saturating_sub(ms(fs, 20.0));
    if e <= s || e > m.len() {
        return m.get(qrs_on).copied().unwrap_or(0.0);
    }
    m[s..e].iter().sum::<f64>() / (e - s) as f64
}

/// Signed extreme of `m - b` over `a..=c` (largest magnitude).
fn extreme(m: &[f64], a: usize, c: usize, b: f64) -> Option<f64> {
    if a > c || c >= m.len() {
        return None;
    }
    m[a..=c]
        .iter()
        .map(|v| v - b)
        .max_by(|x, y| x.abs().total_cmp(&y.abs()))
}

pub(crate) fn amplitudes(
    lead: ecg::LeadLabel,
    m: &[f64],
    g: &BeatWaves,
    fs: f64,
) -> LeadAmplitudes {
    let mut a = LeadAmplitudes {
        lead,
        p: None,
        q: None,
        r: None,
        s: None,
        r_prime: None,
        st_j: None,
        st_j60: None,
        st_j80: None,
        t: None,
        qrs_p2p: None,
        qrs_terminal_positive: None,
    };
    let Some(q) = g.qrs else { return a };
    let (Some(on), Some(off)) = (q.on, q.off) else {
        return a;
    };
    if off >= m.len() || on >= off {
        return a;
    }
    let b = baseline(m, on, fs);
    if let Some(p) = g.p
        && let (Some(pon), Some(poff)) = (p.on, p.off)
    {
        a.p = extreme(m, pon, poff, b).map(uv);
    }
    let seg: Vec<f64> = m[on..=off].iter().map(|v| v - b).collect();
    let (ri, rv) = seg
        .iter()
        .copied()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap_or((0, 0.0));
    let lo = seg.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = seg.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    a.qrs_p2p = Some(uv(hi - lo));
    a.r = Some(uv(rv.max(0.0)));
    let qv = seg[..=ri].iter().copied().fold(0.0, f64::min);
    a.q = Some(uv(qv));
    let (si, sv) = seg[ri..]
        .iter()
        .copied()
        .enumerate()
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(k, v)| (k + ri, v))
        .unwrap_or((ri, 0.0));
    a.s = Some(uv(sv.min(0.0)));
    if sv < 0.0 {
        let rp = seg[si..].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        a.r_prime = (rp >= 0.05).then(|| uv(rp));
    }
    // Terminal polarity: the last deflection larger than 50 µV.
    let last_big = seg.iter().rev().find(|v| v.abs() >= 0.05);
    a.qrs_terminal_positive = last_big.map(|v| *v > 0.0);
    a.st_j = Some(uv(m[off] - b));
    let j60 = off + ms(fs, 60.0);
    let j80 = off + ms(fs, 80.0);
    a.st_j60 = m.get(j60).map(|v| uv(v - b));
    a.st_j80 = m.get(j80).map(|v| uv(v - b));
    if let Some(t) = g.t
        && let Some(toff) = t.off
    {
        let tstart = t.on.unwrap_or(off + ms(fs, 80.0)).max(off + 1);
        a.t = extreme(m, tstart, toff.min(m.len() - 1), b).map(uv);
    }
    a
}

/// Net area of `m - baseline` over `a..=c` (mV·samples).
pub(crate) fn net_area(m: &[f64], a: usize, c: usize, b: f64) -> Option<f64> {
    if a > c || c >= m.len() {
        return None;
    }
    Some(m[a..=c].iter().map(|v| v - b).sum())
}

/// Frontal axis from net values in lead I and aVF.
pub(crate) fn frontal_axis(i: f64, avf: f64) -> Option<ecg::Degrees> {
    if i == 0.0 && avf == 0.0 {
        return None;
    }
    let y = avf * 2.0 / 3f64.sqrt();
    Some(ecg::Degrees(y.atan2(i).to_degrees().round()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_follows_the_hexaxial_reference() {
        // Vector at +60°: lead I sees cos 60 = 0.5, aVF sees (√3/2) sin 60 = 0.75.
        assert_eq!(frontal_axis(0.5, 0.75), Some(ecg::Degrees(60.0)));
        assert_eq!(frontal_axis(1.0, 0.0), Some(ecg::Degrees(0.0)));
        assert_eq!(frontal_axis(0.0, -1.0), Some(ecg::Degrees(-90.0)));
        assert_eq!(frontal_axis(0.0, 0.0), None);
    }
}

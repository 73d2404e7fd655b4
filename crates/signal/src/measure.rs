//! Measurements on median beats: global intervals, frontal axes and per-lead amplitudes.
//!
//! - Intervals from the global boundaries of the median beat: PR = QRS onset - P onset,
//!   QRS = offset - onset, QT = T offset - QRS onset; QTc by all four formulas via
//!   [`ecg::QtcSet`] with the mean RR. The QRS offset is where [`qrs_end`] puts it: the
//!   leads' common offset, or past a terminal wave that outlasts it in two or more leads
//!   (right bundle-branch block's R' and slurred S), so the QRS duration, the J point of the
//!   ST levels and the conduction criteria read one QRS end.
//! - Frontal axes from the net area of the wave in leads I and aVF: lead I projects the
//!   frontal vector on 0°, aVF on +90° scaled by √3/2 (Goldberger), so
//!   `axis = atan2(2/√3 · aVF, I)`. The P polarity in II and aVR (sinus origin) is
//!   taken against the line joining the P onset and offset ([`p_net_area`]).
//! - Limb-lead consistency ([`einthoven`]): the six limb leads are two degrees of freedom
//!   (III = II - I, aVR = -(I + II)/2, aVL = I - II/2, aVF = II - I/2), judged by the gains a
//!   least-squares fit of each on I and II gives, over the QRS averaged over the median's
//!   beats (where the leads are largest and their noise is averaged). Recordings that
//!   violate this by more than [`EINTHOVEN_MAX_RESIDUAL`] have per-lead gains that are not
//!   the calibration (a converter that scaled every lead to the same range, as the LUDB
//!   WFDB headers do: each lead's gain makes its range exactly 1 mV). The ratio of the true
//!   gains of I and aVF then follows from the least-squares fit `aVF = a II + b I`
//!   (consistent leads give b = -1/2), so the frontal axis stays correct; absolute voltages
//!   cannot be recovered and the voltage criteria are not applied.
//! - Amplitudes relative to the isoelectric PQ level (mean over 20 ms ending 5 ms before the
//!   QRS onset) in µV: P, Q, R, S, R', ST at J (the QRS end), J+60 and J+80 ms, T (CSE / AHA conventions;
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
    /// Largest rise of the P wave above the level at its onset ([`p_rise`]): the height of an
    /// upright P, the initial positive part of a biphasic one (right atrial abnormality).
    #[serde(default)]
    pub p_up: Option<ecg::Microvolts>,
    /// The P wave's terminal negative part ([`p_terminal_negative`]): its depth below the
    /// level at P onset (negative) ...
    #[serde(default)]
    pub p_terminal_depth: Option<ecg::Microvolts>,
    /// ... and its duration (ms): left atrial involvement in V1 (Romhilt-Estes).
    #[serde(default)]
    pub p_terminal_ms: Option<f64>,
    /// Q wave (negative).
    pub q: Option<ecg::Microvolts>,
    /// R wave (positive).
    pub r: Option<ecg::Microvolts>,
    /// S wave (negative).
    pub s: Option<ecg::Microvolts>,
    /// R' (second positive deflection).
    pub r_prime: Option<ecg::Microvolts>,
    /// ST level at the J point (the QRS end, [`qrs_end`]) against the PQ level, on the
    /// median of the levelled beats ([`levelled_st`], [`levelled_median`]); on the median
    /// beat itself when fewer than [`MIN_LEVEL_BEATS`] beats hold it (so also the two below
    /// and the T wave's extreme).
    pub st_j: Option<ecg::Microvolts>,
    /// ST level 60 ms after J.
    pub st_j60: Option<ecg::Microvolts>,
    /// ST level 80 ms after J.
    pub st_j80: Option<ecg::Microvolts>,
    /// T wave extreme (on the levelled beats, as the ST levels).
    pub t: Option<ecg::Microvolts>,
    /// QRS peak-to-peak.
    pub qrs_p2p: Option<ecg::Microvolts>,
    /// Whether the QRS ends on a positive deflection (R or R'), used by conduction criteria.
    pub qrs_terminal_positive: Option<bool>,
}

impl LeadAmplitudes {
    /// Nothing measured in `lead` (no QRS found, or a lead the analysis takes as off).
    pub(crate) fn unmeasured(lead: ecg::LeadLabel) -> Self {
        Self {
            lead,
            p: None,
            p_up: None,
            p_terminal_depth: None,
            p_terminal_ms: None,
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
        }
    }
}

/// The amplitudes of lead `l` among `a`.
pub(crate) fn of_lead<'a>(
    a: &'a [LeadAmplitudes],
    l: &ecg::LeadLabel,
) -> Option<&'a LeadAmplitudes> {
    a.iter().find(|x| &x.lead == l)
}

/// An amplitude in mV.
pub(crate) fn mv(v: Option<ecg::Microvolts>) -> Option<f64> {
    v.map(|u| u.0 / 1000.0)
}

pub(crate) fn uv(mv: f64) -> ecg::Microvolts {
    ecg::Microvolts((mv * 1000.0 * 10.0).round() / 10.0)
}

/// Net area of the P wave over `on..=off` against the straight line joining its ends (each
/// end the mean over 6 ms there): the P wave is the deflection between its onset and offset.
/// The PQ level used for QRS and T is no reference for it: the PR segment carries the atrial
/// repolarisation wave (Ta) and any wander between P and QRS, which can invert the net area of
/// a small P wave (LUDB 22: an upright P of 0.03 mV in I gave a
/// P axis of 120° against the PQ level).
pub(crate) fn p_net_area(m: &[f64], on: usize, off: usize, fs: f64) -> Option<f64> {
    if on >= off || off >= m.len() {
        return None;
    }
    let h = ms(fs, 3.0);
    let end_level = |c: usize| {
        let (s, e) = (c.saturating_sub(h), (c + h + 1).min(m.len()));
        m[s..e].iter().sum::<f64>() / (e - s) as f64
    };
    let (l0, l1) = (end_level(on), end_level(off));
    let span = (off - on) as f64;
    Some(
        m[on..=off]
            .iter()
            .enumerate()
            .map(|(k, v)| v - (l0 + (l1 - l0) * k as f64 / span))
            .sum(),
    )
}

/// Largest rise of `m` over the P wave `on..=off` above the level at its onset (the mean over
/// 6 ms there), in mV, never below 0. The P amplitude is measured from the baseline the wave
/// leaves, not from the PR segment: that carries the atrial repolarisation wave (Ta), which
/// lies against the P wave and would add to its height.
///
/// Nor above that level where the wave ends higher than it began: a P wave that starts in
/// the trough of an inverted T wave (sinus tachycardia, the P on the T) rides on the T's
/// return, which the onset level counts as P (V1 under RBBB at 135/min: an "initial
/// positive P" of 0.34 mV for 0.03). There the rise is taken above the chord from the
/// onset's level to the offset's, which removes a slope the wave rides on; where the wave
/// ends lower (Ta, or the P on an upright T's descending limb), the onset's level stands.
pub(crate) fn p_rise(m: &[f64], on: usize, off: usize, fs: f64) -> Option<f64> {
    if on >= off || off >= m.len() {
        return None;
    }
    let (l0, l1) = (p_level_at(m, on, fs), p_level_at(m, off, fs));
    let span = (off - on) as f64;
    let chord = |k: usize| l0 + (l1 - l0).max(0.0) * k as f64 / span;
    Some(
        m[on..=off]
            .iter()
            .enumerate()
            .map(|(k, v)| v - chord(k))
            .fold(0.0, f64::max),
    )
}

/// The level of `m` at a P boundary `at`, its onset or offset (the mean over 6 ms there).
fn p_level_at(m: &[f64], at: usize, fs: f64) -> f64 {
    let h = ms(fs, 3.0);
    let (s, e) = (at.saturating_sub(h), (at + h + 1).min(m.len()));
    m[s..e].iter().sum::<f64>() / (e - s) as f64
}

/// The terminal negative part of the P wave `on..=off`: from the last sample at or above the
/// level at P onset to the offset, when that part lies in the wave's second half (a biphasic
/// P, not an inverted one): its depth below the level (mV, negative) and its duration (ms).
/// `None` when the P wave ends at or above the level or is negative from its first half on.
pub(crate) fn p_terminal_negative(m: &[f64], on: usize, off: usize, fs: f64) -> Option<(f64, f64)> {
    if on >= off || off >= m.len() {
        return None;
    }
    let level = p_level_at(m, on, fs);
    let last_up = (on..=off).rev().find(|&k| m[k] >= level)?;
    if last_up >= off || 2 * (last_up - on) < off - on {
        return None;
    }
    let depth = m[last_up + 1..=off]
        .iter()
        .map(|v| v - level)
        .fold(0.0, f64::min);
    Some((depth, (off - last_up) as f64 * 1000.0 / fs))
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

/// A terminal deflection that outlasts the global offset is a QRS wave when it reaches this
/// fraction of the lead's QRS peak-to-peak (RBBB's S in I and V6: 0.18-0.19 on LUDB 10).
pub(crate) const TERMINAL_WAVE_FRACTION: f64 = 0.15;
/// How far past the global QRS offset a lead's terminal deflection may still end (ms).
pub(crate) const TERMINAL_QRS_MAX_MS: f64 = 40.0;

/// Where the QRS of one lead's median beat `m` ends when its last deflection outlasts the
/// global offset `off` (sample index; `off` itself when the lead is back at the PQ level
/// there). The global offset is held near the median of the leads' offsets, so a terminal
/// component that only some leads show (the slurred S in I and V6 and the R' in V1 of right
/// bundle-branch block, the late R of left bundle-branch block) can end after it; the AHA
/// measures the QRS from the earliest onset to the latest offset of any lead.
///
/// The lead still deflected at `off` (beyond 5 % of its QRS peak-to-peak, at least 20 µV) by
/// a wave of at least [`TERMINAL_WAVE_FRACTION`] of it ends where that deflection, walking on from its extreme, returns to that level or,
/// once below 3/4 of the extreme, flattens (slope over 6 ms below the extreme's size per
/// 80 ms: an ST segment); a deflection
/// still growing 10 ms after `off`, or not returned or flat within [`TERMINAL_QRS_MAX_MS`],
/// is the ST segment or T wave and ends nothing (`off`).
pub(crate) fn terminal_qrs_end(m: &[f64], on: usize, off: usize, fs: f64) -> usize {
    if on >= off || off >= m.len() {
        return off;
    }
    let b = baseline(m, on, fs);
    let y = |k: usize| m[k] - b;
    let (lo, hi) = (on..=off).fold((0.0f64, 0.0f64), |(lo, hi), k| (lo.min(y(k)), hi.max(y(k))));
    let thr = (0.05 * (hi - lo)).max(0.02);
    let at_off = y(off);
    if at_off.abs() < thr {
        return off;
    }
    let sgn = at_off.signum();
    let limit = (off + ms(fs, TERMINAL_QRS_MAX_MS)).min(m.len() - 1);
    // The terminal lobe's extreme: back to where it began, forward up to 10 ms.
    let mut start = off;
    while start > on && y(start - 1) * sgn > 0.0 {
        start -= 1;
    }
    let ahead = (off + ms(fs, 10.0)).min(limit);
    let peak = (start..=ahead)
        .max_by(|&a, &c| (y(a) * sgn).total_cmp(&(y(c) * sgn)))
        .unwrap_or(off);
    if peak >= ahead {
        // Still growing after the offset: ST segment or T wave.
        return off;
    }
    let amp = y(peak).abs();
    if amp < TERMINAL_WAVE_FRACTION * (hi - lo) {
        // A few per cent of the QRS: J-point elevation or depression, not a wave.
        return off;
    }
    let step = ms(fs, 6.0);
    let flat = amp / 80.0 * 6.0; // mV over 6 ms
    let mut k = peak.max(off);
    while k < limit {
        if y(k) * sgn < thr {
            return k;
        }
        let next = (k + step).min(limit);
        // Once the return is under way (below 3/4 of the extreme), returning toward the PQ
        // level by less than `flat` over 6 ms is a plateau: the ST segment begins.
        if y(k) * sgn < 0.75 * amp && (y(k) - y(next)) * sgn < flat {
            return k;
        }
        k += 1;
    }
    off
}

/// Where the QRS of the median beat ends: the one decision every QRS-end reader takes
/// (the displayed QRS duration, the J point of the ST levels, the median beat's marks and the
/// conduction criteria).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QrsEnd {
    /// The leads' common offset: the global offset of the reconciled per-lead boundaries
    /// (each held within 6 ms of the leads' median offset, `delineate::reconcile`).
    pub common: usize,
    /// Each lead's own end, in the order given ([`terminal_qrs_end`]; `common` or later).
    pub leads: Vec<usize>,
    /// The QRS end: the second latest lead end when it is after `common` (the AHA's
    /// earliest onset to latest offset, one outlying lead left out as the global offset
    /// does), `common` otherwise and with fibrillation or flutter waves.
    pub end: usize,
}

/// Decides where the QRS of the median beat ends ([`QrsEnd`]) from each lead's median beat
/// (`medians`, mV, all on one sample grid), the global onset `on` and the leads' common offset
/// `common`. A terminal component that only some leads show (the slurred S in I and V6 and the
/// R' in V1 of right bundle-branch block, the late R of left bundle-branch block) ends after
/// the common offset; when two or more leads' terminal waves do, the QRS runs to the second
/// latest of their ends. With fibrillation or flutter waves (`atrial_waves_in_qrs`) the QRS
/// ends at `common`: those waves ride on the end of the QRS and would lengthen it; each lead's
/// own end is still given (the conduction criteria read a lead's lobes to it).
pub(crate) fn qrs_end(
    medians: &[&[f64]],
    on: usize,
    common: usize,
    fs: f64,
    atrial_waves_in_qrs: bool,
) -> QrsEnd {
    let leads: Vec<usize> = medians
        .iter()
        .map(|m| terminal_qrs_end(m, on, common, fs))
        .collect();
    let mut sorted = leads.clone();
    sorted.sort_unstable();
    let second_latest = sorted.iter().rev().nth(1).copied();
    let end = match second_latest {
        Some(e) if e > common && !atrial_waves_in_qrs => e,
        _ => common,
    };
    QrsEnd { common, leads, end }
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
    let mut a = LeadAmplitudes::unmeasured(lead);
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
        a.p_up = p_rise(m, pon, poff, fs).map(uv);
        if let Some((depth, dur)) = p_terminal_negative(m, pon, poff, fs) {
            a.p_terminal_depth = Some(uv(depth));
            a.p_terminal_ms = Some((dur * 10.0).round() / 10.0);
        }
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
    a.t = t_window(m.len(), g, fs).and_then(|(on, off)| extreme(m, on, off, b).map(uv));
    a
}

/// The T wave of a median beat `len` samples long (waves `g`, at `fs`) as its amplitude is
/// read: from the T onset (80 ms after the QRS offset without one) to the T offset.
pub(crate) fn t_window(len: usize, g: &BeatWaves, fs: f64) -> Option<(usize, usize)> {
    let off = g.qrs?.off?;
    let t = g.t?;
    let toff = t.off?.min(len.checked_sub(1)?);
    let tstart = t.on.unwrap_or(off + ms(fs, 80.0)).max(off + 1);
    (tstart <= toff).then_some((tstart, toff))
}

/// At least this many beats for [`levelled_median`]; with fewer the median beat's levels
/// stand.
pub(crate) const MIN_LEVEL_BEATS: usize = 3;

/// One lead's median beat over `len` samples from `from`, each beat levelled first: in each
/// beat of `x` (at `fs`; fiducials `fids`, each with the fiducial of the beat after it in the
/// recording, if any) the window less the baseline under it, then the sample-wise median
/// over the beats. The baseline is the straight line from the beat's PQ level to the next
/// beat's (each the mean over 25-5 ms before the QRS onset, as [`baseline`] on the median
/// beat), the beat's own PQ level where there is no next beat. `qrs_on` and `from` are places
/// on the median beat as offsets from the fiducial in samples of `x` (fractional at another
/// measure rate; rounded to the nearest sample). A baseline that wanders over the recording
/// moves each beat's PQ level and later samples together, where the median beat of the
/// unlevelled beats can take them from beats at different levels (0.3 mV of wander at 0.3 Hz
/// read 0.13 mV of ST elevation in V5 on MUSE's muse-sinus); the line to the next beat's PQ
/// level follows the wander's slope on to the T wave. `None` when fewer than
/// [`MIN_LEVEL_BEATS`] beats hold the window.
pub(crate) fn levelled_median(
    x: &[f64],
    fids: &[(usize, Option<usize>)],
    qrs_on: f64,
    from: f64,
    len: usize,
    fs: f64,
) -> Option<Vec<f64>> {
    let at = |f: usize, d: f64| -> Option<usize> {
        let i = (f as f64 + d).round();
        (i >= 0.0 && (i as usize) < x.len()).then_some(i as usize)
    };
    let (gap, span) = (ms(fs, 5.0), ms(fs, 20.0));
    // The PQ level of the beat at `f` and the centre of its window.
    let pq = |f: usize| -> Option<(f64, f64)> {
        let e = at(f, qrs_on)?.checked_sub(gap)?;
        let s = e.checked_sub(span).filter(|&s| s < e)?;
        let level = x[s..e].iter().sum::<f64>() / (e - s) as f64;
        Some(((s + e - 1) as f64 / 2.0, level))
    };
    let windows: Vec<Vec<f64>> = fids
        .iter()
        .filter_map(|&(f, next)| {
            let (t0, y0) = pq(f)?;
            let start = at(f, from)?;
            let w = x.get(start..start + len)?;
            let slope = next
                .and_then(pq)
                .filter(|&(t1, _)| t1 > t0)
                .map_or(0.0, |(t1, y1)| (y1 - y0) / (t1 - t0));
            Some(
                w.iter()
                    .enumerate()
                    .map(|(k, v)| v - (y0 + slope * ((start + k) as f64 - t0)))
                    .collect(),
            )
        })
        .collect();
    if windows.len() < MIN_LEVEL_BEATS || len == 0 {
        return None;
    }
    let refs: Vec<&[f64]> = windows.iter().map(Vec::as_slice).collect();
    Some(crate::median::column_medians(&refs, len))
}

/// One lead's ST levels (mV) at J, J+60 and J+80 ms on its [`levelled_median`], the J point
/// at the median beat's QRS offset: `qrs` is its onset and offset from the fiducial, as
/// there. `None` (each) when too few beats hold the window.
pub(crate) fn levelled_st(
    x: &[f64],
    fids: &[(usize, Option<usize>)],
    qrs: (f64, f64),
    fs: f64,
) -> [Option<f64>; 3] {
    let after = [0, ms(fs, 60.0), ms(fs, 80.0)];
    let m = levelled_median(x, fids, qrs.0, qrs.1, after[2] + 1, fs);
    after.map(|d| m.as_ref().map(|m| m[d]))
}

/// Signed extreme (largest magnitude) of one lead's [`levelled_median`] over its T wave,
/// `t` (onset and offset from the fiducial as there).
pub(crate) fn levelled_t(
    x: &[f64],
    fids: &[(usize, Option<usize>)],
    qrs_on: f64,
    t: (f64, f64),
    fs: f64,
) -> Option<f64> {
    let len = (t.1.round() - t.0.round()).max(0.0) as usize + 1;
    levelled_median(x, fids, qrs_on, t.0, len, fs)?
        .into_iter()
        .max_by(|a, b| a.abs().total_cmp(&b.abs()))
}

/// Net area of `m - baseline` over `a..=c` (mV·samples).
pub(crate) fn net_area(m: &[f64], a: usize, c: usize, b: f64) -> Option<f64> {
    if a > c || c >= m.len() {
        return None;
    }
    Some(m[a..=c].iter().map(|v| v - b).sum())
}

/// Largest departure from Einthoven's and Goldberger's relations ([`einthoven`]) a recording
/// may show and still be taken as calibrated (on the QRS averaged over the median's beats:
/// six calibrated device and CinC sample files stay below it with up to 50 µV of white
/// noise independent from lead to lead, three of them reach 13-16 % at 100 µV; LUDB's
/// range-normalised leads, dev split: 15-202 %).
pub(crate) const EINTHOVEN_MAX_RESIDUAL: f64 = 0.10;

/// Limb-lead consistency of a recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LimbConsistency {
    /// Largest RMS(lead - relation) / RMS(lead) over the relations that can be checked.
    pub residual: f64,
    /// Gain of lead I relative to aVF (1 for calibrated leads), from `aVF = a II + b I`.
    pub i_over_avf: Option<f64>,
}

/// Root mean square of the values `v` (0 for none).
pub(crate) fn rms(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        s += x * x;
        n += 1;
    }
    if n == 0 { 0.0 } else { (s / n as f64).sqrt() }
}

/// Checks the limb leads (`None` without I, II and one more limb lead). `lead(label)`
/// gives a lead's band-passed samples (equal lengths).
///
/// Each of III, aVR, aVL and aVF is fitted by least squares as `a II + b I`; the residual is
/// the RMS of what the fitted relation differs from Einthoven's or Goldberger's,
/// `(a - a0) II + (b - b0) I`, over the lead's RMS. A gain error of g shows in full (III at
/// 1.15 of its gain: 13 %), while noise of the lead itself, which no combination of I and
/// II explains, does not: 25 µV of white noise in each lead, independent from lead to lead
/// (leads digitised one by one), made the plain residual `III - (II - I)` 22-120 % of the
/// lead on calibrated recordings, and every one of them read "lead gains suspect".
pub(crate) fn einthoven<'a>(
    lead: &dyn Fn(&ecg::LeadLabel) -> Option<&'a [f64]>,
) -> Option<LimbConsistency> {
    use ecg::LeadLabel as L;
    let (i, ii) = (lead(&L::I)?, lead(&L::II)?);
    let n = i.len().min(ii.len());
    // (lead, coefficient of I, coefficient of II)
    let rel = [
        (L::III, -1.0, 1.0),
        (L::AVR, -0.5, -0.5),
        (L::AVL, 1.0, -0.5),
        (L::AVF, -0.5, 1.0),
    ];
    let mut worst: Option<f64> = None;
    // aVF = a II + b I: consistent leads give b = -1/2.
    let mut i_over_avf = None;
    for (l, ci, cii) in rel {
        let Some(x) = lead(&l) else { continue };
        let m = n.min(x.len());
        let den = rms(x[..m].iter().copied());
        if den <= 0.0 {
            continue;
        }
        let fit = fit_on_ii_and_i(&x[..m], &ii[..m], &i[..m]);
        if l == L::AVF {
            i_over_avf = fit.and_then(|(_, b)| (b < 0.0).then_some(-2.0 * b));
        }
        let num = match fit {
            Some((a, b)) => rms((0..m).map(|k| (a - cii) * ii[k] + (b - ci) * i[k])),
            // I and II proportional: the relation itself.
            None => rms((0..m).map(|k| x[k] - ci * i[k] - cii * ii[k])),
        };
        let r = num / den;
        worst = Some(worst.map_or(r, |w: f64| w.max(r)));
    }
    let residual = worst?;
    Some(LimbConsistency {
        residual,
        i_over_avf,
    })
}

/// Least squares `x = a ii + b i`: `(a, b)`, `None` when `ii` and `i` are proportional.
fn fit_on_ii_and_i(x: &[f64], ii: &[f64], i: &[f64]) -> Option<(f64, f64)> {
    let (mut s11, mut s12, mut s22, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&x, &u), &v) in x.iter().zip(ii).zip(i) {
        s11 += u * u;
        s12 += u * v;
        s22 += v * v;
        y1 += u * x;
        y2 += v * x;
    }
    let det = s11 * s22 - s12 * s12;
    if det.abs() <= f64::EPSILON * s11 * s22 {
        return None;
    }
    Some(((s22 * y1 - s12 * y2) / det, (s11 * y2 - s12 * y1) / det))
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

    /// ST levels on the levelled median: beats with 0.1 mV of ST elevation on a baseline that
    /// ramps 1 mV/s and steps up 0.05 mV after each beat read 0.1 mV plus the ramp from the
    /// PQ window's centre without the next beats' PQ levels, and 0.1 mV less the step's share
    /// with them (the line between two PQ levels takes the ramp off); fewer than
    /// [`MIN_LEVEL_BEATS`] beats read nothing.
    #[test]
    fn st_levels_on_levelled_beats_follow_each_beats_pq_level() {
        let fs = 1000.0;
        let fids: Vec<usize> = (0..8).map(|k| 400 + 550 * k).collect();
        let mut x: Vec<f64> = (0..5000).map(|i| i as f64 / fs).collect();
        for &f in &fids {
            for v in &mut x[f + 30..f + 200] {
                *v += 0.1;
            }
            // A step of 0.05 mV after each beat (inside no PQ window or ST segment).
            for v in &mut x[f + 300..] {
                *v += 0.05;
            }
        }
        // QRS onset 40 ms before the fiducial, J 60 ms after; the PQ window's centre is
        // 55.5 ms before the fiducial.
        let qrs = (-40.0, 60.0);
        let alone: Vec<(usize, Option<usize>)> = fids.iter().map(|&f| (f, None)).collect();
        let levels = levelled_st(&x, &alone, qrs, fs);
        for (v, after_j) in levels.iter().zip([0.0, 60.0, 80.0]) {
            let want = 0.1 + (55.5 + 60.0 + after_j) / 1000.0;
            assert!((v.unwrap() - want).abs() < 1e-9, "{v:?} against {want}");
        }
        // With the next beat (all but the last, which holds no median place): the line to
        // the next PQ level takes the ramp off and rises by the step too, 0.05 mV over the
        // 550 ms to the next beat.
        let paired: Vec<(usize, Option<usize>)> = fids
            .iter()
            .enumerate()
            .map(|(k, &f)| (f, fids.get(k + 1).copied()))
            .collect();
        let levels = levelled_st(&x, &paired, qrs, fs);
        for (v, after_j) in levels.iter().zip([0.0, 60.0, 80.0]) {
            let step = 0.05 * (55.5 + 60.0 + after_j) / 550.0;
            let want = 0.1 - step;
            assert!((v.unwrap() - want).abs() < 1e-9, "{v:?} against {want}");
        }
        assert_eq!(
            levelled_st(&x, &alone[..MIN_LEVEL_BEATS - 1], qrs, fs),
            [None, None, None]
        );
    }

    /// Einthoven-consistent limb leads of a frontal dipole loop (x, y) rotated by `deg`.
    fn limb_leads(deg: f64, n: usize) -> Vec<(ecg::LeadLabel, Vec<f64>)> {
        use ecg::LeadLabel as L;
        let th = deg.to_radians();
        let (mut i, mut ii) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for k in 0..n {
            let (a, b) = ((k as f64 * 0.05).sin(), 0.3 * (k as f64 * 0.31).cos());
            let (x, y) = (a * th.cos() - b * th.sin(), a * th.sin() + b * th.cos());
            i.push(x);
            ii.push(0.5 * x + 0.75f64.sqrt() * y);
        }
        let comb = |a: f64, b: f64| i.iter().zip(&ii).map(|(x, y)| a * x + b * y).collect();
        vec![
            (L::III, comb(-1.0, 1.0)),
            (L::AVR, comb(-0.5, -0.5)),
            (L::AVL, comb(1.0, -0.5)),
            (L::AVF, comb(-0.5, 1.0)),
            (L::I, i),
            (L::II, ii),
        ]
    }

    fn check(ls: &[(ecg::LeadLabel, Vec<f64>)]) -> Option<LimbConsistency> {
        einthoven(&|l: &ecg::LeadLabel| ls.iter().find(|(x, _)| x == l).map(|(_, v)| v.as_slice()))
    }

    #[test]
    fn einthoven_residual_and_gain_ratio() {
        let mut leads = limb_leads(-45.0, 2000);
        let c = check(&leads).unwrap();
        assert!(c.residual < 1e-9);
        assert!((c.i_over_avf.unwrap() - 1.0).abs() < 1e-9);
        // Scale aVF by 2.5 and lead I by 0.6 (per-lead range normalisation).
        for (l, v) in leads.iter_mut() {
            let k = match l {
                ecg::LeadLabel::AVF => 2.5,
                ecg::LeadLabel::I => 0.6,
                _ => 1.0,
            };
            v.iter_mut().for_each(|x| *x *= k);
        }
        let c = check(&leads).unwrap();
        assert!(c.residual > EINTHOVEN_MAX_RESIDUAL);
        // True gain of I relative to aVF: (1 / 0.6) / (1 / 2.5).
        assert!((c.i_over_avf.unwrap() - 2.5 / 0.6).abs() < 1e-6);
        // Only I and II: nothing to check.
        leads.retain(|(l, _)| matches!(l, ecg::LeadLabel::I | ecg::LeadLabel::II));
        assert_eq!(check(&leads), None);
    }

    #[test]
    fn a_p_wave_rising_out_of_a_t_wave_trough_is_measured_over_its_chord() {
        let fs = 500.0;
        let g = |k: f64, c: f64, w: f64| (-((k - c) / w).powi(2) / 2.0).exp();
        // A 0.1 mV P (SD 10 samples) at sample 200, on a flat baseline: its height.
        let p = |k: f64| 0.1 * g(k, 200.0, 10.0);
        let flat: Vec<f64> = (0..400).map(|k| p(k as f64)).collect();
        let h = p_rise(&flat, 170, 230, fs).unwrap();
        assert!((h - 0.1).abs() < 0.003, "{h}");
        // The same P starting in the trough of an inverted T wave (-0.3 mV, SD 25 samples,
        // at 165) and ending near the T's end: above the onset's level it would be 0.28 mV
        // (the T's return counted as P); above the chord, 0.14 (the T's return is no
        // straight line).
        let on_t: Vec<f64> = (0..400)
            .map(|k| p(k as f64) - 0.3 * g(k as f64, 165.0, 25.0))
            .collect();
        assert!(on_t[200] - on_t[170] > 0.25);
        let h = p_rise(&on_t, 170, 230, fs).unwrap();
        assert!((0.1..0.15).contains(&h), "{h}");
        // Ending lower than it began (the atrial repolarisation wave after it), the height
        // is taken from the onset's level, as before.
        let with_ta: Vec<f64> = (0..400)
            .map(|k| p(k as f64) - if k > 215 { 0.03 } else { 0.0 })
            .collect();
        let h = p_rise(&with_ta, 170, 230, fs).unwrap();
        assert!((h - 0.1).abs() < 0.003, "{h}");
    }

    #[test]
    fn terminal_qrs_end_follows_a_wave_past_the_offset_and_nothing_else() {
        let fs = 500.0;
        // 100 ms of flat PQ, then waves (centre ms from the QRS onset, SD ms, mV).
        let beat = |waves: &[(f64, f64, f64)], st: f64, st_from: f64| -> Vec<f64> {
            (0..300)
                .map(|k| {
                    let t = (k as f64 - 50.0) * 2.0;
                    let w: f64 = waves
                        .iter()
                        .map(|&(c, sd, a)| a * (-(t - c).powi(2) / (2.0 * sd * sd)).exp())
                        .sum();
                    w + if t > st_from { st } else { 0.0 }
                })
                .collect()
        };
        let (on, off) = (50, 50 + 45); // global QRS 0..90 ms
        // A slurred S peaking at 80 ms (SD 14 ms): still at 0.35 mV at the offset, back
        // under 5 % of the QRS about 30 ms later.
        let rbbb_s = beat(&[(35.0, 8.0, 1.0), (80.0, 14.0, -0.45)], 0.0, 0.0);
        let end = terminal_qrs_end(&rbbb_s, on, off, fs);
        assert!((off + 8..=off + 20).contains(&end), "{}", end - off);
        // Back at the PQ level by the offset: the offset.
        let normal = beat(&[(35.0, 8.0, 1.0), (60.0, 6.0, -0.3)], 0.0, 0.0);
        assert_eq!(terminal_qrs_end(&normal, on, off, fs), off);
        // ST elevation of 0.3 mV from 80 ms on, flat: the offset.
        let st = beat(&[(35.0, 8.0, 1.0), (60.0, 6.0, -0.3)], 0.3, 80.0);
        assert_eq!(terminal_qrs_end(&st, on, off, fs), off);
        // A T wave rising from the offset (peak 60 ms later): the offset.
        let t = beat(&[(35.0, 8.0, 1.0), (150.0, 30.0, 0.5)], 0.0, 0.0);
        assert_eq!(terminal_qrs_end(&t, on, off, fs), off);
        // Degenerate bounds return the offset without panicking.
        assert_eq!(terminal_qrs_end(&normal, off, on, fs), on);
        assert_eq!(
            terminal_qrs_end(&normal, on, normal.len() - 1, fs),
            normal.len() - 1
        );
        assert_eq!(
            terminal_qrs_end(&normal, on, normal.len() + 5, fs),
            normal.len() + 5
        );
    }

    #[test]
    fn the_qrs_ends_at_the_second_latest_lead_and_not_in_fibrillation() {
        let fs = 500.0;
        let (on, off) = (50, 95);
        // A slurred S still deflected at the offset (as in the test above), and a lead back
        // at the PQ level by it.
        let wave = |centre: f64, sd: f64, a: f64, t: f64| {
            a * (-(t - centre).powi(2) / (2.0 * sd * sd)).exp()
        };
        let lead = |late: bool| -> Vec<f64> {
            (0..300)
                .map(|k| {
                    let t = (k as f64 - 50.0) * 2.0;
                    wave(35.0, 8.0, 1.0, t)
                        + if late {
                            wave(80.0, 14.0, -0.45, t)
                        } else {
                            wave(60.0, 6.0, -0.3, t)
                        }
                })
                .collect()
        };
        let (late, normal) = (lead(true), lead(false));
        let late_end = terminal_qrs_end(&late, on, off, fs);
        assert!(late_end > off);
        // One lead alone is an outlier: the common offset stands, its own end is kept.
        let e = qrs_end(&[&late, &normal, &normal], on, off, fs, false);
        assert_eq!((e.common, e.end), (off, off));
        assert_eq!(e.leads, [late_end, off, off]);
        // Two leads: the QRS runs to the second latest end.
        let e = qrs_end(&[&late, &late, &normal], on, off, fs, false);
        assert_eq!(e.end, late_end);
        // Fibrillation or flutter waves: the common offset, each lead's end still given.
        let e = qrs_end(&[&late, &late, &normal], on, off, fs, true);
        assert_eq!(e.end, off);
        assert_eq!(e.leads, [late_end, late_end, off]);
    }

    #[test]
    fn axis_follows_the_hexaxial_reference() {
        // Vector at +60°: lead I sees cos 60 = 0.5, aVF sees (√3/2) sin 60 = 0.75.
        assert_eq!(frontal_axis(0.5, 0.75), Some(ecg::Degrees(60.0)));
        assert_eq!(frontal_axis(1.0, 0.0), Some(ecg::Degrees(0.0)));
        assert_eq!(frontal_axis(0.0, -1.0), Some(ecg::Degrees(-90.0)));
        assert_eq!(frontal_axis(0.0, 0.0), None);
    }
}

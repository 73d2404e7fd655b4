//! Wave delineation: P onset/peak/offset, QRS onset/peak/offset and T onset/peak/offset of
//! one beat in one lead, and the global (all-lead) boundaries of a beat.
//!
//! Per lead, around a QRS fiducial found by [`crate::detect`]:
//! 1. QRS: the slope `|dx/dt|` of the 0.5-40 Hz signal is searched around the fiducial for
//!    its maximum; the complex is the run of samples with slope above 25 % of it (gaps under
//!    40 ms bridged); onset and offset are where the slope, walking outward, falls below a
//!    fraction of the maximum (Laguna et al. 1994, Comput Biomed Res 27:45, threshold method).
//! 2. T: in a window after the QRS that scales with the RR interval, the peak is the largest
//!    deviation of the 12-Hz-smoothed signal from the isoelectric level (PQ junction); the
//!    offset (and onset) use the trapezium-area method (Vázquez-Seisdedos et al. 2011,
//!    BioMed Eng OnLine 10:89): from the point of steepest descent `m`, T end is the sample
//!    `i` maximising `(y[m] - y[i]) (2r - i - m)` up to a reference point `r`.
//! 3. P: the same peak and trapezium rules in the window between the previous T end and the
//!    QRS onset; no P is reported when the deflection is not above the noise level there.
//!
//! 4. Leads are then reconciled ([`reconcile_qrs`]): each lead's QRS onset and offset are kept
//!    within 6 ms of the beat's median across leads, since a lead where the complex is tiny
//!    or notched cannot move its boundary far from what the other leads show.
//!
//! Global boundaries ([`global_boundaries`]) take the second earliest onset and the second
//! latest offset across leads (the earliest/latest themselves, as clinical carts do, but one
//! outlying lead cannot stretch the interval).
//!
//! The constants below were tuned on the eight LUDB records in `tests/data/wfdb/ludb`
//! (see `crates/signal/tests/ludb.rs` for the resulting accuracy).

use crate::detect::{median, moving_average};

/// A wave's three points as sample indices (any may be missing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Points {
    pub on: Option<usize>,
    pub peak: Option<usize>,
    pub off: Option<usize>,
}

/// One beat in one lead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BeatWaves {
    pub p: Option<Points>,
    pub qrs: Option<Points>,
    pub t: Option<Points>,
}

/// Precomputed views of one lead used by the delineator.
pub(crate) struct LeadView<'a> {
    /// 0.5-40 Hz signal (mV).
    pub x: &'a [f64],
    /// Slope of `x` (mV per sample, central difference).
    pub d: Vec<f64>,
    /// `x` smoothed over 40 ms (for T and P).
    pub s: Vec<f64>,
    /// Slope of `s`.
    pub ds: Vec<f64>,
    pub fs: f64,
}

impl<'a> LeadView<'a> {
    pub fn new(x: &'a [f64], fs: f64) -> Self {
        let d = diff(x);
        let s = moving_average(x, ms(fs, SMOOTH_MS));
        let ds = diff(&s);
        Self { x, d, s, ds, fs }
    }
}

fn diff(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut d = vec![0.0; n];
    for i in 1..n.saturating_sub(1) {
        d[i] = 0.5 * (x[i + 1] - x[i - 1]);
    }
    d
}

/// Milliseconds to samples (at least 1).
pub(crate) fn ms(fs: f64, v: f64) -> usize {
    (fs * v / 1000.0).round().max(1.0) as usize
}

/// Context of the beat: fiducial and neighbours' fiducials (sample indices), RR in samples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BeatContext {
    pub fid: usize,
    pub prev: Option<usize>,
    pub next: Option<usize>,
    /// RR to use for window sizes (samples).
    pub rr: f64,
    /// Previous beat's T offset in this lead, if found.
    pub prev_t_off: Option<usize>,
    /// Whether to look for a P wave (not in atrial fibrillation).
    pub want_p: bool,
}

/// Tuning constants of the QRS boundary search, as fractions of the maximum slope.
/// QRS onset: slope below this fraction of the complex's maximum slope for [`QUIET_MS`].
const QRS_ON_FRACTION: f64 = 0.04;
/// QRS offset: the same for the end of the complex.
const QRS_OFF_FRACTION: f64 = 0.06;
/// How long the slope must stay low to end the walk (a Q nadir or a notch is shorter).
const QUIET_MS: f64 = 10.0;
/// Smoothing of the signal used for P and T (moving average, ms).
const SMOOTH_MS: f64 = 20.0;
/// Trapezium reference distance after the steepest T descent (ms).
const T_OFF_REF_MS: f64 = 50.0;
/// Trapezium reference distance before the steepest T ascent (ms).
const T_ON_REF_MS: f64 = 90.0;
/// Trapezium reference distance for P onset and offset (ms).
const P_REF_MS: f64 = 30.0;
/// Per-lead QRS boundaries are kept within this distance of the beat's median across leads.
pub(crate) const QRS_LEAD_SPREAD_MS: f64 = 6.0;

pub(crate) fn delineate(v: &LeadView<'_>, c: &BeatContext) -> BeatWaves {
    let qrs = qrs(v, c);
    let Some(q) = qrs else {
        return BeatWaves::default();
    };
    let t = twave(v, c, &q);
    let p = if c.want_p { pwave(v, c, &q) } else { None };
    BeatWaves { p, qrs: Some(q), t }
}

fn qrs(v: &LeadView<'_>, c: &BeatContext) -> Option<Points> {
    let fs = v.fs;
    let n = v.x.len();
    let mut a = c.fid.saturating_sub(ms(fs, 120.0));
    let mut b = (c.fid + ms(fs, 140.0)).min(n.saturating_sub(2));
    if let Some(p) = c.prev {
        a = a.max(p + (c.fid - p) / 2);
    }
    if let Some(nx) = c.next {
        b = b.min(c.fid + (nx - c.fid) / 2);
    }
    if a + 2 >= b {
        return None;
    }
    let (imax, dmax) = (a..b)
        .map(|i| (i, v.d[i].abs()))
        .max_by(|x, y| x.1.total_cmp(&y.1))?;
    if dmax <= 0.0 {
        return None;
    }
    let sig = 0.25 * dmax;
    let gap = ms(fs, 40.0);
    // Extend the significant run left and right of the steepest point, bridging small gaps.
    let mut first = imax;
    let mut i = imax;
    while i > a {
        i -= 1;
        if v.d[i].abs() >= sig {
            first = i;
        } else if first - i > gap {
            break;
        }
    }
    let mut last = imax;
    let mut i = imax;
    while i + 1 < b {
        i += 1;
        if v.d[i].abs() >= sig {
            last = i;
        } else if i - last > gap {
            break;
        }
    }
    // Walk outward to the threshold crossing.
    let lim_on = first
        .saturating_sub(ms(fs, 60.0))
        .max(a.saturating_sub(ms(fs, 40.0)));
    let quiet = ms(fs, QUIET_MS);
    let th_on = QRS_ON_FRACTION * dmax;
    let mut on = first;
    let mut run = 0;
    let mut i = first;
    while i > lim_on {
        i -= 1;
        if v.d[i].abs() <= th_on {
            run += 1;
            if run >= quiet {
                break;
            }
        } else {
            run = 0;
            on = i;
        }
    }
    // `on` is the last sample above threshold; the onset is the first quiet one before it.
    on = on.saturating_sub(1).max(lim_on);
    let lim_off = (last + ms(fs, 80.0)).min(n - 2);
    let th_off = QRS_OFF_FRACTION * dmax;
    let mut off = last;
    let mut run = 0;
    let mut i = last;
    while i < lim_off {
        i += 1;
        if v.d[i].abs() <= th_off {
            run += 1;
            if run >= quiet {
                break;
            }
        } else {
            run = 0;
            off = i;
        }
    }
    off = (off + 1).min(lim_off);
    // Peak: largest deviation from the onset level inside the complex.
    let base = v.x[on];
    let peak =
        (on..=off).max_by(|&x, &y| (v.x[x] - base).abs().total_cmp(&(v.x[y] - base).abs()))?;
    Some(Points {
        on: Some(on),
        peak: Some(peak),
        off: Some(off),
    })
}

/// Isoelectric level before a QRS onset: mean over the 20 ms ending 10 ms before onset.
fn iso_level(v: &LeadView<'_>, qrs_on: usize) -> f64 {
    let fs = v.fs;
    let e = qrs_on.saturating_sub(ms(fs, 10.0));
    let s = e.saturating_sub(ms(fs, 20.0));
    if e <= s {
        return v.x[qrs_on];
    }
    v.x[s..e].iter().sum::<f64>() / (e - s) as f64
}

/// Trapezium-area end point: steepest point `m` (slope sign `dir`), reference `r`.
fn trapezium(y: &[f64], m: usize, r: usize, polarity: f64) -> usize {
    let (lo, hi) = if r >= m { (m, r) } else { (r, m) };
    let mut best = m;
    let mut best_a = f64::NEG_INFINITY;
    for i in lo..=hi {
        let width = if r >= m {
            (2 * r - i - m) as f64
        } else {
            (i + m - 2 * r) as f64
        };
        let a = polarity * (y[m] - y[i]) * width;
        if a > best_a {
            best_a = a;
            best = i;
        }
    }
    best
}

fn twave(v: &LeadView<'_>, c: &BeatContext, q: &Points) -> Option<Points> {
    let fs = v.fs;
    let n = v.x.len();
    let (q_on, q_off) = (q.on?, q.off?);
    let rr_s = c.rr / fs;
    let start = q_off + ms(fs, 40.0);
    let mut end = c.fid + (fs * (0.15 + 0.5 * rr_s.sqrt()).min(0.85 * rr_s)) as usize;
    if let Some(nx) = c.next {
        end = end.min(nx.saturating_sub(ms(fs, 100.0)));
    }
    end = end.min(n.saturating_sub(2));
    if start + ms(fs, 40.0) >= end {
        return None;
    }
    let base = iso_level(v, q_on);
    let search_end = end.saturating_sub(ms(fs, 30.0)).max(start + 1);
    let peak = (start..search_end)
        .max_by(|&a, &b| (v.s[a] - base).abs().total_cmp(&(v.s[b] - base).abs()))?;
    let amp = v.s[peak] - base;
    if amp.abs() < 0.02 {
        return None;
    }
    let pol = amp.signum();
    // Offset: steepest return toward baseline after the peak.
    let m_end = (peak + ms(fs, 160.0)).min(end);
    let m = (peak..=m_end)
        .max_by(|&a, &b| (-pol * v.ds[a]).total_cmp(&(-pol * v.ds[b])))
        .unwrap_or(peak);
    let r = (m + ms(fs, T_OFF_REF_MS))
        .min(n - 1)
        .min(end + ms(fs, 100.0));
    let off = trapezium(&v.s, m, r, pol);
    // Onset: steepest departure before the peak.
    let m_on = (start..=peak)
        .max_by(|&a, &b| (pol * v.ds[a]).total_cmp(&(pol * v.ds[b])))
        .unwrap_or(peak);
    let r_on = m_on.saturating_sub(ms(fs, T_ON_REF_MS)).max(q_off);
    let on = trapezium(&v.s, m_on, r_on, pol);
    Some(Points {
        on: Some(on),
        peak: Some(peak),
        off: Some(off),
    })
}

fn pwave(v: &LeadView<'_>, c: &BeatContext, q: &Points) -> Option<Points> {
    let fs = v.fs;
    let q_on = q.on?;
    let end = q_on.saturating_sub(ms(fs, 20.0));
    let mut start = q_on.saturating_sub(ms(fs, 300.0));
    if let Some(p) = c.prev {
        start = start.max(p + ((c.fid - p) as f64 * 0.45) as usize);
    }
    if let Some(t) = c.prev_t_off {
        start = start.max(t + ms(fs, 20.0));
    }
    if start + ms(fs, 60.0) >= end {
        return None;
    }
    let base = iso_level(v, q_on);
    let lo = start + ms(fs, 20.0);
    let peak =
        (lo..end).max_by(|&a, &b| (v.s[a] - base).abs().total_cmp(&(v.s[b] - base).abs()))?;
    let amp = v.s[peak] - base;
    // Noise: spread of the slope in the window; the P must stand out.
    let slopes: Vec<f64> = (start..end).map(|i| v.ds[i].abs()).collect();
    let noise = median(&slopes) * ms(fs, 40.0) as f64;
    if amp.abs() < 0.025 || amp.abs() < 1.5 * noise {
        return None;
    }
    let pol = amp.signum();
    let m_off = (peak..end)
        .max_by(|&a, &b| (-pol * v.ds[a]).total_cmp(&(-pol * v.ds[b])))
        .unwrap_or(peak);
    let r_off = (m_off + ms(fs, P_REF_MS)).min(q_on);
    let off = trapezium(&v.s, m_off, r_off, pol);
    let m_on = (start..=peak)
        .max_by(|&a, &b| (pol * v.ds[a]).total_cmp(&(pol * v.ds[b])))
        .unwrap_or(peak);
    let r_on = m_on
        .saturating_sub(ms(fs, 60.0))
        .max(start.saturating_sub(ms(fs, 20.0)));
    let on = trapezium(&v.s, m_on, r_on, pol);
    if !(on < peak && peak < off) {
        return None;
    }
    Some(Points {
        on: Some(on),
        peak: Some(peak),
        off: Some(off),
    })
}

/// Step 4: clamps each lead's QRS onset/offset of each beat to the median across leads
/// ± [`QRS_LEAD_SPREAD_MS`].
pub(crate) fn reconcile_qrs(per_lead: &mut [Vec<BeatWaves>], fs: f64) {
    let n_beats = per_lead.first().map_or(0, Vec::len);
    let w = ms(fs, QRS_LEAD_SPREAD_MS);
    for b in 0..n_beats {
        let ons: Vec<f64> = per_lead
            .iter()
            .filter_map(|l| l[b].qrs.and_then(|q| q.on))
            .map(|v| v as f64)
            .collect();
        let offs: Vec<f64> = per_lead
            .iter()
            .filter_map(|l| l[b].qrs.and_then(|q| q.off))
            .map(|v| v as f64)
            .collect();
        if ons.is_empty() || offs.is_empty() {
            continue;
        }
        let (mon, moff) = (
            median(&ons).round() as usize,
            median(&offs).round() as usize,
        );
        for l in per_lead.iter_mut() {
            if let Some(q) = l[b].qrs.as_mut() {
                q.on = q.on.map(|v| v.clamp(mon.saturating_sub(w), mon + w));
                q.off = q.off.map(|v| v.clamp(moff.saturating_sub(w), moff + w));
            }
        }
    }
}

/// Second earliest (or earliest with fewer than 3 values).
pub(crate) fn robust_min(v: &mut [usize]) -> Option<usize> {
    v.sort_unstable();
    match v.len() {
        0 => None,
        1 | 2 => v.first().copied(),
        _ => Some(v[1]),
    }
}

/// Second latest (or latest with fewer than 3 values).
pub(crate) fn robust_max(v: &mut [usize]) -> Option<usize> {
    v.sort_unstable();
    match v.len() {
        0 => None,
        1 | 2 => v.last().copied(),
        n => Some(v[n - 2]),
    }
}

/// Global wave boundaries of one beat from its per-lead delineations.
pub(crate) fn global_boundaries(per_lead: &[BeatWaves]) -> BeatWaves {
    let collect = |f: &dyn Fn(&BeatWaves) -> Option<usize>| -> Vec<usize> {
        per_lead.iter().filter_map(f).collect()
    };
    let wave = |get: &dyn Fn(&BeatWaves) -> Option<Points>| -> Option<Points> {
        let mut on = collect(&|b| get(b).and_then(|p| p.on));
        let mut off = collect(&|b| get(b).and_then(|p| p.off));
        let peaks = collect(&|b| get(b).and_then(|p| p.peak));
        if peaks.is_empty() {
            return None;
        }
        let pk: Vec<f64> = peaks.iter().map(|&p| p as f64).collect();
        let n_leads = per_lead.len();
        // A wave seen in fewer than a third of the leads is not a global wave.
        if peaks.len() * 3 < n_leads {
            return None;
        }
        Some(Points {
            on: robust_min(&mut on),
            peak: Some(median(&pk).round() as usize),
            off: robust_max(&mut off),
        })
    };
    BeatWaves {
        p: wave(&|b| b.p),
        qrs: wave(&|b| b.qrs),
        t: wave(&|b| b.t),
    }
}

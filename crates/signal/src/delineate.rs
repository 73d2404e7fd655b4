//! Wave delineation: P onset/peak/offset, QRS onset/peak/offset and T onset/peak/offset of
//! one beat in one lead, and the global (all-lead) boundaries of a beat.
//!
//! Per lead, around a QRS fiducial found by [`crate::detect`]:
//! 1. QRS: the slope `|dx/dt|` of the 0.5-40 Hz signal is searched around the fiducial for
//!    its maximum; the complex is the run of samples with slope above 25 % of it (gaps under
//!    40 ms bridged); onset and offset are where the slope, walking outward, falls below a
//!    fraction of the maximum (Laguna et al. 1994, Comput Biomed Res 27:45, threshold method),
//!    and no lower than a multiple of the noise's slope before the complex (noise walked the
//!    boundaries of small complexes outward).
//!    A paced complex starts after its pacing spike (which is bridged before delineation).
//! 2. T: in a window after the QRS that scales with the RR interval, the peak is the most
//!    prominent local extremum of the 20-ms-smoothed signal ([`prominent_extremum`], the
//!    `scipy.signal.peak_prominences` definition), so a sloping ST segment (strain, LVH)
//!    cannot outbid a small T the way the largest deviation from the PQ level could; the
//!    offset (and onset) use the trapezium-area method (Vázquez-Seisdedos et al. 2011,
//!    BioMed Eng OnLine 10:89): from the point of steepest descent `m`, T end is the sample
//!    `i` maximising `(y[m] - y[i]) (2r - i - m)` up to a reference point `r`. `m` is
//!    searched on the T's own descent only, before a trough out of which a next wave (a P
//!    close after the T) rises ([`t_descent_end`]).
//! 3. P: the same peak and trapezium rules in the window between the previous T end and the
//!    QRS onset; no P is reported when the deflection is not above the noise level there.
//!    In a regular tachycardia, where the P rides on the previous T wave's descending limb
//!    and that window is gone, the P is searched on the T downslope as a hump above its
//!    chord ([`p_on_t_descent`]), and the previous T is ended before it
//!    ([`t_end_before_next_p`]; on the median beat, in every rhythm with organised P waves,
//!    where `analyze` also ends the previous T before the P onset the beats show).
//! 4. Multi-lead consensus ([`harmonise`], T first, then P): a P or T wave is one event seen
//!    in all leads. Per beat it exists when at least a third of the leads found it (else
//!    single-lead finds are dropped); a lead whose peak lies off the consensus, or that found
//!    nothing, is searched again in a narrow window around where the other leads put it,
//!    with a lower, noise-relative threshold (a flat T in III, a biphasic P in V1).
//!    After the global boundaries, a P wave at least half the leads show is searched in the
//!    remaining leads with a still lower floor ([`faint_p`]): LUDB's cardiologists mark it in
//!    every lead, also where it is nearly isoelectric.
//! 5. Leads are then reconciled ([`reconcile`]): each lead's QRS, P and T onset and offset
//!    are kept within 6, 25 and 30 ms of the beat's median across leads, since a lead where
//!    the wave is tiny, notched or biphasic cannot move its boundary far from what the other
//!    leads show.
//!
//! Global boundaries ([`global_boundaries`]) take the second earliest onset and the second
//! latest offset across leads (the earliest/latest themselves, as clinical carts do, but one
//! outlying lead cannot stretch the interval).
//!
//! The constants below were tuned on the eight LUDB records in `tests/data/wfdb/ludb`
//! (see `crates/signal/tests/ludb.rs` for the resulting accuracy).

use std::cmp::Ordering;

use crate::detect::{median, median_by_count, median_in, moving_averages};
use crate::rhythm::FLUTTER_MAX_CYCLE_MS;

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
    /// One lead's views (the analysis makes them several at once, [`Self::many`]).
    #[cfg(test)]
    pub fn new(x: &'a [f64], fs: f64) -> Self {
        let s = crate::detect::moving_average(x, ms(fs, SMOOTH_MS));
        Self::with_smoothed(x, s, fs)
    }

    /// The views of each of `xs` (at `fs`), the same as each lead's alone: the smoothing
    /// runs over several leads at once ([`moving_averages`]).
    pub fn many(xs: &[&'a [f64]], fs: f64) -> Vec<Self> {
        moving_averages(xs, ms(fs, SMOOTH_MS))
            .into_iter()
            .zip(xs)
            .map(|(s, x)| Self::with_smoothed(x, s, fs))
            .collect()
    }

    fn with_smoothed(x: &'a [f64], s: Vec<f64>, fs: f64) -> Self {
        let d = diff(x);
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
    /// Smallest P (prominence, mV) the first pass accepts: [`P_MIN_MV`], or [`P_MIN_MV_LOW`]
    /// in the second look at a regular rhythm without P waves.
    pub p_min_mv: f64,
    /// How far before the QRS onset (ms) the P wave is searched: [`P_REACH_MS`], or
    /// [`P_REACH_LONG_MS`] in the look for a long PR interval (see `analyze`).
    pub p_reach_ms: f64,
    /// The pacing spike that started this QRS, if any (sample index).
    pub spike: Option<usize>,
    /// In a regular tachycardia (see `analyze`), the polarity a sinus P wave has in this
    /// lead (+1 upright, -1 inverted) where it is reliably one or the other: the P may then
    /// ride on the previous T wave's descending limb and is searched there
    /// ([`p_on_t_descent`]) when the window after the T offset holds none. None elsewhere.
    pub p_on_t: Option<f64>,
    /// Previous beat's T peak in this lead, if found (where [`p_on_t_descent`] starts).
    pub prev_t_peak: Option<usize>,
}

/// Tuning constants of the QRS boundary search, as fractions of the maximum slope.
/// QRS onset: slope below this fraction of the complex's maximum slope for [`QUIET_MS`].
const QRS_ON_FRACTION: f64 = 0.04;
/// QRS offset: the same for the end of the complex.
const QRS_OFF_FRACTION: f64 = 0.06;
/// The boundary walks end no lower than this many times the noise's median |slope| ...
const QRS_NOISE_SLOPES: f64 = 3.0;
/// ... measured over at least this long before the complex (ms).
const QRS_NOISE_WINDOW_MS: f64 = 30.0;
/// How long the slope must stay low to end the walk (a Q nadir or a notch is shorter).
const QUIET_MS: f64 = 10.0;
/// A paced QRS starts this long after its pacing spike (the spike itself is bridged over
/// ±8 ms before delineation).
const PACED_ONSET_AFTER_SPIKE_MS: f64 = 8.0;
/// Smoothing of the signal used for P and T (moving average, ms).
const SMOOTH_MS: f64 = 20.0;
/// Trapezium reference distance after the steepest T descent (ms).
const T_OFF_REF_MS: f64 = 50.0;
/// Trapezium reference distance before the steepest T ascent (ms).
const T_ON_REF_MS: f64 = 90.0;
/// Trapezium reference distance after the steepest P descent (ms).
const P_REF_MS: f64 = 30.0;
/// Trapezium reference distance before the steepest P ascent (ms).
const P_ON_REF_MS: f64 = 60.0;
/// A P onset this close to the far end of its trapezium search is no corner but a sloping
/// baseline (the previous T wave's tail), and is not reported; nor a P offset this close to
/// the QRS onset when the search reached it (ms).
const P_EDGE_CLIP_MS: f64 = 4.0;
/// Furthest the steepest point of the P upstroke may lie before the P peak.
const P_UPSTROKE_MS: f64 = 80.0;
/// Furthest the steepest point of the T upstroke may lie before the T peak.
const T_UPSTROKE_MS: f64 = 80.0;
/// Smallest T (prominence, mV) in the first pass, and in the second pass (window from the
/// other leads) together with a multiple of the lead's noise level.
const T_MIN_MV: f64 = 0.02;
const T_MIN_MV_HINTED: f64 = 0.005;
const T_NOISE_HINTED: f64 = 0.5;
/// The same for P.
pub(crate) const P_MIN_MV: f64 = 0.025;
/// How far before the QRS onset (ms) a P wave is searched: a PR interval up to about 300 ms
/// (the P's onset a little further back).
pub(crate) const P_REACH_MS: f64 = 300.0;
/// The same in the look for the P waves of a long PR interval (first-degree AV block of
/// 300-450 ms), made only when a regular rhythm showed no P waves within [`P_REACH_MS`].
pub(crate) const P_REACH_LONG_MS: f64 = 480.0;
/// The first pass's P floor when a regular rhythm showed no organised P waves at
/// [`P_MIN_MV`] (see `analyze`: low P waves, LUDB 31: 0.02-0.03 mV).
pub(crate) const P_MIN_MV_LOW: f64 = 0.015;
const P_NOISE: f64 = 1.5;
const P_MIN_MV_HINTED: f64 = 0.005;
const P_NOISE_HINTED: f64 = 0.5;
/// The same for a lead searched for a P wave that at least half the leads show ([`faint_p`]).
const P_MIN_MV_FAINT: f64 = 0.002;
const P_NOISE_FAINT: f64 = 0.25;
/// [`faint_p`]: the share of the leads that must show the beat's P, and how far (ms) from the
/// lead's expected peak the faint P is searched and may lie.
const P_FAINT_MIN_SHARE: f64 = 0.5;
const P_FAINT_WIN_MS: f64 = 30.0;
const P_FAINT_TOL_MS: f64 = 20.0;
/// Second pass ([`harmonise`]): a lead's peak farther than the tolerance from the expected
/// one is searched again within ± the window (ms).
const P_CONSENSUS_TOL_MS: f64 = 40.0;
const P_CONSENSUS_WIN_MS: f64 = 50.0;
const T_CONSENSUS_TOL_MS: f64 = 60.0;
const T_CONSENSUS_WIN_MS: f64 = 80.0;
/// [`t_within_dominant_t`]: a lead's T peaking this long (ms) after the largest T wave's end
/// is searched again within that T.
const T_AFTER_DOMINANT_END_MS: f64 = 20.0;
/// Per-lead P boundaries are kept within this distance of the beat's median across leads.
pub(crate) const P_LEAD_SPREAD_MS: f64 = 25.0;
/// Per-lead T boundaries are kept within this distance of the beat's median across leads.
pub(crate) const T_LEAD_SPREAD_MS: f64 = 30.0;
/// Per-lead QRS boundaries are kept within this distance of the beat's median across leads.
pub(crate) const QRS_LEAD_SPREAD_MS: f64 = 6.0;

pub(crate) fn delineate(v: &LeadView<'_>, c: &BeatContext) -> BeatWaves {
    let qrs = qrs(v, c);
    let Some(q) = qrs else {
        return BeatWaves::default();
    };
    let t = twave(v, c, &q, None);
    let p = if c.want_p {
        pwave(v, c, &q, None).or_else(|| p_on_t_descent(v, c, &q))
    } else {
        None
    };
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
    // Noise: the median |slope| of what the 20-ms smoothing takes away (the P wave and the
    // baseline stay in the smoothed copy), from the search window's start to 40 ms before
    // the complex. Under recording noise the
    // slope fractions of a small complex lie within it, and the walk ran on into the noise
    // (LUDB 12 at 250 Hz under 25 µV: the limb leads' onsets 5-30 ms early, QRS 100 -> 120
    // ms, "Non-specific intraventricular conduction delay").
    let noise_end = first.saturating_sub(ms(fs, 40.0));
    let floor = if noise_end >= a + ms(fs, QRS_NOISE_WINDOW_MS) {
        let slopes = (a..noise_end).map(|i| (v.d[i] - v.ds[i]).abs());
        QRS_NOISE_SLOPES * median_in(&mut Vec::with_capacity(noise_end - a), slopes)
    } else {
        0.0
    };
    let th_on = (QRS_ON_FRACTION * dmax).max(floor);
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
    // A paced complex starts after its (bridged) pacing spike, not on it.
    if let Some(sp) = c.spike {
        let after = sp + ms(fs, PACED_ONSET_AFTER_SPIKE_MS);
        if sp <= first && on < after {
            on = after.min(first);
        }
    }
    let lim_off = (last + ms(fs, 80.0)).min(n - 2);
    let th_off = (QRS_OFF_FRACTION * dmax).max(floor);
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

/// The most prominent interior local extremum of `y` in `a..b` as (index, signed
/// prominence): a maximum's prominence is its height above the higher of the two lowest
/// points reached walking left and right until the signal exceeds it (or the window ends),
/// as `scipy.signal.peak_prominences` defines it; a minimum's the same on `-y`. A ramp
/// (ST segment sloping into the T wave, a T tail running into the P window) has no interior
/// extremum, so it cannot win over the wave itself the way the largest deviation from the
/// PQ level can.
pub(crate) fn prominent_extremum(y: &[f64], a: usize, b: usize) -> Option<(usize, f64)> {
    let b = b.min(y.len());
    if a + 2 >= b {
        return None;
    }
    // No walk can go below the window's lowest point (above its highest, for a minimum): an
    // extremum whose height above it cannot beat the best so far is not walked from (most
    // ripples, once the wave's own peak is found). Only a bound: the result is the same.
    let (lowest, highest) = y[a..b]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let mut best: Option<(usize, f64)> = None;
    for i in a + 1..b - 1 {
        let (sign, bound) = if y[i] >= y[i - 1] && y[i] > y[i + 1] {
            (1.0, y[i] - lowest)
        } else if y[i] <= y[i - 1] && y[i] < y[i + 1] {
            (-1.0, highest - y[i])
        } else {
            continue;
        };
        if best.is_some_and(|(_, p)| bound <= p.abs()) {
            continue;
        }
        // The lowest points as a compare and select (one instruction), not `f64::min`,
        // whose NaN handling puts several into each step of these walks: the same values
        // (a NaN neither ends a walk nor lowers it either way; only which of two equal zeros
        // of opposite sign is kept could differ, which no prominence below can show unless
        // the extremum itself is an exact zero).
        let h = sign * y[i];
        let mut left = h;
        let mut k = i;
        while k > a {
            k -= 1;
            let v = sign * y[k];
            if v > h {
                break;
            }
            left = if v < left { v } else { left };
        }
        let mut right = h;
        let mut k = i;
        while k + 1 < b {
            k += 1;
            let v = sign * y[k];
            if v > h {
                break;
            }
            right = if v < right { v } else { right };
        }
        let prom = h - left.max(right);
        if best.is_none_or(|(_, p)| prom > p.abs()) {
            best = Some((i, sign * prom));
        }
    }
    best
}

/// Peak of a wave in `a..b`: the most prominent extremum, or (when the window holds no
/// interior extremum) the largest deviation from `base`. Returns (index, signed size).
fn wave_peak(y: &[f64], a: usize, b: usize, base: f64) -> Option<(usize, f64)> {
    prominent_extremum(y, a, b).or_else(|| {
        let i = (a..b.min(y.len()))
            .max_by(|&i, &j| (y[i] - base).abs().total_cmp(&(y[j] - base).abs()))?;
        Some((i, y[i] - base))
    })
}

/// Noise level of a lead in `a..b`: median absolute slope of the smoothed signal times 40 ms.
fn noise_level(v: &LeadView<'_>, a: usize, b: usize) -> f64 {
    let slopes: Vec<f64> = (a..b.min(v.ds.len())).map(|i| v.ds[i].abs()).collect();
    median(&slopes) * ms(v.fs, 40.0) as f64
}

/// Whether a wave of size `x` (mV, not negative) is below `k` times the lead's
/// [`noise_level`] in `a..b`, as `x < k * noise_level(v, a, b)`. Most waves stand far above
/// or below that: more than half the slopes below 0.99 of the median that would make it so
/// (or above 1.01 of it) put the median there, and settle it without the median.
fn under_noise(v: &LeadView<'_>, a: usize, b: usize, x: f64, k: f64) -> bool {
    let slopes = v.ds.get(a..b.min(v.ds.len())).unwrap_or_default();
    // x < k * median * (40 ms), up to rounding, where the median exceeds t.
    let t = x / (k * ms(v.fs, 40.0) as f64);
    match median_by_count(slopes.iter().map(|d| d.abs()), 0.99 * t, 1.01 * t) {
        Some(Ordering::Less) => false,
        Some(Ordering::Greater) => true,
        _ => x < k * noise_level(v, a, b),
    }
}

/// T wave. `win`: a narrower window for the peak (second pass, from the other leads).
fn twave(
    v: &LeadView<'_>,
    c: &BeatContext,
    q: &Points,
    win: Option<(usize, usize)>,
) -> Option<Points> {
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
    let (pa, pb, min_amp) = match win {
        Some((lo, hi)) => (lo.max(start), hi.min(search_end), T_MIN_MV_HINTED),
        None => (start, search_end, T_MIN_MV),
    };
    let (peak, amp) = wave_peak(&v.s, pa, pb, base)?;
    // Hinted, at least T_NOISE_HINTED times the lead's noise level too.
    if amp.abs() < min_amp
        || (win.is_some() && under_noise(v, start, end, amp.abs(), T_NOISE_HINTED))
    {
        return None;
    }
    let pol = amp.signum();
    // Offset: steepest return toward baseline after the peak, on the T's own descent: not
    // past a wave that rises out of the T's end ([`t_descent_end`]).
    let m_end = t_descent_end(&v.s, peak, (peak + ms(fs, 160.0)).min(end), base, amp);
    let m = (peak..=m_end)
        .max_by(|&a, &b| (-pol * v.ds[a]).total_cmp(&(-pol * v.ds[b])))
        .unwrap_or(peak);
    let r = (m + ms(fs, T_OFF_REF_MS))
        .min(n - 1)
        .min(end + ms(fs, 100.0));
    let off = trapezium(&v.s, m, r, pol);
    // Onset: steepest departure within T_UPSTROKE_MS before the peak (further back, the
    // steepest point is on a sloping ST segment; LUDB T onset -7.7 ± 33.5 -> -1.7 ± 28.8 ms).
    let m_on = (start.max(peak.saturating_sub(ms(fs, T_UPSTROKE_MS)))..=peak)
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

/// A wave that rises out of the T wave's end, towards the T's polarity, by at least this
/// share of the T ([`t_descent_end`]) ...
const T_NEXT_WAVE_MIN_RISE: f64 = 0.15;
/// ... and at least this much (mV) ...
const T_NEXT_WAVE_MIN_RISE_MV: f64 = 0.03;
/// ... from a trough within this share of the T from the baseline (a notch of a bifid T
/// wave lies higher).
const T_NEXT_WAVE_MAX_TROUGH: f64 = 0.3;

/// Where the T wave's own descent ends, up to `m_end`: the first trough of `pol * y` after
/// the T `peak` (amplitude `amp` from `base`) that lies near the baseline
/// ([`T_NEXT_WAVE_MAX_TROUGH`]) and out of which the signal rises again by
/// [`T_NEXT_WAVE_MIN_RISE`] of the T and [`T_NEXT_WAVE_MIN_RISE_MV`] before `m_end`: a P
/// wave close after the T (or a U wave). The steepest return searched past that trough
/// is the next wave's downslope, from which the trapezium placed the T end past the wave
/// (110/min, a P 110 ms after the T summit, steeper than the T: QT 472 ms, no window left
/// for the P before the QRS, and P waves before 29 % of the beats of a sinus rhythm with
/// atrial premature beats read "Atrial fibrillation"). `m_end` when there is none.
fn t_descent_end(y: &[f64], peak: usize, m_end: usize, base: f64, amp: f64) -> usize {
    let pol = amp.signum();
    let min_rise = (T_NEXT_WAVE_MIN_RISE * amp.abs()).max(T_NEXT_WAVE_MIN_RISE_MV);
    let mut trough = peak;
    for i in peak + 1..=m_end.min(y.len() - 1) {
        if pol * y[i] < pol * y[trough] {
            trough = i;
        } else if pol * (y[i] - y[trough]) >= min_rise
            && pol * (y[trough] - base) <= T_NEXT_WAVE_MAX_TROUGH * amp.abs()
        {
            return trough;
        }
    }
    m_end
}

/// How small a P wave [`pwave`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PFloor {
    /// First pass: [`BeatContext::p_min_mv`] and [`P_NOISE`] times the noise level.
    First,
    /// Searched where a third of the leads put it: [`P_MIN_MV_HINTED`], [`P_NOISE_HINTED`].
    Hinted,
    /// Searched where half the leads put it: [`P_MIN_MV_FAINT`], [`P_NOISE_FAINT`].
    Faint,
}

/// P wave. `win`: a narrower window for the peak (second pass, from the other leads).
fn pwave(
    v: &LeadView<'_>,
    c: &BeatContext,
    q: &Points,
    win: Option<(usize, usize)>,
) -> Option<Points> {
    let floor = if win.is_some() {
        PFloor::Hinted
    } else {
        PFloor::First
    };
    pwave_with(v, c, q, win, floor)
}

/// [`pwave`] with the given acceptance floor.
fn pwave_with(
    v: &LeadView<'_>,
    c: &BeatContext,
    q: &Points,
    win: Option<(usize, usize)>,
    floor: PFloor,
) -> Option<Points> {
    let fs = v.fs;
    let q_on = q.on?;
    let end = q_on.saturating_sub(ms(fs, 20.0));
    let mut start = q_on.saturating_sub(ms(fs, c.p_reach_ms));
    if let Some(p) = c.prev {
        start = start.max(p + ((c.fid - p) as f64 * 0.45) as usize);
    }
    if let Some(t) = c.prev_t_off
        && win.is_none()
    {
        start = start.max(t + ms(fs, 20.0));
    }
    if start + ms(fs, 60.0) >= end {
        return None;
    }
    let base = iso_level(v, q_on);
    let lo = start + ms(fs, 20.0);
    // At least the floor, and so many times the lead's noise level.
    let (min_amp, times_noise) = match floor {
        PFloor::First => (c.p_min_mv, P_NOISE),
        PFloor::Hinted => (P_MIN_MV_HINTED, P_NOISE_HINTED),
        PFloor::Faint => (P_MIN_MV_FAINT, P_NOISE_FAINT),
    };
    let (pa, pb) = match win {
        Some((a, b)) => (a.max(lo), b.min(end)),
        None => (lo, end),
    };
    let (peak, amp) = wave_peak(&v.s, pa, pb, base)?;
    if amp.abs() < min_amp || under_noise(v, start, end, amp.abs(), times_noise) {
        return None;
    }
    let pol = amp.signum();
    let m_off = (peak..end)
        .max_by(|&a, &b| (-pol * v.ds[a]).total_cmp(&(-pol * v.ds[b])))
        .unwrap_or(peak);
    let r_off = (m_off + ms(fs, P_REF_MS)).min(q_on);
    // The offset is kept also where the trapezium's corner lies at the far end of its
    // [`P_REF_MS`] reach (the PR segment still falls with the atrial repolarisation wave):
    // dropped, it left the global offset (second latest across leads) to the few leads with
    // a corner inside, and which leads those are flips with a few µV of residual noise
    // (LUDB 10: five leads with an offset as read, P 102 ms; seven to ten under 10-25 µV of
    // noise, P 120-132 ms). Not where the reach was cut at the QRS onset: an offset there
    // is the QRS upstroke's foot, no P end (a 3-beat WFDB format sample: "P" 280 ms).
    let off = trapezium(&v.s, m_off, r_off, pol);
    let off_at_qrs = r_off == q_on && off + ms(fs, P_EDGE_CLIP_MS) >= r_off;
    // The P upstroke lies within P_UPSTROKE_MS of its peak (a P lasts up to ~120 ms); a
    // steeper slope further back belongs to the baseline or the end of the previous T.
    let m_on = (start.max(peak.saturating_sub(ms(fs, P_UPSTROKE_MS)))..=peak)
        .max_by(|&a, &b| (pol * v.ds[a]).total_cmp(&(pol * v.ds[b])))
        .unwrap_or(peak);
    let r_on = m_on
        .saturating_sub(ms(fs, P_ON_REF_MS))
        .max(start.saturating_sub(ms(fs, 20.0)));
    let on = trapezium(&v.s, m_on, r_on, pol);
    if !(on < peak && peak < off) {
        return None;
    }
    // An onset within P_EDGE_CLIP_MS of the trapezium's far end found no corner: the
    // baseline keeps sloping (the previous T's tail: muse-sinus V2-V6 at 90/min), so this
    // lead has no onset to report and the global one comes from the other leads.
    let on_clipped = r_on < m_on && on <= r_on + ms(fs, P_EDGE_CLIP_MS);
    Some(Points {
        on: (!on_clipped).then_some(on),
        peak: Some(peak),
        off: (!off_at_qrs).then_some(off),
    })
}

/// Half-width (ms) of the chord [`p_on_t_descent`] measures a hump against: a P wave's
/// half-duration (P 80-110 ms), over which the T wave's descending limb is nearly straight.
const P_ON_T_CHORD_MS: f64 = 30.0;
/// [`p_on_t_descent`] searches from this long (ms) after the previous T peak: nearer, the
/// T wave's own summit is the hump.
const P_ON_T_AFTER_T_PEAK_MS: f64 = 10.0;
/// The hump must stand this many times the lead's high-frequency noise above its chord.
const P_ON_T_NOISE: f64 = 4.0;
/// How far (times the hump) the signal may dip beyond the baseline, against the hump's
/// polarity, between the T summit and the hump.
const P_ON_T_MAX_DIP: f64 = 0.5;
/// ... from this long (ms) after the previous QRS (past its S wave, where a flutter wave
/// before the T summit lies).
const P_ON_T_DIP_FROM_MS: f64 = 120.0;
/// How far (times the hump) the PR segment after the hump may stray from the PR level.
/// The hump is measured over its chord, which cuts through the P wave's flanks, so it is
/// smaller than the P: the P's own tail and the T's, which lie over the short PR segment
/// of a tachycardia, reached 1.2-1.4 times it (complete RBBB at 135/min: "Wide-QRS
/// tachycardia" at 1.0), where the next flutter wave of 3:1 or 2:1 flutter, filling
/// that segment, reaches 3 times it (the unit test's sawtooth).
const P_ON_T_MAX_PR_SWING: f64 = 1.5;
/// Where no 2:1 flutter wave can be the hump (see [`p_on_t_descent`]), the signal must
/// fall after the hump's summit by this much of the hump before the QRS: a wave of its
/// own, not the shoulder an inverted T wave's tail makes on its way back to the baseline.
const P_ON_T_MIN_FALL: f64 = 0.5;

/// A P wave riding on the previous T wave's descending limb, in a regular tachycardia
/// ([`BeatContext::p_on_t`]): at 120-170/min the P merges with the end of the T, the T
/// offset is placed at or past it, and the window after the T offset is too short or holds
/// only the P itself (its own slope then reads as the window's noise level). Between the
/// previous T peak and the QRS onset, a wave superimposed on the T downslope is where the
/// signal bulges above its chord: the hump `pol (s[i] - (s[i-h] + s[i+h]) / 2)`, `h` =
/// [`P_ON_T_CHORD_MS`]. The T wave alone, past its summit, is nearly straight and then
/// convex, so it has no interior maximum of the hump there; the P wave does, at its peak.
/// Accepted with the expected sinus polarity only (upright in I, II, aVF, V4-V6, inverted
/// in aVR), at least the first pass's floor high and [`P_ON_T_NOISE`] times the lead's
/// high-frequency noise, and only where the signal from the ST segment to the hump stays on
/// the hump's side of the baseline (within [`P_ON_T_MAX_DIP`]): the positive return of a
/// flutter wave, negative in the inferior leads, follows a trough below it. That rule holds
/// only where the RR is at most two flutter cycles ([`FLUTTER_MAX_CYCLE_MS`]: 120/min and
/// faster, where 2:1 flutter is possible); at a longer RR the dip before the hump is the T
/// wave itself, inverted against the P (LBBB, or T-wave inversion in II, aVF, V4-V6: at
/// 105-115/min with LBBB, upright P waves on the inverted T's return read "Undetermined
/// rhythm"), and the hump must instead be a wave of its own: the signal falls after its
/// summit by [`P_ON_T_MIN_FALL`] of it before the QRS. And only with an isoelectric PR
/// segment after it (within [`P_ON_T_MAX_PR_SWING`]).
/// Onset and offset come from the trapezium rule on the signal less the chord through
/// the points one P duration either side (the T slope removed). Whether the find is a
/// P wave is then decided as for every P: by the multi-lead consensus ([`harmonise`]) and
/// by a steady PR across beats (`analyze`).
fn p_on_t_descent(v: &LeadView<'_>, c: &BeatContext, q: &Points) -> Option<Points> {
    let pol = c.p_on_t?;
    let fs = v.fs;
    let q_on = q.on?;
    let t_peak = c.prev_t_peak?;
    let h = ms(fs, P_ON_T_CHORD_MS);
    let end = q_on.saturating_sub(ms(fs, 20.0));
    let mut start = t_peak + ms(fs, P_ON_T_AFTER_T_PEAK_MS);
    if let Some(p) = c.prev {
        start = start.max(p + ((c.fid - p) as f64 * 0.3) as usize);
    }
    if start < h || start + 3 >= end || end + h >= v.s.len() {
        return None;
    }
    let s = &v.s;
    let hump = |i: usize| pol * (s[i] - 0.5 * (s[i - h] + s[i + h]));
    // Interior maximum of the hump (not a window edge, where the T summit's or the QRS
    // upstroke's own curvature still rises).
    let peak = (start + 1..end - 1)
        .filter(|&i| hump(i) >= hump(i - 1) && hump(i) > hump(i + 1))
        .max_by(|&a, &b| hump(a).total_cmp(&hump(b)))?;
    let size = hump(peak);
    let noise = {
        let hf: Vec<f64> = (start.saturating_sub(h)..end)
            .map(|i| (v.x[i] - s[i]).abs())
            .collect();
        median(&hf)
    };
    if size < c.p_min_mv.max(P_ON_T_NOISE * noise) {
        return None;
    }
    // It rides on the T wave: from the ST segment to the hump the signal stays on the P's
    // side of the baseline (the PR level before the QRS). A deflection opposite to the
    // hump beyond the baseline before it is a sawtooth: the negative flutter wave of the
    // inferior leads with its smaller positive return (flutter conducted 2:1 or 3:1).
    let base = iso_level(v, q_on);
    let from = c
        .prev
        .map_or(t_peak, |p| (p + ms(fs, P_ON_T_DIP_FROM_MS)).min(t_peak));
    // (The median beat, whose window may not reach back a whole RR, has no previous beat:
    // its RR is the median.)
    let rr = c.prev.map_or(c.rr, |p| (c.fid - p) as f64);
    let two_to_one_flutter_possible = rr <= 2.0 * ms(fs, FLUTTER_MAX_CYCLE_MS) as f64;
    if two_to_one_flutter_possible {
        let deepest = (from..peak)
            .map(|i| pol * (s[i] - base))
            .fold(f64::INFINITY, f64::min);
        if deepest < -P_ON_T_MAX_DIP * size {
            return None;
        }
    } else {
        let summit = (peak.saturating_sub(h)..(peak + h).min(end))
            .max_by(|&i, &j| (pol * s[i]).total_cmp(&(pol * s[j])))?;
        let fall = (summit..end)
            .map(|i| pol * (s[summit] - s[i]))
            .fold(0.0, f64::max);
        if fall < P_ON_T_MIN_FALL * size {
            return None;
        }
    }
    // The signal less the chord through the points one P duration (2h) either side of the
    // peak (not past the QRS onset), where the T slope is removed; it is extended back by
    // the onset's trapezium reference (not before the T peak), so the onset's search is as
    // long as in [`pwave_with`].
    let (a, b) = (peak.saturating_sub(2 * h), (peak + 2 * h).min(q_on));
    if b <= peak + 2 || a + 2 >= peak {
        return None;
    }
    let lo = a.saturating_sub(ms(fs, P_ON_REF_MS)).max(t_peak).min(a);
    let slope = (s[b] - s[a]) / (b - a) as f64;
    let y: Vec<f64> = (lo..=b)
        .map(|i| s[i] - s[a] - slope * (i as f64 - a as f64))
        .collect();
    let dy = diff(&y);
    let pk = peak - lo;
    if pol * y[pk] <= 0.0 {
        return None;
    }
    let last = y.len() - 1;
    let m_off = (pk..last)
        .max_by(|&i, &j| (-pol * dy[i]).total_cmp(&(-pol * dy[j])))
        .unwrap_or(pk);
    let r_off = (m_off + ms(fs, P_REF_MS)).min(last);
    let off = trapezium(&y, m_off, r_off, pol);
    // Where the signal before the chord's first point lies beyond the chord against the
    // hump, the chord cuts through the return of a T wave inverted against the P: that bowl
    // is no part of the P, whose onset lies at or after the chord's first point (searched
    // from before it, the onset went down into the bowl: PR +30 ms at 105-115/min).
    let first = a - lo;
    let floor = if first > 0 && pol * y[first - 1] < 0.0 {
        first
    } else {
        0
    };
    let m_on = (pk.saturating_sub(ms(fs, P_UPSTROKE_MS)).max(floor + 1)..=pk)
        .max_by(|&i, &j| (pol * dy[i]).total_cmp(&(pol * dy[j])))
        .unwrap_or(pk);
    let r_on = m_on.saturating_sub(ms(fs, P_ON_REF_MS)).max(floor);
    let on = trapezium(&y, m_on, r_on, pol);
    if !(on < pk && pk < off) {
        return None;
    }
    // The PR segment after it is isoelectric: from the hump's offset to the end of the
    // search the signal stays within [`P_ON_T_MAX_PR_SWING`] of the hump of the PR level.
    // Flutter has no isoelectric baseline: the next flutter wave lies there (3:1 at
    // 340/min: the positive return of one flutter wave passed for a P, the next wave
    // follows before the QRS).
    let swing = (lo + off..end)
        .map(|i| (s[i] - base).abs())
        .fold(0.0, f64::max);
    if swing > P_ON_T_MAX_PR_SWING * size {
        return None;
    }
    Some(Points {
        on: Some(lo + on),
        peak: Some(peak),
        off: Some(lo + off),
    })
}

/// A T wave ends where the next P wave begins at the latest. In a tachycardia whose P waves
/// ride on the T wave's descending limb, the trapezium's T end (from the steepest descent
/// after the T peak, which is then the P's downslope) lies past the P, and the QT with it
/// (synthetic sinus tachycardia at 130-160/min: QTc 540-590 ms for 425). `t`'s offset is
/// kept at or before `next_p_on` (and after its peak).
pub(crate) fn t_end_before_next_p(t: &mut Option<Points>, next_p_on: Option<usize>) {
    let (Some(t), Some(p_on)) = (t.as_mut(), next_p_on) else {
        return;
    };
    let floor = t.peak.map_or(p_on, |pk| p_on.max(pk + 1));
    t.off = t.off.map(|off| off.min(floor));
}

/// [`t_end_before_next_p`] along consecutive beats (one lead's, or the global waves): the T
/// of the beat before each beat `b` for which `at(b)` holds ends before `b`'s P at the latest.
pub(crate) fn t_ends_before_next_ps(beats: &mut [BeatWaves], at: impl Fn(usize) -> bool) {
    for b in 1..beats.len() {
        if at(b) {
            let next_p_on = beats[b].p.and_then(|p| p.on);
            t_end_before_next_p(&mut beats[b - 1].t, next_p_on);
        }
    }
}

/// Builds the context of (lead, beat) from the current per-lead waves.
pub(crate) type ContextOf<'a> = dyn Fn(&[Vec<BeatWaves>], usize, usize) -> BeatContext + 'a;

/// Which wave [`harmonise`] works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    P,
    T,
}

fn get(b: &BeatWaves, k: Kind) -> Option<Points> {
    match k {
        Kind::P => b.p,
        Kind::T => b.t,
    }
}

fn set(b: &mut BeatWaves, k: Kind, v: Option<Points>) {
    match k {
        Kind::P => b.p = v,
        Kind::T => b.t = v,
    }
}

/// Step 5: multi-lead consensus for P or T. An atrial or ventricular repolarisation wave
/// is one event seen in every lead, so per beat:
/// 1. the wave exists when at least a third of the leads found it; otherwise what single
///    leads found (f or flutter waves, noise, a P in a paced or fibrillating record) is
///    dropped in every lead;
/// 2. its expected peak in lead `l` is the median peak across leads plus the lead's own
///    typical offset from that median (median over beats, e.g. V1's P or T comes later);
/// 3. a lead whose peak lies farther than the tolerance from the expected one, or that
///    found none, is searched again in a window around the expected peak with a
///    noise-relative threshold (a low T in lead III, a biphasic P in V1).
///
/// `ctx(lead, beat)` gives the beat context (with the previous T offset of that lead).
pub(crate) fn harmonise(
    views: &[LeadView<'_>],
    per_lead: &mut [Vec<BeatWaves>],
    kind: Kind,
    ctx: &ContextOf<'_>,
) {
    let n_leads = per_lead.len();
    let n_beats = per_lead.first().map_or(0, Vec::len);
    let Some(fs) = views.first().map(|v| v.fs) else {
        return;
    };
    let need = n_leads.div_ceil(3).max(1);
    let (tol, half) = match kind {
        Kind::P => (ms(fs, P_CONSENSUS_TOL_MS), ms(fs, P_CONSENSUS_WIN_MS)),
        Kind::T => (ms(fs, T_CONSENSUS_TOL_MS), ms(fs, T_CONSENSUS_WIN_MS)),
    };
    // (1) Consensus peak per beat; (2) each lead's typical offset from it.
    let (centre, offsets) = consensus(per_lead, kind, tol, need);
    // (2b) P waves recur at a fixed interval before the QRS in an organised rhythm: when
    // most beats have a consensus P at a steady interval, a beat without one is searched at
    // that interval in every lead (low P waves found in too few leads at first, LUDB 56,
    // 60), and keeps what it finds there only with the same consensus.
    let recovered: Vec<Option<f64>> = match kind {
        Kind::P => {
            let cxs: Vec<BeatContext> = (0..n_beats).map(|b| ctx(per_lead, 0, b)).collect();
            recover_p_centres(&centre, &|b| cxs[b].fid, &|b| cxs[b].prev, fs)
        }
        Kind::T => vec![None; n_beats],
    };
    for b in 0..n_beats {
        let Some(c) = recovered[b] else { continue };
        let found: Vec<Option<Points>> = (0..n_leads)
            .map(|li| {
                let e = (c + offsets[li]).round().max(0.0) as usize;
                let q = per_lead[li][b].qrs?;
                let cx = ctx(per_lead, li, b);
                let win = Some((e.saturating_sub(half), e + half));
                // Not inside the previous beat's T wave (a T downslope looks like a P).
                pwave(&views[li], &cx, &q, win)
                    .filter(|p| p.peak.is_some_and(|pk| pk.abs_diff(e) <= tol))
                    .filter(|p| p.on.is_some_and(|on| cx.prev_t_off.is_none_or(|t| on > t)))
            })
            .collect();
        let keep = found.iter().flatten().count() >= need;
        for (li, f) in found.into_iter().enumerate() {
            set(&mut per_lead[li][b], kind, if keep { f } else { None });
        }
    }
    // (3) Re-search outlying or missing leads; drop the wave where there is no consensus.
    for b in 0..n_beats {
        if recovered[b].is_some() {
            continue;
        }
        for li in 0..n_leads {
            let Some(c) = centre[b] else {
                set(&mut per_lead[li][b], kind, None);
                continue;
            };
            let e = (c + offsets[li]).round().max(0.0) as usize;
            let cur = get(&per_lead[li][b], kind);
            if cur
                .and_then(|p| p.peak)
                .is_some_and(|p| p.abs_diff(e) <= tol)
            {
                continue;
            }
            let Some(q) = per_lead[li][b].qrs else {
                continue;
            };
            let cx = ctx(per_lead, li, b);
            let win = Some((e.saturating_sub(half), e + half));
            let redo = match kind {
                Kind::P => pwave(&views[li], &cx, &q, win),
                Kind::T => twave(&views[li], &cx, &q, win),
            };
            set(&mut per_lead[li][b], kind, redo);
        }
    }
}

/// A lead's T wave that peaks more than [`T_AFTER_DOMINANT_END_MS`] after the end of the
/// largest T wave (the lead whose T deviates most from its PQ level) is not that
/// repolarisation: ventricular repolarisation is one event, and what one lead shows after the
/// largest T has ended is a U wave or the level of the TP segment (MIT-BIH 100, two leads: V5's
/// T, inverted, 0.15 mV, ends 376 ms after the QRS onset; in MLII, where the ST is depressed
/// and the T is low, the most prominent wave was the TP segment's 0.03 mV above the PQ level,
/// taken for an upright T ending at 486 ms: "Prolonged QT interval, QTc 545 ms"). Such a lead
/// is searched again between the largest T's onset and end (with the hinted floor, as
/// [`harmonise`] re-searches outlying leads), and keeps no T wave where there is none.
/// Only with one or two leads: from three leads on the global T end is the second latest
/// lead's ([`robust_max`]), which already keeps one lead's stray wave out, and on twelve leads
/// a small T that peaks after the largest T's end is often real (LUDB 55: aVL's T, 0.03 mV,
/// ends 542 ms after the QRS onset by the cardiologists' marks; the rule cut the QT of LUDB 15,
/// 55 and 69 by 6-24 ms away from the marks').
pub(crate) fn t_within_dominant_t(
    views: &[LeadView<'_>],
    per_lead: &mut [Vec<BeatWaves>],
    ctx: &ContextOf<'_>,
) {
    if per_lead.len() >= 3 {
        return;
    }
    let n_beats = per_lead.first().map_or(0, Vec::len);
    let Some(fs) = views.first().map(|v| v.fs) else {
        return;
    };
    for b in 0..n_beats {
        let size = |li: usize| -> Option<f64> {
            let w = &per_lead[li][b];
            let (q_on, pk) = (w.qrs?.on?, w.t?.peak?);
            let v = &views[li];
            Some((v.s.get(pk)? - iso_level(v, q_on)).abs())
        };
        let sizes: Vec<Option<f64>> = (0..per_lead.len()).map(size).collect();
        let Some(dominant) = (0..per_lead.len())
            .filter_map(|li| sizes[li].map(|a| (li, a)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(li, _)| li)
        else {
            continue;
        };
        let Some(Points {
            on: Some(d_on),
            off: Some(d_off),
            ..
        }) = per_lead[dominant][b].t
        else {
            continue;
        };
        for li in 0..per_lead.len() {
            let late = per_lead[li][b]
                .t
                .and_then(|t| t.peak)
                .is_some_and(|pk| pk > d_off + ms(fs, T_AFTER_DOMINANT_END_MS));
            if !late {
                continue;
            }
            let Some(q) = per_lead[li][b].qrs else {
                continue;
            };
            let cx = ctx(per_lead, li, b);
            let redo = twave(&views[li], &cx, &q, Some((d_on, d_off)));
            per_lead[li][b].t = redo;
        }
    }
}

/// Steps (1) and (2) of [`harmonise`]: the consensus peak of each beat (the median of the
/// leads' peaks near their first median, when at least `need` leads found the wave) and each
/// lead's typical offset from it (median over the beats where the lead's peak lies within
/// twice `tol` of the consensus; 0 when that holds in fewer than half the beats).
fn consensus(
    per_lead: &[Vec<BeatWaves>],
    kind: Kind,
    tol: usize,
    need: usize,
) -> (Vec<Option<f64>>, Vec<f64>) {
    let n_beats = per_lead.first().map_or(0, Vec::len);
    let centre: Vec<Option<f64>> = (0..n_beats)
        .map(|b| {
            let pk: Vec<f64> = per_lead
                .iter()
                .filter_map(|l| get(&l[b], kind).and_then(|p| p.peak))
                .map(|v| v as f64)
                .collect();
            if pk.len() < need {
                return None;
            }
            let m = median(&pk);
            // Median of the peaks near the first median (outlying leads do not pull it).
            let near: Vec<f64> = pk
                .iter()
                .copied()
                .filter(|v| (v - m).abs() <= 2.0 * tol as f64)
                .collect();
            (near.len() >= need).then(|| median(&near))
        })
        .collect();
    let offsets: Vec<f64> = per_lead
        .iter()
        .map(|l| {
            let d: Vec<f64> = (0..n_beats)
                .filter_map(|b| {
                    let c = centre[b]?;
                    let p = get(&l[b], kind)?.peak? as f64;
                    ((p - c).abs() <= 2.0 * tol as f64).then_some(p - c)
                })
                .collect();
            if d.len() * 2 < n_beats.max(1) {
                0.0
            } else {
                median(&d)
            }
        })
        .collect();
    (centre, offsets)
}

/// Step 4b, after the global boundaries: a beat whose P wave at least half the leads show
/// (an atrial depolarisation is one event, and LUDB's cardiologists mark it in every lead)
/// has it searched in each remaining lead within [`P_FAINT_WIN_MS`] of where that lead puts
/// it in the other beats, with the faint floor ([`P_MIN_MV_FAINT`] or [`P_NOISE_FAINT`] times
/// the lead's noise level): a P nearly perpendicular to the lead axis (V2, aVL, III), too
/// small for the first passes. Never inside the previous T wave. What it finds does not move
/// the global boundaries (computed before, from the leads that show the P clearly); its
/// onset and offset are then held near the other leads' by [`reconcile`].
pub(crate) fn faint_p(
    views: &[LeadView<'_>],
    per_lead: &mut [Vec<BeatWaves>],
    ctx: &ContextOf<'_>,
) {
    let n_leads = per_lead.len();
    let n_beats = per_lead.first().map_or(0, Vec::len);
    let Some(fs) = views.first().map(|v| v.fs) else {
        return;
    };
    let need = ((n_leads as f64 * P_FAINT_MIN_SHARE).ceil() as usize)
        .max(n_leads.div_ceil(3))
        .max(2);
    let (centre, offsets) = consensus(per_lead, Kind::P, ms(fs, P_CONSENSUS_TOL_MS), need);
    let (half, tol) = (ms(fs, P_FAINT_WIN_MS), ms(fs, P_FAINT_TOL_MS));
    for b in 0..n_beats {
        let Some(c) = centre[b] else { continue };
        for li in 0..n_leads {
            if per_lead[li][b].p.is_some() {
                continue;
            }
            let Some(q) = per_lead[li][b].qrs else {
                continue;
            };
            let e = (c + offsets[li]).round().max(0.0) as usize;
            let cx = ctx(per_lead, li, b);
            let win = Some((e.saturating_sub(half), e + half));
            let found = pwave_with(&views[li], &cx, &q, win, PFloor::Faint)
                .filter(|p| p.peak.is_some_and(|pk| pk.abs_diff(e) <= tol))
                .filter(|p| p.on.is_none_or(|on| cx.prev_t_off.is_none_or(|t| on > t)));
            per_lead[li][b].p = found;
        }
    }
}

/// The expected P consensus peak of the beats without one (None for the others): when at
/// least half the beats (and three) have a consensus P at a QRS fiducial minus P peak
/// interval whose SD is at most [`P_RECOVER_MAX_SD_MS`], the beats without one expect it at
/// the median interval, except premature beats (RR from `prev` below
/// [`crate::classify::PREMATURE`] of the median RR: an ectopic beat's P, if any, is not at
/// the dominant interval).
fn recover_p_centres(
    centre: &[Option<f64>],
    fid: &dyn Fn(usize) -> usize,
    prev: &dyn Fn(usize) -> Option<usize>,
    fs: f64,
) -> Vec<Option<f64>> {
    let n = centre.len();
    let rr = |b: usize| {
        prev(b)
            .and_then(|p| fid(b).checked_sub(p))
            .map(|r| r as f64)
    };
    let rrs: Vec<f64> = (0..n).filter_map(rr).collect();
    let rr_med = if rrs.is_empty() { 0.0 } else { median(&rrs) };
    let d: Vec<f64> = (0..n)
        .filter_map(|b| Some(fid(b) as f64 - centre[b]?))
        .collect();
    if d.len() < 3 || d.len() * 2 < n || d.len() == n {
        return vec![None; n];
    }
    // One dominant interval assumes one rhythm: a resting ECG. Over a longer span (a Holter
    // chunk) the rhythm changes (an AF episode beside sinus beats would be given P waves).
    if n > 1 && (fid(n - 1) - fid(0)) as f64 / fs > P_RECOVER_MAX_SPAN_S {
        return vec![None; n];
    }
    let m = median(&d);
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    let sd = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (d.len() - 1) as f64).sqrt();
    if sd > P_RECOVER_MAX_SD_MS * fs / 1000.0 {
        return vec![None; n];
    }
    // Only a gap inside an organised stretch: a neighbouring beat has its P. A run of beats
    // without P (an AF episode in a chunk of a Holter that is mostly sinus) is not filled
    // from the sinus beats' interval.
    let neighbour_has_p =
        |b: usize| (b > 0 && centre[b - 1].is_some()) || (b + 1 < n && centre[b + 1].is_some());
    // And only on time: the RR into the beat within 15 % of the median (a premature beat's P,
    // if any, is not at the dominant interval; AF's irregular beats are rarely on time).
    let on_time = |b: usize| rr(b).is_some_and(|r| (r - rr_med).abs() <= 0.15 * rr_med);
    (0..n)
        .map(|b| {
            (centre[b].is_none() && on_time(b) && neighbour_has_p(b)).then(|| fid(b) as f64 - m)
        })
        .collect()
}

/// Largest SD (ms) of the P-peak-to-QRS interval at which missing P waves are
/// searched for at the dominant interval (organised atrial activity; the AF rule calls a
/// PR varying by SD > 25 ms disorganised).
const P_RECOVER_MAX_SD_MS: f64 = 25.0;

/// Longest span of beats (s) over which missing P waves are recovered: a resting ECG
/// (10-60 s), not a Holter chunk.
const P_RECOVER_MAX_SPAN_S: f64 = 60.0;

/// Step 4: clamps each lead's QRS, P and T boundaries of each beat to the median across the
/// leads that found the wave ± [`QRS_LEAD_SPREAD_MS`] (QRS), [`P_LEAD_SPREAD_MS`] (P) and
/// [`T_LEAD_SPREAD_MS`] (T). The peaks stay where each lead has them.
pub(crate) fn reconcile(per_lead: &mut [Vec<BeatWaves>], fs: f64) {
    reconcile_wave(per_lead, ms(fs, QRS_LEAD_SPREAD_MS), |b| &mut b.qrs);
    reconcile_wave(per_lead, ms(fs, P_LEAD_SPREAD_MS), |b| &mut b.p);
    reconcile_wave(per_lead, ms(fs, T_LEAD_SPREAD_MS), |b| &mut b.t);
}

fn reconcile_wave(
    per_lead: &mut [Vec<BeatWaves>],
    w: usize,
    wave: fn(&mut BeatWaves) -> &mut Option<Points>,
) {
    let n_beats = per_lead.first().map_or(0, Vec::len);
    for b in 0..n_beats {
        let mut ons = Vec::new();
        let mut offs = Vec::new();
        for l in per_lead.iter_mut() {
            if let Some(p) = *wave(&mut l[b]) {
                ons.extend(p.on.map(|v| v as f64));
                offs.extend(p.off.map(|v| v as f64));
            }
        }
        if ons.is_empty() || offs.is_empty() {
            continue;
        }
        let (mon, moff) = (
            median(&ons).round() as usize,
            median(&offs).round() as usize,
        );
        for l in per_lead.iter_mut() {
            if let Some(q) = wave(&mut l[b]).as_mut() {
                q.on = q.on.map(|v| v.clamp(mon.saturating_sub(w), mon + w));
                q.off = q.off.map(|v| v.clamp(moff.saturating_sub(w), moff + w));
                if let (Some(on), Some(pk), Some(off)) = (q.on, q.peak, q.off) {
                    q.peak = Some(pk.clamp(on, off.max(on)));
                }
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

/// The lower quartile (the earliest with fewer than 4 values).
fn lower_quartile(v: &mut [usize]) -> Option<usize> {
    v.sort_unstable();
    v.get(v.len() / 4).copied()
}

/// Global wave boundaries of one beat from its per-lead delineations.
pub(crate) fn global_boundaries(per_lead: &[BeatWaves]) -> BeatWaves {
    type Pick = fn(&mut [usize]) -> Option<usize>;
    let collect = |f: &dyn Fn(&BeatWaves) -> Option<usize>| -> Vec<usize> {
        per_lead.iter().filter_map(f).collect()
    };
    let wave = |get: &dyn Fn(&BeatWaves) -> Option<Points>, early_on: Pick| {
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
            on: early_on(&mut on),
            peak: Some(median(&pk).round() as usize),
            off: robust_max(&mut off),
        })
    };
    BeatWaves {
        // P onsets scatter most between leads (LUDB: SD 13.5 ms per lead); the second
        // earliest of twelve noisy onsets sits well before the true one, so P takes the
        // lower quartile (PR against the devices: +6.6 -> +2.9 ms mean, 10 tracings).
        p: wave(&|b| b.p, lower_quartile),
        qrs: wave(&|b| b.qrs, robust_min),
        t: wave(&|b| b.t, robust_min),
    }
}

/// Which leads set a beat's global boundaries ([`global_boundaries`]), as indices into its
/// `per_lead` delineations: for an onset the leads whose own onset lies at or before it, for
/// an offset those whose offset lies at or after it. A statement that rests on an interval
/// rests on them (a poor lead among them withholds it, [`crate::quality`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct BoundaryLeads {
    pub p_on: Vec<usize>,
    pub p_off: Vec<usize>,
    pub qrs_on: Vec<usize>,
    pub t_off: Vec<usize>,
}

pub(crate) fn boundary_leads(per_lead: &[BeatWaves], global: &BeatWaves) -> BoundaryLeads {
    let setting = |wave: fn(&BeatWaves) -> Option<Points>, onset: bool| -> Vec<usize> {
        let at = wave(global).and_then(|p| if onset { p.on } else { p.off });
        let Some(at) = at else {
            return Vec::new();
        };
        per_lead
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                wave(b)
                    .and_then(|p| if onset { p.on } else { p.off })
                    .is_some_and(|v| if onset { v <= at } else { v >= at })
            })
            .map(|(k, _)| k)
            .collect()
    };
    BoundaryLeads {
        p_on: setting(|b| b.p, true),
        p_off: setting(|b| b.p, false),
        qrs_on: setting(|b| b.qrs, true),
        t_off: setting(|b| b.t, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leads_at_or_beyond_a_global_boundary_set_it() {
        let pts = |on: usize, off: usize| {
            Some(Points {
                on: Some(on),
                peak: Some((on + off) / 2),
                off: Some(off),
            })
        };
        // Four leads; P onsets 100, 104, 96, 110 and offsets 150, 160, 158, 140; QRS onsets
        // 200, 198, 202, 199; T offsets 600, 590, 610, 605; the third lead has no T.
        let per_lead: Vec<BeatWaves> = [
            (100, 150, 200, Some(600)),
            (104, 160, 198, Some(590)),
            (96, 158, 202, None),
            (110, 140, 199, Some(605)),
        ]
        .into_iter()
        .map(|(pon, poff, qon, toff)| BeatWaves {
            p: pts(pon, poff),
            qrs: pts(qon, qon + 50),
            t: toff.and_then(|o| pts(o - 150, o)),
        })
        .collect();
        let global = global_boundaries(&per_lead);
        // P onset: lower quartile 100 (leads 0 and 2); offset: second latest 158 (1, 2);
        // QRS onset: second earliest 199 (1, 3); T offset: second latest of three, 600.
        let b = boundary_leads(&per_lead, &global);
        assert_eq!(b.p_on, [0, 2]);
        assert_eq!(b.p_off, [1, 2]);
        assert_eq!(b.qrs_on, [1, 3]);
        assert_eq!(b.t_off, [0, 3]);
        // A wave with no global boundary is set by no lead.
        let no_t = BeatWaves { t: None, ..global };
        assert!(boundary_leads(&per_lead, &no_t).t_off.is_empty());
    }

    #[test]
    fn missing_p_waves_are_expected_at_the_dominant_interval_only_when_it_is_steady() {
        let fs = 500.0;
        let fid = |b: usize| 400 + b * 500;
        // Six of ten beats with a P peak 100 samples (200 ms) before the fiducial.
        let centre: Vec<Option<f64>> = (0..10)
            .map(|b| (b % 5 < 3).then(|| fid(b) as f64 - 100.0 + (b % 3) as f64))
            .collect();
        let prev = |b: usize| b.checked_sub(1).map(fid);
        let r = recover_p_centres(&centre, &fid, &prev, fs);
        for b in 0..10 {
            match centre[b] {
                Some(_) => assert_eq!(r[b], None),
                // Beat 9, the last, follows beat 8 without a P: not searched.
                None if b == 9 => assert_eq!(r[b], None),
                None => {
                    let e = r[b].unwrap();
                    assert!((fid(b) as f64 - e - 99.0).abs() <= 1.0, "{b}: {e}");
                }
            }
        }
        // Scattered intervals (fibrillatory deflections): nothing is expected.
        let scattered: Vec<Option<f64>> = (0..10)
            .map(|b| (b % 5 < 3).then(|| fid(b) as f64 - 60.0 - 30.0 * (b % 4) as f64))
            .collect();
        assert!(
            recover_p_centres(&scattered, &fid, &prev, fs)
                .iter()
                .all(Option::is_none)
        );
        // Fewer than half the beats with a P: nothing is expected either.
        let few: Vec<Option<f64>> = (0..10)
            .map(|b| (b < 4).then(|| fid(b) as f64 - 100.0))
            .collect();
        assert!(
            recover_p_centres(&few, &fid, &prev, fs)
                .iter()
                .all(Option::is_none)
        );
        // A premature beat (RR 60 % of the others) expects no P at the dominant interval.
        let early = |b: usize| if b == 4 { 400 + 4 * 500 - 200 } else { fid(b) };
        let prev_early = |b: usize| b.checked_sub(1).map(early);
        let r = recover_p_centres(&centre, &early, &prev_early, fs);
        assert_eq!(r[4], None);
        assert!(r[3].is_some());
        // A stretch of beats without P (an AF episode beside sinus beats): only its edges,
        // next to a beat with a P, are searched.
        let episode: Vec<Option<f64>> = (0..12)
            .map(|b| (!(3..9).contains(&b)).then(|| fid(b) as f64 - 100.0))
            .collect();
        let r = recover_p_centres(&episode, &fid, &prev, fs);
        let searched: Vec<usize> = (0..12).filter(|&b| r[b].is_some()).collect();
        assert_eq!(searched, [3, 8]);
    }

    /// Twelve leads of three beats (fiducials at 1, 2 and 3 s, 500 Hz): a 1 mV QRS, a 0.3 mV
    /// T wave and a P wave 180 ms before each QRS of `p_mv[lead]` mV. Returns the per-lead
    /// waves after the consensus passes, before and after [`faint_p`].
    fn three_beats(p_mv: &[f64; 12]) -> (Vec<Vec<BeatWaves>>, Vec<Vec<BeatWaves>>) {
        let fs = 500.0;
        let fids = [500usize, 1000, 1500];
        let g = |k: usize, c: f64, w: f64| (-((k as f64 - c) / w).powi(2) / 2.0).exp();
        let xs: Vec<Vec<f64>> = p_mv
            .iter()
            .map(|&pa| {
                (0..2000)
                    .map(|k| {
                        fids.iter()
                            .map(|&f| {
                                let f = f as f64;
                                g(k, f, 5.0)
                                    + 0.3 * g(k, f + 150.0, 20.0)
                                    + pa * g(k, f - 90.0, 11.0)
                            })
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let views: Vec<LeadView<'_>> = xs.iter().map(|x| LeadView::new(x, fs)).collect();
        let ctx = |pl: &[Vec<BeatWaves>], l: usize, i: usize| BeatContext {
            fid: fids[i],
            prev: i.checked_sub(1).map(|k| fids[k]),
            next: fids.get(i + 1).copied(),
            rr: 500.0,
            prev_t_off: i
                .checked_sub(1)
                .and_then(|k| pl[l][k].t.and_then(|t| t.off)),
            want_p: true,
            p_min_mv: P_MIN_MV,
            p_reach_ms: P_REACH_MS,
            spike: None,
            p_on_t: None,
            prev_t_peak: None,
        };
        let mut per_lead: Vec<Vec<BeatWaves>> = (0..12).map(|_| Vec::new()).collect();
        for i in 0..fids.len() {
            for l in 0..12 {
                let c = ctx(&per_lead, l, i);
                let w = delineate(&views[l], &c);
                per_lead[l].push(w);
            }
        }
        harmonise(&views, &mut per_lead, Kind::T, &ctx);
        harmonise(&views, &mut per_lead, Kind::P, &ctx);
        let before = per_lead.clone();
        faint_p(&views, &mut per_lead, &ctx);
        (before, per_lead)
    }

    fn p_peaks(per_lead: &[Vec<BeatWaves>], lead: usize) -> Vec<Option<usize>> {
        per_lead[lead]
            .iter()
            .map(|b| b.p.and_then(|p| p.peak))
            .collect()
    }

    #[test]
    fn a_p_wave_most_leads_show_is_found_where_it_is_faint() {
        // Clear (0.1 mV) in six leads, 0.004 mV in three (under the hinted 0.005 mV floor),
        // absent in three.
        let mut p = [0.1; 12];
        p[6..9].fill(0.004);
        p[9..].fill(0.0);
        let (before, after) = three_beats(&p);
        for l in 6..12 {
            assert_eq!(p_peaks(&before, l), [None; 3], "lead {l} before");
        }
        for l in 0..9 {
            for (b, pk) in p_peaks(&after, l).into_iter().enumerate() {
                let truth = 410 + 500 * b;
                assert!(
                    pk.is_some_and(|pk| pk.abs_diff(truth) <= 3),
                    "lead {l} beat {b}: {pk:?}"
                );
            }
        }
        // A flat lead shows nothing, whatever the others show.
        for l in 9..12 {
            assert_eq!(p_peaks(&after, l), [None; 3], "lead {l}");
        }
        // The clear leads are not touched.
        for l in 0..6 {
            assert_eq!(before[l], after[l]);
        }
    }

    #[test]
    fn a_p_wave_fewer_than_half_the_leads_show_is_not_searched_faintly() {
        // Clear in five leads of twelve (a consensus, under half), faint in four: the faint
        // leads stay without a P.
        let mut p = [0.0; 12];
        p[..5].fill(0.1);
        p[5..9].fill(0.004);
        let (before, after) = three_beats(&p);
        assert_eq!(before, after);
        for l in 0..5 {
            assert!(p_peaks(&after, l).iter().all(Option::is_some), "lead {l}");
        }
        for l in 5..12 {
            assert_eq!(p_peaks(&after, l), [None; 3], "lead {l}");
        }
    }

    #[test]
    fn global_p_onset_is_the_lower_quartile_of_the_leads() {
        let lead = |on: usize| BeatWaves {
            p: Some(Points {
                on: Some(on),
                peak: Some(150),
                off: Some(180),
            }),
            qrs: None,
            t: None,
        };
        let leads: Vec<BeatWaves> = [100, 104, 108, 112, 116, 120, 124, 128]
            .into_iter()
            .map(lead)
            .collect();
        assert_eq!(global_boundaries(&leads).p.unwrap().on, Some(108));
        assert_eq!(global_boundaries(&leads[..3]).p.unwrap().on, Some(100));
    }

    #[test]
    fn prominence_prefers_a_bump_over_a_ramp() {
        // A ramp from -0.3 up to 0, then a +0.08 bump, then flat: the largest deviation from
        // zero is the ramp's start, the most prominent extremum is the bump.
        let mut y: Vec<f64> = (0..50).map(|i| -0.3 + 0.3 * i as f64 / 50.0).collect();
        y.extend((0..40).map(|i| 0.08 * (std::f64::consts::PI * i as f64 / 40.0).sin()));
        y.extend(std::iter::repeat_n(0.0, 30));
        let (i, p) = prominent_extremum(&y, 0, y.len()).unwrap();
        assert!((65..=75).contains(&i), "{i}");
        assert!((p - 0.08).abs() < 1e-3, "{p}");
        // An inverted wave has negative prominence.
        let neg: Vec<f64> = y.iter().map(|v| -v).collect();
        let (_, p) = prominent_extremum(&neg, 0, neg.len()).unwrap();
        assert!((p + 0.08).abs() < 1e-3);
        // A monotonic window has no interior extremum.
        assert_eq!(prominent_extremum(&y, 0, 50), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whether a wave is under the noise, settled by counting where the count can tell,
        /// is the comparison with the median's noise level: for sizes far from it, near it
        /// and exactly at it.
        #[test]
        fn a_wave_under_the_noise_is_told_by_count_as_by_the_median(
            x in proptest::collection::vec(-0.3f64..0.3, 20..300),
            cut in (0usize..40, 0usize..40),
            ratio in 0.0f64..2.0,
            exact in proptest::prelude::any::<bool>(),
        ) {
            let v = LeadView::new(&x, 500.0);
            let (a, b) = (cut.0, x.len().saturating_sub(cut.1));
            let k = 1.5;
            let level = k * noise_level(&v, a, b);
            let size = if exact { level } else { ratio * level };
            proptest::prop_assert_eq!(under_noise(&v, a, b, size, k), size < level);
        }
    }

    /// [`prominent_extremum`] walking from every extremum (no bound): the definition.
    fn prominent_extremum_walking_all(y: &[f64], a: usize, b: usize) -> Option<(usize, f64)> {
        let b = b.min(y.len());
        if a + 2 >= b {
            return None;
        }
        let mut best: Option<(usize, f64)> = None;
        for i in a + 1..b - 1 {
            let sign = if y[i] >= y[i - 1] && y[i] > y[i + 1] {
                1.0
            } else if y[i] <= y[i - 1] && y[i] < y[i + 1] {
                -1.0
            } else {
                continue;
            };
            let h = sign * y[i];
            let walk = |ks: &mut dyn Iterator<Item = usize>| {
                let mut low = h;
                for k in ks {
                    let v = sign * y[k];
                    if v > h {
                        break;
                    }
                    low = if v < low { v } else { low };
                }
                low
            };
            let (left, right) = (walk(&mut (a..i).rev()), walk(&mut (i + 1..b)));
            let prom = h - left.max(right);
            if best.is_none_or(|(_, p)| prom > p.abs()) {
                best = Some((i, sign * prom));
            }
        }
        best
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Skipping the extrema that cannot win changes nothing: the same index and signed
        /// prominence, bit for bit, on ripples, plateaus (repeated values) and windows inside
        /// the signal.
        #[test]
        fn the_prominence_bound_only_skips_losers(
            steps in proptest::collection::vec(-8i32..8, 3..120),
            cut in (0usize..20, 0usize..20),
        ) {
            let y: Vec<f64> = steps.iter().map(|&v| v as f64 * 0.05).collect();
            let (a, b) = (cut.0.min(y.len()), y.len().saturating_sub(cut.1));
            let got = prominent_extremum(&y, a, b).map(|(i, p)| (i, p.to_bits()));
            let want = prominent_extremum_walking_all(&y, a, b).map(|(i, p)| (i, p.to_bits()));
            proptest::prop_assert_eq!(got, want);
        }
    }

    /// One lead at 500 Hz of beats every 200 samples (150/min): a QRS at each fiducial, a
    /// 0.3 mV T wave 90 samples after it, and the wave `p(k)` (mV at sample offset k from
    /// the fiducial) added before each QRS. Returns the P that [`p_on_t_descent`] finds for
    /// the beat at 1000 with the sinus polarity `pol`.
    fn p_on_t_of(p: &dyn Fn(f64) -> f64, pol: f64) -> Option<Points> {
        let fs = 500.0;
        let fids = [600usize, 800, 1000, 1200];
        let g = |k: f64, c: f64, w: f64| (-((k - c) / w).powi(2) / 2.0).exp();
        let x: Vec<f64> = (0..1400)
            .map(|i| {
                fids.iter()
                    .map(|&f| {
                        let k = i as f64 - f as f64;
                        g(k, 0.0, 5.0) + 0.3 * g(k, 90.0, 22.0) + p(k)
                    })
                    .sum()
            })
            .collect();
        let v = LeadView::new(&x, fs);
        let c = BeatContext {
            fid: 1000,
            prev: Some(800),
            next: Some(1200),
            rr: 200.0,
            prev_t_off: None,
            want_p: true,
            p_min_mv: P_MIN_MV,
            p_reach_ms: P_REACH_MS,
            spike: None,
            p_on_t: Some(pol),
            prev_t_peak: Some(890),
        };
        let q = qrs(&v, &c)?;
        p_on_t_descent(&v, &c, &q)
    }

    #[test]
    fn a_p_wave_on_the_t_downslope_is_found_as_a_hump_above_its_chord() {
        let g = |k: f64, c: f64, w: f64| (-((k - c) / w).powi(2) / 2.0).exp();
        // A 0.12 mV P 70 samples (140 ms) before the QRS, 40 samples past the T peak.
        let p = p_on_t_of(&|k| 0.12 * g(k, -70.0, 10.0), 1.0).expect("the P is found");
        let pk = p.peak.unwrap();
        assert!(pk.abs_diff(930) <= 3, "{p:?}");
        assert!(p.on.unwrap() < pk && pk < p.off.unwrap());
        // The T wave alone has no hump on its downslope; a P of the other polarity than the
        // lead's sinus P is not taken.
        assert_eq!(p_on_t_of(&|_| 0.0, 1.0), None);
        assert_eq!(p_on_t_of(&|k| 0.12 * g(k, -70.0, 10.0), -1.0), None);
        // Flutter at 300/min conducted 2:1 (as in the inferior leads: a deep negative wave
        // and its smaller positive return, every 100 samples): its positive return on the T
        // downslope is no P on the T wave.
        let flutter_wave = |k: f64| -0.25 * g(k, 0.0, 17.0) + 0.12 * g(k, 35.0, 20.0);
        let saw = |k: f64| flutter_wave(k + 130.0) + flutter_wave(k + 30.0);
        assert_eq!(p_on_t_of(&saw, 1.0), None);
    }

    #[test]
    fn the_t_wave_descent_ends_where_a_wave_rises_out_of_it() {
        let g = |k: f64, c: f64, w: f64| (-((k - c) / w).powi(2) / 2.0).exp();
        // A 0.3 mV T wave at 100 (SD 22 samples), and a 0.15 mV P wave rising out of its end
        // (at 175, SD 10): the descent ends at the trough between them, before the P's
        // downslope, steeper than the T's.
        let t = |k: f64| 0.3 * g(k, 100.0, 22.0);
        let with_p: Vec<f64> = (0..300)
            .map(|k| t(k as f64) + 0.15 * g(k as f64, 175.0, 10.0))
            .collect();
        let end = t_descent_end(&with_p, 100, 190, 0.0, 0.3);
        assert!((145..=160).contains(&end), "{end}");
        let steepest = |to: usize| {
            (100..=to)
                .min_by(|&a, &b| {
                    (with_p[a + 1] - with_p[a]).total_cmp(&(with_p[b + 1] - with_p[b]))
                })
                .unwrap()
        };
        assert!(steepest(190) > 175, "the P's downslope is the steeper one");
        assert!(steepest(end) < 140, "on the T's own descent");
        // Inverted T and P (aVR): the same.
        let neg: Vec<f64> = with_p.iter().map(|v| -v).collect();
        assert_eq!(t_descent_end(&neg, 100, 190, 0.0, -0.3), end);
        // The T alone, or a bifid T whose notch lies high (0.16 mV, half the T, before a
        // second hump of 0.3 mV): no end before `m_end`.
        let alone: Vec<f64> = (0..300).map(|k| t(k as f64)).collect();
        assert_eq!(t_descent_end(&alone, 100, 190, 0.0, 0.3), 190);
        let bifid: Vec<f64> = (0..300)
            .map(|k| t(k as f64) + 0.3 * g(k as f64, 160.0, 15.0))
            .collect();
        assert_eq!(t_descent_end(&bifid, 100, 190, 0.0, 0.3), 190);
        // A ripple smaller than the bounds (0.02 mV after the T) is no wave.
        let ripple: Vec<f64> = (0..300)
            .map(|k| t(k as f64) + 0.02 * g(k as f64, 170.0, 8.0))
            .collect();
        assert_eq!(t_descent_end(&ripple, 100, 190, 0.0, 0.3), 190);
    }

    fn pts(pk: usize) -> Option<Points> {
        Some(Points {
            on: Some(pk - 20),
            peak: Some(pk),
            off: Some(pk + 20),
        })
    }

    #[test]
    fn a_p_wave_in_one_lead_of_six_is_dropped() {
        let fs = 500.0;
        let x = vec![0.0; 1000];
        let views: Vec<LeadView<'_>> = (0..6).map(|_| LeadView::new(&x, fs)).collect();
        let beat = |p: Option<Points>| BeatWaves {
            p,
            qrs: pts(500),
            t: None,
        };
        let mut per_lead: Vec<Vec<BeatWaves>> = (0..6)
            .map(|l| vec![beat(if l == 0 { pts(420) } else { None })])
            .collect();
        let ctx = |_: &[Vec<BeatWaves>], _: usize, _: usize| BeatContext {
            fid: 500,
            prev: None,
            next: None,
            rr: fs,
            prev_t_off: None,
            want_p: true,
            p_min_mv: P_MIN_MV,
            p_reach_ms: P_REACH_MS,
            spike: None,
            p_on_t: None,
            prev_t_peak: None,
        };
        harmonise(&views, &mut per_lead, Kind::P, &ctx);
        assert!(per_lead.iter().all(|l| l[0].p.is_none()));
        // Found in three leads: kept there; the flat leads have nothing to add.
        for l in per_lead.iter_mut().take(3) {
            l[0].p = pts(420);
        }
        harmonise(&views, &mut per_lead, Kind::P, &ctx);
        assert_eq!(per_lead.iter().filter(|l| l[0].p.is_some()).count(), 3);
    }
}
